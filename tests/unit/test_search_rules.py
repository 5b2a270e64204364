"""Search rules (``chalicelib/domain/search_terms.py``): index tokens, reading a query,
match tiers, the driving term, and that every match the rules accept can be
reached through the index the way ``services/search.py`` reads it."""

from __future__ import annotations

import pytest

from chalicelib.domain import search_terms as rules
from chalicelib.domain.errors import BadRequestError
from chalicelib.domain.search_terms import IndexToken, Matched, Term


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
    ],
)
def test_lookup_token(q: str, lookup: str) -> None:
    assert terms(q)[0].lookup == lookup


def test_the_first_lookup_is_the_term_with_the_longest_lookup() -> None:
    assert rules.lookup_order(terms("an müller x"))[0] == Term("muller", ("muller",))
    assert rules.lookup_order(terms("mu anna.mueller"))[0].lookup == "mueller"
    assert rules.lookup_order(terms("ab cd"))[0].text == "ab"  # a tie: the first


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


def _reachable(q: str, name: str, addresses: list[str]) -> bool:
    """What the search service does: read the index range of the first
    term's lookup token (in lookup order) and match the
    other words against each entry's name and addresses."""
    ts = terms(q)
    lead = rules.lookup_order(ts)[0]
    return any(
        t.token.startswith(lead.lookup) and rules.match(ts, name, t.addresses) is not None
        for t in rules.index_tokens(name, addresses)
    )


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
    ],
)
def test_every_match_is_reachable_from_the_lookup_token(q: str, name: str, addresses: list[str]) -> None:
    assert rules.match(terms(q), name, addresses) is not None
    assert _reachable(q, name, addresses)


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
    (st,) = terms("st.")
    assert (st.lookup, st.matches_names, st.matches_addresses) == ("st", True, False)
    assert rules.match([st], "St. Mary's Church", []) is not None
