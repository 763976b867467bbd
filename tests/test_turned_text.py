"""Numbers set sideways (margin microtext, rotated headers) are read turned level, and what
the turned readings do not agree on stays with a person (issue #11, class 5)."""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import dataclass

import numpy as np
import pymupdf
import pytest
from PIL import Image, ImageDraw

from bench.numeric_bench import scan_pdf
from preciso_dagster.core.engines import Box, OcrLine, OcrResult, OcrWord, RapidOcrEngine
from preciso_dagster.core.extraction.extraction import ExtractionConfig, extract_document
from preciso_dagster.core.numeric.numbers import DecimalConvention
from preciso_dagster.core.numeric.turned_text import (
    TURNS,
    _back_to_page,
    _read,
    _read_all,
    _strips,
    read_turned_text,
)
from preciso_dagster.core.numeric.verification import PageNumber

DPI = 200
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")


@dataclass
class SidewaysCode:
    value: str
    box: Box  # in image pixels at DPI


def _page_with_sideways_codes(seed: int) -> tuple[Image.Image, list[SidewaysCode]]:
    """A short statement with two strips of sideways codes in its margins: one reading bottom
    to top on the left, one top to bottom on the right, at sizes from 3 to 5 points."""
    rng = random.Random(seed)
    document = pymupdf.open()
    page = document.new_page(width=612, height=792)
    page.insert_text((72, 72), "Account summary", fontsize=13)
    for row in range(6):
        page.insert_text((72, 110 + 24 * row), f"Line {row + 1}", fontsize=10)
        page.insert_text((400, 110 + 24 * row), f"{rng.randint(100, 99_999):,}.00", fontsize=10)
    codes: list[SidewaysCode] = []
    scale = DPI / 72
    for x, rotate, size in ((34.0, 90, rng.choice((3.0, 3.5))), (580.0, 270, rng.choice((4, 5)))):
        y = 720.0 if rotate == 90 else 420.0
        for _ in range(5):
            value = str(rng.randint(1000, 99999))
            length = pymupdf.get_text_length(value, fontsize=size)
            page.insert_text((x, y), value, fontsize=size, rotate=rotate)
            if rotate == 90:  # bottom to top from (x, y)
                rect = (x - size, y - length, x + 2, y)
                y -= length + 2 * size
            else:  # top to bottom from (x, y)
                rect = (x - 2, y, x + size, y + length)
                y += length + 2 * size
            codes.append(SidewaysCode(value, tuple(int(v * scale) for v in rect)))  # type: ignore[arg-type]
    pixmap = page.get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
    document.close()
    return image, codes


def _overlaps(a: Box, b: Box) -> bool:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width > 0 and height > 0


@needs_tesseract
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sideways_codes_are_verified_or_held_for_review_never_lost(seed: int) -> None:
    image, codes = _page_with_sideways_codes(seed)
    page = extract_document(scan_pdf(image, DPI), "scan.pdf", ExtractionConfig(dpi=DPI)).pages[0]
    verified_right = 0
    for code in codes:
        here = [n for n in page.numbers if n.box is not None and _overlaps(n.box, code.box)]
        right = [
            n
            for n in here
            if n.verified and n.value is not None and int(n.value) == int(code.value)
        ]
        wrong = [n for n in here if n.verified and n not in right]
        assert not wrong, (code, wrong)
        assert right or any(not n.verified for n in here), f"{code} lost silently"
        verified_right += bool(right)
    # Read level, the small print is clear enough for both engines: most codes are settled.
    assert verified_right >= 6, [(n.raw, n.box, n.verified) for n in page.numbers]


@pytest.mark.parametrize("size, leading", [(8, 1.4), (9, 1.2), (10, 2.0)])
def test_a_table_column_of_one_digit_cells_is_not_read_as_sideways_print(
    size: float, leading: float
) -> None:
    """A column of zeros (counts of nothing) is upright glyphs stacked a row apart; reading it
    turned costs two engines a detection over a square as long as the column, for nothing.
    The same page's sideways codes still make strips."""
    image, codes = _page_with_sideways_codes(4)
    document = pymupdf.open()
    page = document.new_page(width=612, height=792)
    for row in range(30):
        page.insert_text((300, 120 + size * leading * row), str(row % 3 // 2), fontsize=size)
    pixmap = page.get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY)
    column = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
    ink = np.asarray(column) < 128
    left, top, right, _ = _ink_box(column)
    first_cell = (left, top, right, top + int(size * DPI / 72))
    assert _strips(ink, [first_cell]) == []
    code = codes[0].box
    assert _strips(np.asarray(image) < 128, [code]), "a sideways line of codes is a strip"


def test_a_box_in_the_turned_crop_maps_back_to_where_it_was_on_the_page() -> None:
    page = Image.new("L", (60, 200), 255)
    mark = (20, 130, 30, 170)
    ImageDraw.Draw(page).rectangle(mark, fill=0)
    origin, scale = (100, 400), 3
    enlarged = page.resize((page.width * scale, page.height * scale), Image.Resampling.NEAREST)
    for turn in TURNS:
        turned = enlarged.transpose(turn)
        back = _back_to_page(turn, enlarged.size, scale, origin)(_ink_box(turned))
        assert back == (120, 530, 131, 571), turn


def _ink_box(image: Image.Image) -> Box:
    left, top, right, bottom = Image.eval(image, lambda v: 255 - v).getbbox() or (0, 0, 0, 0)
    return (left, top, right, bottom)


class _FakeReader:
    """An engine that reads a strip as a fixed line of words spread evenly along it, but only
    turned the right way: with the strip's foot mark (`_strip_of_ink`) at the start of the line.
    The turned-reading logic is what is under test here, not OCR."""

    def __init__(self, name: str, text: str) -> None:
        self.name, self.text = name, text

    def availability(self) -> str | None:
        return None

    def read(self, image: Image.Image) -> OcrResult:
        box = _ink_box(image)
        first_column = image.crop((box[0], box[1], box[0] + 1, box[3]))
        _, top, _, bottom = _ink_box(first_column)
        if bottom - top > (box[3] - box[1]) // 2:
            return OcrResult(())  # the line would start with its long stroke: upside down
        left, top, right, bottom = box
        share = (right - left) / len(self.text)
        words = tuple(
            OcrWord(
                m.start(),
                m.end(),
                (left + int(m.start() * share), top, left + int(m.end() * share), bottom),
            )
            for m in re.finditer(r"\S+", self.text)
        )
        return OcrResult((OcrLine(self.text, box, 0.9, words),))

    def read_crops(self, crops: list[Image.Image]) -> list[str]:
        return [""] * len(crops)


def _strip_of_ink() -> tuple[Image.Image, Box]:
    """A vertical stroke with a small foot mark below it, as a line read bottom to top."""
    image = Image.new("L", (300, 600), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 200, 107, 290), fill=0)
    draw.rectangle((102, 294, 105, 299), fill=0)
    return image, (100, 200, 108, 300)


