"""The audit trail's pure rules (domain/audit.py) and how writes are stamped (repo/stamps.py)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from chalicelib.domain import audit
from chalicelib.repo import keys, stamps
from chalicelib.repo.table import Delete, Put, Update, set_fields, stamped


def test_field_changes_skip_versions_and_counters_and_redact_secrets() -> None:
    old = {"version": 1, "name": "A", "contact_count": 1, "invite_hash": "h1", "updated_at": "t1"}
    new = {"version": 2, "name": "B", "contact_count": 2, "invite_hash": "h2", "updated_at": "t2"}
    changes = audit.field_changes(old, new)
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("invite_hash", audit.REDACTED, audit.REDACTED),
        ("name", "A", "B"),
    ]


def test_every_field_named_like_a_secret_is_redacted() -> None:
    for name in ("secret", "webhook_secret", "oauth_refresh_token", "password_hash", "api_key", "token_hash"):
        assert audit.is_secret(name), name
        (change,) = audit.field_changes(None, {name: "whsec_abc"})
        assert (change.old, change.new) == (None, audit.REDACTED)
    assert not audit.is_secret("name") and not audit.is_secret("description")


def test_values_are_shown_as_json_would_and_long_ones_cut() -> None:
    (amount, tags, text) = audit.field_changes(
        {"amount": Decimal("10.50"), "tags": {"b", "a"}}, {"amount": Decimal("12"), "tags": {"a"}, "text": "x" * 900}
    )
    assert (amount.old, amount.new) == (10.5, 12)
    assert (tags.old, tags.new) == (["a", "b"], ["a"])
    assert text.new == "x" * audit.MAX_VALUE_CHARS + "…"


def test_actions() -> None:
    assert audit.action_of("INSERT", None, {"a": 1}, True) == "create"
    assert audit.action_of("MODIFY", {"archived": False}, {"archived": True}, True) == "archive"
    assert audit.action_of("MODIFY", {"archived": True}, {"archived": False}, True) == "restore"
    assert audit.action_of("MODIFY", {"a": 1}, {"a": 2}, True) == "update"
    assert audit.action_of("REMOVE", {"a": 1}, None, True) == "delete"
    assert audit.action_of("REMOVE", {"a": 1}, None, False) == "expire"


def test_entry_ids_sort_by_time_and_repeat_for_a_redelivered_record() -> None:
    first = audit.entry_id("2026-12-07T10:00:00.000001Z", "event-1")
    assert first == audit.entry_id("2026-12-07T10:00:00.000001Z", "event-1")
    assert first < audit.entry_id("2026-12-07T10:00:00.000002Z", "event-0")
    assert (
        audit.expires_at("2026-01-01T00:00:00.000000Z", 30) - audit.expires_at("2026-01-01T00:00:00Z", 0) == 30 * 86400
    )


def test_writes_carry_the_acting_writer() -> None:
    key = keys.account("F", "A")
    actor = audit.Actor(audit.MEMBER, "M1", "Ann", "10.0.0.1")
    with audit.acting_as(actor):
        put = stamped(Put({**key.as_dict(), "entity": "account", "name": "X"}))
        update = stamped(set_fields(key, {"name": "Y"}))
    assert isinstance(put, Put) and put.item[stamps.KIND] == "member" and put.item[stamps.IP] == "10.0.0.1"
    assert isinstance(update, Update) and update.expression.startswith("SET #aud0 = :aud0")
    assert "member" in update.values.values() and "Ann" in update.values.values()
    assert "#f0 = :f0" in update.expression and update.expression.count("SET") == 1
    # outside any request: the system; derived writers only mark the kind
    assert stamped(Put({**key.as_dict(), "entity": "account"})).item[stamps.KIND] == "system"  # type: ignore[union-attr]
    with audit.acting_as(audit.DERIVED_ACTOR):
        assert stamped(Put({**key.as_dict(), "entity": "account"})).item == {  # type: ignore[union-attr]
            **key.as_dict(),
            "entity": "account",
            stamps.KIND: "derived",
        }
    # what is no resource is never stamped; deletes are not changed (Table adds a deletion note)
    guard = Put({**keys.tag_name("F", "vip").as_dict(), "entity": "tag_name"})
    assert stamped(guard) == guard
    derived = set_fields(keys.overview("F", "A", "tasks"), {"f": 1})
    assert stamped(derived) == derived
    assert stamped(Delete(key)) == Delete(key)


def test_a_stamp_is_added_to_expressions_without_a_set_clause() -> None:
    assert stamps.with_set("ADD #n :one", ["#aud0 = :aud0"]) == "SET #aud0 = :aud0 ADD #n :one"
    assert stamps.with_set("REMOVE #a SET #b = :b", ["#aud0 = :aud0"]) == "REMOVE #a SET #aud0 = :aud0, #b = :b"


def test_a_delete_of_a_resource_is_noted_with_its_deleter() -> None:
    key = keys.item("F", "A", "tasks", "T1")
    with audit.acting_as(audit.Actor(audit.MEMBER, "M1", "Ann", "10.0.0.1")):
        note = stamps.deletion_note(key)
    assert (
        note is not None
        and note["PK"] == "FIRM#F#AUDIT#DELETED"
        and note["SK"] == hashlib.sha256(f"{key.pk}|{key.sk}".encode()).hexdigest()
    )
    assert (note["actor_kind"], note["actor_id"], note["actor_name"], note["ip"]) == ("member", "M1", "Ann", "10.0.0.1")
    assert stamps.deletion_note(keys.tag_name("F", "vip")) is None  # a guard
    with audit.acting_as(audit.DERIVED_ACTOR):
        assert stamps.deletion_note(key) is None  # a stream function's clean-up
