"""An exact address, a local part or a domain given in full finds its accounts
however common the words of the address are (issue 21, defect 3). A firm of
thousands is played by a dozen accounts and a search budget cut to 2-entry
pages (the budget's constants), so that a range of a common word is longer
than the budget, as ``example`` was (2,732 entries) in a firm of 2,700; the
same at full size is tests/integration/test_search_many_addresses.py."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from devtools.stream_poller import StreamPoller
from tests.support.api import Api
from tests.support.factories import contact_spec, new_account

TARGET = "Mateo.Rossi.20.0@client.example"


def found(api: Api, q: str) -> list[str]:
    r = api.get(f"/search?q={quote(q, safe='')}")
    assert r.status == 200, (q, r.body)
    return [h["name"] for h in r.body["items"]]


def account(api: Api, name: str, *emails: str) -> None:
    new_account(api, name, contacts=[contact_spec("", "Hollis", emails=list(emails))])


@pytest.fixture
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 2 entries, 2 pages a range: 4 entries of a range at most."""
    from chalicelib.services import search

    monkeypatch.setattr(search, "FIRST_PAGE", 2)
    monkeypatch.setattr(search, "NEXT_PAGE", 2)
    monkeypatch.setattr(search, "MAX_PAGES", 2)


@pytest.fixture
def firm_of_common_words(api: Api, stream: StreamPoller, small_budget: None) -> None:
    """Eight accounts whose names sort first, at ``d.example`` with local parts
    ``mateo.rossi.<n>``: each word of TARGET but ``client`` is in eight
    addresses. Three accounts at ``client.example`` sort last."""
    for n in range(8):
        account(api, f"Abel {n}", f"mateo.rossi.{n}@d.example")
    account(api, "Yara Client", "yara@client.example")
    account(api, "Zeno Client", "zeno@client.example")
    account(api, "Zora Client", TARGET)
    stream.drain()


@pytest.mark.usefixtures("firm_of_common_words")
def test_an_exact_address_is_found_when_the_words_of_its_domain_are_common(api: Api) -> None:
    assert found(api, TARGET) == ["Zora Client"]
    assert found(api, TARGET.upper()) == ["Zora Client"]
    assert found(api, "rossi.20.0@client") == ["Zora Client"]
    r = api.get(f"/search?q={quote(TARGET)}")
    assert r.body["items"][0]["matched"] == [{"field": "email", "value": TARGET, "contact": None}]


@pytest.mark.usefixtures("firm_of_common_words")
def test_a_local_part_given_in_full_is_found_when_each_of_its_words_is_common(api: Api) -> None:
    assert found(api, "mateo.rossi.20.0") == ["Zora Client"]
    assert found(api, "mateo.rossi.7") == ["Abel 7"]


@pytest.mark.usefixtures("firm_of_common_words")
def test_a_domain_given_in_full_finds_all_its_accounts_when_a_word_of_it_is_common(api: Api) -> None:
    everyone = ["Yara Client", "Zeno Client", "Zora Client"]
    assert found(api, "client.example") == everyone
    assert found(api, "@client.example") == everyone


def test_a_name_is_found_by_its_rarest_word_not_its_longest(api: Api, stream: StreamPoller, small_budget: None) -> None:
    # "anna-zed" is one word of two; "anna" (longer) has seven accounts, "zed" one.
    for n in range(6):
        account(api, f"Anna Abel{n}")
    account(api, "Anna Zed")
    account(api, "Zed Other")
    stream.drain()

    assert found(api, "anna-zed") == ["Anna Zed"]
    assert found(api, "zed-anna") == ["Anna Zed"]


def test_a_word_with_an_at_sign_matches_addresses_not_names(api: Api, stream: StreamPoller) -> None:
    account(api, "Anna Client", "desk@anna-client.example")
    account(api, "Zed Holdings", "anna@zed.example")
    stream.drain()

    assert found(api, "anna@") == ["Zed Holdings"]
    assert found(api, "anna") == ["Anna Client", "Zed Holdings"]
