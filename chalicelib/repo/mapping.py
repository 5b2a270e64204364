"""The one mapping between entity dataclasses and stored items.

Each entity declares how it is stored once (``Stored``, in ``records.py``),
after ElectroDB's entities: its type name, its keys as functions of its own
fields, and where its attributes differ from its fields (renamed, left out,
defaulted). ``to_item`` and ``from_item`` derive the rest from the dataclass
fields and their types.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar, Union, get_args, get_origin, get_type_hints

from chalicelib.repo.keys import Key
from chalicelib.repo.table import Item

E = TypeVar("E")

_EMPTY: dict[Any, Callable[[], Any]] = {list: list, set: set, dict: dict}


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    kind: Any  # the field's type without ``| None``
    nullable: bool
    has_default: bool


_FIELDS: dict[type[Any], tuple[_Field, ...]] = {}


def _fields(cls: type[Any]) -> tuple[_Field, ...]:
    if cls not in _FIELDS:
        _FIELDS[cls] = _examine(cls)
    return _FIELDS[cls]


def _examine(cls: type[Any]) -> tuple[_Field, ...]:
    hints = get_type_hints(cls)
    found = []
    for f in dataclasses.fields(cls):
        kind, args = hints[f.name], get_args(hints[f.name])
        nullable = get_origin(kind) in (Union, types.UnionType) and type(None) in args
        if nullable:
            (kind,) = (a for a in args if a is not type(None))
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        found.append(_Field(f.name, kind, nullable, has_default))
    return tuple(found)


def _stored(kind: Any, value: Any) -> Any:
    """Containers are copied, so an item never shares one with its entity. An
    empty set is stored as None (absent): DynamoDB has no empty sets."""
    origin = get_origin(kind)
    if value is None or origin not in _EMPTY:
        return value
    return (set(value) or None) if origin is set else origin(value)


def _read(kind: Any, value: Any) -> Any:
    """A stored value as the field's type (DynamoDB returns every number as a Decimal)."""
    origin, args = get_origin(kind) or kind, get_args(kind)
    if origin is bool:
        return bool(value)
    if origin is int:
        return int(value)
    if origin is Decimal:
        return Decimal(value)
    if origin is list:
        return [_read(args[0], v) for v in value]
    if origin is set:
        return {_read(args[0], v) for v in value}
    if origin is dict:
        return {k: _read(args[1], v) for k, v in value.items()}
    return value  # str, Any


@dataclass(frozen=True)
class Stored(Generic[E]):
    """How one entity class is stored. Without ``entity`` and ``key`` it only
    reads: a view of items that other declarations write."""

    cls: type[E]
    entity: str | None = None  # stored as ``entity`` on every item
    key: Callable[[E], Key] | None = None
    index: Mapping[str, Callable[[E], str]] = field(default_factory=dict)  # index key attributes
    names: Mapping[str, str] = field(default_factory=dict)  # field -> attribute, where they differ
    not_stored: frozenset[str] = frozenset()  # fields only in the keys, or never stored
    omit_none: frozenset[str] = frozenset()  # attributes left out when None
    omit_empty: frozenset[str] = frozenset()  # attributes left out when empty or None
    # For absent attributes, beyond the dataclass defaults (a collection reads
    # as empty, an optional field as None):
    defaults: Mapping[str, Any] = field(default_factory=dict)
    fallback: Mapping[str, str] = field(default_factory=dict)  # field -> the attribute read instead
    # Fields read back from the item's keys (they are not stored otherwise):
    from_keys: Mapping[str, Callable[[Mapping[str, Any]], Any]] = field(default_factory=dict)

    def to_item(self, entity: E) -> Item:
        if self.entity is None or self.key is None:
            raise TypeError(f"{self.cls.__name__} is only read, from items other entities write")
        item: Item = {**self.key(entity).as_dict(), "entity": self.entity, **self.index_keys(entity)}
        for f in _fields(self.cls):
            if f.name in self.not_stored:
                continue
            value = _stored(f.kind, getattr(entity, f.name))
            if (value is None and f.name in self.omit_none) or (not value and f.name in self.omit_empty):
                continue
            item[self.names.get(f.name, f.name)] = value
        return item

    def index_keys(self, entity: E) -> dict[str, str]:
        return {name: key_of(entity) for name, key_of in self.index.items()}

    def from_item(self, item: Mapping[str, Any], **known: Any) -> E:
        """``known``: fields the caller has from the key it read (not stored)."""
        values = dict(known)
        for f in _fields(self.cls):
            if f.name in values:
                continue
            if f.name in self.from_keys:
                values[f.name] = self.from_keys[f.name](item)
            elif f.name not in self.not_stored:
                self._read_field(f, item, values)
        return self.cls(**values)

    def _read_field(self, f: _Field, item: Mapping[str, Any], values: dict[str, Any]) -> None:
        attr = self.names.get(f.name, f.name)
        value = item.get(attr)
        if value is None and not f.nullable:
            if f.name in self.fallback:
                value = item[self.fallback[f.name]]
            elif f.name in self.defaults:
                value = self.defaults[f.name]
            elif f.has_default:
                return  # the dataclass's own
            elif get_origin(f.kind) in _EMPTY:
                value = _EMPTY[get_origin(f.kind)]()
            else:
                raise KeyError(attr)
        values[f.name] = None if value is None else _read(f.kind, value)
