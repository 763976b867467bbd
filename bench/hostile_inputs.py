"""Hostile files, generated: each failure class of the hostile-input issue at a chosen size.

The bench builds them at full size (`bench/hostile_bench.py`); the tests build them small,
with the same outcomes expected. Every generator is deterministic.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

MIB = 1024 * 1024


def _office(kind: str) -> tuple[bytes, str]:
    """A small valid Office file of `kind` and the name of its main XML part."""
    buffer = io.BytesIO()
    if kind == "docx":
        import docx

        document = docx.Document()
        document.add_paragraph("Total less fee 500.00")
        document.save(buffer)
        return buffer.getvalue(), "word/document.xml"
    if kind == "xlsx":
        import openpyxl

        workbook = openpyxl.Workbook()
        workbook.active.append(["Revenue", "1,250.00"])
        workbook.save(buffer)
        return buffer.getvalue(), "xl/worksheets/sheet1.xml"
    from pptx import Presentation

    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = "Revenue 1,250.00"
    presentation.save(buffer)
    return buffer.getvalue(), "ppt/slides/slide1.xml"


def _rewrite_part(content: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            target.writestr(entry.filename, change(data) if entry.filename == part else data)
    return output.getvalue()


def office_bomb(kind: str, expanded_bytes: int) -> bytes:
    """A docx/xlsx/pptx whose main XML part expands to `expanded_bytes` (whitespace padding
    inside the root element compresses about 1000 times)."""
    content, part = _office(kind)

    def pad(xml: bytes) -> bytes:
        close = xml.rindex(b"</")
        return xml[:close] + b" " * expanded_bytes + xml[close:]

    return _rewrite_part(content, part, pad)


def docx_with_entity() -> bytes:
    """`Total &amt; less fee 500.00` with an internal entity: a parser that does not expand it
    drops the rest of the run, and 500.00 with it."""
    content, part = _office("docx")

    def declare(xml: bytes) -> bytes:
        declaration_end = xml.index(b"?>") + 2
        doctype = b'\n<!DOCTYPE w:document [<!ENTITY amt "amount">]>'
        body = xml[declaration_end:].replace(b"Total less fee", b"Total &amt; less fee")
        return xml[:declaration_end] + doctype + body

    return _rewrite_part(content, part, declare)


def nested_html_tables(depth: int) -> bytes:
    """`depth` tables, each inside the only cell of the one before, around one amount."""
    return (
        b"<html><body>"
        + b"<table><tr><td>" * depth
        + b"Revenue 1,250.00"
        + b"</td></tr></table>" * depth
        + b"</body></html>"
    )


def tiff_with_hidden_frame(width: int, height: int) -> bytes:
    """A 10x10 first frame, then a `width` x `height` one."""
    from PIL import Image

    small, large = Image.new("L", (10, 10), 255), Image.new("L", (width, height), 255)
    buffer = io.BytesIO()
    small.save(buffer, format="TIFF", save_all=True, append_images=[large], compression="tiff_lzw")
    return buffer.getvalue()


def tiff_with_many_frames(frames: int) -> bytes:
    from PIL import Image

    frame = Image.new("L", (20, 20), 255)
    buffer = io.BytesIO()
    frame.save(buffer, format="TIFF", save_all=True, append_images=[frame] * (frames - 1))
    return buffer.getvalue()


def pdf_with_huge_page(points: int) -> bytes:
    """One blank `points` x `points` page: no text layer, so OCR would render it."""
    import pymupdf

    document = pymupdf.open()
    document.new_page(width=points, height=points)
    return document.tobytes()


def csv_with_long_field(characters: int) -> bytes:
    """A CSV that looks like one for 64 KB (what format detection reads), then a field of
    `characters` characters, over Python's csv field limit when above 131,072."""
    rows = b"label,amount\n" + b"Revenue,1250.00\n" * 5000
    return rows + b'"' + b"x" * characters + b'",1\n'


def text_invalid_after(offset: int) -> bytes:
    """Valid UTF-8 for `offset` bytes (what format detection reads), then a broken byte."""
    line = b"Revenue 1,250.00\n"
    return line * (offset // len(line) + 1) + b"\xff\xfe broken\n"


def zip_with_entries(entries: int) -> bytes:
    """A ZIP of `entries` empty files (listing it is the cost)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number in range(entries):
            archive.writestr(f"d/{number:07d}.txt", b"")
    return buffer.getvalue()


def markdown_mentioning_pdf() -> bytes:
    return b"%PDF-1.7 is the header a PDF starts with.\n\nRevenue 1,250.00\n"


# name -> (generator of the full-size case, filename)
HOSTILE_FILES: dict[str, tuple[Callable[[], bytes], str]] = {
    "docx bomb (100 MB of XML)": (lambda: office_bomb("docx", 100 * MIB), "bomb.docx"),
    "xlsx bomb (100 MB of XML)": (lambda: office_bomb("xlsx", 100 * MIB), "bomb.xlsx"),
    "pptx bomb (100 MB of XML)": (lambda: office_bomb("pptx", 100 * MIB), "bomb.pptx"),
    "docx internal entity": (docx_with_entity, "entity.docx"),
    "500 nested HTML tables": (lambda: nested_html_tables(500), "nested.html"),
    "TIFF 10x10 then 12000x12000": (lambda: tiff_with_hidden_frame(12000, 12000), "hidden.tiff"),
    "TIFF of 2,000 frames": (lambda: tiff_with_many_frames(2000), "frames.tiff"),
    "PDF page of 5000 pt": (lambda: pdf_with_huge_page(5000), "huge-5000.pdf"),
    "PDF page of 10000 pt": (lambda: pdf_with_huge_page(10000), "huge-10000.pdf"),
    "CSV field of 200,000 characters": (lambda: csv_with_long_field(200_000), "long.csv"),
    "text invalid UTF-8 after 64 KB": (lambda: text_invalid_after(70_000), "broken.txt"),
    "Markdown mentioning %PDF-1.7": (markdown_mentioning_pdf, "note.md"),
}
