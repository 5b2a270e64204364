"""``GET /search`` end to end (docs/api.md "Accounts" and "Conventions": Visibility): what finds an
account (name prefixes and words, e-mail substrings, accents, case and apostrophes), several words,
the ranking and the limit of 20 hits.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture); the index is brought up to date with
``stream.drain()`` (``stream``: tests/functional/conftest.py). Addresses are chosen by hand (never
``unique_email``) so that no random id can make a query match by accident: addresses are unique per firm
and every test has its own firm.
"""

from __future__ import annotations

from chalice.test import Client

from devtools.stream_poller import StreamPoller
from tests.support.api import Api, TestFirm
from tests.support.search import account, email, found, hits, matched, name

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
