"""Account photos: what an upload must be, checked by its content.

PNG, JPEG or WebP, at most 2 MB, recognised by Pillow from the bytes (the
Content-Type header is not trusted) and fully decoded, so a renamed file or a
truncated image is refused. Dimensions are capped, so a small file cannot
decode into a huge image (a "decompression bomb").
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Final

MAX_BYTES: Final = 2 * 1024 * 1024
MAX_SIDE: Final = 8000
# Decoding takes 4 bytes a pixel (16 for WebP): 24 MP fits the API function's 1 GB with room to spare.
MAX_PIXELS: Final = 24_000_000
MAX_WEBP_PIXELS: Final = 16_000_000
# MPO is how Pillow names a JPEG carrying more pictures (many cameras, Ultra HDR): a JPEG.
FORMATS: Final = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "MPO": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
}


class BadPhoto(ValueError):
    """Not an acceptable photo; the message says why."""


@dataclass(frozen=True, slots=True)
class Photo:
    content_type: str
    extension: str
    width: int
    height: int


def inspect(data: bytes) -> Photo:
    if not data:
        raise BadPhoto("The photo is empty.")
    if len(data) > MAX_BYTES:
        raise BadPhoto(f"The photo is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    from PIL import Image  # imported when a photo is uploaded, not on every cold start

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only these decoders are tried (Pillow's JPEG one also opens MPO files).
            with Image.open(io.BytesIO(data), formats=["PNG", "JPEG", "WEBP"]) as image:
                kind = image.format or ""
                width, height = image.size
                if kind not in FORMATS:
                    raise BadPhoto("The photo must be a PNG, JPEG or WebP image.")
                limit = MAX_WEBP_PIXELS if kind == "WEBP" else MAX_PIXELS
                if width > MAX_SIDE or height > MAX_SIDE or width * height > limit:
                    raise BadPhoto(
                        f"The photo is at most {MAX_SIDE} pixels on each side and {limit // 1_000_000} megapixels."
                    )
                image.load()  # decodes every pixel: a truncated or corrupt image fails here
    except BadPhoto:
        raise
    except Exception as exc:  # Pillow raises many kinds (UnidentifiedImageError, OSError, SyntaxError, ...)
        raise BadPhoto("The photo is not a complete PNG, JPEG or WebP image.") from exc
    content_type, extension = FORMATS[kind]
    return Photo(content_type, extension, width, height)
