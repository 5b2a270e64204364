"""The capacity model's inputs, read from the project rather than retyped:
the cost table and the search and overview write figures in
docs/performance.md, the stream mappings and throttles in
infra/template.json, and item sizes computed from the repository's own
record builders (``chalicelib.repo.activity``) by DynamoDB's sizing rules.

Pure Python: nothing here talks to AWS or DynamoDB Local.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE_MD = ROOT / "docs" / "performance.md"
TEMPLATE_JSON = ROOT / "infra" / "template.json"

COST_HEADER = "| route | DynamoDB requests | RRU | WRU | handler ms"
INDEX_WRITE_HEADER = "| write (per write, mean of n) |"
PROJECTION_ROW = "| … per source write (÷ 10) |"
SEARCH_ENTRIES_LINE = "Search entries per account: mean "


@dataclass(frozen=True, slots=True)
class RouteCost:
    """One row of the cost table: a route's DynamoDB requests and units per call, and its billed handler time."""

    route: str  # "GET /accounts/{account_id}"
    requests: Mapping[str, int]  # {"GetItem": 2, "Query": 1}
    rru: float
    wru: float
    billed_ms: float
    transaction: bool  # † in the table: DynamoDB Local's flat transaction figure, below DynamoDB's bill


@dataclass(frozen=True, slots=True)
class IndexWrite:
    """The search indexer's work for one source write (the search bench's write table)."""

    rru: float
    wcu_table: float  # search entries and address copies in the account's partition
    wcu_gsi1: float  # the account's (and list entries') GSI1 copies rewritten
    wcu_gsi3: float  # the entries' GSI3 copies (spread over token partitions)
    entries: float  # index items written


@dataclass(frozen=True, slots=True)
class Projection:
    """The overview projection's work per source write, delivered in a batch (the Overview bench)."""

    requests: float
    rru: float
    wcu: float


@dataclass(frozen=True, slots=True)
class StreamMapping:
    batch_size: int
    parallelization: int  # ParallelizationFactor (AWS's default is 1)


@dataclass(frozen=True, slots=True)
class Infra:
    api_rate_limit: float  # the stage's throttle for all firms (parameter ApiRateLimit)
    api_burst_limit: float
    firm_rate_limit: float  # one firm's usage-plan rate (FirmRateLimit)
    mappings: Mapping[str, StreamMapping]  # by function: ProjectOverview, IndexSearch


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _requests(cell: str) -> dict[str, int]:
    return {op: int(n) for op, n in re.findall(r"([A-Za-z]+) (\d+)", cell)}


def _table_rows(text: str, header: str) -> list[list[str]]:
    """The cells of the first Markdown table whose header line starts with ``header``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def parse_cost_table(text: str) -> dict[str, RouteCost]:
    """The cost table ("Cost per endpoint") by route."""
    costs = {}
    for cells in _table_rows(text, COST_HEADER):
        match = re.fullmatch(r"`([A-Z]+ [^`]+)`(.*)", cells[0])
        if match is None:
            raise ValueError(f"unreadable route cell {cells[0]!r}")
        billed = re.search(r"\(([\d.]+)\)", cells[4])
        if billed is None:
            raise ValueError(f"unreadable handler time {cells[4]!r}")
        costs[match[1]] = RouteCost(
            route=match[1],
            requests=_requests(cells[1]),
            rru=_number(cells[2]),
            wru=_number(cells[3]),
            billed_ms=float(billed[1]),
            transaction="†" in match[2],
        )
    return costs


def parse_index_writes(text: str) -> dict[str, IndexWrite]:
    """The search indexer's cost per source write, from the newest search write table, keyed by route."""
    found = {}
    for cells in _table_rows(text, INDEX_WRITE_HEADER):
        route = re.search(r"`((?:POST|PATCH) /[^`]+)`", cells[0])
        wcu = re.match(r"([\d.]+) \((.*)\)", cells[6])
        if route is None or wcu is None:
            continue
        parts = {k: float(v) for k, v in re.findall(r"(table|GSI1|GSI3) ([\d.]+)", wcu[2])}
        key = route[1].replace("{id}", "{account_id}" if route[1].startswith("PATCH /accounts") else "{contact_id}")
        found[key] = IndexWrite(
            rru=float(cells[5].split()[0]),
            wcu_table=parts.get("table", 0.0),
            wcu_gsi1=parts.get("GSI1", 0.0),
            wcu_gsi3=parts.get("GSI3", 0.0),
            entries=float(cells[7]),
        )
    return found


