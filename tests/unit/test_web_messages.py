"""The web client's words (web/js/messages.js, and messages_data.js for the
data-in-and-out screens): English and Dutch have the
same keys, every key the code asks for exists, and every fixed value the API
can answer (section keys, statuses) has words in both languages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from chalicelib.domain.models.accounts import QuickBooksOut
from chalicelib.domain.models.base import AccountType, Login, NotificationEvent, SyncMode
from chalicelib.domain.sections import SECTIONS

WEB = Path(__file__).resolve().parents[2] / "web"
ENTRY = re.compile(r'^\s+"([a-z0-9_.]+)": "((?:[^"\\]|\\.)*)",$', re.MULTILINE)


CATALOGUE_FILES = ("messages.js", "messages_data.js")


def catalogue(name: str, file: str) -> dict[str, str]:
    source = (WEB / "js" / file).read_text()
    start = source.index(f"export const {name} = {{")
    body = source[start : source.index("\n};", start)]
    return dict(ENTRY.findall(body))


def merged(name: str) -> dict[str, str]:
    parts = [catalogue(name, file) for file in CATALOGUE_FILES]
    assert not set(parts[0]) & set(parts[1]), "a key is in both catalogue files"
    return {**parts[0], **parts[1]}


EN, NL = merged("EN"), merged("NL")


def code() -> str:
    return "\n".join(p.read_text() for p in sorted((WEB / "js").rglob("*.js")) if p.name not in CATALOGUE_FILES)


def test_english_and_dutch_have_the_same_keys_and_no_empty_text() -> None:
    assert len(EN) > 200
    assert sorted(EN.keys() - NL.keys()) == []
    assert sorted(NL.keys() - EN.keys()) == []
    assert [k for k, v in {**EN, **NL}.items() if not v.strip()] == []
    # the same placeholders in both
    for key in EN:
        assert set(re.findall(r"\{(\w+)\}", EN[key])) == set(re.findall(r"\{(\w+)\}", NL[key])), key


def test_every_literal_key_the_code_asks_for_exists() -> None:
    asked = set(re.findall(r'\bt\("([a-z0-9_.]+)"', code()))
    assert len(asked) > 100
    assert sorted(asked - EN.keys()) == []


def test_every_value_the_api_can_answer_has_words() -> None:
    needed = set()
    for key, section in SECTIONS.items():
        needed |= {f"section.{key}", f"empty.{key}"}
        needed |= {f"term.{status}" for status in section.statuses}
    needed |= {f"term.{t}" for t in get_args(AccountType)}
    needed |= {f"term.login_{v}" for v in get_args(Login)}
    needed |= {f"event.{e}" for e in get_args(NotificationEvent)}
    needed |= {f"term.sync_{m}" for m in get_args(SyncMode)}
    needed |= {f"term.qb_{s}" for s in get_args(QuickBooksOut.model_fields["status"].annotation)}
    needed |= {f"term.{v}" for v in ("inbound", "outbound", "proposal", "engagement_letter")}
    needed |= {f"role.{r}" for r in ("owner", "admin", "employee")}
    assert sorted(needed - EN.keys()) == []


def test_the_client_knows_the_thirteen_sections_in_the_contracts_order() -> None:
    keys_in_client = re.findall(r'^\s+key: "(\w+)",$', (WEB / "js" / "sections.js").read_text(), re.MULTILINE)
    assert keys_in_client == list(SECTIONS)


def test_the_show_all_status_filters_offer_the_apis_statuses() -> None:
    source = (WEB / "js" / "sections.js").read_text()
    offered = {
        key: re.findall(r'"(\w+)"', statuses)
        for key, statuses in re.findall(r'key: "(\w+)",\n\s+statuses: \[([^\]]*)\]', source)
    }
    assert offered == {key: list(s.statuses) for key, s in SECTIONS.items() if s.statuses}
