"""``chalicelib/domain/erasure.py``: which activity records are about a person, and what erasing makes of them."""

from __future__ import annotations

from dataclasses import replace

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
from chalicelib.domain.traces import Document, Login, Mail, Message, Proposal, Signature

WHO = person("C1", ["Eva@Example.org", "eva.private@mail.example"])
MAIL = Mail("F", "A", "E1", 3, "outbound", "sent", "Hi", "x@y.example", ("EVA@example.org",), "t", "snip", "text")
LOGIN_RECORD = Login("F", "A", "L1", 1, "eva.private@mail.example", "t")
PROPOSAL = Proposal("F", "A", "P1", 2, "Offer", (Signature("a@b.example", "t", contact_id="C1"),))
MESSAGE_RECORD = Message("F", "A", "H", "M1", "C1", "x", "t")
DOCUMENT_RECORD = Document("F", "A", "D1", 1, "C1", "tax.pdf", "t", None, None)


def test_the_pseudonym_is_stable_and_says_nothing_of_the_person() -> None:
    assert pseudonym("C1") == pseudonym("C1") != pseudonym("C2")
    assert pseudonym("C1").startswith("Erased contact ") and len(pseudonym("C1")) == len("Erased contact 7F3K")


def test_what_is_about_the_person() -> None:
    assert trace_kind(MAIL, WHO) == MAIL_TO, "addresses compared as the firm compares them"
    assert trace_kind(replace(MAIL, from_address="eva@example.org"), WHO) == MAIL_FROM
    assert trace_kind(replace(MAIL, to_addresses=("bo@x.example",)), WHO) is None
    assert trace_kind(LOGIN_RECORD, WHO) == LOGIN
    assert trace_kind(replace(LOGIN_RECORD, email="bo@x.example"), WHO) is None
    assert trace_kind(PROPOSAL, WHO) == SIGNATURE, "a signature of the contact under a corrected address"
    by_address = (Signature("EVA@example.org", "t"),)  # before signatures named contacts
    assert trace_kind(replace(PROPOSAL, signed_by=by_address), WHO) == SIGNATURE
    assert trace_kind(replace(PROPOSAL, signed_by=(Signature("b@x", "t", contact_id="C2"),)), WHO) is None
    assert trace_kind(MESSAGE_RECORD, WHO) == MESSAGE
    assert trace_kind(DOCUMENT_RECORD, WHO) == DOCUMENT
    assert trace_kind(replace(DOCUMENT_RECORD, contact_id="C2"), WHO) is None
    assert trace_kind(replace(MESSAGE_RECORD, contact_id=None), WHO) is None


def test_what_erasing_makes_of_it() -> None:
    to_her = replace(MAIL, from_address=None, to_addresses=("eva@example.org",))
    assert erased(to_her, WHO) == erasure.Erased(None), "deleted"
    assert erased(replace(MAIL, from_address="eva@example.org"), WHO) == erasure.Erased(None)
    assert erased(LOGIN_RECORD, WHO) == erasure.Erased(None)
    to_both = replace(to_her, to_addresses=("eva@example.org", "bo@x.example"))
    assert erased(to_both, WHO) == erasure.Erased(replace(to_both, to_addresses=("bo@x.example",)))
    signed = replace(
        PROPOSAL,
        signed_by=(
            Signature("eva@example.org", "t1", contact_id="C1", recorded_by="M1"),
            Signature("b@x", "t2", contact_id="C2"),
        ),
    )
    kept = (Signature(pseudonym("C1"), "t1", recorded_by="M1"), Signature("b@x", "t2", contact_id="C2"))
    assert erased(signed, WHO) == erasure.Erased(replace(signed, signed_by=kept)), "the pseudonym, no contact"
    assert erased(MESSAGE_RECORD, WHO) == erasure.Erased(replace(MESSAGE_RECORD, contact_id=None))
    assert erased(DOCUMENT_RECORD, WHO) == erasure.Erased(replace(DOCUMENT_RECORD, contact_id=None))
    assert erased(replace(MAIL, to_addresses=("bo@x.example",)), WHO) is None


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