def test_turned_readings_that_disagree_leave_the_region_to_a_person() -> None:
    image, region = _strip_of_ink()
    engines = {"a": _FakeReader("a", "73859"), "b": _FakeReader("b", "73850")}
    numbers: list[PageNumber] = []
    settled, regions = read_turned_text(image, numbers, [region], engines, DecimalConvention("."))
    assert (settled, regions, numbers) == (0, [region], [])


def test_turned_readings_that_agree_explain_the_region_with_a_verified_number() -> None:
    image, region = _strip_of_ink()
    engines = {"a": _FakeReader("a", "73859"), "b": _FakeReader("b", "73859")}
    numbers: list[PageNumber] = []
    settled, regions = read_turned_text(image, numbers, [region], engines, DecimalConvention("."))
    assert (settled, regions) == (1, [])
    (number,) = numbers
    assert (number.value, number.verified, number.kind) == ("73859", True, "number")
    assert number.readings == {"a@turned": "73859", "b@turned": "73859"}


def test_a_verified_number_the_turned_reading_contradicts_goes_back_to_review() -> None:
    image, region = _strip_of_ink()
    engines = {"a": _FakeReader("a", "73859"), "b": _FakeReader("b", "73859")}
    listed = PageNumber("73869", "73869", None, region, True, {"a": "73869", "b": "73869"})
    read_turned_text(image, [listed], [region], engines, DecimalConvention("."))
    assert not listed.verified and listed.value is None
    assert "73859" in (listed.reason or "")


@pytest.mark.parametrize(
    ("page_reading", "verified_as"), [("41026", "41026"), ("41020", None), (None, None)]
)
def test_a_disputed_box_over_a_whole_strip_is_settled_by_the_number_an_engine_read_there(
    page_reading: str | None, verified_as: str | None
) -> None:
    """Tesseract boxes a vertical line of codes as one word ("5"); RapidOCR read one of the
    codes there. When the turned readings agree on that code, the dispute is settled with it;
    when no engine's page reading is among the agreed codes, a person decides."""
    image, region = _strip_of_ink()
    engines = {"a": _FakeReader("a", "73859 41026"), "b": _FakeReader("b", "73859 41026")}
    disputed = PageNumber("5", None, (0, 1), region, False, {"a": "5", "b": page_reading})
    numbers = [disputed]
    read_turned_text(image, numbers, [region], engines, DecimalConvention("."))
    assert (disputed.verified, disputed.value if disputed.verified else None) == (
        verified_as is not None,
        verified_as,
    )
    if verified_as is not None:
        assert disputed.box is not None and disputed.box != region
        assert sorted(n.value or "" for n in numbers if n.verified) == ["41026", "73859"]


def test_rapidocr_reads_every_turned_crop_on_one_sheet_as_it_reads_each_alone() -> None:
    # One detection for all crops instead of one each: each crop's lines come back to it,
    # boxed in it, as the crop read alone gives them.
    crops = []
    for text, width in (
        ("31714 26132", 520),
        ("80377", 520),
        ("62638 71906 94998", 520),
        ("2725", 200),
    ):
        image = Image.new("L", (width, 70), 255)
        ImageDraw.Draw(image).text((20, 18), text, fill=0, font_size=28)
        crops.append(image)
    engine = RapidOcrEngine()
    on_one_sheet = _read_all(engine, crops)
    for image, result in zip(crops, on_one_sheet, strict=True):
        alone = _read(engine, image)
        assert [line.text for line in result.lines] == [line.text for line in alone.lines]
        for line, other in zip(result.lines, alone.lines, strict=True):
            assert max(abs(a - b) for a, b in zip(line.box, other.box, strict=True)) <= 4
