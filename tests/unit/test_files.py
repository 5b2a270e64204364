"""What a document's file may be (chalicelib/domain/files.py): types by content, sizes, the download's name."""

from __future__ import annotations

import io
import zipfile

import pytest

from chalicelib.domain import files
from chalicelib.domain.files import DOCX, XLSX, BadFile, check, content_disposition, sniff


def _zip(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            z.writestr(name, "<x/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"%PDF-1.4\n...", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png"),
        (b"\xff\xd8\xff\xe0\0\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (_zip("[Content_Types].xml", "word/document.xml"), DOCX),
        (_zip("[Content_Types].xml", "xl/workbook.xml"), XLSX),
        (_zip("[Content_Types].xml", "ppt/presentation.xml"), None),  # PowerPoint is not accepted
        (_zip("report.pdf"), None),  # a plain ZIP
        ("naam;bedrag\nDe Vries;€ 12,50\n".encode(), "text/plain"),
        ("ü".encode() * 3 + "€".encode()[:2], "text/plain"),  # the sample ends inside a character
        (b"\xff\xfeH\x00i\x00", None),  # UTF-16: has NULs
        (b"line\x00with a NUL", None),
        (b"MZ\x90\x00", None),
        (b"caf\xe9 latin-1 in the middle", None),
        (b"", None),
    ],
)
def test_types_are_recognised_by_content(data: bytes, found: str | None) -> None:
    assert sniff(data[:100], data[-200:]) == found


def test_an_office_package_is_told_apart_by_its_central_directory() -> None:
    data = _zip("[Content_Types].xml", *(f"word/media/{i}.bin" for i in range(5)), "word/document.xml")
    assert sniff(data[:30], data[-files.TAIL_BYTES :]) == DOCX


@pytest.mark.parametrize(
    ("declared", "declared_size", "size", "head", "code"),
    [
        ("application/pdf", files.MAX_BYTES + 1, files.MAX_BYTES + 1, b"%PDF-", "file_too_large"),
        ("application/pdf", 10, 11, b"%PDF-", "size_mismatch"),
        ("application/pdf", 5, 5, b"\x00\x01\x02\x03\x04", "unsupported_file_type"),
        ("image/png", 6, 6, b"GIF89a", "file_type_mismatch"),
        ("application/pdf", 9, 9, b"just text", "file_type_mismatch"),
    ],
)
def test_a_file_that_is_not_what_was_declared_is_refused_with_a_code(
    declared: str, declared_size: int, size: int, head: bytes, code: str
) -> None:
    with pytest.raises(BadFile) as refused:
        check(declared, declared_size, size, head)
    assert refused.value.code == code


def test_text_may_be_declared_plain_or_csv() -> None:
    check("text/csv", 4, 4, b"a,b\n")
    check("text/plain", 4, 4, b"a,b\n")
    check("application/pdf", files.MAX_BYTES, files.MAX_BYTES, b"%PDF-1.7")


def test_the_download_is_named_after_the_document() -> None:
    assert content_disposition('Q1 "final".pdf') == (
        "attachment; filename=\"Q1 _final_.pdf\"; filename*=UTF-8''Q1%20%22final%22.pdf"
    )
    assert content_disposition("Überzicht €.xlsx") == (
        "attachment; filename=\"_berzicht _.xlsx\"; filename*=UTF-8''%C3%9Cberzicht%20%E2%82%AC.xlsx"
    )
    assert content_disposition("\r\n").startswith('attachment; filename="__"')
