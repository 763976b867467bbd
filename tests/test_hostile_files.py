"""Hostile files end as a failed document with a reason (never a retry, never a crash), or are
read completely: every failure class of the hostile-input issue, at sizes that keep this fast."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bench import hostile_inputs as hostile
from preciso_dagster.cli import app
from preciso_dagster.core.errors import BadDocumentError
from preciso_dagster.core.extraction.extraction import ExtractionConfig, extract_document
from preciso_dagster.core.extraction.formats import detect_format

SMALL_LIMITS = ExtractionConfig(max_image_pixels=1_000_000, max_pdf_pages=20)
NO_OCR: dict = {}


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx"])
def test_office_decompression_bombs_are_refused_before_parsing(kind: str) -> None:
    bomb = hostile.office_bomb(kind, 4 * hostile.MIB)
    assert len(bomb) < 200_000
    with pytest.raises(BadDocumentError, match="possible decompression bomb"):
        detect_format(bomb, f"bomb.{kind}")


def test_an_office_file_declaring_entities_fails_instead_of_losing_numbers() -> None:
    with pytest.raises(BadDocumentError, match="declares XML entities"):
        extract_document(hostile.docx_with_entity(), "entity.docx", engines=NO_OCR)


def test_nested_html_tables_are_read_once_each_and_keep_their_numbers() -> None:
    (page,) = extract_document(hostile.nested_html_tables(200), "n.html", engines=NO_OCR).pages
    assert "Revenue 1,250.00" in page.text


def test_every_tiff_frame_is_limited_in_pixels_and_count() -> None:
    with pytest.raises(BadDocumentError, match="frame 1 is 2000x2000 pixels"):
        extract_document(
            hostile.tiff_with_hidden_frame(2000, 2000), "h.tiff", SMALL_LIMITS, engines=NO_OCR
        )
    with pytest.raises(BadDocumentError, match="has 40 frames, over the page limit of 20"):
        extract_document(hostile.tiff_with_many_frames(40), "f.tiff", SMALL_LIMITS, engines=NO_OCR)


def test_a_huge_pdf_page_is_refused_before_it_is_rendered() -> None:
    with pytest.raises(BadDocumentError, match=r"PDF page 0 is 5000x5000 pt"):
        extract_document(hostile.pdf_with_huge_page(5000), "p.pdf", engines=NO_OCR)


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (hostile.csv_with_long_field(140_000), "long.csv", "CSV could not be read"),
        (hostile.text_invalid_after(70_000), "broken.txt", "not valid UTF-8 at byte"),
    ],
)
def test_parse_errors_are_document_failures_with_a_reason(
    content: bytes, name: str, reason: str
) -> None:
    with pytest.raises(BadDocumentError, match=reason):
        extract_document(content, name, engines=NO_OCR)


def test_a_note_that_mentions_the_pdf_header_is_not_a_pdf() -> None:
    assert detect_format(hostile.markdown_mentioning_pdf(), "note.md").format == "markdown"
    junk_then_pdf = b"\x00\x01junk" + hostile.pdf_with_huge_page(100)
    assert detect_format(junk_then_pdf, "x.pdf").format == "pdf"


def test_the_cli_exits_2_with_the_reason_and_no_traceback(tmp_path: object) -> None:
    path = tmp_path / "long.csv"  # type: ignore[operator]
    path.write_bytes(hostile.csv_with_long_field(140_000))
    result = CliRunner().invoke(app, ["extract", str(path)])
    assert result.exit_code == 2, result.output
    assert "CSV could not be read" in result.output and "Traceback" not in result.output
