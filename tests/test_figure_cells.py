"""Figures set in cells: a monospaced face shows "3.9" as "3. 9" and OCR reads the space; the
page's own dates and ranges say whether it is that face, and a real space is never closed up."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from decimal import Decimal

import pymupdf
import pytest
from PIL import Image

from bench.generated_pages import Canvas
from bench.numeric_bench import scan_pdf
from preciso_dagster.core.boxes import union_of
from preciso_dagster.core.engines import (
    Box,
    OcrLine,
    OcrResult,
    OcrWord,
    RapidOcrEngine,
    TesseractEngine,
)
from preciso_dagster.core.extraction.extraction import ExtractionConfig, extract_document
from preciso_dagster.core.numeric.coverage import faint_ink, glyph_columns, without_rules
from preciso_dagster.core.numeric.figure_cells import FigureCells, figure_cells
from preciso_dagster.core.numeric.numbers import DecimalConvention

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")

DPI = 200
ROWS = (
    ("WBC count", "3.9", "4.0-10.0"),
    ("NEU count", "0.25", "0.1-0.6"),
    ("HGB", "159", "130-175"),
    ("MCV", "88.6", "82.0-100.0"),
    ("MCH", "29.5", "27.0-34.0"),
)


def _report(write: Callable[[Canvas, float, float, str], object], spaced: str) -> Image.Image:
    """A lab report whose every run of text is drawn by `write`, scanned at 200 DPI."""
    canvas = Canvas(DecimalConvention("."))
    write(canvas, 72, 72, "Sampled: 2021-06-04 09:30")
    y = 110.0
    for label, value, reference in ROWS:
        write(canvas, 72, y, label)
        write(canvas, 250, y, value)
        write(canvas, 380, y, f"[{reference}]")
        y += 22
    write(canvas, 72, y, "Note")
    write(canvas, 250, y, spaced)
    page = canvas.finish("report", "figures in cells")
    with pymupdf.open(stream=page.pdf) as document:
        pixmap = document[0].get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY)
    return Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)


def _in_cells(canvas: Canvas, x: float, y: float, text: str) -> float:
    return canvas.cells(x, y, text, 10)


def _proportional(canvas: Canvas, x: float, y: float, text: str) -> float:
    return canvas.text(x, y, text, 10)


def _verified_values(image: Image.Image) -> list[str]:
    extracted = extract_document(scan_pdf(image, DPI), "scan.pdf", ExtractionConfig(dpi=DPI))
    return [n.value for n in extracted.pages[0].numbers if n.verified and n.value is not None]


def _judged_monospaced(image: Image.Image) -> bool:
    unruled, _ = without_rules(image)
    readings = (TesseractEngine().read(unruled), RapidOcrEngine().read(unruled))
    return figure_cells(faint_ink(unruled), *readings).monospaced


def test_a_report_set_in_cells_reads_its_decimals_and_ranges_whole() -> None:
    image = _report(_in_cells, "12.  5")
    assert _judged_monospaced(image)
    verified = _verified_values(image)
    expected = ["3.9", "4.0", "10.0", "0.25", "0.1", "0.6", "88.6", "82.0", "100.0", "29.5"]
    assert set(expected) <= set(verified), sorted(set(expected) - set(verified))
    # Two cells between "12." and "5": a real space, never closed up into 12.5.
    assert "12.5" not in verified
    assert not any(value.startswith("-") for value in verified)  # ranges' dashes are no minus


def test_a_proportional_report_is_never_judged_set_in_cells() -> None:
    # "12. 5" with a real space has its digits two pitches apart, as a mark in its own cell
    # would: only the page's dates and ranges, set narrower than digits, tell them apart.
    image = _report(_proportional, "12. 5")
    assert not _judged_monospaced(image)
    verified = _verified_values(image)
    assert "12.5" not in verified
    assert {"3.9", "0.25", "88.6"} <= set(verified)


GERMAN_AMOUNTS = ("42.837,04", "-92.437,84", "44.127,92", "1.914,32", "299.932,67", "80.357,16")


def _german_statement(write: Callable[[Canvas, float, float, str], object]) -> Image.Image:
    """Amounts with a point per thousand and a decimal comma, and no date or range to tell
    the face by, scanned at 200 DPI."""
    canvas = Canvas(DecimalConvention(","))
    write(canvas, 72, 72, "Gewinn- und Verlustrechnung")
    for row, amount in enumerate(GERMAN_AMOUNTS):
        write(canvas, 72, 110 + 22 * row, f"Posten {chr(65 + row)}")
        write(canvas, 300, 110 + 22 * row, amount)
    page = canvas.finish("statement", "figures in cells")
    with pymupdf.open(stream=page.pdf) as document:
        pixmap = document[0].get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY)
    return Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)


@pytest.mark.parametrize("write", [_in_cells, _proportional])
def test_grouped_amounts_tell_the_face_when_no_date_or_range_does(
    write: Callable[[Canvas, float, float, str], object],
) -> None:
    # Seen on a seed-8080 German statement in a monospaced face: Tesseract read "42. 837, 04"
    # (each mark fills a cell), and with no date or range on the page to show the face, 17 of
    # 22 amounts went to review. A number read with two marks and no space, each mark's digits
    # two pitches apart, shows the face as well.
    # There, Tesseract also lost the minus a cell apart from "-92.437,84", and the crops of its
    # box showed none: that number goes to a person, never verified without its sign.
    image = _german_statement(write)
    assert _judged_monospaced(image) == (write is _in_cells)
    expected = {str(Decimal(a.replace(".", "").replace(",", "."))) for a in GERMAN_AMOUNTS}
    verified = _verified_values(image)
    assert set(verified) <= expected
    assert len(verified) >= len(expected) - 1


def _row_in_cells(written: str, size: float = 9) -> tuple[FigureCells, list[Box]]:
    """One row `written` in cells at 200 DPI: the page's figures as measured, monospaced, and
    each non-space character's box on the ink."""
    canvas = Canvas(DecimalConvention("."))
    canvas.cells(72, 72, written, size)
    page = canvas.finish("row", "figures in cells")
    with pymupdf.open(stream=page.pdf) as document:
        pixmap = document[0].get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
    ink = faint_ink(image)
    row = (150, 160, 1400, 215)
    boxes = [
        (row[0] + first, 175, row[0] + last + 1, 200) for first, last, _ in glyph_columns(ink, row)
    ]
    assert len(boxes) == len(written.replace(" ", ""))
    pitch = canvas.font.text_length("0", fontsize=size) * DPI / 72
    return FigureCells(ink, True, pitch), boxes


