"""The DynamoDB table: one lazily built client, typed (de)serialisation,
transactions whose cancellations become domain errors, and paging cursors.

Every DynamoDB call in Dossier goes through :class:`Table`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.adapters.config import settings
from chalicelib.adapters.observability import count_capacity
from chalicelib.domain.errors import ConcurrentWriteError, ConflictError, DossierError
from chalicelib.repo import stamps
from chalicelib.repo.keys import Key
from chalicelib.repo.paging import Page, bad_cursor, check_start_key, sk_test

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
else:
    DynamoDBClient = Any

Item = dict[str, Any]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_wire(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items() if v is not None}


def from_wire(raw: Mapping[str, Any]) -> Item:
    return {k: _deserializer.deserialize(v) for k, v in raw.items()}


def _values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items()}


# DynamoDB answers in milliseconds: three attempts of at most 2 s to connect and 4 s to answer, with
# standard mode's jittered backoff (it also retries throttling), end well inside API Gateway's 29 s, so
# an outage reaches the caller as our 503 with Retry-After (adapters/outages.py), not as a gateway 504.
_RETRIES = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=4)
# DynamoDB Local (a JVM over SQLite, sharing a laptop's or CI's cores) can take seconds on a big batch.
_LOCAL_RETRIES = _RETRIES.merge(Config(read_timeout=15))


@lru_cache(maxsize=4)
def _client(endpoint: str | None, region: str) -> DynamoDBClient:
    kwargs: dict[str, Any] = {"region_name": region, "config": _RETRIES}
    if endpoint:
        # DynamoDB Local accepts any credentials; do not require a profile.
        kwargs.update(endpoint_url=endpoint, aws_access_key_id="local", aws_secret_access_key="local")
        kwargs["config"] = _LOCAL_RETRIES
    client: DynamoDBClient = boto3.client("dynamodb", **kwargs)
    # Each request's consumed capacity feeds its metrics (chalicelib/adapters/observability.py).
    client.meta.events.register("provide-client-params.dynamodb", _ask_for_capacity)
    client.meta.events.register("after-call.dynamodb", _count_capacity)
    return client


def _ask_for_capacity(params: dict[str, Any], model: Any, **_: Any) -> None:
    if "ReturnConsumedCapacity" in model.input_shape.members:
        params.setdefault("ReturnConsumedCapacity", "TOTAL")


def _count_capacity(parsed: dict[str, Any], model: Any, **_: Any) -> None:
    count_capacity(model.name, parsed.get("ConsumedCapacity"))


def reset_clients() -> None:
    _client.cache_clear()


# --- transaction operations -------------------------------------------------


@dataclass(slots=True)
class Condition:
    """A condition expression built from named parts, with its placeholders."""

    expression: str
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def __and__(self, other: Condition) -> Condition:
        return Condition(
            f"({self.expression}) AND ({other.expression})",
            {**self.names, **other.names},
            {**self.values, **other.values},
        )


ITEM_EXISTS = Condition("attribute_exists(PK)")
ITEM_ABSENT = Condition("attribute_not_exists(PK)")


def version_is(version: int) -> Condition:
    return Condition("#version = :expected_version", {"#version": "version"}, {":expected_version": version})


@dataclass(slots=True)
class Put:
    item: Item
    condition: Condition | None = None
    on_fail: DossierError | None = None


@dataclass(slots=True)
class Update:
    key: Key
    expression: str
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    condition: Condition | None = None
    on_fail: DossierError | None = None


@dataclass(slots=True)
class Delete:
    key: Key
    condition: Condition | None = None
    on_fail: DossierError | None = None


@dataclass(slots=True)
class Check:
    key: Key
    condition: Condition
    on_fail: DossierError | None = None


Op = Put | Update | Delete | Check

MAX_TRANSACTION_ITEMS = 100
MAX_BATCH_GET = 100
MAX_BATCH_WRITE = 25


def _with_condition(
    request: dict[str, Any], condition: Condition | None, names: dict[str, str], values: dict[str, Any]
) -> dict[str, Any]:
    all_names = dict(names)
    all_values = dict(values)
    if condition is not None:
        request["ConditionExpression"] = condition.expression
        all_names.update(condition.names)
        all_values.update(condition.values)
    if all_names:
        request["ExpressionAttributeNames"] = all_names
    if all_values:
        request["ExpressionAttributeValues"] = _values(all_values)
    return request


def stamped(op: Op) -> Op:
    """The op as sent: Puts and Updates carry the acting writer's stamp (repo/stamps.py)."""
    if isinstance(op, Put):
        return Put(stamps.stamped_item(op.item), op.condition, op.on_fail)
    if isinstance(op, Update):
        assignments, names, values = stamps.update_parts(op.key)
        if not assignments:
            return op
        expression = stamps.with_set(op.expression, assignments)
        return Update(op.key, expression, {**op.names, **names}, {**op.values, **values}, op.condition, op.on_fail)
    return op


