"""Document files: which files a document may hold, checked by their content.

A document's file is uploaded straight to S3 with a presigned PUT and checked
afterwards (``POST …/complete``) from its size and a few kilobytes of it: the
type is recognised by its first bytes ("magic numbers"), never from the
Content-Type the uploader named, and must be the type declared when the
document was created. Office files are ZIP packages: the package's part
names (in its central directory, at the end of the file) tell a Word
document from a spreadsheet.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

MAX_BYTES: Final = 25 * 1024 * 1024
UPLOAD_URL_SECONDS: Final = 15 * 60
DOWNLOAD_URL_SECONDS: Final = 5 * 60
# How long an upload may stay unfinished before its document is dropped (the table's TTL).
PENDING_SECONDS: Final = 24 * 3600
# How much of the object the check reads: the start for every type, the end for ZIP packages.
HEAD_BYTES: Final = 8 * 1024
TAIL_BYTES: Final = 64 * 1024

DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The accepted types, by the Content-Type a document declares, and their names in messages.
TYPES: Final = {
    "application/pdf": "a PDF document",
    "image/png": "a PNG image",
    "image/jpeg": "a JPEG image",
    "image/gif": "a GIF image",
    DOCX: "a Word document (.docx)",
    XLSX: "an Excel workbook (.xlsx)",
    "text/plain": "plain text",
    "text/csv": "CSV text",
}
TEXT_TYPES: Final = frozenset({"text/plain", "text/csv"})

_MAGIC: Final = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_ZIP: Final = b"PK\x03\x04"
# The part each Office package must have (OOXML, ECMA-376 part 2).
_OFFICE_PARTS: Final = ((b"word/document.xml", DOCX), (b"xl/workbook.xml", XLSX))
# Text has no control characters but tab, line feed, form feed and carriage return (and no NUL).
_CONTROL: Final = frozenset(range(32)) - {9, 10, 12, 13}


class BadFile(ValueError):
    """The uploaded object is not acceptable; ``code`` says why (the problem's code)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def sniff(head: bytes, tail: bytes = b"") -> str | None:
    """The accepted type the bytes are (text as ``text/plain``), or None.
    ``head`` is the object's start; ``tail`` its end (only read for ZIP packages)."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    if head.startswith(_ZIP):
        package = head + tail
        if b"[Content_Types].xml" not in package:
            return None
        return next((t for part, t in _OFFICE_PARTS if part in package), None)
    return "text/plain" if _is_text(head) else None


def _is_text(head: bytes) -> bool:
    if not head or any(b in _CONTROL for b in head):
        return False
    try:
        # The sample may end inside a UTF-8 sequence: up to 3 bytes of it may be cut off.
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True


def needs_tail(head: bytes) -> bool:
    return head.startswith(_ZIP)


def check(declared_type: str, declared_size: int, size: int, head: bytes, tail: bytes = b"") -> None:
    """Raise BadFile unless the object of ``size`` bytes, starting with ``head``
    (and ending with ``tail``), is the declared type and size."""
    if size > MAX_BYTES:
        raise BadFile("file_too_large", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if size != declared_size:
        raise BadFile("size_mismatch", f"The file has {size} bytes, not the {declared_size} declared.")
    found = sniff(head, tail)
    if found is None:
        raise BadFile("unsupported_file_type", f"The file is none of the accepted types ({', '.join(TYPES)}).")
    same = found == declared_type or (found == "text/plain" and declared_type in TEXT_TYPES)
    if not same:
        raise BadFile("file_type_mismatch", f"The file is {TYPES[found]}, not {TYPES[declared_type]} as declared.")


def content_disposition(name: str) -> str:
    """``attachment`` with the document's name: an ASCII fallback and the exact
    name in RFC 5987 form (browsers use the latter)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name).strip() or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def object_key(firm_id: str, account_id: str, item_id: str) -> str:
    """Under the firm's prefix, beside the account's photo; one object per document."""
    return f"{firm_id}/{account_id}/documents/{item_id}"


# Uploads land here, and only a checked copy reaches object_key: a second PUT to a still-valid
# upload URL cannot replace a checked file, and what is never completed expires (the bucket's
# lifecycle rule on this prefix, infra/template.json).
UPLOADS_PREFIX: Final = "uploads/"


def upload_key(firm_id: str, account_id: str, item_id: str) -> str:
    return f"{UPLOADS_PREFIX}{firm_id}/{account_id}/{item_id}"
