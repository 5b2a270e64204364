"""One account's index and address copies stay bounded whatever the account
holds: DynamoDB caps items at 400 KB and keys at 1 KB, the API lets an
account link any number of contacts, and folding can lengthen text ~18x."""

from __future__ import annotations

from chalicelib.domain import search_terms as rules
from chalicelib.domain.entities import Account
from chalicelib.repo.records import search_entry
from chalicelib.repo.table import to_wire

FOLDS_LONG = "".join("\ufdfa" + chr(0x4E00 + i) for i in range(124)) + "@x.de"  # 253 characters, ~2,400 folded


def _account(name: str) -> Account:
    return Account("F" * 26, "A" * 26, name, "company", [], [], None, {}, "2026-11-26T00:00:00Z", "", "")


def _bytes(item: dict[str, object]) -> int:
    return len(str(to_wire(item)).encode())


def test_an_address_gives_at_most_a_hundred_suffixes_per_form() -> None:
    assert len(rules.email_suffixes(FOLDS_LONG)) == rules.MAX_SUFFIX_STARTS
    assert len(rules.email_suffixes("ab@x.de")) == len("ab@x.de") - 2
    # two forms' suffixes, the address, its local part and domain, and its words in the first 100 characters
    assert len(rules.index_tokens("Acme", [FOLDS_LONG])) <= 2 * rules.MAX_SUFFIX_STARTS + 3 + 50 + 4
    assert all(len(t.token) <= rules.MAX_TOKEN for t in rules.index_tokens("ﷺ" * 200, [FOLDS_LONG]))


def test_entries_carry_a_bounded_share_of_many_addresses() -> None:
    addresses = [f"{'x' * 200}.{i}@example.com" for i in range(400)]  # 400 long addresses on one account
    tokens = rules.index_tokens("Acme Holdings", addresses)
    account = _account("Acme Holdings")
    largest = max(_bytes(search_entry(account, t)) for t in tokens)
    assert largest < 4 * 1024
    for t in tokens:
        # an entry of 3+ characters names an address it answers for; shorter ones serve names only
        assert bool(t.addresses) == (len(t.token) >= rules.SHORT_TOKEN), t
        assert sum(len(a.encode()) for a in t.addresses) <= rules.ENTRY_ADDRESS_BYTES or len(t.addresses) == 1


def test_the_copies_keep_the_first_addresses_that_fit() -> None:
    addresses = [f"{'y' * 240}{i:03d}@x.de" for i in range(100)]
    copies = rules.within(addresses, rules.COPY_ADDRESS_BYTES)
    assert copies == tuple(addresses[: len(copies)])
    assert sum(len(a) for a in copies) <= rules.COPY_ADDRESS_BYTES
    assert rules.within(["a@b.cd"], 1) == ("a@b.cd",)
    assert rules.within([], 10) == ()


def test_letters_without_a_decomposition_fold_too() -> None:
    from chalicelib.domain.text import fold

    assert [fold(n) for n in ("Łukasz", "Søren", "Y\u0131lmaz", "Đorđević", "Æsir", "Œuvre", "Þór", "Groß")] == [
        "lukasz", "soren", "yilmaz", "dordevic", "aesir", "oeuvre", "thor", "gross",
    ]  # fmt: skip
    (term,) = rules.parse_query("lukasz")
    assert rules.match([term], "Łukasz Wiśniewski", []) is not None
