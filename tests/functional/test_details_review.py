"""Cases from the review of issue 6: each failed (5xx or a wrong answer) before its fix."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from chalicelib.domain import photos
from chalicelib.repo.table import Table
from tests.support.api import Api, nothing_written
from tests.support.factories import created, new_account
from tests.support.problems import assert_problem

moto_only = pytest.mark.parametrize("table", ["moto"], indirect=True)


def _image(fmt: str, size: tuple[int, int], **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, fmt, **save)
    return out.getvalue()


def test_a_jpeg_with_more_pictures_is_a_jpeg() -> None:
    """Cameras and Ultra HDR photos: Pillow reads them as MPO."""
    first = Image.new("RGB", (32, 24), (200, 0, 0))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (32, 24), (0, 200, 0))])
    assert photos.inspect(out.getvalue()) == photos.Photo("image/jpeg", "jpg", 32, 24)


@pytest.mark.parametrize(
    ("fmt", "size"),
    [("PNG", (6000, 4500)), ("JPEG", (6000, 4500)), ("WEBP", (5000, 4000))],  # 27, 27 and 20 megapixels
)
def test_images_too_large_to_decode_safely_are_refused(fmt: str, size: tuple[int, int]) -> None:
    """Small files, but decoding them would exhaust the function's memory."""
    data = _image(fmt, size)
    assert len(data) <= photos.MAX_BYTES
    with pytest.raises(photos.BadPhoto, match="megapixels"):
        photos.inspect(data)


@moto_only
def test_a_large_photo_within_the_limits_is_accepted(api: Api) -> None:
    account = new_account(api, "Big Photo Ltd")
    data = _image("JPEG", (6000, 4000), quality=30)  # 24 megapixels
    r = api.put(f"/accounts/{account['id']}/photo", raw=data, headers={"Content-Type": "image/jpeg"})
    assert r.status == 200, r.body


def _field(api: Api, label: str, target: str = "account") -> str:
    field_id: str = created(api, "/custom-fields", {"target": target, "label": label, "kind": "text"})["id"]
    return field_id


def test_text_that_is_not_unicode_is_bad_input(api: Api, table: Table) -> None:
    account_field, contact_field = _field(api, "Note"), _field(api, "Nickname", "contact")
    account = new_account(api, "Surrogate Ltd")
    contact_id = account["contacts"][0]["id"]
    lone = '{"custom_fields": {"%s": "a\\ud800b"}}'
    with nothing_written(table):
        for path, field_id in (
            (f"/accounts/{account['id']}", account_field),
            (f"/contacts/{contact_id}", contact_field),
        ):
            r = api.call("PATCH", path, raw=lone % field_id)
            assert_problem(r, 400, loc=("body", "custom_fields", field_id))


def test_the_values_of_one_account_are_bounded_in_size(api: Api, table: Table) -> None:
    """Items hold at most 400 KB: values stop at 64 KB in all (removed fields' included)."""
    ids = [_field(api, f"Long {i}") for i in range(30)]
    account = new_account(api, "Full Ltd")
    path = f"/accounts/{account['id']}"
    big = "€" * 1000  # 3 KB of UTF-8
    assert api.patch(path, {"custom_fields": {f: big for f in ids[:20]}}).status == 200  # 60 KB
    with nothing_written(table):
        r = api.patch(path, {"custom_fields": {f: big for f in ids[20:22]}})
        assert_problem(r, 422, loc=("body", "custom_fields"))
    assert api.patch(path, {"custom_fields": {ids[0]: None, ids[20]: big}}).status == 200  # room made


@pytest.mark.parametrize("label", ["\u0301", "\u0300\u0300", "  \u0301 "])
def test_a_label_needs_a_letter_or_digit(api: Api, table: Table, label: str) -> None:
    with nothing_written(table):
        r = api.post("/custom-fields", {"target": "account", "label": label, "kind": "text"})
        assert_problem(r, 422, loc=("body", "label"))


def test_a_value_for_a_field_removed_meanwhile_is_refused(api: Api, table: Table, firm: Any) -> None:
    """The edit validated the value against the definitions it read; the field
    is removed just before the edit's transaction: the transaction's check
    refuses it, and neither the value nor a history line is written."""
    from chalicelib.repo import keys
    from chalicelib.repo.table import to_wire

    field_id = _field(api, "Late")
    account = new_account(api, "Race Ltd")
    events = table.client.meta.events

    def remove_the_field(**_: Any) -> None:
        events.unregister("before-call.dynamodb.TransactWriteItems", remove_the_field)
        table.client.update_item(
            TableName=table.name,
            Key=to_wire(keys.custom_field(firm.firm_id, field_id).as_dict()),
            UpdateExpression="SET #r = :t",
            ExpressionAttributeNames={"#r": "removed"},
            ExpressionAttributeValues={":t": {"BOOL": True}},
        )

    events.register("before-call.dynamodb.TransactWriteItems", remove_the_field)
    try:
        r = api.patch(f"/accounts/{account['id']}", {"custom_fields": {field_id: "late"}})
    finally:
        events.unregister("before-call.dynamodb.TransactWriteItems", remove_the_field)
    assert_problem(r, 400, loc=("body", "custom_fields", field_id))
    history = api.get(f"/accounts/{account['id']}/custom-fields/history").body["items"]
    assert history == [] and api.get(f"/accounts/{account['id']}").body["version"] == account["version"]
