"""What an account photo must be, checked by its content: images made in
memory with Pillow, no storage."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from chalicelib.domain import photos
from chalicelib.domain.photos import BadPhoto, Photo, inspect

NOT_AN_IMAGE = "The photo is not a complete PNG, JPEG or WebP image."


def _image(fmt: str, size: tuple[int, int] = (4, 3), mode: str = "RGB", **options: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 0).save(out, fmt, **options)
    return out.getvalue()


def _noisy_png(size: tuple[int, int] = (64, 64)) -> bytes:
    """A PNG that does not compress away, so its pixel data spans many bytes."""
    pixels = bytes((i * 7919) % 251 for i in range(size[0] * size[1] * 3))
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(out, "PNG")
    return out.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size and carries no pixels: what a decompression bomb looks like before decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def _refusal(data: bytes) -> str:
    with pytest.raises(BadPhoto) as refused:
        inspect(data)
    return str(refused.value)


# --- accepted -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg"), ("WEBP", "image/webp", "webp")],
)
def test_each_format_is_recognised_from_its_bytes(fmt: str, content_type: str, extension: str) -> None:
    # GIVEN a 4x3 image in the format / WHEN inspected
    photo = inspect(_image(fmt))
    # THEN its type, extension and size come from the content
    assert photo == Photo(content_type, extension, 4, 3)


@pytest.mark.parametrize("mode", ["RGBA", "L", "P", "1"])
def test_a_png_of_any_colour_mode_is_a_photo(mode: str) -> None:
    assert inspect(_image("PNG", (2, 5), mode)) == Photo("image/png", "png", 2, 5)


def test_a_multi_picture_jpeg_is_a_jpeg() -> None:
    # GIVEN a JPEG carrying a second picture (MPO, as many cameras write)
    out = io.BytesIO()
    Image.new("RGB", (6, 4)).save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (6, 4))])
    # THEN it is taken as a JPEG
    assert inspect(out.getvalue()) == Photo("image/jpeg", "jpg", 6, 4)


# --- refused: not one of the formats, or not complete -------------------------------------------


def test_an_empty_upload_is_refused() -> None:
    assert _refusal(b"") == "The photo is empty."


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO"])
def test_other_image_formats_are_refused(fmt: str) -> None:
    # GIVEN a real image of another format (a renamed .gif, say)
    data = _image(fmt, (16, 16))
    # THEN it is refused, whatever it was called
    assert _refusal(data) == NOT_AN_IMAGE


@pytest.mark.parametrize(
    "data",
    [b"hello", b"%PDF-1.7\n" + b"x" * 100, b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF\x00\x00\x00\x00WEBP"],
    ids=["text", "pdf", "png-signature-only", "jpeg-signature-only", "webp-signature-only"],
)
def test_bytes_that_are_not_an_image_are_refused(data: bytes) -> None:
    assert _refusal(data) == NOT_AN_IMAGE


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_truncated_image_is_refused(fmt: str) -> None:
    # GIVEN an image cut in the middle (its header is whole, its pixels are not)
    whole = _noisy_png() if fmt == "PNG" else _image(fmt, (64, 64), quality=95)
    half = whole[: len(whole) // 2]
    # THEN it is refused: every pixel is decoded before it is accepted
    assert _refusal(half) == NOT_AN_IMAGE


def test_a_corrupt_png_is_refused() -> None:
    # GIVEN a PNG with one byte of its pixel data changed
    data = bytearray(_noisy_png())
    data[len(data) // 2] ^= 0xFF
    # THEN it is refused
    assert _refusal(bytes(data)) == NOT_AN_IMAGE


# --- refused: too large -------------------------------------------------------------------------


def test_at_most_2_mb() -> None:
    assert photos.MAX_BYTES == 2 * 1024 * 1024
    # GIVEN one byte more than 2 MB (checked before the content is read)
    too_large = _noisy_png() + b"\0" * (photos.MAX_BYTES + 1 - len(_noisy_png()))
    assert len(too_large) == photos.MAX_BYTES + 1
    # THEN it is refused by its size
    assert _refusal(too_large) == "The photo is larger than 2 MB."


def test_exactly_2_mb_is_read() -> None:
    # GIVEN a PNG of exactly 2 MB (a valid image followed by padding, which Pillow ignores)
    data = _noisy_png()
    exactly = data + b"\0" * (photos.MAX_BYTES - len(data))
    # THEN the size passes and the content decides
    assert inspect(exactly) == Photo("image/png", "png", 64, 64)


@pytest.mark.parametrize(("width", "height"), [(8000, 1), (1, 8000), (6000, 4000)])
def test_sizes_at_the_limits_are_accepted(width: int, height: int) -> None:
    # GIVEN a PNG 8,000 pixels on a side, or 24 megapixels
    data = _image("PNG", (width, height), "1")
    # THEN it is a photo
    assert inspect(data) == Photo("image/png", "png", width, height)


@pytest.mark.parametrize(("width", "height"), [(8001, 1), (1, 8001), (6000, 4001), (4899, 4900)])
def test_larger_sizes_are_refused(width: int, height: int) -> None:
    # GIVEN a PNG one pixel over a side, or over 24 megapixels
    data = _image("PNG", (width, height), "1")
    # THEN it is refused by its dimensions, before its pixels are decoded
    assert _refusal(data) == "The photo is at most 8000 pixels on each side and 24 megapixels."


def test_a_webp_is_held_to_16_megapixels() -> None:
    # GIVEN WebP images of 16 megapixels and of one row more (lossless: tiny files)
    at_limit = _image("WEBP", (4000, 4000), lossless=True, method=0)
    over = _image("WEBP", (4000, 4001), lossless=True, method=0)
    # THEN the first is a photo and the second is refused with the WebP limit
    assert inspect(at_limit) == Photo("image/webp", "webp", 4000, 4000)
    assert _refusal(over) == "The photo is at most 8000 pixels on each side and 16 megapixels."


def test_a_small_file_that_claims_a_huge_image_is_refused_before_decoding() -> None:
    # GIVEN a few dozen bytes claiming 8,000 x 3,001 pixels (24,008,000: just over the limit)
    data = _png_header_only(8000, 3001)
    assert len(data) < 100
    # THEN it is refused by its dimensions
    assert _refusal(data) == "The photo is at most 8000 pixels on each side and 24 megapixels."


@pytest.mark.parametrize(("width", "height"), [(10_000, 10_000), (100_000, 100_000)])
def test_a_claimed_decompression_bomb_is_refused(width: int, height: int) -> None:
    # GIVEN a tiny file claiming more pixels than Pillow's own bomb limit (89 megapixels)
    data = _png_header_only(width, height)
    # THEN it is refused (Pillow stops it first, so the message is the generic one)
    assert _refusal(data) == NOT_AN_IMAGE
