"""A bounded Schemathesis run against the served API (Chalice's local server
on DynamoDB Local, the demo firm, its owner's token): no 5xx, and every
response conforms to /openapi.json. ``make fuzz`` runs a longer campaign."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib.handlers.http.endpoint import ROUTES
from devtools.fuzz import CHECKS, schemathesis, served

pytestmark = pytest.mark.integration


def test_schemathesis_finds_no_server_error_and_no_response_off_the_document(tmp_path: Path) -> None:
    with served(tmp_path) as stack:
        run = schemathesis(stack, tmp_path, max_examples=4, seed=20261127, report_dir=tmp_path / "report", capture=True)
    summary = run.stdout[run.stdout.find("SUMMARY") :]
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-4000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", summary)
    tested = re.search(r"Tested: (\d+)", summary)
    assert selected and tested and selected.group(1) == selected.group(2) == tested.group(1)  # all operations
    assert int(tested.group(1)) >= len(ROUTES) - 1  # Schemathesis does not test the document's own route
    assert "not_a_server_error" in CHECKS and "response_schema_conformance" in CHECKS
