"""``chalicelib/domain/erasure.py``: which activity records are about a person, and what erasing makes of them."""

from __future__ import annotations

from chalicelib.domain import erasure
from chalicelib.domain.erasure import (
    DOCUMENT,
    LOGIN,
    MAIL_FROM,
    MAIL_TO,
    MESSAGE,
    SIGNATURE,
    erased,
    person,
    pseudonym,
    quotes,
    trace_kind,
)

WHO = person("C1", ["Eva@Example.org", "eva.private@mail.example"])


def test_the_pseudonym_is_stable_and_says_nothing_of_the_person() -> None:
    assert pseudonym("C1") == pseudonym("C1") != pseudonym("C2")
    assert pseudonym("C1").startswith("Erased contact ") and len(pseudonym("C1")) == len("Erased contact 7F3K")


def test_what_is_about_the_person() -> None:
    mail = {"section": "emails", "from_address": "x@y.example", "to_addresses": ["EVA@example.org"]}
    assert trace_kind(mail, WHO) == MAIL_TO, "addresses compared as the firm compares them"
    assert trace_kind({**mail, "from_address": "eva@example.org"}, WHO) == MAIL_FROM
    assert trace_kind({"section": "logins", "email": "eva.private@mail.example"}, WHO) == LOGIN
    signed = {"section": "proposals", "signed_by": [{"address": "a@b.example", "contact_id": "C1", "at": "t"}]}
    assert trace_kind(signed, WHO) == SIGNATURE, "a signature of the contact under a corrected address"
    assert trace_kind({"chat_id": "H", "body": "x", "contact_id": "C1"}, WHO) == MESSAGE
    assert trace_kind({"section": "documents", "contact_id": "C1"}, WHO) == DOCUMENT
    assert trace_kind({"section": "documents", "contact_id": "C2"}, WHO) is None
    assert trace_kind({"chat_id": "H", "body": "x"}, WHO) is None
    assert trace_kind({"section": "invoices", "number": "eva@example.org"}, WHO) is None
    assert trace_kind({"kind": "credit", "amount": "1"}, WHO) is None


def test_what_erasing_makes_of_it() -> None:
    to_her = {"section": "emails", "from_address": None, "to_addresses": ["eva@example.org"]}
    assert erased(to_her, WHO) is not None and erased(to_her, WHO).delete  # type: ignore[union-attr]
    to_both = {**to_her, "to_addresses": ["eva@example.org", "bo@x.example"]}
    change = erased(to_both, WHO)
    assert change is not None and not change.delete and change.fields == {"to_addresses": ["bo@x.example"]}
    signed = {
        "section": "proposals",
        "signed_by": [{"address": "eva@example.org", "contact_id": "C1", "at": "t1"}, {"address": "b@x", "at": "t2"}],
    }
    change = erased(signed, WHO)
    assert change is not None and change.fields == {
        "signed_by": [{"address": pseudonym("C1"), "at": "t1"}, {"address": "b@x", "at": "t2"}]
    }
    change = erased({"chat_id": "H", "contact_id": "C1"}, WHO)
    assert change is not None and change.fields == {"contact_id": None}
    assert erased({"section": "notes", "body": "eva@example.org"}, WHO) is None


def test_an_import_error_quotes_the_person_whatever_the_case_and_accents() -> None:
    values = ["Eva@Example.org", "Müller", ""]
    assert quotes("no active member with e-mail eva@example.ORG", values)
    assert quotes("The contact MULLER was archived", values)
    assert not quotes("starts like a spreadsheet formula; not imported", values)
    assert not quotes("anything", []), "an empty value quotes nothing"


def test_scrubbing_replaces_the_persons_values_and_leaves_lookalikes() -> None:
    values = ["Jan", "de Vries", "Jan de Vries", "jan@vries.example", "+31 6 1234 5678", "Li"]
    alias = "Erased contact 7F3K"

    def scrub(text: str) -> str:
        return erasure.scrubbed_text(text, values, alias)

    assert scrub("Jan de Vries") == alias
    assert scrub("Mail from jan@vries.example") == f"Mail from {alias}"
    assert scrub("Mail from JAN@VRIES.EXAMPLE") == f"Mail from {alias}"
    assert scrub("Call Jan tomorrow") == f"Call {alias} tomorrow"
    assert scrub("li@other.example") == "li@other.example"  # "Li" as a word: the address's "li" is one
    assert scrub("Li called") == f"{alias} called"  # a two-letter name is scrubbed too
    assert scrub("Tel. +31 (6) 1234-5678") == alias  # the number, however written
    # look-alikes stay
    for kept in ("Bakkerij Jansen", "januari", "Janneke Smit", "Lisa", "+31 6 9999 0000"):
        assert scrub(kept) == kept
