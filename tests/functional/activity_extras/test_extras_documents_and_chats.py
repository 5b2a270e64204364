"""The activity routes beyond plain items (docs/api.md "Activity sections"): a document's New
label, and chat messages.

Every test runs on moto and on DynamoDB Local (the ``table`` fixture); ``env`` is conftest.py's.
"""

from __future__ import annotations

from chalicelib.domain.ids import new_id
from chalicelib.repo.table import Table
from tests.support.activity import MEMBER_NAME, OWNER_NAME, STAMP, Body, Env, ok, tampered
from tests.support.api import ids, nothing_written
from tests.support.factories import create_account, created
from tests.support.problems import assert_problem

# --- documents: the New label ------------------------------------------------------------------


def test_client_document_is_new_until_a_member_opens_it(env: Env, table: Table) -> None:
    doc = created(env.api, env.path("documents"), {"name": "W-2.pdf", "uploaded_by": "client"})
    assert (doc["new"], doc["viewed_at"], doc["viewed_by"]) == (True, None, None)
    view = env.path("documents", doc["id"], "view")

    first = env.teammate.post(view)

    seen = ok(first)
    assert first.etag == '"2"'
    assert seen["new"] is False
    assert seen["viewed_by"] == {"id": env.member_id, "name": MEMBER_NAME}
    assert STAMP.match(seen["viewed_at"]) and seen["viewed_at"] >= doc["created_at"]
    assert seen["version"] == 2
    assert (seen["opened_by"], seen["opened_at"]) == (seen["viewed_by"], seen["viewed_at"])
    changed = ("new", "viewed_at", "viewed_by", "opened_at", "opened_by", "version", "updated_at")
    assert {k: v for k, v in seen.items() if k not in changed} == {k: v for k, v in doc.items() if k not in changed}
    assert ok(env.api.get(env.path("documents", doc["id"]))) == seen
    assert ok(env.api.get(env.path("documents")))["items"] == [seen]

    # Opening it again, as someone else, keeps the first viewer.
    again = env.api.post(view)
    assert ok(again) == seen
    assert ok(env.api.get(env.path("documents", doc["id"]))) == seen
    assert again.etag == '"2"'


def test_view_of_what_is_not_a_visible_document_is_404(env: Env, table: Table) -> None:
    doc = created(env.api, env.path("documents"), {"name": "Scan.pdf", "uploaded_by": "client"})
    task = created(env.api, env.path("tasks"), {"title": "Not a document"})
    other = create_account(env.api, "Other Ltd")["id"]
    outsider = env.as_new_member(manage=True)
    with nothing_written(table):
        assert_problem(env.api.post(env.path("documents", new_id(), "view")), 404)
        assert_problem(env.api.post(env.path("documents", task["id"], "view")), 404)
        assert_problem(env.api.post(env.path("documents", doc["id"], "view", account_id=other)), 404)
        assert_problem(outsider.post(env.path("documents", doc["id"], "view")), 404)
    assert ok(env.api.get(env.path("documents", doc["id"])))["new"] is True


def test_firm_uploaded_document_is_never_new(env: Env, table: Table) -> None:
    doc = created(
        env.api,
        env.path("documents"),
        {"name": "Engagement.pdf", "uploaded_by": "firm", "uploaded_at": "2026-02-01T08:00:00Z"},
    )
    assert doc["new"] is False
    assert doc["viewed_by"] == {"id": env.firm.owner_id, "name": OWNER_NAME}
    assert doc["viewed_at"] == "2026-02-01T08:00:00Z"

    with nothing_written(table):
        viewed = env.teammate.post(env.path("documents", doc["id"], "view"))
    assert ok(viewed) == doc
    renamed = ok(env.api.patch(env.path("documents", doc["id"]), {"name": "Engagement (signed).pdf"}))
    assert renamed["new"] is False


# --- chats: messages -----------------------------------------------------------------------------


