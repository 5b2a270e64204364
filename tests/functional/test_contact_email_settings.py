"""/contacts/{id}/emails/{address}: each address's settings (portal login, notify,
email sync, signing authority; docs/api.md "Account contacts and contacts" and "Conventions").
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.repo.table import Table
from tests.support.api import Api
from tests.support.contacts import DEFAULT_SETTINGS, addresses_of, contact_email_path, email_settings
from tests.support.factories import create_account, create_contact, linked_contact
from tests.support.problems import assert_problem, assert_refused

# --- e-mail settings ------------------------------------------------------------------------


@pytest.mark.parametrize("encoded", [False, True], ids=["raw", "urlencoded"])
def test_email_path_segment_raw_or_urlencoded(api: Api, encoded: bool) -> None:
    c = create_contact(api, emails=["a@b.com", "keep@b.com"])
    path = contact_email_path(c["id"], "a@b.com", encoded=encoded)
    if encoded:
        assert path.endswith("/a%40b.com")
    got = api.get(path)
    assert got.status == 200, got.body
    assert got.body["address"] == "a@b.com"
    patched = api.patch(path, {"email_sync": True})
    assert patched.status == 200, patched.body
    assert patched.body["email_sync"] is True
    assert api.get(contact_email_path(c["id"], "a@b.com", encoded=not encoded)).body == patched.body
    assert api.delete(path).status == 204
    assert addresses_of(api, c["id"]) == ["keep@b.com"]


def test_login_can_be_invited_and_revoked(api: Api) -> None:
    c = create_contact(api, emails=["l@example.com"])
    path = contact_email_path(c["id"], "l@example.com")
    r = api.patch(path, {"login": "invited"})
    assert r.status == 200, r.body
    assert r.body["login"] == "invited"
    assert r.body["invitation"]["delivery"] == "sent"  # setting "invited" sends the invitation
    assert r.etag == f'"{r.body["version"]}"'
    assert api.get(path).body == r.body
    r = api.patch(path, {"login": "none"})
    assert r.status == 200, r.body
    assert r.body["login"] == "none"
    assert {k: v for k, v in email_settings(r.body).items() if k != "login"} == {
        k: v for k, v in DEFAULT_SETTINGS.items() if k != "login"
    }


@pytest.mark.parametrize("start", ["none", "invited"])
def test_login_active_cannot_be_set_by_the_firm(api: Api, table: Table, start: str) -> None:
    c = create_contact(api, emails=["act@example.com"])
    path = contact_email_path(c["id"], "act@example.com")
    if start != "none":
        assert api.patch(path, {"login": start}).status == 200
    assert_refused(table, 422, lambda: api.patch(path, {"login": "active"}), field="login")
    assert_refused(table, 422, lambda: api.patch(path, {"login": "active", "notify": False}), field="login")
    assert api.get(path).body["login"] == start
    assert api.get(path).body["notify"] is True


def test_notification_preferences_merge_by_event(api: Api) -> None:
    c = create_contact(api, emails=["n@example.com"])
    path = contact_email_path(c["id"], "n@example.com")
    r = api.patch(path, {"notification_preferences": {"new_message": False}})
    assert r.status == 200, r.body
    assert r.body["notification_preferences"] == {"new_message": False}
    r = api.patch(path, {"notification_preferences": {"invoice_sent": True, "organizer_sent": False}})
    assert r.status == 200, r.body
    assert r.body["notification_preferences"] == {
        "new_message": False,
        "invoice_sent": True,
        "organizer_sent": False,
    }
    r = api.patch(path, {"notification_preferences": {"new_message": True}, "notify": False})
    assert r.status == 200, r.body
    assert r.body["notification_preferences"] == {"new_message": True, "invoice_sent": True, "organizer_sent": False}
    assert r.body["notify"] is False
    assert api.get(path).body == r.body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"notification_preferences": {"birthday": True}}, "birthday"),
        ({"notification_preferences": {"new_message": "yes"}}, "new_message"),
        ({"notification_preferences": ["new_message"]}, "notification_preferences"),
        ({"login": "enabled"}, "login"),
        ({"notify": "false"}, "notify"),
        ({"email_sync": 1}, "email_sync"),
        ({"signing_authority": None, "signer": True}, "signer"),
        ({"address": "renamed@@example.com"}, "address"),  # a correction must be an address
    ],
)
def test_patch_email_rejects_bad_input(api: Api, table: Table, body: dict[str, Any], field: str) -> None:
    c = create_contact(api, emails=["bad@example.com"])
    path = contact_email_path(c["id"], "bad@example.com")
    if "notification_preferences" in body:
        assert api.patch(path, {"notification_preferences": {"document_shared": False}}).status == 200
    before = api.get(path).body
    assert_refused(table, 400, lambda: api.patch(path, body), field=field)
    assert api.get(path).body == before


def test_email_sync_and_signing_authority_are_per_address(api: Api) -> None:
    c = create_contact(api, emails=["one@example.com", "two@example.com"])
    account = create_account(api, "Acme", contact_ids=[c["id"]])
    r = api.patch(contact_email_path(c["id"], "one@example.com"), {"email_sync": True, "signing_authority": False})
    assert r.status == 200, r.body
    assert (r.body["email_sync"], r.body["signing_authority"]) == (True, False)
    emails = {e["address"]: e for e in api.get(f"/contacts/{c['id']}").body["emails"]}
    assert (emails["one@example.com"]["email_sync"], emails["one@example.com"]["signing_authority"]) == (True, False)
    assert email_settings(emails["two@example.com"]) == DEFAULT_SETTINGS
    shown = linked_contact(api.get(f"/accounts/{account['id']}").body, c["id"])
    shown_emails = {e["address"]: e for e in shown["emails"]}
    assert shown_emails["one@example.com"]["signing_authority"] is False
    assert shown_emails["one@example.com"]["email_sync"] is True
    assert shown_emails["two@example.com"]["signing_authority"] is True
    r = api.patch(contact_email_path(c["id"], "one@example.com"), {"email_sync": False, "signing_authority": True})
    assert r.status == 200, r.body
    assert email_settings(r.body) == DEFAULT_SETTINGS


def test_patch_email_with_stale_if_match_is_412(api: Api, table: Table) -> None:
    c = create_contact(api, emails=["s@example.com", "t@example.com"])
    path = contact_email_path(c["id"], "s@example.com")
    assert api.patch(path, {"notify": False}, headers={"If-Match": '"1"'}).status == 200
    assert_refused(table, 412, lambda: api.patch(path, {"email_sync": True}, headers={"If-Match": '"1"'}))
    assert_refused(table, 412, lambda: api.delete(path, headers={"If-Match": '"1"'}))
    assert api.get(path).body["email_sync"] is False
    assert api.delete(path, headers={"If-Match": '"2"'}).status == 204


def test_email_of_another_contact_is_404_through_this_one(api: Api, table: Table) -> None:
    a = create_contact(api, "A", "A", emails=["a@example.com", "a2@example.com"])
    b = create_contact(api, "B", "B", emails=["b@example.com", "b2@example.com"])
    assert_problem(api.get(contact_email_path(a["id"], "b@example.com")), 404)
    assert_refused(table, 404, lambda: api.patch(contact_email_path(a["id"], "b@example.com"), {"notify": False}))
    assert_refused(table, 404, lambda: api.delete(contact_email_path(a["id"], "b@example.com")))
    assert addresses_of(api, b["id"]) == ["b@example.com", "b2@example.com"]
