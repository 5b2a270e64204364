"""No query and no indexed name or address may produce a 5xx or a write the
indexer cannot make: folding can lengthen text ("ﷺ" becomes 18 letters) and
DynamoDB caps keys at 1 KB."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.repo.search import SearchRepo
from chalicelib.repo.table import Table
from chalicelib.services.search import reindex
from tests.support.api import Api, TestFirm
from tests.support.factories import contact_spec, new_account
from tests.support.stream import search_poller

ODD = [
    "ﷺ" * 100, "\u0000", "%", "%%%", "_", "__init__", "a" * 100, "ß" * 100, "İ" * 100, "\u200b",
    "\U0001d518\U0001d52b\U0001d526", "'" * 5,
]  # fmt: skip


def test_odd_names_and_addresses_are_indexed_and_found(api: Api, firm: TestFirm, table: Table) -> None:
    stream = search_poller(table)
    long_local = "ﬃ" * 60  # folds to 180 letters ("ﷺ" would fold to words with spaces: refused in an address)
    account = new_account(
        api, "ﷺ" * 200, contacts=[contact_spec(emails=[f"{long_local}@x.example", "a" * 64 + "@" + "b" * 180 + ".de"])]
    )
    odd = new_account(api, "İstanbul Straße ǅemal", contacts=[contact_spec(emails=["ǆ@straße.example"])])
    stream.drain()
    assert stream.given_up == []
    assert reindex(SearchRepo(table), firm.firm_id, account["id"]) == 0  # already indexed, nothing failed
    for q in ("ﷺ" * 100, long_local[:90], "b" * 90, "a" * 64 + "@bbb"):
        r = api.get(f"/search?q={quote(q)}")
        assert r.status == 200, r.body
        assert [h["account_id"] for h in r.body["items"]] == [account["id"]], q
    for q in ("istanbul", "STRASSE", "dzemal", "straße.ex"):
        r = api.get(f"/search?q={quote(q)}")
        assert [h["account_id"] for h in r.body["items"]] == [odd["id"]], q


def test_odd_contact_names_and_phones_are_indexed_and_found(api: Api, firm: TestFirm, table: Table) -> None:
    stream = search_poller(table)
    odd = "\x1e\x1fJan\x1f"  # the characters the index uses to carry contacts
    person = contact_spec(
        odd,
        "ﷺ" * 100,
        emails=["odd@people.example"],
        middle_name="İ" * 100,
        phones=[{"number": "+999 (0) 1234-5678"}, {"number": "00 1"}, {"number": "+" + "9" * 39}, {"number": "..."}],
    )
    account = new_account(api, "Odd People", contacts=[person])
    stream.drain()
    assert stream.given_up == []
    assert reindex(SearchRepo(table), firm.firm_id, account["id"]) == 0
    for q in ("jan", "ﷺ" * 3, "i" * 50, "12345678", "+999 1234 5678", "9" * 30, "+" + "9" * 39):
        r = api.get(f"/search?q={quote(q)}")
        assert r.status == 200, r.body
        assert [h["account_id"] for h in r.body["items"]] == [account["id"]], q
    r = api.get("/search?q=jan")
    assert r.body["items"][0]["matched"][0]["contact"]["id"] == account["contacts"][0]["id"]


# Query shapes of issue 18: phone numbers as typed, names with digits, and mixes.
PHONE_LIKE = st.from_regex(r"[0-9+()./ \-]{1,60}", fullmatch=True)
MIXED = st.lists(
    st.one_of(PHONE_LIKE, st.sampled_from(["jan", "de", "vri", "00", "+", "0", "0031", "(0)"])), max_size=6
)
QUERIES = st.one_of(
    st.sampled_from(ODD), st.text(min_size=1, max_size=110), PHONE_LIKE, MIXED.map(" ".join).filter(bool)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=QUERIES)
def test_no_query_gives_a_server_error(api: Api, q: str) -> None:
    r = api.get(f"/search?q={quote(q, safe='')}")
    assert r.status in (200, 400), (q, r.status, r.body)
    if r.status == 200:
        assert len(r.body["items"]) <= 20


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=QUERIES)
def test_no_contacts_filter_gives_a_server_error(api: Api, q: str) -> None:
    r = api.get(f"/contacts?q={quote(q, safe='')}&limit=5")
    assert r.status in (200, 400), (q, r.status, r.body)
    if r.status == 200:
        assert len(r.body["items"]) <= 5
