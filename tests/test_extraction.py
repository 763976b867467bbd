"""Extraction: formats, the engine fallback order, gates, orientation, determinism, bad input."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal

import pytest
from PIL import Image

from preciso_dagster.core.engines import RapidOcrEngine, TesseractEngine
from preciso_dagster.core.errors import BadDocumentError
from preciso_dagster.core.extraction.extraction import ExtractionConfig, extract_document
from preciso_dagster.core.extraction.formats import detect_format
from tests import fixtures

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")


def engines_tried(page) -> list[tuple[str, bool]]:
    return [(attempt.engine, attempt.accepted) for attempt in page.attempts]


def test_text_layer_pdf_is_read_from_the_text_layer() -> None:
    document = extract_document(fixtures.text_pdf(), "report.pdf")
    (page,) = document.pages
    assert page.engine == "text_layer"
    assert "Revenue 1,234,567.89" in page.text
    assert engines_tried(page) == [("text_layer", True)]
    assert not document.needs_review


@needs_tesseract
def test_scan_falls_back_to_ocr_and_records_why() -> None:
    document = extract_document(fixtures.scanned_pdf(), "scan.pdf")
    (page,) = document.pages
    assert engines_tried(page)[0] == ("text_layer", False)
    assert page.attempts[0].reason == "empty text layer"
    assert page.engine == "tesseract"
    assert "1,234,567.89" in page.text
    assert page.dpi == 200 and page.confidence and page.confidence > 0.8


def test_rapidocr_reads_a_scan_when_it_is_first_in_the_order() -> None:
    config = ExtractionConfig(engine_order=("text_layer", "rapidocr"), detect_orientation=False)
    document = extract_document(fixtures.scanned_pdf(), "scan.pdf", config)
    (page,) = document.pages
    assert page.engine == "rapidocr"
    assert "Revenue" in page.text


@needs_tesseract
def test_rotated_scan_is_turned_upright_before_ocr() -> None:
    document = extract_document(fixtures.scanned_pdf(rotate=90), "rotated.pdf")
    (page,) = document.pages
    assert page.rotation in (90, 270)
    assert "1,234,567.89" in page.text


class HalfTurnOutTesseract(TesseractEngine):
    """Tesseract whose orientation guess is half a turn out, as it was on a scan of italic
    figures set in ruled cells (a low-confidence guess, 2.3)."""

    def orientation(self, image: Image.Image) -> int:
        return (super().orientation(image) + 180) % 360


@needs_tesseract
def test_a_page_read_upside_down_is_turned_round_and_read_again() -> None:
    engines = {"tesseract": HalfTurnOutTesseract(), "rapidocr": RapidOcrEngine()}
    config = ExtractionConfig()  # Tesseract first: its reading upside down is rejected (0.42)
    for turned in (0, 180):
        document = extract_document(
            fixtures.scanned_pdf(rotate=turned), "scan.pdf", config, engines
        )
        (page,) = document.pages
        assert page.rotation == turned
        assert "Revenue 1,234,567.89" in page.text
        assert [n.value for n in page.numbers if n.verified] == [
            "1234567.89",
            "-456789.01",
            "777778.88",
            "1",
        ]
        turned_round = [a.reason for a in page.attempts if "upside down" in a.reason]
        assert turned_round == [
            "5 of 5 lines read upside down: the page was turned half round and read again"
        ]


@needs_tesseract
def test_garbage_text_layer_is_rejected_for_ocr() -> None:
    document = extract_document(fixtures.garbage_text_layer_pdf(), "garbage.pdf")
    (page,) = document.pages
    assert page.attempts[0].engine == "text_layer"
    assert not page.attempts[0].accepted
    assert "symbol soup" in page.attempts[0].reason
    assert page.engine == "tesseract"


def test_unavailable_engine_is_skipped_with_the_reason() -> None:
    config = ExtractionConfig(
        engine_order=("text_layer", "nonexistent", "rapidocr"), detect_orientation=False
    )
    (page,) = extract_document(fixtures.scanned_pdf(), "scan.pdf", config).pages
    assert ("nonexistent", False) in engines_tried(page)
    assert "not configured" in page.attempts[1].reason
    assert page.engine == "rapidocr"


def test_tesseract_runs_one_thread_unless_the_environment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    TesseractEngine()
    assert os.environ["OMP_THREAD_LIMIT"] == "1"
    monkeypatch.setenv("OMP_THREAD_LIMIT", "2")
    TesseractEngine()
    assert os.environ["OMP_THREAD_LIMIT"] == "2"


@needs_tesseract
def test_same_bytes_and_config_give_the_same_engine_and_text() -> None:
    content = fixtures.scanned_pdf()
    first = extract_document(content, "a.pdf")
    second = extract_document(content, "a.pdf")
    assert [p.engine for p in first.pages] == [p.engine for p in second.pages]
    assert [p.text.encode() for p in first.pages] == [p.text.encode() for p in second.pages]


@needs_tesseract
def test_png_and_multipage_tiff_are_ocrd_page_by_page() -> None:
    image = fixtures.page_image(fixtures.text_pdf())
    (png_page,) = extract_document(fixtures.image_bytes(image, "PNG"), "p.png").pages
    assert "1,234,567.89" in png_page.text
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="TIFF", save_all=True, append_images=[image.rotate(0)])
    tiff = extract_document(buffer.getvalue(), "two.tiff")
    assert tiff.format == "tiff" and len(tiff.pages) == 2


def test_docx_keeps_table_cells_as_written() -> None:
    (page,) = extract_document(fixtures.docx_bytes(), "bs.docx").pages
    assert "Total assets\t1,000,000.50" in page.text
    assert "Equity\t(12.30)" in page.text
    # An office file is its own ground truth: its numbers are listed, exact and verified.
    listed = {(n.raw, n.value, n.verified) for n in page.numbers}
    assert {("1,000,000.50", "1000000.50", True), ("(12.30)", "-12.30", True)} <= listed


def test_pptx_gives_one_page_per_slide() -> None:
    document = extract_document(fixtures.pptx_bytes(), "deck.pptx")
    assert [("12.5 million" in p.text, "41.20%" in p.text) for p in document.pages] == [
        (True, False),
        (False, True),
    ]


def test_xlsx_numbers_are_exact_not_float_noise() -> None:
    (page,) = extract_document(fixtures.xlsx_bytes(), "pl.xlsx").pages
    assert "Revenue\t0.1\t" in page.text
    assert "Units\t1234567890123" in page.text
    assert "Cost\t(3,210)" in page.text


def test_html_csv_markdown_and_text() -> None:
    (html,) = extract_document(fixtures.html_bytes(), "r.html").pages
    assert "Revenue\t1.234,56" in html.text and "p{}" not in html.text
    (csv_page,) = extract_document(b'item,amount\nRevenue,"1,234.50"\n', "t.csv").pages
    assert csv_page.text == "item\tamount\nRevenue\t1,234.50"
    markdown = extract_document(b"# Title\n\n| a | 1.5 |\n", "n.md")
    assert markdown.format == "markdown" and markdown.pages[0].engine == "native"
    assert extract_document("Umsatz 1.234,56 €\n".encode(), "n.txt").format == "text"


@pytest.mark.parametrize("name", ["statement.txt", "statement", "notes.md"])
def test_commas_that_group_digits_never_make_a_table(name: str) -> None:
    """Read as CSV, "Revenue 9,000" became the cells "Revenue 9" and "000": 9,000 was lost."""
    content = "Revenue 9,000\nCost of sales 3,000\n자산총계 12,500,000\n".encode()
    (page,) = extract_document(content, name).pages
    assert page.text.splitlines() == content.decode().splitlines()
    assert [Decimal(n.value or "nan") for n in page.numbers] == [9000, 3000, 12500000]


def test_type_comes_from_content_and_a_mismatch_is_recorded() -> None:
    detected = detect_format(fixtures.text_pdf(), "looks-like.docx")
    assert detected.format == "pdf"
    assert detected.mismatch == "name says docx, content is pdf"
    assert detect_format(fixtures.text_pdf(), "fine.pdf").mismatch is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (fixtures.truncated_pdf(), "PDF"),
        (fixtures.encrypted_pdf(), "encrypted"),
        (fixtures.unsupported_bytes(), "unsupported"),
        (b"\x00\x01\x02binary junk", "unsupported"),
        (fixtures.bomb_png(), "decompression bomb"),
    ],
    ids=["zero-byte", "truncated", "encrypted", "unsupported-zip", "binary", "bomb"],
)
def test_bad_input_raises_a_clear_error(content: bytes, message: str) -> None:
    with pytest.raises(BadDocumentError, match=message):
        extract_document(content, "input.pdf")


def test_pdf_over_the_page_limit_is_refused() -> None:
    config = ExtractionConfig(max_pdf_pages=2)
    with pytest.raises(BadDocumentError, match="over the limit of 2"):
        extract_document(fixtures.text_pdf(pages=3), "long.pdf", config)
