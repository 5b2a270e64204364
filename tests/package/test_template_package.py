"""The deployable template as ``make package`` builds it (tests/package/conftest.py): the code zip,
cfn-lint, and the stores (the table and the buckets).

These tests read what CloudFormation would receive, not our template's fragments.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chalicelib.repo import keys
from tests.support.cfn_template import resources_of

pytestmark = pytest.mark.integration


def test_the_template_passes_cfn_lint(packaged: Path) -> None:
    found = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), str(packaged)], capture_output=True, text=True, check=False
    )
    assert found.returncode == 0, found.stdout + found.stderr


def test_the_table_keeps_its_data_and_feeds_the_stream(template: dict[str, Any]) -> None:
    table = template["Resources"]["DossierTable"]
    props = table["Properties"]
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert props["TimeToLiveSpecification"] == {"AttributeName": keys.TTL_ATTRIBUTE, "Enabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_the_buckets_are_private_and_encrypted(template: dict[str, Any]) -> None:
    buckets = resources_of(template, "AWS::S3::Bucket")
    assert {"PhotosBucket", "InboundMailBucket"} <= set(buckets)
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert all(props["PublicAccessBlockConfiguration"].values())
    assert buckets["PhotosBucket"]["DeletionPolicy"] == "Retain"


def test_the_code_zip_holds_the_app_compiled_and_nothing_of_the_tests(packaged: Path) -> None:
    with zipfile.ZipFile(packaged.parent / "deployment.zip") as archive:
        names = set(archive.namelist())
    assert "app.py" in names and "chalicelib/handlers/http/endpoint.py" in names
    # Lambda cannot write bytecode itself: the app and its dependencies come compiled
    compiled = f"cpython-{sys.version_info.major}{sys.version_info.minor}.pyc"
    assert {f"__pycache__/app.{compiled}", f"chalicelib/handlers/http/__pycache__/endpoint.{compiled}"} <= names
    assert f"pydantic/__pycache__/main.{compiled}" in names
    assert not any(n.startswith(("tests/", "devtools/", "bench/", "infra/")) for n in names)
    assert any(n.startswith("aws_lambda_powertools/") for n in names)