def _op_request(table: str, op: Op) -> dict[str, Any]:
    op = stamped(op)
    if isinstance(op, Put):
        return {"Put": _with_condition({"TableName": table, "Item": to_wire(op.item)}, op.condition, {}, {})}
    if isinstance(op, Update):
        request = {"TableName": table, "Key": to_wire(op.key.as_dict()), "UpdateExpression": op.expression}
        return {"Update": _with_condition(request, op.condition, op.names, op.values)}
    if isinstance(op, Delete):
        return {"Delete": _with_condition({"TableName": table, "Key": to_wire(op.key.as_dict())}, op.condition, {}, {})}
    request = {"TableName": table, "Key": to_wire(op.key.as_dict())}
    return {"ConditionCheck": _with_condition(request, op.condition, {}, {})}


def error_for(exc: ClientError, ops: Sequence[Op] = ()) -> DossierError:
    """The one place that maps DynamoDB error codes to Dossier errors.

    A cancelled transaction names, per operation, why it was cancelled; the
    first operation whose condition failed decides the error.
    """
    code = exc.response.get("Error", {}).get("Code", "")
    if code == "TransactionCanceledException":
        reasons = exc.response.get("CancellationReasons", [])
        for op, reason in zip(ops, reasons, strict=False):
            if reason.get("Code") == "ConditionalCheckFailed":
                return op.on_fail or ConflictError(
                    "The resource was changed by another request; retry.", code="changed_meanwhile"
                )
        return ConcurrentWriteError("A concurrent request changed the same resources; retry.", code="concurrent_write")
    if code == "ConditionalCheckFailedException":
        for op in ops:
            if op.on_fail is not None:
                return op.on_fail
        return ConflictError("The resource was changed by another request; retry.", code="changed_meanwhile")
    if code == "TransactionConflictException":
        return ConcurrentWriteError("A concurrent request changed the same resources; retry.", code="concurrent_write")
    raise exc


# --- the table --------------------------------------------------------------


