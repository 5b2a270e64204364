"""The table's change-stream images, decoded: what the stream consumers read
of a record. Images arrive in DynamoDB's typed JSON (``{"S": ...}``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from chalicelib.repo import keys
from chalicelib.repo.table import from_wire


def decode_image(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A stream image decoded with boto3's TypeDeserializer. An attribute that
    does not decode is left out: DynamoDB Local's stream, read through
    botocore, returns an empty map as ``{}`` without its type, and the
    projection never reads maps."""
    if not raw:
        return None
    decoded: dict[str, Any] = {}
    for name, value in raw.items():
        try:
            decoded.update(from_wire({name: value}))
        except (TypeError, ValueError):
            continue
    return decoded


# What kind of stored thing changed (the ``entity`` every item stores).
ITEM: Final = keys.ITEM
MEMBER: Final = keys.MEMBER
PIPELINE: Final = keys.PIPELINE
ACCOUNT: Final = keys.ACCOUNT
CONTACT: Final = keys.CONTACT
LINK: Final = keys.ACCOUNT_CONTACT  # an account's link to a contact (in the account's partition)


class Record(Protocol):
    """What is read of a stream record (Chalice's ``DynamoDBRecord`` has it)."""

    @property
    def event_name(self) -> str: ...

    @property
    def new_image(self) -> Any: ...

    @property
    def old_image(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Change:
    """One stored item's change: its kind and its images before and after
    (``None`` for an insert's old image and a removal's new one)."""

    kind: str
    removed: bool
    old: dict[str, Any] | None
    new: dict[str, Any] | None

    @property
    def latest(self) -> dict[str, Any]:
        """The newest image there is (a removal's: the old one)."""
        image = self.new or self.old
        assert image is not None  # change_of never makes a change without an image
        return image


def change_of(record: Record) -> Change | None:
    """The record's change, or ``None`` for a record without images."""
    new, old = decode_image(record.new_image), decode_image(record.old_image)
    image = new or old
    if image is None:
        return None
    return Change(str(image.get("entity", "")), record.event_name == "REMOVE", old, new)