def _line(text: str, boxes: list[Box]) -> OcrLine:
    """`text` read as one line, its words on `boxes` (one per non-space character)."""
    words, glyph = [], 0
    for word in re.finditer(r"\S+", text):
        placed = boxes[glyph : glyph + len(word.group())]
        words.append(OcrWord(word.start(), word.end(), union_of(placed)))
        glyph += len(word.group())
    return OcrLine(text, union_of([word.box for word in words]), 0.9, tuple(words))


def test_a_row_ocr_broke_into_lines_at_a_marks_cell_is_read_as_one_line() -> None:
    # Seen at 9 pt: Tesseract read "[ 12." and "5- 36. 5]" as two lines of one row, so the
    # closing-up within a line never saw the gap, and 12.5 went to review as "12" and "5".
    cells, boxes = _row_in_cells("[12.5-36.5]")
    broken = OcrResult((_line("[ 12.", boxes[:4]), _line("5- 36. 5]", boxes[4:])))
    (line,) = cells.closed_up(broken).lines
    assert line.text == "[ 12.5-36.5]"
    assert [line.text[w.start : w.end] for w in line.words] == ["[", "12.", "5-", "36.", "5]"]


def test_lines_apart_by_a_real_space_are_not_joined() -> None:
    cells, boxes = _row_in_cells("12.  5")  # an empty cell after the point: a real space
    broken = OcrResult((_line("12.", boxes[:3]), _line("5", boxes[3:])))
    assert [line.text for line in cells.closed_up(broken).lines] == ["12.", "5"]


def test_a_crop_reading_is_closed_up_where_a_mark_fills_a_cell() -> None:
    cells, boxes = _row_in_cells("[31.2-102.2]")
    box = union_of(boxes)
    assert cells.closed_crop_reading(box, "[ 31. 2-102. 2]") == "[ 31.2-102.2]"
    # A reading whose characters do not match the ink's glyphs is left as read.
    assert cells.closed_crop_reading(box, "[ 31. 2-02. 2]") == "[ 31. 2-02. 2]"
    spaced, spaced_boxes = _row_in_cells("31.  2")
    assert spaced.closed_crop_reading(union_of(spaced_boxes), "31. 2") == "31. 2"
    proportional = FigureCells(cells.ink, False, cells.pitch)
    assert proportional.closed_crop_reading(box, "[ 31. 2-102. 2]") == "[ 31. 2-102. 2]"