class Table:
    """Thin, typed access to the single table. Injected into every repository."""

    def __init__(self, client: DynamoDBClient, name: str) -> None:
        self.client = client
        self.name = name

    @classmethod
    def from_settings(cls) -> Table:
        s = settings()
        return cls(_client(s.dynamodb_endpoint, s.region), s.table_name)

    def get(self, key: Key, *, consistent: bool = False) -> Item | None:
        response = self.client.get_item(TableName=self.name, Key=to_wire(key.as_dict()), ConsistentRead=consistent)
        raw = response.get("Item")
        return from_wire(raw) if raw else None

    def batch_get(self, keys: Sequence[Key], *, consistent: bool = False) -> list[Item]:
        """All existing items among ``keys`` (order not kept; duplicates removed)."""
        unique = list({(k.pk, k.sk): k for k in keys}.values())
        found: list[Item] = []
        for start in range(0, len(unique), MAX_BATCH_GET):
            pending: dict[str, Any] = {
                self.name: {
                    "Keys": [to_wire(k.as_dict()) for k in unique[start : start + MAX_BATCH_GET]],
                    "ConsistentRead": consistent,
                }
            }
            while pending:
                response = self.client.batch_get_item(RequestItems=pending)
                found.extend(from_wire(raw) for raw in response.get("Responses", {}).get(self.name, []))
                pending = response.get("UnprocessedKeys") or {}
        return found

    def query(
        self,
        *,
        pk: str,
        sk_prefix: str | None = None,
        sk_equals: str | None = None,
        sk_between: tuple[str, str] | None = None,
        index: str | None = None,
        lsi: str | None = None,
        limit: int | None = None,
        start_key: Mapping[str, Any] | None = None,
        forward: bool = True,
        filter_: Condition | None = None,
        consistent: bool = False,
        attributes: Sequence[str] = (),
    ) -> Page:
        # A global index has its own key attributes; a local one shares PK and
        # has its own sort key named after it (LSI1 -> LSI1SK).
        pk_attr, sk_attr = (f"{index}PK", f"{index}SK") if index else ("PK", f"{lsi}SK" if lsi else "SK")
        names = {"#pk": pk_attr}
        values: dict[str, Any] = {":pk": pk}
        expression = "#pk = :pk"
        if sk_prefix is not None:
            names["#sk"] = sk_attr
            values[":sk"] = sk_prefix
            expression += " AND begins_with(#sk, :sk)"
        elif sk_equals is not None:
            names["#sk"] = sk_attr
            values[":sk"] = sk_equals
            expression += " AND #sk = :sk"
        elif sk_between is not None:
            names["#sk"] = sk_attr
            values[":lo"], values[":hi"] = sk_between
            expression += " AND #sk BETWEEN :lo AND :hi"
        if start_key is not None:
            in_range = sk_test(sk_prefix, sk_equals, sk_between)
            check_start_key(start_key, index=index, lsi=lsi, pk=pk, in_range=in_range)
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": expression,
            "ScanIndexForward": forward,
        }
        if index:
            request["IndexName"] = index
        else:
            if lsi:
                request["IndexName"] = lsi
            request["ConsistentRead"] = consistent
        if limit is not None:
            request["Limit"] = limit
        if start_key:
            request["ExclusiveStartKey"] = to_wire(start_key)
        if filter_ is not None:
            request["FilterExpression"] = filter_.expression
            names.update(filter_.names)
            values.update(filter_.values)
        if attributes:
            # Fewer bytes to send and parse; DynamoDB still bills the whole items.
            placeholders = {f"#a{i}": name for i, name in enumerate(attributes)}
            request["ProjectionExpression"] = ", ".join(placeholders)
            names.update(placeholders)
        request["ExpressionAttributeNames"] = names
        request["ExpressionAttributeValues"] = _values(values)
        response = self._send_query(request)
        last = response.get("LastEvaluatedKey")
        return Page([from_wire(raw) for raw in response.get("Items", [])], from_wire(last) if last else None)

    def _send_query(self, request: dict[str, Any]) -> Any:
        try:
            return self.client.query(**request)
        except ClientError as exc:
            # Past _check_start_key, a start key DynamoDB still refuses is the only input a client gave.
            if "ExclusiveStartKey" not in request or exc.response.get("Error", {}).get("Code") != "ValidationException":
                raise
            raise bad_cursor() from exc

    def query_all(self, **kwargs: Any) -> list[Item]:
        return [item for page in self.query_pages(**kwargs) for item in page]

    def query_pages(self, **kwargs: Any) -> Iterator[list[Item]]:
        """``query``'s pages to the end, one at a time (DynamoDB's, up to 1 MB each): a caller that works
        page by page holds one page, however long the range."""
        start: Mapping[str, Any] | None = None
        while True:
            page = self.query(start_key=start, **kwargs)
            yield page.items
            if page.last_key is None:
                return
            start = page.last_key

    def delete_many(self, keys: Sequence[Key]) -> None:
        """Delete ``keys`` (not atomically: for clean-up that may be retried)."""
        self.write_many(deletes=keys)

    def write_many(self, *, puts: Sequence[Item] = (), deletes: Sequence[Key] = ()) -> None:
        """Unconditional Puts and Deletes in batches of 25 (not atomically: for
        derived items that a retry rewrites)."""
        notes = [n for n in map(stamps.deletion_note, deletes) if n is not None]
        requests = [{"PutRequest": {"Item": to_wire(stamps.stamped_item(item))}} for item in [*puts, *notes]] + [
            {"DeleteRequest": {"Key": to_wire(k.as_dict())}} for k in deletes
        ]
        for start in range(0, len(requests), MAX_BATCH_WRITE):
            pending: dict[str, Any] = {self.name: requests[start : start + MAX_BATCH_WRITE]}
            while pending:
                pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    @staticmethod
    def items_of(ops: Sequence[Op]) -> int:
        """The items a ``write`` of ``ops`` puts in its transaction: the ops, and a deletion note for each
        delete of an audited item (repo/stamps.py). What callers packing transactions must count."""
        return len(ops) + sum(1 for op in ops if isinstance(op, Delete) and stamps.noted(op.key))

    def write(self, ops: Sequence[Op], *, token: str | None = None) -> None:
        """Apply ``ops`` atomically: one request, all or nothing.

        A single Put/Update/Delete without a token is sent as a plain
        (cheaper) write; anything else is one TransactWriteItems.
        """
        if not ops:
            return
        if len(ops) > MAX_TRANSACTION_ITEMS:
            raise DossierError(f"transaction of {len(ops)} items exceeds {MAX_TRANSACTION_ITEMS}")
        # Who deletes an audited item is noted in the same transaction (repo/stamps.py), after the
        # ops (a cancellation's reasons are read by position); past 100 items the deletes go unnoted:
        # callers that pack transactions count the notes (``items_of``).
        notes = [Put(n) for op in ops if isinstance(op, Delete) and (n := stamps.deletion_note(op.key))]
        if notes and len(ops) + len(notes) <= MAX_TRANSACTION_ITEMS:
            ops = [*ops, *notes]
        try:
            if len(ops) == 1 and token is None and not isinstance(ops[0], Check):
                self._write_one(ops[0])
                return
            request: dict[str, Any] = {"TransactItems": [_op_request(self.name, op) for op in ops]}
            if token:
                request["ClientRequestToken"] = token
            self.client.transact_write_items(**request)
        except ClientError as exc:
            raise error_for(exc, ops) from exc

    def applied(self, op: Put | Update | Delete) -> bool:
        """Write one op (a plain write); False, with nothing written, when its own condition failed (its
        ``on_fail``), for writes whose condition is an outcome rather than an error."""
        assert op.on_fail is not None, "an op without on_fail cannot tell its condition from others"
        try:
            self.write([op])
        except DossierError as exc:
            if exc is not op.on_fail:
                raise
            return False
        return True

    def _write_one(self, op: Op) -> None:
        body = _op_request(self.name, op)
        if isinstance(op, Put):
            self.client.put_item(**body["Put"])
        elif isinstance(op, Update):
            self.client.update_item(**body["Update"])
        elif isinstance(op, Delete):
            self.client.delete_item(**body["Delete"])


