"""Search rules (``chalicelib/domain/search_terms.py``): index tokens, reading a query,
match tiers, the ranges a query is read from, and that every match the rules
accept can be reached through each of those ranges the way ``services/search.py``
reads them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import search_terms as rules
from chalicelib.domain.errors import BadRequestError
from chalicelib.domain.search_terms import ADDRESSES, ALL, NAMES, IndexToken, Lookup, Matched, Term


def terms(q: str) -> list[Term]:
    return rules.parse_query(q)


# --- index tokens ---------------------------------------------------------------------------


def test_index_tokens_name_prefixes_address_forms_and_suffixes() -> None:
    tokens = {t.token: t for t in rules.index_tokens("Anna Müller", ["A.M@x.io"])}

    every = ("A.M@x.io",)
    assert tokens == {
        # each prefix of each name word; 1- and 2-character ones serve names only
        "a": IndexToken("a", rules.NAME_PREFIX, ()),
        "an": IndexToken("an", rules.NAME_PREFIX, ()),
        "ann": IndexToken("ann", rules.NAME_PREFIX, every),
        "anna": IndexToken("anna", rules.NAME_EXACT, every),
        "m": IndexToken("m", rules.NAME_PREFIX, ()),
        "mu": IndexToken("mu", rules.NAME_PREFIX, ()),
        "mul": IndexToken("mul", rules.NAME_PREFIX, every),
        "mull": IndexToken("mull", rules.NAME_PREFIX, every),
        "mulle": IndexToken("mulle", rules.NAME_PREFIX, every),
        "muller": IndexToken("muller", rules.NAME_EXACT, every),
        # the address, its local part and domain (its words are shorter than 3)
        "a.m@x.io": IndexToken("a.m@x.io", rules.EMAIL_EXACT, every),
        "a.m": IndexToken("a.m", rules.EMAIL_EXACT, every),
        "x.io": IndexToken("x.io", rules.EMAIL_EXACT, every),
        # the other suffixes of 3+ characters
        ".m@x.io": IndexToken(".m@x.io", rules.EMAIL_PART, every),
        "m@x.io": IndexToken("m@x.io", rules.EMAIL_PART, every),
        "@x.io": IndexToken("@x.io", rules.EMAIL_PART, every),
        ".io": IndexToken(".io", rules.EMAIL_PART, every),
    }


def test_a_token_keeps_its_best_tier() -> None:
    tokens = {t.token: t for t in rules.index_tokens("Smithson", ["smith@x.io"])}
    assert tokens["smith"].tier == rules.EMAIL_EXACT  # a word of the address beats a prefix of the name
    assert tokens["smithson"].tier == rules.NAME_EXACT
    assert tokens["smit"].tier == rules.NAME_PREFIX


def test_name_prefixes_stop_at_twenty_characters() -> None:
    word = "abcdefghijklmnopqrstuvwxyz"
    tokens = {t.token: t for t in rules.index_tokens(word, [])}
    assert max(len(t) for t in tokens) == rules.MAX_GRAM
    assert tokens[word[: rules.MAX_GRAM]].tier == rules.NAME_PREFIX


def test_name_words_fold_and_split_on_hyphens_but_not_apostrophes() -> None:
    assert rules.name_words("Müller-Lüdenscheidt O'Brien\u2019s") == [
        ("muller", "Müller"),
        ("ludenscheidt", "Lüdenscheidt"),
        ("obriens", "O'Brien\u2019s"),
    ]
    assert rules.words("Anna ANNA ánna") == ["anna"]  # once each
    assert rules.words("!!! -- @@") == []


def test_a_suffix_shared_by_two_addresses_names_both_and_name_words_carry_every_address() -> None:
    tokens = {t.token: t for t in rules.index_tokens("Kim", ["one@x.io", "two@x.io"])}

    assert tokens["@x.io"].addresses == ("one@x.io", "two@x.io")
    assert tokens["one@x.io"].addresses == ("one@x.io",)
    assert tokens["kim"].addresses == ("one@x.io", "two@x.io")
    assert tokens["ki"].addresses == ()  # 1-2 character queries match names only
    assert "io" not in tokens  # address parts are 3+ characters


def test_email_suffixes_are_folded() -> None:
    assert rules.email_suffixes("Zoë@B.IO") == ["zoe@b.io", "oe@b.io", "e@b.io", "@b.io", "b.io", ".io"]
    assert rules.email_suffixes("ab") == []


# --- reading a query -------------------------------------------------------------------------


def test_parse_query_folds_splits_on_whitespace_and_keeps_each_word_once() -> None:
    assert terms("  Anna \t MÜLLER o'b x.de anna !!! ") == [
        Term("anna", ("anna",)),
        Term("muller", ("muller",)),
        Term("o'b", ("ob",)),
        Term("x.de", ("x", "de")),
    ]


@pytest.mark.parametrize(
    ("q", "msg"),
    [
        (None, "empty"),
        ("", "empty"),
        ("   \t ", "empty"),
        ("a" * 101, "too long"),
        ("ü" * 101, "too long"),
        ("!!!", "only punctuation or symbols"),
        ("@@ --", "only punctuation or symbols"),
        ("_ ' \u2019 .", "only punctuation or symbols"),
    ],
)
def test_parse_query_refuses(q: str | None, msg: str) -> None:
    with pytest.raises(BadRequestError) as refused:
        rules.parse_query(q)
    assert [(e.loc, e.msg) for e in refused.value.errors] == [(("query", "q"), msg)]


def test_a_query_of_exactly_100_characters_is_read() -> None:
    assert terms("a" * 100) == [Term("a" * 100, ("a" * 100,))]
    assert terms("anna " * 20) == [Term("anna", ("anna",))]


@pytest.mark.parametrize(
    ("q", "lookup"),
    [
        ("anna", "anna"),  # one word: itself
        ("mu", "mu"),  # short: a name word's first letters
        ("anna.mueller", "mueller"),  # its longest word, a part of any address containing it
        ("jo-ann", "ann"),
        ("x.de", "x.de"),  # no word of 3+ characters: only an address can match
        ("Anna.Mueller@GMail.com", "anna.mueller@gmail.com"),  # an "@": an address, looked up whole
        ("anna@", "anna@"),
        ("accounts.receivable.team.7@d.example", "accounts.receivable.team.7@d.example"),  # not cut at 20
    ],
)
def test_lookup_token(q: str, lookup: str) -> None:
    assert terms(q)[0].lookup == lookup


def test_a_word_with_an_at_sign_matches_addresses_only() -> None:
    (term,) = terms("anna@")
    assert (term.matches_names, term.matches_addresses) == (False, True)
    assert rules.match([term], "Anna Zed", []) is None
    assert rules.match([term], "Zed", ["anna@x.io"]) is not None
    # shorter than an address part: still read as its word, a name prefix
    (short,) = terms("@x")
    assert (short.lookup, short.matches_names, short.matches_addresses) == ("x", True, False)


@pytest.mark.parametrize(
    ("q", "plan"),
    [
        # one range holds every match: the word, or the whole address
        ("anna", [Lookup("anna", ALL)]),
        ("Mateo.Rossi.20.0@Client.example", [Lookup("mateo.rossi.20.0@client.example", ALL)]),
        ("x.de", [Lookup("x.de", ALL)]),
        # a word of several words: its address range and the names of each word (digits first, then longest)
        (
            "mateo.rossi.20.0",
            [
                Lookup("20", NAMES, exact=True),
                Lookup("mateo.rossi.20.0", ADDRESSES),
                Lookup("0", NAMES, exact=True),
                Lookup("mateo", NAMES, exact=True),
                Lookup("rossi", NAMES, exact=True),
            ],
        ),
        (
            "client.example",
            [
                Lookup("example", NAMES, exact=True),
                Lookup("client.example", ADDRESSES),
                Lookup("client", NAMES, exact=True),
            ],
        ),
        # several words: each word's range holds every match; longest first
        ("an müller x", [Lookup("muller", ALL)]),  # short words only check
        ("anna mul", [Lookup("anna", ALL), Lookup("mul", ALL)]),
        ("mul anna", [Lookup("anna", ALL), Lookup("mul", ALL)]),
        ("ann anna", [Lookup("anna", ALL)]),  # "ann" holds all of "anna" and more
        ("ab cd", [Lookup("ab", ALL), Lookup("cd", ALL)]),  # a tie: the first
        # a word of several words among others: its address range too, for its hits
        (
            "mu anna.mueller",
            [Lookup("mueller", ALL), Lookup("anna.mueller", ADDRESSES), Lookup("anna", ALL)],
        ),
        ("dora@ first", [Lookup("dora@", ALL), Lookup("first", ALL)]),
        ("first anna@x.io", [Lookup("anna@x.io", ALL), Lookup("first", ALL)]),  # an address: itself
    ],
)
def test_lookup_plan(q: str, plan: list[Lookup]) -> None:
    assert rules.lookup_plan(terms(q)) == plan


def test_which_ranges_read_to_their_end_answer_a_query() -> None:
    assert rules.answered([Lookup("anna", ALL)])
    assert not rules.answered([])
    # a word's address matches and its name matches are two ranges: both are needed
    assert not rules.answered([Lookup("a.bc", ADDRESSES)])
    assert not rules.answered([Lookup("bc", NAMES, exact=True)])
    assert rules.answered([Lookup("a.bc", ADDRESSES), Lookup("bc", NAMES, exact=True)])


# --- matching ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "name", "addresses", "tier", "matched"),
    [
        ("anna", "Anna Müller", [], rules.NAME_EXACT, [Matched("name", "Anna")]),
        ("MÜLLER", "Anna muller", [], rules.NAME_EXACT, [Matched("name", "muller")]),
        ("mül", "Anna Müller", [], rules.NAME_PREFIX, [Matched("name", "Müller")]),
        ("obrien", "Liam O'Brien", [], rules.NAME_EXACT, [Matched("name", "O'Brien")]),
        ("o'b", "Liam O'Brien", [], rules.NAME_PREFIX, [Matched("name", "O'Brien")]),
        (
            "schmidt-and",
            "Bernd Schmidt-Anders",
            [],
            rules.NAME_PREFIX,
            [Matched("name", "Schmidt"), Matched("name", "Anders")],
        ),
        ("gmail", "Dora", ["Dora@GMail.com"], rules.EMAIL_EXACT, [Matched("email", "Dora@GMail.com")]),
        ("dora@gmail.com", "Zed", ["Dora@GMail.com"], rules.EMAIL_EXACT, [Matched("email", "Dora@GMail.com")]),
        ("mail", "Dora", ["dora@gmail.com"], rules.EMAIL_PART, [Matched("email", "dora@gmail.com")]),
        ("ra@g", "Dora", ["dora@gmail.com"], rules.EMAIL_PART, [Matched("email", "dora@gmail.com")]),
        # the better of a name prefix and a whole address part
        ("anna", "Annabelle", ["anna@belle.io"], rules.EMAIL_EXACT, [Matched("email", "anna@belle.io")]),
        # a name exact word beats an address
        ("anna", "Anna", ["anna@belle.io"], rules.NAME_EXACT, [Matched("name", "Anna")]),
        # several words: the worst tier counts
        ("anna mu", "Anna Müller", [], rules.NAME_PREFIX, [Matched("name", "Anna"), Matched("name", "Müller")]),
        (
            "anna beta",
            "Anna S",
            ["as@beta.io"],
            rules.EMAIL_EXACT,
            [Matched("name", "Anna"), Matched("email", "as@beta.io")],
        ),
    ],
)
def test_match_tier_and_what_matched(
    q: str, name: str, addresses: list[str], tier: int, matched: list[Matched]
) -> None:
    found = rules.match(terms(q), name, addresses)

    assert found is not None
    assert found.tier == tier
    assert list(found.matched) == matched


@pytest.mark.parametrize(
    ("q", "name", "addresses"),
    [
        ("nna", "Anna", []),  # a name word must start with it
        ("gm", "Dora", ["dora@gmail.com"]),  # address parts need 3 characters
        ("xy", "Zeta", ["ab@xy.io"]),
        ("anna xyz", "Anna Müller", ["am@alpha.io"]),  # every word must match
        ("first second", "Dora", ["dora@first.io", "dd@second.io"]),  # address words: the same address
        ("doe.jane", "Zeta", ["jane.doe@x.io"]),
    ],
)
def test_no_match(q: str, name: str, addresses: list[str]) -> None:
    assert rules.match(terms(q), name, addresses) is None


def test_tier_order_and_rank_key() -> None:
    assert rules.NAME_EXACT < rules.EMAIL_EXACT < rules.NAME_PREFIX < rules.EMAIL_PART
    exact = rules.match(terms("anna"), "Zimmer Anna", [])
    prefix = rules.match(terms("anna"), "Adams Annabel", [])
    assert exact is not None and prefix is not None
    assert rules.rank_key(exact, "zimmer anna", "2") < rules.rank_key(prefix, "adams annabel", "1")
    assert rules.rank_key(exact, "xu anna", "2") < rules.rank_key(exact, "zimmer anna", "1")
    # the same worst tier: fewer inexact words first
    both = rules.match(terms("anna muster"), "Zwei Anna Muster", [])
    one = rules.match(terms("ann muster"), "Anna Muster", [])
    two = rules.match(terms("ann must"), "Anna Muster", [])
    assert both is not None and one is not None and two is not None
    assert (both.tier, one.tier, two.tier) == (rules.NAME_EXACT, rules.NAME_PREFIX, rules.NAME_PREFIX)
    assert rules.rank_key(one, "b", "1") < rules.rank_key(two, "a", "1")


# --- every match is reachable through the index ---------------------------------------------


def _holds(lookup: Lookup, q: str, name: str, addresses: list[str]) -> bool:
    """Whether ``lookup``'s range has an entry of the account on which the query matches."""
    return any(
        (t.token == lookup.token if lookup.exact else t.token.startswith(lookup.token))
        and rules.match(terms(q), name, t.addresses) is not None
        for t in rules.index_tokens(name, addresses)
    )


