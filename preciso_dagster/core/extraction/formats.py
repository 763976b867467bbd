"""Detecting a document's format from its bytes; the file name is only a hint that is checked."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from preciso_dagster.core.errors import BadDocumentError

TEXT_FORMATS = ("html", "csv", "markdown", "text")
IMAGE_FORMATS = ("png", "jpeg", "tiff")
OFFICE_FORMATS = ("docx", "pptx", "xlsx")
SUPPORTED_FORMATS = ("pdf", *IMAGE_FORMATS, *OFFICE_FORMATS, *TEXT_FORMATS)
PDF_POINTS_PER_INCH = 72

EXTENSION_FORMATS = {
    ".pdf": "pdf",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".docx": "docx",
    ".pptx": "pptx",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".csv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
}

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_OFFICE_PARTS = (
    ("word/document.xml", "docx"),
    ("ppt/presentation.xml", "pptx"),
    ("xl/workbook.xml", "xlsx"),
)
# Office containers are ZIPs of XML: refuse bombs before any parser sees them. Parsed XML costs
# about 40 bytes of memory per byte in the Office libraries, so 40 MB of XML is about 2 GB.
MAX_ZIP_ENTRIES = 10_000
MAX_XML_BYTES = 40 * 1024 * 1024
MAX_COMPRESSION_RATIO = 150
XML_PROLOG_BYTES = 65_536
_XML_PART = re.compile(r"\.(xml|rels|vml)$", re.I)
_PDF_HEADER = re.compile(rb"%PDF-\d\.\d")
PDF_HEADER_WINDOW = 1024  # readers accept junk before the header within the first KiB
_PDF_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
PDF_OBJECT_WINDOW = 1024 * 1024
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<table|<div|<p[\s>])", re.I)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f]")
_GROUPING_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


@dataclass(frozen=True)
class DetectedFormat:
    format: str
    mismatch: str | None  # why the file name disagrees with the content, when it does


def detect_format(content: bytes, filename: str = "") -> DetectedFormat:
    """The format of `content`, judged from its bytes; raises BadDocumentError when unsupported."""
    if not content:
        raise BadDocumentError("the file is empty (zero bytes)")
    hinted = EXTENSION_FORMATS.get(PurePath(filename).suffix.lower())
    detected = _from_magic(content) or _from_zip(content) or _from_text(content, hinted)
    if detected is None:
        raise BadDocumentError(
            f"unsupported file type (name {filename!r}); supported: {', '.join(SUPPORTED_FORMATS)}"
        )
    mismatch = None
    if hinted != detected and not (hinted in TEXT_FORMATS and detected in TEXT_FORMATS):
        mismatch = f"name says {hinted or 'nothing known'}, content is {detected}"
    return DetectedFormat(detected, mismatch)


def _from_magic(content: bytes) -> str | None:
    if _is_pdf(content):
        return "pdf"
    for magic, name in _MAGIC:
        if content.startswith(magic):
            return name
    return None


def _is_pdf(content: bytes) -> bool:
    """A PDF header in the first KiB (some writers put junk before it) followed by PDF
    objects, or a header at the very start of binary content (a damaged PDF). A text note that
    mentions "%PDF-1.7" is not a PDF."""
    header = _PDF_HEADER.search(content[: PDF_HEADER_WINDOW + 8])
    if header is None or header.start() > PDF_HEADER_WINDOW:
        return False
    if _PDF_OBJECT.search(content[:PDF_OBJECT_WINDOW]):
        return True
    return header.start() == 0 and bool(_CONTROL_BYTES.search(content[:65536]))


def _from_zip(content: bytes) -> str | None:
    if not content.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            detected = next((name for part, name in _OFFICE_PARTS if part in names), None)
            if detected is not None:
                check_office_container(archive, entries)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise BadDocumentError(f"the file is a damaged ZIP/Office container: {error}") from error
    return detected


def check_office_container(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Refuse decompression bombs and XML that declares a DTD (entities) before parsing."""
    if len(entries) > MAX_ZIP_ENTRIES:
        raise BadDocumentError(
            f"the Office file holds {len(entries)} parts, over the limit of {MAX_ZIP_ENTRIES}"
        )
    xml_parts = [entry for entry in entries if _XML_PART.search(entry.filename)]
    total = sum(entry.file_size for entry in xml_parts)
    if total > MAX_XML_BYTES:
        raise BadDocumentError(
            f"the Office file expands to {total} bytes of XML, over the limit of "
            f"{MAX_XML_BYTES} (possible decompression bomb)"
        )
    for entry in xml_parts:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise BadDocumentError(
                f"{entry.filename} expands {ratio:.0f} times, over the limit of "
                f"{MAX_COMPRESSION_RATIO} (possible decompression bomb)"
            )
        with archive.open(entry) as part:
            prolog = part.read(XML_PROLOG_BYTES)
        if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
            raise BadDocumentError(
                f"{entry.filename} declares XML entities (a DTD); Office files never do, and "
                "their text would be read incompletely"
            )


def _from_text(content: bytes, hinted: str | None) -> str | None:
    head = content[:65536]
    if _CONTROL_BYTES.search(head):
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # a cut multi-byte character at the end is fine
            return None
        text = head[: error.start].decode("utf-8-sig")
    if _HTML_START.match(head.lstrip(b"\xef\xbb\xbf")):
        return "html"
    if hinted in ("text", "markdown"):
        return hinted  # the name says prose: its commas are its own, never cell borders
    return "csv" if _looks_like_csv(text) else "text"


def _looks_like_csv(text: str) -> bool:
    """Rows of equal width, split by one delimiter. Commas that only ever group digits
    ("Revenue 9,000") make no table: read as cells, 9,000 would become 9 and 000."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        return False
    if dialect.delimiter == "," and "," not in _GROUPING_COMMA.sub("", "\n".join(lines)):
        return False
    widths = {len(row) for row in csv.reader(lines, dialect)}
    return len(widths) == 1 and widths.pop() > 1
