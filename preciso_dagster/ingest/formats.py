"""Detecting a document's format from its bytes; the file name is only a hint that is checked."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from preciso_dagster.errors import BadDocumentError

TEXT_FORMATS = ("html", "csv", "markdown", "text")
IMAGE_FORMATS = ("png", "jpeg", "tiff")
OFFICE_FORMATS = ("docx", "pptx", "xlsx")
SUPPORTED_FORMATS = ("pdf", *IMAGE_FORMATS, *OFFICE_FORMATS, *TEXT_FORMATS)

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
    (b"%PDF-", "pdf"),
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
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<table|<div|<p[\s>])", re.I)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f]")


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
    # Some PDF writers put junk before the header; readers accept it within the first KiB.
    if b"%PDF-" in content[:1024]:
        return "pdf"
    for magic, name in _MAGIC:
        if content.startswith(magic):
            return name
    return None


def _from_zip(content: bytes) -> str | None:
    if not content.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as error:
        raise BadDocumentError(f"the file is a damaged ZIP/Office container: {error}") from error
    for part, name in _OFFICE_PARTS:
        if part in names:
            return name
    return None


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
    if hinted in ("markdown", "csv"):
        return hinted if hinted == "markdown" or _looks_like_csv(text) else "text"
    return "csv" if _looks_like_csv(text) else "text"


def _looks_like_csv(text: str) -> bool:
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        return False
    widths = {len(row) for row in csv.reader(lines, dialect)}
    return len(widths) == 1 and widths.pop() > 1
