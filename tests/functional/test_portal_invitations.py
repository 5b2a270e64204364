"""Portal invitations through the HTTP API: invite (and resend), the mail and
its link, acceptance (once), revocation, expiry, who may invite, and that the
token is only ever in the mail: never in an answer, the table or a log."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.repo.table import Table, from_wire
from tests.support.api import Api, Reply, TestFirm, make_firm, nothing_written, snapshot
from tests.support.factories import contact_spec, new_account, unique_email
from tests.support.portal import activate, email_path, invite, latest_token, mails_to, token_in
from tests.support.problems import assert_problem

ACCEPT = "/portal/invites/accept"
EMAIL_OUT_KEYS = {
    "address",
    "login",
    "notify",
    "notification_preferences",
    "email_sync",
    "signing_authority",
    "invitation",
    "login_since",
    "delivery_problem",
    "version",
}


@dataclass(frozen=True)
class Person:
    account_id: str
    contact_id: str
    address: str

    @property
    def path(self) -> str:
        return email_path(self.contact_id, self.address)


@pytest.fixture
def person(api: Api) -> Person:
    """An account whose one contact has one address (login none)."""
    address = unique_email("client")
    account = new_account(api, "Portal Ltd", contacts=[contact_spec(emails=[address])])
    contact = account["contacts"][0]
    assert contact["emails"][0]["address"] == address
    assert contact["emails"][0]["login"] == "none"
    return Person(account["id"], contact["id"], address)


def accept(api: Api, token: str) -> Reply:
    """Accept as the client does: no Authorization header."""
    return api.as_(None).post(ACCEPT, {"token": token})


def secret_of(token: str) -> str:
    return token.split(".", 1)[1]


def hash_of(token: str) -> str:
    return hashlib.sha256(secret_of(token).encode()).hexdigest()


def invitation_items(table: Table, address: str) -> list[dict[str, Any]]:
    """The stored invitations sent to ``address`` (any state)."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": table.name,
        "FilterExpression": "#e = :e AND #a = :a",
        "ExpressionAttributeNames": {"#e": "entity", "#a": "address"},
        "ExpressionAttributeValues": {":e": {"S": "invitation"}, ":a": {"S": address}},
    }
    while True:
        page = table.client.scan(**kwargs)
        items.extend(from_wire(i) for i in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def age_invitation(table: Table, token: str, address: str, valid_until: str) -> None:
    """Test setup: move the invitation's expiry (``valid_until``) to ``valid_until``."""
    found = [i for i in invitation_items(table, address) if i["PK"].endswith("#INVITE#" + hash_of(token))]
    assert len(found) == 1, found
    table.client.update_item(
        TableName=table.name,
        Key={"PK": {"S": found[0]["PK"]}, "SK": {"S": found[0]["SK"]}},
        UpdateExpression="SET valid_until = :v",
        ExpressionAttributeValues={":v": {"S": valid_until}},
    )


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def invitation_count(address: str) -> int:
    return len([m for m in mails_to(address) if m["X-Dossier-Kind"] == "invitation"])


# --- invite, mail, answers -------------------------------------------------------------


def test_invite_mails_a_link_and_the_answers_agree(api: Api, table: Table, firm: TestFirm, person: Person) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    r = api.post(person.path + "/invite")
    assert r.status == 200, r.body
    body = r.body
    assert set(body) == EMAIL_OUT_KEYS, body
    assert body["address"] == person.address
    assert body["login"] == "invited"
    assert body["login_since"] is None
    assert set(body["invitation"]) == {"sent_at", "expires_at", "delivery"}
    assert body["invitation"]["delivery"] == "sent"
    sent_at, expires_at = parse_time(body["invitation"]["sent_at"]), parse_time(body["invitation"]["expires_at"])
    assert before <= sent_at <= datetime.now(UTC)
    assert expires_at - sent_at == timedelta(days=7)
    assert r.etag == f'"{body["version"]}"'

    got = api.get(person.path)
    assert got.status == 200, got.body
    assert got.body == body
    assert got.etag == r.etag
    contact = api.get(f"/contacts/{person.contact_id}")
    assert contact.status == 200, contact.body
    assert contact.body["emails"] == [body]

    mails = mails_to(person.address)
    assert len(mails) == 1
    mail = mails[0]
    assert mail["X-Dossier-Kind"] == "invitation"
    assert mail["To"] == person.address
    assert "Test & Co" in mail["Subject"]
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    token = token_in(mail)
    assert f"https://portal.test.example/accept#token={token}" in text.get_content()
    assert re.fullmatch(re.escape(firm.firm_id) + r"\.[0-9A-Za-z_-]{43}", token), token

    # Only the token's hash is stored, in the invitation item the brief names.
    items = invitation_items(table, person.address)
    assert len(items) == 1, items
    item = items[0]
    assert item["PK"] == f"FIRM#{firm.firm_id}#INVITE#{hash_of(token)}"
    assert item["SK"] == "INVITE"
    assert item["contact_id"] == person.contact_id
    assert item["state"] == "pending"
    assert item["valid_until"] == body["invitation"]["expires_at"]
    assert int(item["expires_at"]) > expires_at.timestamp()  # the TTL outlives the expiry


def test_accept_activates_the_address_once(api: Api, table: Table, firm: TestFirm, person: Person) -> None:
    token = invite(api, person.contact_id, person.address)
    r = accept(api, token)
    assert r.status == 200, r.body
    assert set(r.body) == {"address", "login", "login_since", "firm"}
    assert r.body["address"] == person.address
    assert r.body["login"] == "active"
    assert r.body["firm"] == {"id": firm.firm_id, "name": "Test & Co"}
    since = parse_time(r.body["login_since"])
    assert abs(datetime.now(UTC) - since) < timedelta(minutes=1)

    got = api.get(person.path)
    assert got.status == 200, got.body
    assert got.body["login"] == "active"
    assert got.body["login_since"] == r.body["login_since"]
    assert got.body["invitation"] is None
    assert got.etag == f'"{got.body["version"]}"'
    assert [i["state"] for i in invitation_items(table, person.address)] == ["accepted"]

    with nothing_written(table):
        assert_problem(accept(api, token), 409)
    assert api.get(person.path).body == got.body


def test_unknown_malformed_and_foreign_tokens_are_not_found(
    api: Api, table: Table, firm: TestFirm, person: Person
) -> None:
    token = invite(api, person.contact_id, person.address)
    other = make_firm(table, "Other & Co")
    secret = secret_of(token)
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    wrong = [
        f"{firm.firm_id}.{'A' * 43}",  # well-formed, unknown
        f"{firm.firm_id}.{flipped}",
        f"{other.firm_id}.{secret}",  # the secret under another firm's prefix
        token[:-1],
        token + "A",
        secret,
        f".{secret}",
        f"{firm.firm_id}.",
        "not-a-token",
        f" {token}",
        token.replace(".", "#", 1),
    ]
    with nothing_written(table):
        for bad in wrong:
            assert_problem(accept(api, bad), 404)
    assert api.get(person.path).body["login"] == "invited"
    assert accept(api, token).status == 200


# --- resend, revoke, expiry ------------------------------------------------------------------


def test_resend_replaces_the_previous_token(api: Api, table: Table, person: Person) -> None:
    first = invite(api, person.contact_id, person.address)
    r = api.post(person.path + "/invite")
    assert r.status == 200, r.body
    assert r.body["login"] == "invited"
    assert r.body["invitation"]["delivery"] == "sent"
    second = latest_token(person.address)
    assert second != first
    assert invitation_count(person.address) == 2

    with nothing_written(table):
        assert_problem(accept(api, first), 409)
    ok = accept(api, second)
    assert ok.status == 200, ok.body
    with nothing_written(table):
        assert_problem(accept(api, first), 409)
        assert_problem(accept(api, second), 409)
    assert api.get(person.path).body["login"] == "active"


def test_revoking_an_invitation_invalidates_its_token(api: Api, table: Table, person: Person) -> None:
    token = invite(api, person.contact_id, person.address)
    r = api.patch(person.path, {"login": "none"})
    assert r.status == 200, r.body
    assert r.body["login"] == "none"
    assert r.body["invitation"] is None
    assert r.body["login_since"] is None
    assert r.etag == f'"{r.body["version"]}"'
    with nothing_written(table):
        assert_problem(accept(api, token), 409)
    assert api.get(person.path).body == r.body

    # A new invitation after the revocation works; the revoked one still does not.
    again = invite(api, person.contact_id, person.address)
    with nothing_written(table):
        assert_problem(accept(api, token), 409)
    assert accept(api, again).status == 200


def test_revoking_active_access_and_inviting_again(api: Api, table: Table, person: Person) -> None:
    activate(api, person.contact_id, person.address)
    r = api.patch(person.path, {"login": "none"})
    assert r.status == 200, r.body
    assert (r.body["login"], r.body["login_since"], r.body["invitation"]) == ("none", None, None)

    token = invite(api, person.contact_id, person.address)
    assert api.get(person.path).body["login"] == "invited"
    ok = accept(api, token)
    assert ok.status == 200, ok.body
    got = api.get(person.path).body
    assert (got["login"], got["login_since"]) == ("active", ok.body["login_since"])


def test_an_expired_invitation_is_gone(api: Api, table: Table, person: Person) -> None:
    token = invite(api, person.contact_id, person.address)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds").replace("+00:00", "Z")
    age_invitation(table, token, person.address, past)
    before = api.get(person.path).body
    with nothing_written(table):
        body = assert_problem(accept(api, token), 410)
    assert token not in json.dumps(body)
    assert api.get(person.path).body == before
    assert [i["state"] for i in invitation_items(table, person.address)] == ["pending"]

    fresh = invite(api, person.contact_id, person.address)
    assert accept(api, fresh).status == 200
    with nothing_written(table):
        late = accept(api, token)  # expired and replaced: either refusal is right
        assert_problem(late, late.status if late.status in (409, 410) else 410)


# --- PATCH login ---------------------------------------------------------------------------------


def test_patch_login_invited_sends_the_invitation_with_the_other_settings(
    api: Api, table: Table, person: Person
) -> None:
    change = {
        "login": "invited",
        "notify": False,
        "email_sync": True,
        "signing_authority": False,
        "notification_preferences": {"new_message": False},
    }
    r = api.patch(person.path, change)
    assert r.status == 200, r.body
    assert r.body["login"] == "invited"
    assert r.body["invitation"] is not None and r.body["invitation"]["delivery"] == "sent"
    assert (r.body["notify"], r.body["email_sync"], r.body["signing_authority"]) == (False, True, False)
    assert r.body["notification_preferences"] == {"new_message": False}
    assert r.etag == f'"{r.body["version"]}"'
    assert api.get(person.path).body == r.body
    assert invitation_count(person.address) == 1

    ok = accept(api, latest_token(person.address))
    assert ok.status == 200, ok.body
    got = api.get(person.path).body
    assert got["login"] == "active"
    assert (got["notify"], got["email_sync"], got["signing_authority"]) == (False, True, False)
    assert got["notification_preferences"] == {"new_message": False}


def test_patch_login_invited_with_a_stale_etag_sends_nothing(api: Api, table: Table, person: Person) -> None:
    version = api.get(person.path).body["version"]
    with nothing_written(table):
        assert_problem(
            api.patch(person.path, {"login": "invited", "notify": False}, headers={"If-Match": f'"{version + 5}"'}), 412
        )
    assert mails_to(person.address) == []
    r = api.patch(person.path, {"login": "invited"}, headers={"If-Match": f'"{version}"'})
    assert r.status == 200, r.body
    assert invitation_count(person.address) == 1


def test_an_active_address_cannot_be_invited(api: Api, table: Table, person: Person) -> None:
    activate(api, person.contact_id, person.address)
    with nothing_written(table):
        assert_problem(api.post(person.path + "/invite"), 409)
        assert_problem(api.patch(person.path, {"login": "invited"}), 409)
        assert_problem(api.patch(person.path, {"login": "invited", "notify": False}), 409)
    assert invitation_count(person.address) == 1
    got = api.get(person.path).body
    assert (got["login"], got["notify"]) == ("active", True)


# --- who may invite ----------------------------------------------------------------------------------


def test_who_may_invite(api: Api, client: Client, table: Table, firm: TestFirm, person: Person) -> None:
    _, reader = firm.add_member("employee", view_all=True, manage=False)
    _, outsider = firm.add_member("employee", view_all=False, manage=True)
    teammate_id, teammate = firm.add_member("employee", view_all=False, manage=True)
    _, admin = firm.add_member("admin")
    stranger = make_firm(table, "Elsewhere LLP")
    with nothing_written(table):
        assert_problem(api.as_(reader).post(person.path + "/invite"), 403)
        assert_problem(api.as_(reader).patch(person.path, {"login": "invited"}), 403)
        assert_problem(api.as_(outsider).post(person.path + "/invite"), 404)
        assert_problem(api.as_(outsider).patch(person.path, {"login": "invited"}), 404)
        assert_problem(api.as_(stranger.owner_token).post(person.path + "/invite"), 404)
        assert_problem(api.as_(stranger.owner_token).patch(person.path, {"login": "invited"}), 404)
        assert_problem(api.as_(None).post(person.path + "/invite"), 401)
    assert mails_to(person.address) == []

    r = api.as_(admin).post(person.path + "/invite")
    assert r.status == 200, r.body
    assert r.body["login"] == "invited"

    # An employee with "manage accounts" on the account's team may invite its contacts.
    address = unique_email("team")
    account = new_account(api, "Team Account", contacts=[contact_spec(emails=[address])], team_member_ids=[teammate_id])
    path = email_path(account["contacts"][0]["id"], address)
    r = api.as_(teammate).post(path + "/invite")
    assert r.status == 200, r.body
    assert accept(api, latest_token(address)).status == 200


def test_an_address_of_another_contact_is_not_found(api: Api, table: Table, person: Person) -> None:
    other = new_account(api, "Other Ltd", contacts=[contact_spec(emails=[unique_email("other")])])
    wrong_path = email_path(other["contacts"][0]["id"], person.address)
    with nothing_written(table):
        assert_problem(api.post(wrong_path + "/invite"), 404)
        assert_problem(api.post(email_path(person.contact_id, unique_email("nobody")) + "/invite"), 404)
    assert mails_to(person.address) == []


# --- the accept request ----------------------------------------------------------------------------


def test_accept_validates_its_body(api: Api, table: Table, person: Person) -> None:
    token = invite(api, person.contact_id, person.address)
    anonymous = api.as_(None)
    with nothing_written(table):
        assert_problem(anonymous.post(ACCEPT, {}), 400, loc=("body", "token"))
        assert_problem(anonymous.post(ACCEPT, {"token": token, "extra": 1}), 400, loc=("body", "extra"))
        assert_problem(anonymous.post(ACCEPT, {"token": 12345}), 400, loc=("body", "token"))
        assert_problem(anonymous.post(ACCEPT, {"token": None}), 400, loc=("body", "token"))
        assert_problem(anonymous.post(ACCEPT, {"token": [token]}), 400, loc=("body", "token"))
        assert_problem(anonymous.post(ACCEPT, {"token": ""}), 400, loc=("body", "token"))
        assert_problem(anonymous.post(ACCEPT, {"token": "A" * 201}), 400, loc=("body", "token"))
        assert_problem(anonymous.post(ACCEPT, [token]), 400, loc=("body",))
        assert_problem(anonymous.post(ACCEPT, raw=b'{"token": '), 400, loc=("body",))
        assert_problem(anonymous.post(ACCEPT), 400, loc=("body",))
    assert accept(api, token).status == 200


def test_accept_ignores_who_is_signed_in(api: Api, table: Table, firm: TestFirm, person: Person) -> None:
    """The client has no bearer token; a firm member's token neither helps nor hurts."""
    token = invite(api, person.contact_id, person.address)
    _, reader = firm.add_member("employee")
    r = api.as_(reader).post(ACCEPT, {"token": token})
    assert r.status == 200, r.body
    assert r.body["login"] == "active"


# --- the token is only in the mail ---------------------------------------------------------------------


class RecordingApi(Api):
    """The API, keeping every answer (status line aside) as text."""

    def __init__(self, client: Client, token: str | None, seen: list[str]) -> None:
        super().__init__(client, token)
        self.seen = seen

    def as_(self, token: str | None) -> RecordingApi:
        return RecordingApi(self.client, token, self.seen)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        reply = super().call(method, path, body, raw=raw, headers=headers)
        self.seen.append(json.dumps(reply.headers))
        self.seen.append(json.dumps(reply.body))
        return reply


def test_the_token_is_only_in_the_mail(
    api: Api, client: Client, table: Table, person: Person, app_logs: pytest.LogCaptureFixture
) -> None:
    caplog = app_logs
    seen: list[str] = []
    owner = RecordingApi(client, api.token, seen)
    anonymous = owner.as_(None)
    tokens: list[str] = []

    assert owner.post(person.path + "/invite").status == 200
    tokens.append(latest_token(person.address))
    assert owner.get(person.path).status == 200
    assert owner.post(person.path + "/invite").status == 200  # resend
    tokens.append(latest_token(person.address))
    assert anonymous.post(ACCEPT, {"token": tokens[0]}).status == 409
    assert anonymous.post(ACCEPT, {"token": tokens[1] + "x"}).status == 404
    assert anonymous.post(ACCEPT, {"token": tokens[1], "extra": True}).status == 400
    assert anonymous.post(ACCEPT, {"token": tokens[1]}).status == 200
    assert anonymous.post(ACCEPT, {"token": tokens[1]}).status == 409
    assert owner.patch(person.path, {"login": "none"}).status == 200
    assert owner.patch(person.path, {"login": "invited", "notify": False}).status == 200
    tokens.append(latest_token(person.address))
    age_invitation(table, tokens[2], person.address, "2020-01-01T00:00:00Z")
    assert anonymous.post(ACCEPT, {"token": tokens[2]}).status == 410
    assert owner.post(person.path + "/invite").status == 200
    tokens.append(latest_token(person.address))
    assert anonymous.post(ACCEPT, {"token": tokens[3]}).status == 200
    for path in (
        person.path,
        f"/contacts/{person.contact_id}",
        f"/accounts/{person.account_id}",
        "/contacts?limit=100",
        f"/accounts/{person.account_id}/overview",
    ):
        got = owner.get(path)
        assert got.status == 200, (path, got.body)
    assert len(set(tokens)) == 4

    secrets_and_hashes = [t for token in tokens for t in (token, secret_of(token), hash_of(token))]
    answers = "\n".join(seen)
    for value in secrets_and_hashes:
        assert value not in answers, "an API answer shows a token, its secret or its hash"

    stored = json.dumps(snapshot(table), default=str)
    for token in tokens:
        assert secret_of(token) not in stored, "the table holds a token in plain text"
    assert {hash_of(t) for t in tokens} <= {i["PK"].rsplit("#", 1)[1] for i in invitation_items(table, person.address)}

    assert caplog.records, "logging was captured"
    for record in caplog.records:
        logged = record.getMessage() + (record.exc_text or "")
        for token in tokens:
            assert secret_of(token) not in logged, f"{record.name} logged a token"
        if record.name.startswith("dossier"):
            for token in tokens:
                assert hash_of(token) not in logged, f"{record.name} logged a token's hash"
