"""The local outbox keeps non-ASCII recipients readable (RFC 6532), and
``python -m chalicelib.cli outbox --to EMAIL`` finds the mail sent to them
(issue 21, defect 10; docs/api.md "Running it locally")."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from chalicelib.adapters.config import reset_settings, settings
from chalicelib.adapters.mail import Message, OutboxMailer, mails_to, read_outbox, recipient
from chalicelib.admin import cli
from chalicelib.domain.ids import new_id
from tests.support.api import Api
from tests.support.factories import contact_spec, new_account


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[Any], str]:
    """Run the CLI; it applies the local stage's settings where the environment has none: restore them after."""
    capsys.readouterr()  # what the API logged before
    saved = dict(os.environ)
    try:
        code = cli.main(args)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()
    out = capsys.readouterr()
    return code, [json.loads(line) for line in out.out.splitlines() if line.strip()], out.err


def test_the_outbox_writes_a_non_ascii_recipient_in_utf8_not_in_encoded_words(tmp_path: Path) -> None:
    to = "liam.garcía@exämple.example"
    OutboxMailer(tmp_path, "Dossier <no-reply@dossier.example>").send(Message(to, "Grüße", "Hallo", "invitation"))
    (raw,) = [p.read_bytes() for p in tmp_path.glob("*.eml")]
    assert f"To: {to}".encode() in raw
    assert b"=?utf-8?" not in raw.split(b"\n\n")[0].lower()
    (message,) = read_outbox(tmp_path)
    assert recipient(message) == to and str(message["Subject"]) == "Grüße"
    assert [recipient(m) for m in mails_to(tmp_path, unicodedata.normalize("NFD", to.upper()))] == [to]


def test_an_older_outbox_file_with_encoded_words_is_still_found(tmp_path: Path) -> None:
    (tmp_path / "01OLD.eml").write_bytes(b"To: liam.=?utf-8?q?garc=C3=ADa?=@client.example\nSubject: x\n\nhi\n")
    assert [recipient(m) for m in mails_to(tmp_path, "LIAM.GARCÍA@client.example")] == ["liam.garcía@client.example"]


def test_cli_outbox_to_prints_the_latest_invitation_to_a_non_ascii_address(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    address = unicodedata.normalize("NFC", f"liam.garcía.{new_id().lower()}@client.example")
    account = new_account(api, "García", contacts=[contact_spec("Liam", "García", emails=[address])])
    contact_id = account["contacts"][0]["id"]
    assert api.post(f"/contacts/{contact_id}/emails/{quote(address, safe='@')}/invite").status == 200

    typed = unicodedata.normalize("NFD", address).upper()
    code, (shown,), _ = run_cli(["outbox", "--to", typed], capsys)
    assert code == 0
    assert shown["to"] == address and shown["kind"] == "invitation"
    assert shown["subject"] and "/accept#token=" in shown["text"]
    accept = [link for link in shown["links"] if "/accept#token=" in link]
    assert len(accept) == 1 and accept[0].startswith(settings().portal_url), shown["links"]

    code, listed, _ = run_cli(["mail", "outbox", "--to", typed, "--last", "5"], capsys)
    assert code == 0 and [m["to"] for m in listed] == [address] and "accept" in listed[0]


def test_cli_outbox_to_an_address_without_mail_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, printed, err = run_cli(["outbox", "--to", f"nobody.{new_id().lower()}@client.example"], capsys)
    assert (code, printed) == (1, []) and "no mail to" in err
