"""``Prefer: return=minimal`` (RFC 7240) on ``PATCH /accounts/{account_id}`` and
``PATCH /contacts/{contact_id}``: 204 with the new ETag and ``Preference-Applied``, the edit stored;
without it the answer is the resource, as before.
What it reads is pinned in tests/integration/test_request_counts.py.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture).
"""

from __future__ import annotations

from typing import Any

from tests.support.api import Api, Reply
from tests.support.factories import new_account
from tests.support.problems import assert_problem

MINIMAL = {"Prefer": "return=minimal"}


def _is_minimal(reply: Reply) -> None:
    assert reply.status == 204, (reply.status, reply.body)
    assert reply.body is None, reply.body  # no body at all
    assert reply.headers.get("preference-applied") == "return=minimal", reply.headers


def test_a_minimal_edit_answers_204_with_the_new_etag_and_is_stored(api: Api) -> None:
    account = new_account(api, "Acme Ltd")
    path = f"/accounts/{account['id']}"
    first = api.patch(path, {"name": "Acme Holdings"}, headers={**MINIMAL, "If-Match": '"1"'})
    _is_minimal(first)
    assert first.etag == '"2"'
    shown = api.get(path)
    assert shown.body["name"] == "Acme Holdings" and shown.body["version"] == 2
    assert shown.etag == first.etag  # the ETag a full answer carries
    # The 204's ETag carries an If-Match chain on.
    second = api.patch(path, {"type": "other"}, headers={**MINIMAL, "If-Match": first.etag or ""})
    _is_minimal(second)
    assert second.etag == '"3"'
    full = api.patch(path, {"name": "Acme Group"}, headers={"If-Match": second.etag or ""})
    assert full.status == 200 and full.etag == '"4"' == f'"{full.body["version"]}"'
    assert (full.body["name"], full.body["type"]) == ("Acme Group", "other")


def test_errors_are_unchanged_with_prefer_minimal(api: Api) -> None:
    account = new_account(api)
    path = f"/accounts/{account['id']}"
    stale = api.patch(path, {"name": "Late"}, headers={**MINIMAL, "If-Match": '"7"'})
    assert_problem(stale, 412)
    assert "preference-applied" not in stale.headers
    assert_problem(api.patch(path, {"name": ""}, headers=MINIMAL), 400, field="name")
    assert_problem(api.patch("/accounts/01NOSUCHACCOUNT", {"name": "X"}, headers=MINIMAL), 404)
    assert api.get(path).body["name"] == account["name"]


def test_without_prefer_or_with_representation_the_answer_is_the_info_tab(api: Api) -> None:
    account = new_account(api)
    path = f"/accounts/{account['id']}"
    for i, headers in enumerate(
        ({}, {"Prefer": "return=representation"}, {"Prefer": "respond-async, wait=10"}, {"Prefer": "return=min"})
    ):
        edited = api.patch(path, {"name": f"Acme {i}"}, headers=headers)
        assert edited.status == 200, (headers, edited.body)
        assert "preference-applied" not in edited.headers
        assert edited.body == api.get(path).body, headers  # the whole Info tab, as a GET shows it
        assert edited.etag == f'"{edited.body["version"]}"'


def test_return_minimal_is_found_among_other_preferences(api: Api) -> None:
    account = new_account(api)
    path = f"/accounts/{account['id']}"
    for i, prefer in enumerate(
        (
            "respond-async, return=minimal",
            "RETURN = Minimal",
            'wait=10; x="a, b",return="minimal" ;y=1',
            "handling=lenient,,  return=minimal  ",
        )
    ):
        _is_minimal(api.patch(path, {"name": f"Acme {i}"}, headers={"Prefer": prefer}))
    assert api.get(path).body["name"] == "Acme 3"


def test_routes_that_do_not_declare_it_ignore_prefer(api: Api) -> None:
    """Only routes whose OpenAPI operation lists the Prefer header answer 204 for it."""
    account = new_account(api)
    contact = account["contacts"][0]["id"]
    link = api.patch(f"/accounts/{account['id']}/contacts/{contact}", {"description": "Spouse"}, headers=MINIMAL)
    assert link.status == 200 and link.body["description"] == "Spouse"
    assert "preference-applied" not in link.headers


def test_a_retried_minimal_edit_with_an_idempotency_key_answers_204_again(api: Api) -> None:
    """PATCH takes no Idempotency-Key (only creates and the bulk edit keep answers): the key is ignored and a
    retry finds its values stored, so it writes nothing and answers 204 again with the same version. Prefer
    shapes only the answer: the same key without it answers the Info tab."""
    account = new_account(api)
    path = f"/accounts/{account['id']}"
    keyed: dict[str, Any] = {**MINIMAL, "Idempotency-Key": "edit-1"}
    first = api.patch(path, {"name": "Acme Holdings"}, headers=keyed)
    again = api.patch(path, {"name": "Acme Holdings"}, headers=keyed)
    _is_minimal(first)
    _is_minimal(again)
    shown = api.get(path)
    assert shown.body["name"] == "Acme Holdings" and again.etag == shown.etag
    full = api.patch(path, {"name": "Acme Holdings"}, headers={"Idempotency-Key": "edit-1"})
    assert full.status == 200 and full.body["name"] == "Acme Holdings"
    assert full.etag == api.get(path).etag
    assert again.etag == first.etag  # nothing written by the retry
    # Pinned to the first attempt's version, which is still current: the same answer.
    pinned = api.patch(path, {"name": "Acme Holdings"}, headers={**keyed, "If-Match": first.etag or ""})
    _is_minimal(pinned)
    assert pinned.etag == first.etag
    # A real change pinned to an older version is stale.
    assert_problem(api.patch(path, {"name": "Acme Again"}, headers={**MINIMAL, "If-Match": '"1"'}), 412)


def test_a_minimal_contact_edit_answers_204_with_the_new_etag(api: Api) -> None:
    contact = new_account(api)["contacts"][0]
    path = f"/contacts/{contact['id']}"
    edited = api.patch(path, {"last_name": "Minimal"}, headers={**MINIMAL, "If-Match": f'"{contact["version"]}"'})
    _is_minimal(edited)
    shown = api.get(path)
    assert shown.body["last_name"] == "Minimal" and edited.etag == shown.etag == f'"{contact["version"] + 1}"'
    again = api.patch(path, {"first_name": "Next"}, headers={**MINIMAL, "If-Match": edited.etag or ""})
    _is_minimal(again)
    assert again.etag == f'"{contact["version"] + 2}"'
    same = api.patch(path, {"first_name": "Next"}, headers=MINIMAL)  # nothing changes: the version stays
    _is_minimal(same)
    assert same.etag == again.etag
    assert_problem(api.patch(path, {"first_name": "Stale"}, headers={**MINIMAL, "If-Match": edited.etag or ""}), 412)
    full = api.patch(path, {"first_name": "Full"})
    assert full.status == 200 and full.body["first_name"] == "Full" and "preference-applied" not in full.headers