def _assert_reachable(q: str, name: str, addresses: list[str]) -> None:
    """Every range of the plan holds what it claims to: an ALL range every
    match; a one-word query's ADDRESSES range each account it matches by an
    address, and each NAMES range each account it matches by name."""
    ts = terms(q)
    assert rules.match(ts, name, addresses) is not None
    for lookup in rules.lookup_plan(ts):
        if lookup.holds == ALL:
            assert _holds(lookup, q, name, addresses), lookup
        elif lookup.holds == ADDRESSES and rules.match(ts, "", addresses) is not None:
            assert _holds(lookup, q, "", addresses), lookup
        elif lookup.holds == NAMES and rules.match(ts, name, []) is not None:
            assert _holds(lookup, q, name, []), lookup


@pytest.mark.parametrize(
    ("q", "name", "addresses"),
    [
        ("anna", "Anna Müller", []),
        ("mu", "Anna Müller", []),
        ("m", "Anna Müller", []),
        ("anna.mueller", "Zeta", ["anna.mueller@gmail.com"]),
        ("x.de", "Zeta", ["a@x.de"]),
        ("anna beta", "Anna S", ["as@beta.io"]),
        ("dora second", "Dora", ["dora@first.io", "dd@second.io"]),
        ("jo-ann", "Jo Ann", []),
        ("anna+tax", "Zeta", ["anna+tax@x.io"]),
        ("o'b", "Liam O'Brien", []),
        ("o'brien", "Pat Kelly", ["pat.o'brien@k.io"]),
        ("mateo.rossi.20.0@client.example", "Zora", ["Mateo.Rossi.20.0@client.example"]),
        ("mateo.rossi.20.0", "Zora", ["mateo.rossi.20.0@client.example"]),
        ("client.example", "Zora", ["mateo.rossi.20.0@client.example"]),
        ("anna.mu", "Anna Müller", []),  # a word of several words, by name
        ("pat.o'brien", "Zed", ["pat.o'brien@k.io"]),
    ],
)
def test_every_match_is_reachable_from_each_range_of_the_plan(q: str, name: str, addresses: list[str]) -> None:
    _assert_reachable(q, name, addresses)


