"""Email sync (issue 5, part 2), the two ways in: the ``receive_email`` Lambda with an SES
receipt-rule event and moto S3, and the ``mail receive`` CLI run in-process.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import boto3
import pytest

from chalicelib.adapters.config import reset_settings
from chalicelib.adapters.config import settings as settings_now
from chalicelib.admin import cli
from chalicelib.repo.table import Table
from tests.support.api import Api, TestFirm, make_firm, snapshot
from tests.support.inbound import Body, message, new_sync

# --- the receive_email Lambda (SES receipt rule → S3 → Lambda) ------------------------------------------

BUCKET: Final = "dossier-inbound-test"
DOMAIN: Final = "in.dossier.example"


@pytest.fixture
def inbound_bucket(moto_table: Table, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Moto S3 with the inbound bucket, and the settings naming it."""
    monkeypatch.setenv("INBOUND_BUCKET", BUCKET)
    monkeypatch.setenv("INBOUND_PREFIX", "inbound/")
    monkeypatch.setenv("INBOUND_DOMAIN", DOMAIN)
    reset_settings()
    # Cached now: the Chalice test client runs each request under the "dev" stage's variables.
    assert settings_now().inbound_bucket == BUCKET
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    yield s3
    reset_settings()


def ses_event(
    message_id: str,
    recipients: list[str],
    *,
    spam: str = "PASS",
    virus: str = "PASS",
    spf: str = "PASS",
    dkim: str = "PASS",
    dmarc: str = "PASS",
) -> Body:
    """An SES receipt rule's Lambda invocation (its S3 action stored the message first)."""
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {
                        "timestamp": "2026-11-24T16:42:05.000Z",
                        "source": "anna@client.example",
                        "messageId": message_id,
                        "destination": recipients,
                        "headersTruncated": False,
                    },
                    "receipt": {
                        "timestamp": "2026-11-24T16:42:05.000Z",
                        "processingTimeMillis": 420,
                        "recipients": recipients,
                        "spamVerdict": {"status": spam},
                        "virusVerdict": {"status": virus},
                        "spfVerdict": {"status": spf},
                        "dkimVerdict": {"status": dkim},
                        "dmarcVerdict": {"status": dmarc},
                        "action": {"type": "Lambda", "functionArn": "arn:aws:lambda:us-east-1:0:function:receive"},
                    },
                },
            }
        ]
    }


def test_the_lambda_records_a_message_from_s3(api_moto: tuple[Api, TestFirm], inbound_bucket: Any) -> None:
    from app import receive_email

    api, firm = api_moto
    s = new_sync(api, firm)
    inbound_bucket.put_object(Bucket=BUCKET, Key="inbound/ses-1", Body=message(sender=s.synced))
    recipient = f"{firm.firm_id.lower()}@{DOMAIN}"  # the local part in any case
    assert receive_email(ses_event("ses-1", [recipient]), None) == {"outcomes": ["recorded"]}
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]
    # SES delivering the same event again
    assert receive_email(ses_event("ses-1", [recipient]), None) == {"outcomes": ["duplicate"]}
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]


def test_the_lambda_drops_spam_viruses_and_other_recipients(
    api_moto: tuple[Api, TestFirm], moto_table: Table, inbound_bucket: Any
) -> None:
    from app import receive_email

    api, firm = api_moto
    s = new_sync(api, firm)
    inbound_bucket.put_object(Bucket=BUCKET, Key="inbound/ses-2", Body=message(sender=s.synced))
    mine = f"{firm.firm_id}@{DOMAIN}"
    before = snapshot(moto_table)
    assert receive_email(ses_event("ses-2", [mine], spam="FAIL"), None) == {"outcomes": ["rejected"]}
    assert receive_email(ses_event("ses-2", [mine], virus="FAIL"), None) == {"outcomes": ["rejected"]}
    foreign = [f"{firm.firm_id}@other.example", f"someone@{DOMAIN}"]
    assert receive_email(ses_event("ses-2", foreign), None) == {"outcomes": ["unknown_recipient"]}
    assert snapshot(moto_table) == before
    # a sender SES could not authenticate may be forged: the From address is what sync trusts
    for verdicts in (
        {"dmarc": "FAIL"},
        {"spf": "FAIL", "dkim": "FAIL"},
        {"spf": "GRAY", "dkim": "GRAY", "dmarc": "GRAY"},
    ):
        assert receive_email(ses_event("ses-2", [mine], **verdicts), None) == {"outcomes": ["unverified_sender"]}
    assert snapshot(moto_table) == before
    # a gray spam verdict is not a failure; DKIM alone authenticates the sender
    got = receive_email(ses_event("ses-2", [mine], spam="GRAY", spf="FAIL", dmarc="GRAY"), None)
    assert got == {"outcomes": ["recorded"]}


def test_the_lambda_records_once_per_firm_addressed(
    api_moto: tuple[Api, TestFirm], moto_table: Table, inbound_bucket: Any
) -> None:
    from app import receive_email

    api, firm = api_moto
    s = new_sync(api, firm)
    other_firm = make_firm(moto_table, "Other & Co")
    inbound_bucket.put_object(Bucket=BUCKET, Key="inbound/ses-3", Body=message(sender=s.synced))
    recipients = [f"{firm.firm_id}@{DOMAIN}", f"{firm.firm_id.lower()}@{DOMAIN}", f"{other_firm.firm_id}@{DOMAIN}"]
    outcomes = receive_email(ses_event("ses-3", recipients), None)["outcomes"]
    assert sorted(outcomes) == ["recorded", "unknown_sender"]
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]


@pytest.fixture
def api_moto(moto_table: Table) -> Iterator[tuple[Api, TestFirm]]:
    from chalice.test import Client

    from app import app

    firm = make_firm(moto_table)
    with Client(app) as http:
        yield Api(http, firm.owner_token), firm


# --- the CLI: python -m chalicelib.cli mail receive --------------------------------------------------------


@pytest.fixture
def cli_env(table: Table) -> Iterator[None]:
    """The CLI applies the local stage's settings where the environment sets
    none (e.g. DYNAMODB_ENDPOINT for moto): keep the test's, and restore all after."""
    saved = dict(os.environ)
    os.environ.setdefault("DYNAMODB_ENDPOINT", "")  # moto: no endpoint
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    code = cli.main(args)
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out else None


def test_the_cli_records_a_message_from_a_file(
    api: Api, firm: TestFirm, table: Table, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = new_sync(api, firm)
    path = tmp_path / "message.eml"
    path.write_bytes(message(sender=s.synced, message_id="<cli-file@client.example>"))
    code, out = run_cli(["mail", "receive", "--firm", firm.firm_id, str(path)], capsys)
    assert (code, out) == (0, {"outcome": "recorded", "account_ids": s.account_ids})
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]
    code, out = run_cli(["mail", "receive", "--firm", firm.firm_id, str(path)], capsys)
    assert (code, out) == (0, {"outcome": "duplicate", "account_ids": []})


def test_the_cli_reads_standard_input(
    api: Api,
    firm: TestFirm,
    table: Table,
    cli_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = new_sync(api, firm)
    for raw, expected in [
        (message(sender=s.synced, message_id="<cli-stdin@client.example>"), "recorded"),
        (message(sender=s.unsynced), "sync_off"),
        (b"nonsense", "unreadable"),
    ]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        code, out = run_cli(["mail", "receive", "--firm", firm.firm_id], capsys)
        assert (code, out["outcome"]) == (0, expected), out
    assert [len(s.emails(api, a)) for a in s.account_ids] == [1, 1]
