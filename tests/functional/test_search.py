"""``GET /search`` end to end (docs/api.md "Accounts" and "Conventions": Visibility): what finds an
account, in which order, for whom, and how the stream-kept index follows
changes. Every test runs on moto and on DynamoDB Local (the ``table``
fixture); the index is brought up to date with ``stream.drain()``.

Addresses are chosen by hand (never ``unique_email``) so that no random id can
make a query match by accident: addresses are unique per firm and every test
has its own firm.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from chalice.test import Client

from chalicelib.repo.accounts import AccountRepo
from chalicelib.repo.table import Table
from devtools.stream_poller import StreamPoller
from tests.support.api import Api, Reply, TestFirm, make_firm, nothing_written
from tests.support.factories import contact_spec, create_contact, new_account
from tests.support.problems import assert_problem
from tests.support.stream import search_poller

HIT_FIELDS = {"account_id", "name", "type", "photo_url", "matched"}


# --- helpers ------------------------------------------------------------------------------


def search(api: Api, q: str) -> Reply:
    return api.get(f"/search?q={quote(q, safe='')}")


def hits(api: Api, q: str) -> list[dict[str, Any]]:
    r = search(api, q)
    assert r.status == 200, (q, r.body)
    assert set(r.body) == {"items"}, r.body
    items: list[dict[str, Any]] = r.body["items"]
    for hit in items:
        assert set(hit) == HIT_FIELDS, hit
    return items


def found(api: Api, q: str) -> list[str]:
    """Ids of the hits for ``q``, in the order answered."""
    return [h["account_id"] for h in hits(api, q)]


def matched(api: Api, q: str) -> dict[str, list[dict[str, str]]]:
    """What matched, by account id."""
    return {h["account_id"]: h["matched"] for h in hits(api, q)}


def name(value: str) -> dict[str, Any]:
    return {"field": "name", "value": value, "contact": None}


def email(value: str) -> dict[str, Any]:
    return {"field": "email", "value": value, "contact": None}


def account(api: Api, account_name: str, *emails: str, type_: str = "company", team: list[str] | None = None) -> str:
    """An account with one new contact holding exactly ``emails``; its id."""
    body = new_account(
        api,
        account_name,
        type_=type_,
        contacts=[contact_spec("", "Hollis", emails=list(emails))],
        team_member_ids=team or [],
    )
    account_id: str = body["id"]
    return account_id


def contact_of(api: Api, account_id: str) -> str:
    r = api.get(f"/accounts/{account_id}")
    assert r.status == 200, r.body
    contact_id: str = r.body["contacts"][0]["id"]
    return contact_id


def ok(r: Reply, status: int = 200) -> Reply:
    assert r.status == status, (r.status, r.body)
    return r


@pytest.fixture
def stream(table: Table) -> StreamPoller:
    """The search indexer's poller, from the stream's end (taken before any write of the test)."""
    return search_poller(table)


# --- what finds an account ------------------------------------------------------------------


def test_name_prefix_of_the_first_word_a_later_word_or_a_whole_word(api: Api, stream: StreamPoller) -> None:
    anna = account(api, "Anna Müller")
    bernd = account(api, "Bernd Schmidt-Anders", type_="individual")
    carla = account(api, "Carla Weiss", type_="other")
    stream.drain()

    assert found(api, "anna") == [anna]
    assert found(api, "ann") == [anna]
    assert found(api, "a") == [anna, bernd]  # "Anders"
    assert found(api, "mül") == [anna]  # a later word
    assert found(api, "weiss") == [carla]  # a whole later word
    assert found(api, "car") == [carla]
    # both words of a hyphenated name are words
    assert found(api, "schmidt") == [bernd]
    assert found(api, "anders") == [bernd]
    assert found(api, "schmidt-anders") == [bernd]
    assert found(api, "schmidt-and") == [bernd]
    # two name prefixes tie: alphabetical
    assert found(api, "an") == [anna, bernd]
    # a word must *start* with the query; no address contains these
    assert found(api, "nna") == []
    assert found(api, "eiss") == []
    assert found(api, "zzz") == []

    assert hits(api, "mül") == [
        {"account_id": anna, "name": "Anna Müller", "type": "company", "photo_url": None, "matched": [name("Müller")]}
    ]
    assert hits(api, "anders") == [
        {
            "account_id": bernd,
            "name": "Bernd Schmidt-Anders",
            "type": "individual",
            "photo_url": None,
            "matched": [name("Anders")],
        }
    ]
    assert matched(api, "schmidt-anders") == {bernd: [name("Schmidt"), name("Anders")]}
    assert hits(api, "weiss")[0]["type"] == "other"


def test_email_substrings_local_part_domain_middle_and_across_the_at(api: Api, stream: StreamPoller) -> None:
    address = "Jane.Doe@Example-Mail.com"
    zeta = account(api, "Zeta Corp", address)
    omega = account(api, "Omega Ltd", "info+tax@omega.test")
    stream.drain()

    for q in [
        "jane",  # start of the local part
        "jane.doe",  # the whole local part
        "doe",  # a later part of the local part
        "example-mail.com",  # the whole domain
        "mail.com",  # end of the domain
        "ampl",  # middle of a word
        "e.d",  # across a dot
        "doe@ex",  # across the '@'
        "@example",
        "JANE.DOE@EXAMPLE-MAIL.COM",  # the whole address, other case
    ]:
        assert found(api, q) == [zeta], q
        assert matched(api, q) == {zeta: [email(address)]}, q  # the address as written

    assert found(api, "omega.t") == [omega]
    assert matched(api, "omega.t") == {omega: [email("info+tax@omega.test")]}
    assert found(api, "tax@omega") == [omega]
    assert found(api, "info+tax") == [omega]  # '+' as typed (sent as %2B)
    assert found(api, "o+t") == [omega]
    assert found(api, ".test") == [omega]
    assert found(api, "in") == []  # too short for an address part
    assert found(api, "jane.doe@example-mail.co") == [zeta]
    assert found(api, "jane.doe@example-mail.comm") == []
    assert found(api, "doe.jane") == []


def test_email_parts_shorter_than_three_characters_match_names_only(api: Api, stream: StreamPoller) -> None:
    zeta = account(api, "Zeta Corp", "ab@xy.example")
    abel = account(api, "Abel Zed", "q1@n.example")
    stream.drain()

    assert found(api, "ab") == [abel]  # by name; not zeta's "ab@…"
    assert matched(api, "ab") == {abel: [name("Abel")]}
    assert found(api, "xy") == []
    assert found(api, "q1") == []
    assert found(api, "ab@") == [zeta]  # three characters: an address part
    assert found(api, "q1@") == [abel]
    assert found(api, "@n.") == [abel]
    assert found(api, "ze") == [abel, zeta]  # name words: "abel zed" < "zeta corp"
    # a short word of a multi-word query must match the name
    assert found(api, "abel xy") == []
    assert found(api, "zeta xy") == []
    assert found(api, "zeta ab@") == [zeta]


def test_accents_and_case_are_ignored_both_ways(api: Api, stream: StreamPoller) -> None:
    umlaut = account(api, "Anna Müller")
    plain = account(api, "Bob muller")
    celik = account(api, "Çelik Ünal", "Zoë.Ünal@beta.io")
    strasse = account(api, "Große Straße GmbH")
    stream.drain()

    for q in ["muller", "müller", "MULLER", "MÜLLER", "Mül", "mu", "M"]:
        assert found(api, q)[:2] == [umlaut, plain], q
    assert matched(api, "MULLER") == {umlaut: [name("Müller")], plain: [name("muller")]}
    assert found(api, "muller") == [umlaut, plain]
    assert found(api, "celik") == [celik]
    assert found(api, "ÇELİK") == [celik]
    assert found(api, "unal") == [celik]
    assert found(api, "ÜNAL") == [celik]
    assert matched(api, "unal") == {celik: [name("Ünal")]}
    # addresses too
    assert found(api, "zoe.un") == [celik]
    assert found(api, "ZOË") == [celik]
    assert matched(api, "zoe.un") == {celik: [email("Zoë.Ünal@beta.io")]}
    # ß folds to ss
    assert found(api, "strasse") == [strasse]
    assert found(api, "straße") == [strasse]
    assert found(api, "GROSSE") == [strasse]


def test_apostrophes_in_names(api: Api, stream: StreamPoller) -> None:
    liam = account(api, "Liam O'Brien")
    stream.drain()

    for q in ["obrien", "o'brien", "O\u2019Brien", "OBRI", "ob", "liam o'brien"]:
        assert found(api, q) == [liam], q
    assert matched(api, "obrien") == {liam: [name("O'Brien")]}
    assert found(api, "brien") == []  # "brien" does not start a word


def test_apostrophe_prefix_o_b_finds_o_brien(api: Api, stream: StreamPoller) -> None:
    liam = account(api, "Liam O'Brien")
    stream.drain()

    assert found(api, "o'b") == [liam]
    assert matched(api, "o'b") == {liam: [name("O'Brien")]}


def test_an_address_with_an_apostrophe_is_found_by_the_query_as_typed(api: Api, stream: StreamPoller) -> None:
    liam = account(api, "Liam O'Brien")
    kelly = account(api, "Pat Kelly", "pat.o'brien@k.io")
    stream.drain()

    # the name word exactly first, then the address that contains the query
    assert found(api, "o'brien") == [liam, kelly]
    assert matched(api, "o'brien") == {liam: [name("O'Brien")], kelly: [email("pat.o'brien@k.io")]}


# --- several words --------------------------------------------------------------------------


def test_multi_word_queries_narrow_the_results(api: Api, stream: StreamPoller) -> None:
    anna_m = account(api, "Anna Müller", "am@alpha.io")
    anna_s = account(api, "Anna Schmidt", "as@beta.io")
    bert_m = account(api, "Bert Müller", "bm@gamma.io")
    dora = account(api, "Dora Diaz", "dora@first.io", "dd@second.io")
    stream.drain()

    assert found(api, "anna") == [anna_m, anna_s]
    assert found(api, "muller") == [anna_m, bert_m]
    assert found(api, "anna mul") == [anna_m]
    assert found(api, "mul anna") == [anna_m]  # word order does not matter
    assert found(api, "  anna   MÜL  ") == [anna_m]
    assert found(api, "an mu") == [anna_m]  # two short words
    assert found(api, "anna, müller!") == [anna_m]  # punctuation around words
    assert found(api, "anna anna") == [anna_m, anna_s]
    assert found(api, "anna xyz") == []
    assert matched(api, "anna mul") == {anna_m: [name("Anna"), name("Müller")]}
    # one word by the name, another by an address
    assert found(api, "anna beta") == [anna_s]
    assert matched(api, "anna beta") == {anna_s: [name("Anna"), email("as@beta.io")]}
    assert found(api, "muller gamma.io") == [bert_m]
    assert found(api, "schmidt alpha") == []  # alpha is the other Anna's address
    assert found(api, "dora second") == [dora]
    assert matched(api, "dora second") == {dora: [name("Dora"), email("dd@second.io")]}
    # every word matched by an address must match the same address (endpoint summary)
    assert found(api, "dora@ first") == [dora]
    assert found(api, "first second") == []


def test_multi_word_exact_words_before_prefixes(api: Api, stream: StreamPoller) -> None:
    prefix = account(api, "Annabel Muster")
    exact = account(api, "Zwei Anna Muster")
    stream.drain()

    # alphabetical order would put "annabel muster" first
    assert found(api, "anna muster") == [exact, prefix]
    assert matched(api, "anna muster") == {
        exact: [name("Anna"), name("Muster")],
        prefix: [name("Annabel"), name("Muster")],
    }


# --- ranking --------------------------------------------------------------------------------


def test_ranking_exact_before_prefix_then_name_before_email_then_alphabetical(api: Api, stream: StreamPoller) -> None:
    zimmer = account(api, "Zimmer Anna")  # name, exact word
    xu = account(api, "Xu Anna")  # name, exact word
    annabelle = account(api, "Annabelle Co", "anna@belle.io")  # name prefix, but the local part exactly
    yoder = account(api, "Yoder", "anna@yoder.io")  # e-mail, a whole part
    adams = account(api, "Adams Annabel")  # name prefix
    brown = account(api, "Annabel Brown")  # name prefix
    baker = account(api, "Aaa Baker", "joanna@baker.io")  # e-mail, inside a part
    account(api, "Nobody Here", "nobody@here.io")
    stream.drain()

    assert found(api, "anna") == [xu, zimmer, annabelle, yoder, adams, brown, baker]
    assert matched(api, "anna") == {
        xu: [name("Anna")],
        zimmer: [name("Anna")],
        annabelle: [email("anna@belle.io")],  # the better of its two matches
        yoder: [email("anna@yoder.io")],
        adams: [name("Annabel")],
        brown: [name("Annabel")],
        baker: [email("joanna@baker.io")],
    }
    # no exact word: names (alphabetical) before addresses (alphabetical)
    assert found(api, "ann") == [adams, brown, annabelle, xu, zimmer, baker, yoder]
    assert matched(api, "ann")[annabelle] == [name("Annabelle")]
    assert matched(api, "ann")[yoder] == [email("anna@yoder.io")]


def test_ties_are_alphabetical_ignoring_case_and_accents(api: Api, stream: StreamPoller) -> None:
    charlie = account(api, "charlie Kane")
    echo = account(api, "Écho Kane")
    bravo = account(api, "Bravo Kane")
    delta = account(api, "delta kane")
    alpha = account(api, "ALPHA Kane")
    stream.drain()

    assert found(api, "kane") == [alpha, bravo, charlie, delta, echo]
    assert found(api, "ka") == [alpha, bravo, charlie, delta, echo]


# --- at most 20 hits -----------------------------------------------------------------------


def test_at_most_twenty_hits_the_alphabetically_first_when_all_tie(
    api: Api, client: Client, firm: TestFirm, stream: StreamPoller
) -> None:
    emp_id, emp_token = firm.add_member()
    labels = [f"{chr(ord('A') + i)}{chr(ord('A') + i)}" for i in range(22)]  # AA .. VV
    by_label = {label: account(api, f"Capstone {label}", team=[emp_id]) for label in reversed(labels)}
    stream.drain()
    first_twenty = [by_label[label] for label in labels[:20]]

    assert found(api, "caps") == first_twenty
    assert found(api, "capstone") == first_twenty
    assert found(api, "c") == first_twenty
    # the same through an employee's team list
    assert found(Api(client, emp_token), "caps") == first_twenty
    # narrowing brings the others back
    assert found(api, "capstone vv") == [by_label["VV"]]
    assert found(api, "vv") == [by_label["VV"]]


def test_exact_words_come_first_even_behind_many_prefix_matches(api: Api, stream: StreamPoller) -> None:
    # More prefix entries than one index page holds; the exact word sorts first in the index.
    prefixed = [account(api, f"Zeb{i:02d}" + (f" Zeb{i:02d}x" if i < 15 else "")) for i in range(25)]
    exact = account(api, "Zeb")
    stream.drain()

    hits = found(api, "zeb")
    assert len(hits) == 20
    assert hits[0] == exact
    assert set(hits[1:]) <= set(prefixed)


# --- who finds what ------------------------------------------------------------------------


def test_visibility_per_role_and_firm(api: Api, client: Client, firm: TestFirm, table: Table) -> None:
    stream = search_poller(table)
    emp_id, emp_token = firm.add_member()
    _, loner_token = firm.add_member()
    _, admin_token = firm.add_member("admin")
    viewer_id, viewer_token = firm.add_member(view_all=True)
    team_acc = account(api, "Team Anna", "ta@teamco.io", team=[emp_id])
    other_acc = account(api, "Other Anna", "oa@otherco.io")
    foreign_firm = make_firm(table, "Foreign LLP")
    foreign = Api(client, foreign_firm.owner_token)
    foreign_acc = account(foreign, "Foreign Anna", "fa@foreignco.io")
    stream.drain()

    emp, loner = Api(client, emp_token), Api(client, loner_token)
    for caller in (api, Api(client, admin_token), Api(client, viewer_token)):
        assert found(caller, "anna") == [other_acc, team_acc]
        assert found(caller, "otherco") == [other_acc]
        assert found(caller, "foreign") == []
        assert found(caller, "foreignco") == []
    assert found(emp, "anna") == [team_acc]
    assert found(emp, "teamco") == [team_acc]
    assert matched(emp, "teamco") == {team_acc: [email("ta@teamco.io")]}
    assert found(emp, "otherco") == []
    assert found(emp, "oth") == []
    assert found(loner, "anna") == []
    assert found(foreign, "anna") == [foreign_acc]
    assert found(foreign, "teamco") == []

    # rights are read on every request
    ok(api.patch(f"/members/{viewer_id}", {"rights": {"view_all_accounts": False}}))
    assert found(Api(client, viewer_token), "anna") == []


def test_team_membership_changes_what_an_employee_finds(
    api: Api, client: Client, firm: TestFirm, stream: StreamPoller
) -> None:
    emp_id, emp_token = firm.add_member()
    emp = Api(client, emp_token)
    team_acc = account(api, "Team Anna", "ta@teamco.io", team=[emp_id])
    other_acc = account(api, "Other Anna", "oa@otherco.io")
    stream.drain()
    assert found(emp, "anna") == [team_acc]

    ok(api.patch(f"/accounts/{other_acc}", {"team_member_ids": [emp_id]}))
    stream.drain()
    assert found(emp, "anna") == [other_acc, team_acc]
    assert found(emp, "otherco") == [other_acc]

    ok(api.patch(f"/accounts/{team_acc}", {"team_member_ids": []}))
    stream.drain()
    assert found(emp, "anna") == [other_acc]
    assert found(emp, "teamco") == []
    assert found(api, "anna") == [other_acc, team_acc]  # the owner still finds both


def test_archived_accounts_are_never_found_and_restore_brings_them_back(
    api: Api, client: Client, firm: TestFirm, stream: StreamPoller
) -> None:
    emp_id, emp_token = firm.add_member()
    _, viewer_token = firm.add_member(view_all=True)
    emp, viewer = Api(client, emp_token), Api(client, viewer_token)
    archie = account(api, "Archie Anna", "archie@archco.io", team=[emp_id])
    bella = account(api, "Bella Anna", "bella@bellaco.io", team=[emp_id])
    stream.drain()
    assert found(api, "anna") == [archie, bella]

    ok(api.delete(f"/accounts/{archie}"), 204)
    stream.drain()
    for caller in (api, viewer, emp):
        assert found(caller, "anna") == [bella]
        assert found(caller, "archie") == []
        assert found(caller, "archco") == []
        assert found(caller, "a") == [bella]

    ok(api.post(f"/accounts/{archie}/restore"))
    stream.drain()
    for caller in (api, viewer, emp):
        assert found(caller, "anna") == [archie, bella]
        assert found(caller, "archco") == [archie]


# --- the index follows changes --------------------------------------------------------------


def test_renamed_account_old_name_gone_new_name_found(
    api: Api, client: Client, firm: TestFirm, stream: StreamPoller
) -> None:
    emp_id, emp_token = firm.add_member()
    emp = Api(client, emp_token)
    acc = account(api, "Oldname Holdings", "desk@holdco.io", team=[emp_id])
    stream.drain()
    assert found(api, "oldname") == [acc]
    assert hits(api, "oldname")[0]["type"] == "company"

    ok(api.patch(f"/accounts/{acc}", {"type": "other"}))
    stream.drain()
    assert hits(api, "oldname")[0]["type"] == "other"
    assert hits(emp, "oldname")[0]["type"] == "other"

    ok(api.patch(f"/accounts/{acc}", {"name": "Freshly Renamed", "type": "individual"}))
    stream.drain()

    for caller in (api, emp):
        assert found(caller, "oldname") == []
        assert found(caller, "holdings") == []
        assert found(caller, "fresh") == [acc]
        assert found(caller, "renamed") == [acc]
        assert found(caller, "holdco") == [acc]  # addresses stay
        assert hits(caller, "fresh")[0] == {
            "account_id": acc,
            "name": "Freshly Renamed",
            "type": "individual",
            "photo_url": None,
            "matched": [name("Freshly")],
        }
        assert hits(caller, "holdco")[0]["name"] == "Freshly Renamed"


def test_contact_email_added_removed_and_changed(
    api: Api, client: Client, firm: TestFirm, stream: StreamPoller
) -> None:
    emp_id, emp_token = firm.add_member()
    emp = Api(client, emp_token)
    acc = account(api, "Firma Eins", "first@alpha.io", team=[emp_id])
    contact_id = contact_of(api, acc)
    stream.drain()

    ok(api.post(f"/contacts/{contact_id}/emails", {"address": "Second@Delta.io"}), 201)
    stream.drain()
    for caller in (api, emp):
        assert found(caller, "delta.io") == [acc]
        assert matched(caller, "delta.io") == {acc: [email("Second@Delta.io")]}
        assert found(caller, "alpha.io") == [acc]

    ok(api.delete(f"/contacts/{contact_id}/emails/first@alpha.io"), 204)
    stream.drain()
    for caller in (api, emp):
        assert found(caller, "alpha.io") == []
        assert found(caller, "first@") == []
        assert found(caller, "delta.io") == [acc]

    # changed: removed and another added
    ok(api.post(f"/contacts/{contact_id}/emails", {"address": "third@eps.io"}), 201)
    ok(api.delete(f"/contacts/{contact_id}/emails/Second@Delta.io"), 204)
    stream.drain()
    for caller in (api, emp):
        assert found(caller, "delta.io") == []
        assert found(caller, "eps.io") == [acc]
        assert found(caller, "firma") == [acc]


def test_contact_linked_to_another_account_and_unlinked(
    api: Api, client: Client, firm: TestFirm, stream: StreamPoller
) -> None:
    emp_id, emp_token = firm.add_member()
    emp = Api(client, emp_token)
    shared = create_contact(api, "Sam", "Shared", emails=["sam@shared.io"])
    home = new_account(api, "Home Account", contacts=[{"contact_id": shared["id"]}])["id"]
    away = account(api, "Away Account", "desk@away.io", team=[emp_id])
    stream.drain()
    assert found(api, "shared.io") == [home]
    assert found(emp, "shared.io") == []

    ok(api.post(f"/accounts/{away}/contacts", {"contact_id": shared["id"]}), 201)
    stream.drain()
    assert found(api, "shared.io") == [away, home]
    assert found(emp, "shared.io") == [away]
    assert found(api, "away sam@") == [away]

    # an address added to the shared contact shows on both accounts
    ok(api.post(f"/contacts/{shared['id']}/emails", {"address": "sam2@extra.io"}), 201)
    stream.drain()
    assert found(api, "extra.io") == [away, home]

    ok(api.delete(f"/accounts/{away}/contacts/{shared['id']}"), 204)
    stream.drain()
    assert found(api, "shared.io") == [home]
    assert found(api, "extra.io") == [home]
    assert found(emp, "shared.io") == []
    assert found(api, "away") == [away]

    # a new contact linked inline
    ok(api.post(f"/accounts/{away}/contacts", contact_spec("Nina", "New", emails=["nina@inline.io"])), 201)
    stream.drain()
    assert found(api, "inline.io") == [away]
    assert found(emp, "inline.io") == [away]


def test_an_edit_racing_the_indexer_does_not_leave_team_lists_stale(
    api: Api, client: Client, firm: TestFirm, stream: StreamPoller, monkeypatch: pytest.MonkeyPatch
) -> None:
    emp_id, emp_token = firm.add_member()
    emp = Api(client, emp_token)
    acc = account(api, "Racing Ltd", "one@race1.io", team=[emp_id])
    contact_id = contact_of(api, acc)
    stream.drain()
    ok(api.post(f"/contacts/{contact_id}/emails", {"address": "two@race2.io"}), 201)

    real_update = AccountRepo.update

    def update_after_the_indexer_ran(self: AccountRepo, *args: Any, **kwargs: Any) -> None:
        stream.drain()  # the indexer runs between the edit's read and its write
        real_update(self, *args, **kwargs)

    monkeypatch.setattr(AccountRepo, "update", update_after_the_indexer_ran)
    ok(api.patch(f"/accounts/{acc}", {"name": "Racing Renamed"}))
    monkeypatch.undo()
    stream.drain()

    assert found(api, "race2") == [acc]
    assert found(emp, "racing") == [acc]
    assert found(emp, "race2") == [acc]


# --- refused requests ------------------------------------------------------------------------


def test_a_query_of_exactly_100_characters_is_accepted(api: Api, stream: StreamPoller) -> None:
    anna = account(api, "Anna Müller")
    stream.drain()

    assert found(api, "anna " * 20) == [anna]  # 100 characters
    assert found(api, "x" * 100) == []
    assert found(api, "ü" * 100) == []  # characters, not bytes


BAD_QUERIES: dict[str, str] = {
    "missing": "",
    "empty": "?q=",
    "whitespace only": "?q=%20%20%09",
    "101 characters": "?q=" + "a" * 101,
    "101 characters of words": "?q=" + quote("anna " * 20 + "x"),
    "101 accented characters": "?q=" + quote("ü" * 101),
    "only punctuation": "?q=" + quote("!!!"),
    "only symbols": "?q=" + quote("@@ --"),
    "underscores and dots": "?q=" + quote("_ . ' \u2019"),
}


def test_bad_q_is_400_and_writes_nothing(api: Api, table: Table) -> None:
    with nothing_written(table):
        for case, query in BAD_QUERIES.items():
            r = api.get(f"/search{query}")
            assert r.status == 400, (case, r.body)
            assert_problem(r, 400, loc=("query", "q"))
        for query in ["?q=anna&limit=5", "?q=anna&cursor=abc", "?query=anna"]:
            r = api.get(f"/search{query}")
            assert r.status == 400, (query, r.body)
            assert_problem(r, 400)
        assert_problem(api.get("/search?q=anna&limit=5"), 400, loc=("query", "limit"))


def test_search_needs_a_valid_token(client: Client, table: Table) -> None:
    with nothing_written(table):
        assert_problem(Api(client, None).get("/search?q=anna"), 401)
        assert_problem(Api(client, "not.a.jwt").get("/search?q=anna"), 401)