_LETTERS = "abéo'"  # few letters: words and addresses share parts
_word = st.text(_LETTERS + "1", min_size=1, max_size=6)
_address = st.builds(
    "{}{}{}@{}.{}".format,
    _word,
    st.sampled_from([".", "-", "+", ""]),
    st.text(_LETTERS + "1", max_size=5),
    st.sampled_from(["d", "k", "client", "o'b"]),
    st.sampled_from(["example", "io"]),
)


@settings(max_examples=300, deadline=None)
@given(
    name=st.lists(_word, min_size=1, max_size=3).map(" ".join),
    addresses=st.lists(_address, max_size=3, unique=True),
    data=st.data(),
)
def test_every_match_is_reachable_whatever_the_query(name: str, addresses: list[str], data: st.DataObject) -> None:
    """Queries cut from the account's own name and addresses (so most match):
    a piece of an address, a prefix of a name word, or two of those."""
    pieces = [a[i:j] for a in addresses for i in range(len(a)) for j in range(i + 1, len(a) + 1)]
    pieces += [w[:k] for w in name.split() for k in range(1, len(w) + 1)]
    q = " ".join(data.draw(st.lists(st.sampled_from(pieces), min_size=1, max_size=2)))
    try:
        ts = terms(q)
    except BadRequestError:
        return  # only punctuation
    if rules.match(ts, name, addresses) is not None:
        _assert_reachable(q, name, addresses)


def test_a_word_of_only_short_words_with_punctuation_is_looked_up_as_an_address_part() -> None:
    # Documented trade-off (docs/data-model.md, "Search"): one Query cannot read
    # both the name range of "a" and the address part "a.m".
    # and, so that every caller gets the same answer, it matches addresses only.
    (term,) = terms("a.m")
    assert term.lookup == "a.m"
    assert rules.match([term], "Anna Müller", []) is None
    assert rules.match([term], "Zeta", ["anne@x.io"]) is None
    assert rules.match([term], "Zeta", ["a.m@x.io"]) is not None
    # Punctuation around a word is not part of it: "st." is the name prefix "st".
    (st_,) = terms("st.")
    assert (st_.lookup, st_.matches_names, st_.matches_addresses) == ("st", True, False)
    assert rules.match([st_], "St. Mary's Church", []) is not None
