"""The package the template tests read: ``make package``'s build, done once for the whole directory
(package scope: its tests are split by subject over several files, and `make test` runs them on one worker)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.package import package


@pytest.fixture(scope="package")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield package("prod", tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="package")
def template(packaged: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(packaged.read_text())
    return loaded