def test_messages_are_added_and_the_chat_follows(env: Env) -> None:
    chat = created(env.api, env.path("chats"), {"subject": "Your refund"})
    assert (chat["message_count"], chat["last_message"], chat["last_author"]) == (0, None, None)
    assert chat["last_at"] == chat["created_at"]
    messages = env.path("chats", chat["id"], "messages")

    r = env.api.post(messages, {"body": "  When will my refund arrive?  ", "author": "client"})

    from_client = ok(r, 201)
    assert r.headers["location"].startswith(messages)
    assert set(from_client) == {"id", "chat_id", "body", "author", "member", "contact_id", "at"}
    assert (from_client["chat_id"], from_client["contact_id"]) == (chat["id"], None)  # no contact named
    assert (from_client["body"], from_client["author"], from_client["member"]) == (
        "When will my refund arrive?",
        "client",
        None,
    )
    assert STAMP.match(from_client["at"])

    long_answer = "Within three weeks. " * 10
    from_firm = ok(env.teammate.post(messages, {"body": long_answer, "author": "firm"}), 201)
    assert from_firm["member"] == {"id": env.member_id, "name": MEMBER_NAME}
    assert from_firm["body"] == long_answer.strip()

    after = ok(env.api.get(env.path("chats", chat["id"])))
    assert after["message_count"] == 2
    assert after["last_author"] == "firm"
    assert after["last_at"] == from_firm["at"]
    assert after["last_message"] is not None
    assert len(after["last_message"]) == 100 and after["last_message"].endswith("…")
    assert long_answer.strip().startswith(after["last_message"][:-1])
    assert after["version"] == 3
    assert (after["subject"], after["status"]) == ("Your refund", "open")

    short = ok(env.api.post(messages, {"body": "Thanks!", "author": "client"}), 201)
    latest = ok(env.api.get(env.path("chats", chat["id"])))
    assert (latest["last_message"], latest["last_author"], latest["message_count"]) == ("Thanks!", "client", 3)

    # newest first, paged
    listed = ok(env.api.get(messages))
    assert listed["items"] == [short, from_firm, from_client]
    assert listed["next_cursor"] is None
    page = ok(env.api.get(messages + "?limit=2"))
    assert ids(page["items"]) == [short["id"], from_firm["id"]]
    rest = ok(env.api.get(messages + f"?limit=2&cursor={page['next_cursor']}"))
    assert (ids(rest["items"]), rest["next_cursor"]) == ([from_client["id"]], None)
    assert_problem(env.api.get(messages + f"?limit=2&cursor={tampered(page['next_cursor'])}"), 400)
    other_chat = created(env.api, env.path("chats"), {"subject": "Other"})
    other_messages = env.path("chats", other_chat["id"], "messages")
    assert ok(env.api.get(other_messages)) == {"items": [], "next_cursor": None}
    assert_problem(env.api.get(other_messages + f"?cursor={page['next_cursor']}"), 400, loc=("query", "cursor"))
    assert_problem(env.api.get(messages + "?limit=0"), 400, loc=("query", "limit"))

    # the most recently active chat is listed first
    ok(env.api.post(other_messages, {"body": "Ping", "author": "client"}), 201)
    ok(env.api.post(messages, {"body": "Pong", "author": "firm"}), 201)
    chats = ok(env.api.get(env.path("chats")))["items"]
    assert set(ids(chats)) == {chat["id"], other_chat["id"]}
    assert chats == sorted(chats, key=lambda c: (c["last_at"], c["id"]), reverse=True)
    assert {c["id"]: c["last_message"] for c in chats} == {chat["id"]: "Pong", other_chat["id"]: "Ping"}


BAD_MESSAGES: list[tuple[Body, str]] = [
    ({"body": "", "author": "client"}, "body"),
    ({"body": "   \n ", "author": "client"}, "body"),
    ({"body": "x" * 5001, "author": "client"}, "body"),
    ({"body": 42, "author": "client"}, "body"),
    ({"body": "Hi", "author": "bot"}, "author"),
    ({"body": "Hi", "author": None}, "author"),
    ({"body": "Hi"}, "author"),
    ({"author": "firm"}, "body"),
    ({"body": "Hi", "author": "firm", "member_id": "01ABC"}, "member_id"),
]


def test_bad_message_is_400_and_writes_nothing(env: Env, table: Table) -> None:
    chat = created(env.api, env.path("chats"), {"subject": "Quiet"})
    messages = env.path("chats", chat["id"], "messages")
    with nothing_written(table):
        for body, field in BAD_MESSAGES:
            assert_problem(env.api.post(messages, body), 400, loc=("body", field))
        for raw in ('{"body": "Hi", ', "", "[]"):
            assert_problem(env.api.post(messages, raw=raw), 400, loc=("body",))
    assert ok(env.api.get(messages))["items"] == []
    assert ok(env.api.get(env.path("chats", chat["id"]))) == chat


def test_message_retried_with_the_same_idempotency_key_is_added_once(env: Env) -> None:
    chat = created(env.api, env.path("chats"), {"subject": "Flaky network"})
    messages = env.path("chats", chat["id"], "messages")
    key = {"Idempotency-Key": f"message-{new_id()}"}
    first = ok(env.api.post(messages, {"body": "Hello?", "author": "client"}, headers=key), 201)

    retry = env.api.post(messages, {"body": "Hello?", "author": "client"}, headers=key)

    assert ok(retry, 201) == first
    assert ids(ok(env.api.get(messages))["items"]) == [first["id"]]
    assert ok(env.api.get(env.path("chats", chat["id"])))["message_count"] == 1


def test_messages_need_a_visible_chat_on_an_active_account(env: Env, table: Table) -> None:
    chat = created(env.api, env.path("chats"), {"subject": "Private"})
    note = created(env.api, env.path("notes"), {"title": "Not a chat"})
    other = create_account(env.api, "Other Ltd")["id"]
    outsider = env.as_new_member()
    message = {"body": "Hello", "author": "firm"}
    with nothing_written(table):
        for path in (
            env.path("chats", new_id(), "messages"),
            env.path("chats", note["id"], "messages"),
            env.path("chats", chat["id"], "messages", account_id=other),
        ):
            assert_problem(env.api.get(path), 404)
            assert_problem(env.api.post(path, message), 404)
        assert_problem(outsider.get(env.path("chats", chat["id"], "messages")), 404)
        assert_problem(outsider.post(env.path("chats", chat["id"], "messages"), message), 404)
    assert ok(env.api.get(env.path("chats", chat["id"]))) == chat