def parse_projection(text: str) -> Projection:
    line = next(line for line in text.splitlines() if line.startswith(PROJECTION_ROW))
    cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    return Projection(requests=float(cells[4]), rru=float(cells[5]), wcu=float(cells[6]))


def parse_search_entries(text: str) -> tuple[float, float]:
    """Search entries per account (mean) and bytes per entry, as the search bench measured them."""
    line = next(line for line in text.splitlines() if line.startswith(SEARCH_ENTRIES_LINE))
    mean = re.search(r"mean ([\d.]+)", line)
    size = re.search(r"; ([\d,]+) bytes each", line)
    if mean is None or size is None:
        raise ValueError(f"unreadable search entry line {line!r}")
    return float(mean[1]), _number(size[1])


def _default(parameters: Mapping[str, Any], name: str) -> float:
    return float(parameters[name]["Default"])


def parse_template(template: Mapping[str, Any]) -> Infra:
    """Throttles (parameter defaults) and the stream mappings of the merged SAM template."""
    parameters = template["Parameters"]
    mappings = {}
    for name, resource in template["Resources"].items():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            props = event.get("Properties", {})
            if "Stream" in props:
                mappings[name] = StreamMapping(int(props["BatchSize"]), int(props.get("ParallelizationFactor", 1)))
    return Infra(
        api_rate_limit=_default(parameters, "ApiRateLimit"),
        api_burst_limit=_default(parameters, "ApiBurstLimit"),
        firm_rate_limit=_default(parameters, "FirmRateLimit"),
        mappings=mappings,
    )


def load_template(path: Path = TEMPLATE_JSON) -> Infra:
    return parse_template(json.loads(path.read_text()))


# --- item sizes from the records ---------------------------------------------------------------------

ITEM_OVERHEAD_BYTES = 100  # DynamoDB adds 100 bytes per item, and per local-index entry, to what it stores
ID = "01JF0000000000000000000000"  # a ULID (chalicelib/domain/ids.py): 26 characters
T = "2026-12-07T09:30:00Z"
# Field lengths as the Overview bench's data (docs/performance.md, "Overview tab"): titles 35 characters,
# note bodies 405, task descriptions 189, e-mail snippets 191, chat messages 203.
SAMPLE_FIELDS: Mapping[str, Mapping[str, Any]] = {
    "notes": {"title": "t" * 35, "body": "b" * 405, "at": T, "author_id": ID},
    "tasks": {"title": "t" * 35, "status": "planned", "assignee_id": ID, "description": "d" * 189},
    "emails": {
        "subject": "s" * 40,
        "direction": "received",
        "status": "received",
        "from_address": "margaret.whitfield@example.com",
        "to_addresses": ["office@firm.example"],
        "at": T,
        "snippet": "s" * 191,
        "text": "",  # inbound mail keeps the snippet (chalicelib/domain/inbound_mail.py), not the text
    },
    "time_entries": {"minutes": 45, "date": "2026-12-07", "member_id": ID, "description": "d" * 60, "billable": True},
    "chats": {"subject": "s" * 35, "status": "open", "last_at": T, "message_count": 10, "last_author": "firm"},
}
CHAT_MESSAGE_FIELDS: Mapping[str, Any] = {"body": "m" * 203, "author": "firm", "member_id": ID, "at": T}


def _common(section: str) -> dict[str, Any]:
    return {"id": ID, "created_at": T, "updated_at": T, "created_by": ID, "version": 1, "section": section}


@dataclass(frozen=True, slots=True)
class StoredSize:
    """What one item of a kind takes in its account's item collection: the item and its local-index copies."""

    item_bytes: int
    lsi_copies: int

    @property
    def collection_bytes(self) -> int:
        return (self.item_bytes + ITEM_OVERHEAD_BYTES) * (1 + self.lsi_copies)


def item_sizes() -> dict[str, StoredSize]:
    """Sizes of a few activity items and a chat message, built by the repository's own record builders."""
    from bench.common import item_bytes
    from chalicelib.repo.activity import item_record, message_record
    from chalicelib.repo.table import to_wire

    sizes = {}
    for section, fields in SAMPLE_FIELDS.items():
        record = item_record("F" + ID, "A" + ID, section, {**_common(section), **fields})
        copies = sum(1 for index in ("LSI1SK", "LSI2SK", "LSI3SK") if index in record)
        sizes[section] = StoredSize(item_bytes(to_wire(record)), copies)
    message = message_record("F" + ID, "A" + ID, ID, ID, dict(CHAT_MESSAGE_FIELDS))
    sizes["chat_message"] = StoredSize(item_bytes(to_wire(message)), 0)
    return sizes
