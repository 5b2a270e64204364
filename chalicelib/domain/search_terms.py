"""Search rules (docs/api.md, "Accounts", `GET /search`): what an account indexes, how a query is read,
what matches and in which order. Plain functions, no database.

An account is found by a word of its name that starts with the query, or by
an e-mail address of one of its contacts that contains the query (3
characters or more), ignoring case and accents. Each whitespace-separated
word of a query must match: a word of the name, or part of an address (all
the words that match an address must match the same one). A word with an
"@" matches addresses only. Or the account is found through one of its
contacts: every word starts a word of that contact's first, middle or last
name, or is 4+ digits of one of its phone numbers (``search_people``).

Index tokens (``docs/data-model.md``): each folded word of the name, and
every suffix of 3+ characters of each folded address, so that "contains"
becomes "some suffix starts with", which a DynamoDB ``begins_with`` serves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from chalicelib.domain.errors import BadRequestError, FieldError
from chalicelib.domain.search_people import (
    MIN_PHONE_DIGITS,
    Person,
    joined_phone_query,
    phone_match,
    phone_tokens,
    query_digits,
    within_people,
)
from chalicelib.domain.text import fold

MAX_HITS: Final = 20
MAX_QUERY_LENGTH: Final = 100
MIN_EMAIL_PART: Final = 3  # shorter parts of an address would match nearly every address
SHORT_TOKEN: Final = 3  # shorter tokens serve 1- and 2-character queries, which match names only
# Keys are cut to this many characters (a sort key is at most 1 KB, and folding can lengthen text: "ﷺ" becomes
# 18 letters); a cut lookup still finds a superset, and matching is done on the full text.
MAX_TOKEN: Final = 120
# Bounds that keep one account's index and copies small whatever it holds (an account may link hundreds of
# contacts with ten long addresses each; items are capped at 400 KB, and every search reads these bytes).
# Matching beyond them is given up: substrings starting after the 100th character of an address, and, for
# multi-word queries and restricted employees' searches, addresses past the byte budgets.
MAX_SUFFIX_STARTS: Final = 100
MAX_GRAM: Final = 20  # name words are indexed under each prefix up to this length
ENTRY_ADDRESS_BYTES: Final = 512  # addresses carried by one index entry (every search reads them)
COPY_ADDRESS_BYTES: Final = 4096  # addresses copied onto the account and its list entries
ENTRY_PEOPLE_BYTES: Final = 512  # contacts carried by one index entry (those whose name or phone gave its token)
COPY_PEOPLE_BYTES: Final = 4096  # contacts copied onto the account and its list entries

# Tiers, best first: exact before prefix (a whole word or number before a
# part of one); within each, the account's name, then a contact's name, then
# an address, then a phone number.
NAME_EXACT: Final = 0
CONTACT_EXACT: Final = 1
EMAIL_EXACT: Final = 2
PHONE_EXACT: Final = 3
NAME_PREFIX: Final = 4
CONTACT_PREFIX: Final = 5
EMAIL_PART: Final = 6
PHONE_PART: Final = 7

_APOSTROPHE_CHARS = "'`\u2019\u02bc"  # ', `, right single quotation mark, modifier letter apostrophe
_APOSTROPHES = re.compile(f"[{_APOSTROPHE_CHARS}]")
_NON_WORD = re.compile(r"[\W_]+")
_EDGE_PUNCTUATION = '.,;:!?"()[]{}<>'  # around a word ("St.", "(Acme)"); not "@", "+", "-": address-like
_PIECES = re.compile(f"[^\\w{_APOSTROPHE_CHARS}]+|_+")


def words(text: str) -> list[str]:
    """Folded words, apostrophes dropped ("O'Brien" → "obrien"), in order, once each."""
    return list(dict.fromkeys(w for w in _NON_WORD.split(_APOSTROPHES.sub("", fold(text))) if w))


def name_words(name: str) -> list[tuple[str, str]]:
    """(folded word, word as written) pairs of a name, for matching and for
    saying which word matched."""
    pairs: dict[str, str] = {}
    for piece in _PIECES.split(name):
        for word in words(piece):
            pairs.setdefault(word, piece.strip(_APOSTROPHE_CHARS))
    return list(pairs.items())


def email_form(address: str) -> str:
    return fold(address)


def email_suffixes(address: str) -> list[str]:
    """Every suffix of 3+ characters (starting in the first 100): a substring
    of the address is a prefix of one of them. An address with an apostrophe
    also gets the suffixes of its form without it, since a query word is
    looked up without its apostrophes ("o'brien" by "obrien")."""
    forms = dict.fromkeys((email_form(address), _APOSTROPHES.sub("", email_form(address))))
    starts = {f: range(min(len(f) - MIN_EMAIL_PART + 1, MAX_SUFFIX_STARTS)) for f in forms}
    return list(dict.fromkeys(f[i:][:MAX_TOKEN] for f in forms for i in starts[f]))


def within(addresses: Sequence[str], budget: int) -> tuple[str, ...]:
    """The first addresses that fit in ``budget`` bytes (at least one)."""
    kept: list[str] = []
    used = 0
    for address in addresses:
        used += len(address.encode())
        if kept and used > budget:
            break
        kept.append(address)
    return tuple(kept)


def email_exact_forms(address: str) -> set[str]:
    """What an address matches exactly: itself, its local part, its domain
    and each of its words (3+ characters, like every address match)."""
    folded = email_form(address)
    local, _, domain = folded.rpartition("@")
    parts = _NON_WORD.split(folded[:MAX_SUFFIX_STARTS])  # bounded, like the suffixes
    return {f for f in (folded, local, domain, *parts) if len(f) >= MIN_EMAIL_PART}


@dataclass(frozen=True, slots=True)
class IndexToken:
    token: str
    tier: int  # how an account found by exactly this token matches it (orders a token's entries)
    addresses: tuple[str, ...]  # addresses whose matching this entry answers for
    people: tuple[Person, ...] = ()  # contacts whose name or phone gave the token


def _merged(held: IndexToken, other: IndexToken) -> IndexToken:
    """One entry for a token two sources give: the best tier, its addresses
    (the other's if it has none), and the contacts of both."""
    best, worse = (other, held) if other.tier < held.tier else (held, other)
    people = within_people(list(dict.fromkeys((*held.people, *other.people))), ENTRY_PEOPLE_BYTES)
    return IndexToken(best.token, best.tier, best.addresses or worse.addresses, people)


def _covered(person: Person, account_words: set[str]) -> bool:
    """Whether each word of the contact's names is a word of the account's
    name (an individual's own contact): whatever its names match, the
    account's name matches better, so they give no tokens of their own."""
    return all(w in account_words for _, text in person.name_fields() for w, _ in name_words(text))


def _people_tokens(people: Sequence[Person], account_name: str) -> dict[str, IndexToken]:
    """Each prefix (up to 20 characters) of each word of a contact's names
    (unless ``_covered``), and each run of 4+ digits that starts one of its
    phone numbers' forms; each carrying the contacts that give it."""
    found: dict[str, IndexToken] = {}
    account_words = {w for w, _ in name_words(account_name)}
    for person in people:
        named = () if _covered(person, account_words) else person.name_fields()
        for _, text in named:
            for full, _ in name_words(text):
                word = full[:MAX_GRAM]
                for end in range(1, len(word) + 1):
                    tier = CONTACT_EXACT if word[:end] == full else CONTACT_PREFIX
                    token = IndexToken(word[:end], tier, (), (person,))
                    found[token.token] = _merged(found[token.token], token) if token.token in found else token
        for number in person.phones:
            for digits, whole in phone_tokens(number).items():
                token = IndexToken(digits[:MAX_TOKEN], PHONE_EXACT if whole else PHONE_PART, (), (person,))
                found[token.token] = _merged(found[token.token], token) if token.token in found else token
    return found


def index_tokens(name: str, addresses: Sequence[str], people: Sequence[Person] = ()) -> list[IndexToken]:
    """The index entries of an account, one per token (the best tier wins):

    - each prefix (up to 20 characters) of each name word, so the accounts a
      name prefix finds are one contiguous range, already in rank order
      (exact words, then prefixes, each alphabetical);
    - each exact form of each address (``email_exact_forms``);
    - each suffix of each address, for the parts that start mid-word.

    - the contacts' name prefixes and phone digits (``_people_tokens``).

    Entries of 3+ character tokens carry addresses (a name's: the account's
    first addresses; an address's: the addresses it is part of), so a
    multi-word query can check its other words on what it read. Shorter
    tokens serve only 1- and 2-character queries, which match names only.
    A contact's entries carry the contact (any length: a query that matches
    a contact matches it with every word); an individual's own contact gives
    no name entries (``_covered``; its phone's range answers for it)."""
    every = within(addresses, ENTRY_ADDRESS_BYTES)
    tokens: dict[str, IndexToken] = _people_tokens(people, name)

    def keep(candidate: IndexToken) -> None:
        held = tokens.get(candidate.token)
        tokens[candidate.token] = candidate if held is None else _merged(held, candidate)

    for full, _ in name_words(name):
        word = full[:MAX_GRAM]
        for end in range(1, len(word) + 1):
            gram = word[:end]
            keep(IndexToken(gram, NAME_EXACT if gram == full else NAME_PREFIX, every if end >= SHORT_TOKEN else ()))
    exact: dict[str, list[str]] = {}
    parts: dict[str, list[str]] = {}
    for address in addresses:
        for form in email_exact_forms(address):
            exact.setdefault(form[:MAX_TOKEN], []).append(address)
        for suffix in email_suffixes(address):
            parts.setdefault(suffix, []).append(address)
    for tier, found in ((EMAIL_EXACT, exact), (EMAIL_PART, parts)):
        for token, owners in found.items():
            keep(IndexToken(token, tier, within(list(dict.fromkeys(owners)), ENTRY_ADDRESS_BYTES)))
    return list(tokens.values())


# --- queries ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """One word of a query: what an address must contain (``text``) and
    what name words must start with (``words``). ``lookups`` are the tokens
    whose index ranges each hold every account the term matches, and the term
    matches only what those ranges can hold, so every caller gets the same
    answer whichever range it is read from."""

    text: str
    words: tuple[str, ...]

    @property
    def _core(self) -> str:
        """The text without apostrophes and without punctuation around it ("st." → "st")."""
        return _APOSTROPHES.sub("", self.text).strip(_EDGE_PUNCTUATION)

    @property
    def address_only(self) -> bool:
        """An "@" makes a word an address ("anna@", "@gmail.com"): it is looked
        up whole, so an exact address reads only the entries of the addresses
        that contain it, however common its words are."""
        return "@" in self.text and len(self.text) >= MIN_EMAIL_PART

    @property
    def _by_words(self) -> bool:
        """Looked up by its words: one word ("smith", "o'b", "st."), or words of
        which one has 3+ characters ("anna.mu"), a part of any address
        containing the term and the start of a word of any name it matches."""
        if self.address_only or self.phone_only:
            return False
        return self.words == (self._core,) or len(max(self.words, key=len)) >= SHORT_TOKEN

    @property
    def _phone(self) -> tuple[str, bool] | None:
        return query_digits(self.text)

    @property
    def phone_only(self) -> bool:
        """Written as a phone number with a country code or punctuation
        ("+31 6 1234", "06-1234", "0031…"): it matches phone numbers only."""
        return self._phone is not None and self._phone[1]

    @property
    def phone_digits(self) -> str | None:
        """The digits it finds phone numbers by (None: it finds none)."""
        phone = self._phone
        return phone[0] if phone is not None and len(phone[0]) >= MIN_PHONE_DIGITS else None

    @property
    def matches_nothing(self) -> bool:
        """A phone number of fewer than 4 digits ("+31", "(06)")."""
        return self.phone_only and self.phone_digits is None

    @property
    def lookup(self) -> str:
        """The token that says what the term matches (its longest word, or the text)."""
        if self.phone_only:
            return (self.phone_digits or "")[:MAX_TOKEN]
        if self._by_words or len(self.text) < MIN_EMAIL_PART:
            return max(self.words, key=len)[:MAX_GRAM]
        return self.text[:MAX_TOKEN]  # "a.m", "x.de", "anna@x": only an address can hold it

    @property
    def lookups(self) -> tuple[str, ...]:
        """Every token whose range holds all the accounts the term matches:
        each word of 3+ characters when looked up by its words, else the lookup."""
        if self._by_words and len(self.lookup) >= SHORT_TOKEN:
            return tuple(dict.fromkeys(w[:MAX_GRAM] for w in self.words if len(w) >= SHORT_TOKEN))
        return (self.lookup,)

    @property
    def address_lookup(self) -> str | None:
        """For a term of several words that also matches names ("anna.maria",
        "client.example"), the token whose range holds every account it matches
        by an address (not by a name): its text, more selective than its words."""
        if len(self.words) > 1 and self._by_words and self.matches_addresses:
            return self.text[:MAX_TOKEN]
        return None

    @property
    def matches_names(self) -> bool:
        if self.phone_only:
            return False
        return self.lookup in self.words or any(w.startswith(self.lookup) for w in self.words)

    @property
    def matches_addresses(self) -> bool:
        return not self.phone_only and len(self.text) >= MIN_EMAIL_PART and len(self.lookup) >= SHORT_TOKEN


def parse_query(q: str | None) -> list[Term]:
    """The words of ``q``; 400 when it is missing, empty, too long or only punctuation."""
    if q is None or not q.strip():
        raise _refused("Type something to search for.", "empty", "required", "query_empty")
    if len(q) > MAX_QUERY_LENGTH:
        raise _refused(f"A search is at most {MAX_QUERY_LENGTH} characters.", "too long", "too_long", "query_too_long")
    joined = joined_phone_query(q)
    parts = [joined] if joined else q.split()
    terms = [t for t in dict.fromkeys(Term(email_form(part), tuple(words(part))) for part in parts) if t.words]
    if not terms:
        raise _refused(
            "A search needs a letter or a digit.", "only punctuation or symbols", "invalid", "query_without_letters"
        )
    return terms


def _refused(detail: str, msg: str, field_code: str, code: str) -> BadRequestError:
    return BadRequestError(detail, [FieldError(("query", "q"), msg, field_code)], code=code)


# What a range read by a search is known to hold (``Lookup.holds``).
ALL: Final = "all"  # every account the query matches
ADDRESSES: Final = "addresses"  # every account its one term matches by an address
NAMES: Final = "names"  # every account its one term matches by a name
SOME: Final = "some"  # matches, not surely all of them


@dataclass(frozen=True, slots=True)
class Lookup:
    """An index range: the entries of the tokens that start with ``token``,
    or (``exact``) of ``token`` itself."""

    token: str
    holds: str
    exact: bool = False


def lookup_plan(terms: Sequence[Term]) -> list[Lookup]:
    """The index ranges a query may be read from, in the order to try them.
    Which is shortest is learnt by reading them (``services/search.py``): no
    statistics are kept.

    A one-word query of several words with an address range ("anna.maria",
    "client.example", "jean-luc"): that range (its address matches), and the
    entries of exactly each of its words (its name matches: a name matches
    only if each word starts a name word, and every prefix of a name word is
    a token), words with a digit first (rare in names), then the longest.
    The first word's entries come first, so that name matches, which rank
    before most address parts, are read before 20 hits end the search.

    Otherwise each term's ``lookups``, each holding every account the query
    matches (it matches no more than any of its terms); 1- and 2-character
    tokens only when no term has a longer one (their entries carry no
    addresses to check other words on); a token that starts another left out
    (its range holds the other's). The longest first, then the terms' address
    ranges (for their hits only), then the others, longest first."""
    address = terms[0].address_lookup if len(terms) == 1 else None
    if address is not None:
        names = sorted(
            dict.fromkeys(w[:MAX_GRAM] for w in terms[0].words),
            key=lambda w: (not any(c.isdigit() for c in w), -len(w)),
        )
        first, *others = (Lookup(w, NAMES, exact=True) for w in names)
        return [first, Lookup(address, ADDRESSES), *others]
    complete = list(dict.fromkeys(token for term in terms for token in term.lookups))
    if any(len(t) >= SHORT_TOKEN for t in complete):
        complete = [t for t in complete if len(t) >= SHORT_TOKEN]
    complete = [t for t in complete if not any(o != t and o.startswith(t) for o in complete)]
    # With a word of 4+ digits, only the ranges of such words are sure to hold
    # an entry carrying each contact it matches (an individual's own contact
    # is not on the account name's entries): the others are read for hits only.
    phoned = {token for term in terms if term.phone_digits for token in term.lookups}

    def holds(token: str) -> str:
        return ALL if not phoned or token in phoned else SOME

    complete.sort(key=lambda t: (holds(t) != ALL, -len(t)))  # stable: ties in the query's order
    partial = dict.fromkeys(t.address_lookup for t in terms if t.address_lookup and t.address_lookup not in complete)
    return [
        Lookup(complete[0], holds(complete[0])),
        *(Lookup(token, ADDRESSES) for token in partial if token is not None),
        *(Lookup(token, holds(token)) for token in complete[1:]),
    ]


def answered(ended: Iterable[Lookup]) -> bool:
    """Whether the ranges read to their end hold every account the query matches."""
    held = {lookup.holds for lookup in ended}
    return ALL in held or {ADDRESSES, NAMES} <= held


# --- matching -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Matched:
    field: str  # "name", "email", or a contact's "first_name", "middle_name", "last_name", "phone"
    value: str  # the word as written, the address, or the phone number as written
    contact: Person | None = None  # the contact whose name or phone matched


@dataclass(frozen=True, slots=True)
class Match:
    tier: int  # the worst tier among the terms
    tiers: int  # sum of the terms' tiers, to order hits of one tier
    matched: tuple[Matched, ...]


def _name_tier(term: Term, name: Sequence[tuple[str, str]]) -> tuple[int, list[Matched]] | None:
    found: list[Matched] = []
    exact = True
    for w in term.words:
        hit = next(((folded, written) for folded, written in name if folded == w), None)
        if hit is None:
            exact = False
            hit = next(((folded, written) for folded, written in name if folded.startswith(w)), None)
        if hit is None:
            return None
        found.append(Matched("name", hit[1]))
    return (NAME_EXACT if exact else NAME_PREFIX), found


def _email_tier(term: Term, address: str) -> int | None:
    if term.text not in email_form(address):
        return None
    return EMAIL_EXACT if term.text in email_exact_forms(address) else EMAIL_PART


def _person_tier(term: Term, person: Person) -> tuple[int, list[Matched]] | None:
    """How a term matches a contact: by words of its names (each word of the
    term starting one), or by digits of one of its phone numbers; the better."""
    best: tuple[int, list[Matched]] | None = None
    if term.matches_names:
        fields = [(field, pair) for field, text in person.name_fields() for pair in name_words(text)]
        by_name = _name_tier(term, [pair for _, pair in fields])
        if by_name is not None:
            field_of: dict[str, str] = {}
            for field, (_, written) in fields:
                field_of.setdefault(written, field)
            tier = CONTACT_EXACT if by_name[0] == NAME_EXACT else CONTACT_PREFIX
            best = tier, [Matched(field_of[m.value], m.value, person) for m in by_name[1]]
    digits = term.phone_digits
    if digits is not None:
        for number in person.phones:
            whole = phone_match(digits, number)
            tier = PHONE_EXACT if whole else PHONE_PART
            if whole is not None and (best is None or tier < best[0]):
                best = tier, [Matched("phone", number, person)]
    return best


def _person_match(terms: Sequence[Term], person: Person) -> Match | None:
    tiers: list[int] = []
    matched: list[Matched] = []
    for term in terms:
        found = _person_tier(term, person)
        if found is None:
            return None
        tiers.append(found[0])
        matched += found[1]
    return Match(max(tiers), sum(tiers), tuple(dict.fromkeys(matched)))


def match(terms: Sequence[Term], name: str, addresses: Iterable[str], people: Iterable[Person] = ()) -> Match | None:
    """How well an account matches (None: it does not). With several
    addresses or contacts, the one giving the best match counts."""
    name_parts = name_words(name)
    best: Match | None = None
    for address in [None, *addresses]:
        tiers: list[int] = []
        matched: list[Matched] = []
        for term in terms:
            by_name = _name_tier(term, name_parts) if term.matches_names else None
            by_email = _email_tier(term, address) if address is not None and term.matches_addresses else None
            if by_name is not None and (by_email is None or by_name[0] <= by_email):
                tiers.append(by_name[0])
                matched += by_name[1]
            elif by_email is not None and address is not None:
                tiers.append(by_email)
                matched.append(Matched("email", address))
            else:
                break
        else:
            candidate = Match(max(tiers), sum(tiers), tuple(dict.fromkeys(matched)))
            if best is None or (candidate.tier, candidate.tiers) < (best.tier, best.tiers):
                best = candidate
    for person in people:
        by_person = _person_match(terms, person)
        if by_person is not None and (best is None or (by_person.tier, by_person.tiers) < (best.tier, best.tiers)):
            best = by_person
    return best


def rank_key(m: Match, sort_name: str, account_id: str) -> tuple[int, int, str, str]:
    """Best first: exact word before prefix, name before email, then alphabetical."""
    return m.tier, m.tiers, sort_name, account_id