def set_fields(
    key: Key,
    fields: Mapping[str, Any],
    *,
    condition: Condition | None = None,
    bump_version: bool = True,
    on_fail: DossierError | None = None,
    add: Mapping[str, int] | None = None,
) -> Update:
    """An Update that sets (or, for ``None``, removes) exactly ``fields``, and adds ``add``'s numbers
    to counters (an absent counter starts at 0).

    Field-level updates keep attributes that other writers maintain (counters,
    link sets) intact, unlike a whole-item Put.
    """
    sets: list[str] = []
    removes: list[str] = []
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    for i, (name, value) in enumerate(fields.items()):
        names[f"#f{i}"] = name
        if value is None:
            removes.append(f"#f{i}")
        else:
            values[f":f{i}"] = value
            sets.append(f"#f{i} = :f{i}")
    if bump_version:
        names["#v"] = "version"
        values[":one"] = 1
        sets.append("#v = #v + :one")
    adds: list[str] = []
    for i, (name, amount) in enumerate((add or {}).items()):
        names[f"#a{i}"], values[f":a{i}"] = name, amount
        adds.append(f"#a{i} :a{i}")
    expression = ""
    if sets:
        expression += "SET " + ", ".join(sets)
    if removes:
        expression += " REMOVE " + ", ".join(removes)
    if adds:
        expression += " ADD " + ", ".join(adds)
    return Update(key, expression.strip(), names, values, condition=condition, on_fail=on_fail)
