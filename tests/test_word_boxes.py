"""Word boxes fitted to the ink: a box reaching over the next word is cut back, a range's word is
cut at its dash; and the unseen seed-555 pages that showed why (bench/generated_pages.py)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from bench.numeric_bench import generated_scored_pages, row_recall, scan_pdf, score_page
from preciso_dagster.core.engines import OcrLine, OcrResult, OcrWord
from preciso_dagster.core.extraction.extraction import ExtractionConfig, extract_document
from preciso_dagster.core.numeric.word_boxes import fitted_to_ink, split_range_words

PITCH, GLYPH = 16, 10


def _ink(text: str) -> np.ndarray:
    """One glyph a character, PITCH columns apart from x=10: digits full height, a dash across
    the middle, a point at the foot; spaces leave their cell blank."""
    ink = np.zeros((40, 400), dtype=bool)
    for position, character in enumerate(text):
        left = 10 + PITCH * position
        rows = {"-": (18, 21), ".": (27, 30), " ": None}.get(character, (10, 30))
        if rows is not None:
            ink[rows[0] : rows[1] + 1, left : left + GLYPH] = True
    return ink


def _cell(position: int) -> int:
    return 10 + PITCH * position


def _words(reading: OcrResult) -> list[tuple[str, tuple[int, int, int, int]]]:
    (line,) = reading.lines
    return [(line.text[w.start : w.end], w.box) for w in line.words]


def test_a_box_over_the_next_words_glyphs_is_cut_back_and_a_range_is_cut_at_its_dash() -> None:
    # Seen on a letter-spaced lab report: Tesseract boxed "817-19." over the glyphs of
    # "817]", so the crop of "19.817" held "817" of the range's first number too.
    text = "817-19. 817]"
    overreaching = OcrWord(0, 7, (5, 5, _cell(11) + 12, 35))
    own = OcrWord(8, 12, (_cell(8) - 2, 5, _cell(11) + 12, 35))
    line = OcrLine(text, (5, 5, _cell(11) + 12, 35), 0.9, (overreaching, own))
    fitted = fitted_to_ink(_ink(text), OcrResult((line,)))
    assert _words(fitted) == [
        ("817-19.", (_cell(0), 5, _cell(6) + GLYPH, 35)),
        ("817]", (_cell(8) - 2, 5, _cell(11) + 12, 35)),
    ]
    assert _words(split_range_words(_ink(text), fitted)) == [
        ("817", (_cell(0), 5, _cell(2) + GLYPH, 35)),
        ("-", (_cell(3), 5, _cell(3) + GLYPH, 35)),
        ("19.", (_cell(4), 5, _cell(6) + GLYPH, 35)),
        ("817]", (_cell(8) - 2, 5, _cell(11) + 12, 35)),
    ]


def test_a_range_whose_glyphs_cannot_be_placed_stays_one_word() -> None:
    text = "12-15"
    ink = _ink(text)
    ink[10:31, _cell(0) + GLYPH : _cell(1)] = True  # "1" and "2" touch: four runs, five glyphs
    word = OcrWord(0, 5, (5, 5, _cell(4) + 12, 35))
    reading = OcrResult((OcrLine(text, word.box, 0.9, (word,)),))
    assert split_range_words(ink, reading) == reading
    assert fitted_to_ink(ink, reading) == reading  # no other word: nothing to cut back


needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")


@needs_tesseract
def test_unseen_letter_spaced_ranges_and_monospaced_cents_are_verified_and_rows_whole() -> None:
    # Seed 555 drew pages the project had not been tuned on. The lab report's ranges went to
    # review (9 of 38 numbers: each range boxed as one word); the statement's rows lost
    # their cents ("17,647." read by Tesseract, "17,647.61" verified on the crops: 8/15 rows).
    pages = {p.name: p for p in generated_scored_pages(2, 200, 555)}
    for name in ("cells-1", "varied-0"):
        page = pages[name]
        extracted = extract_document(scan_pdf(page.image, 200), "scan.pdf", ExtractionConfig())
        result = extracted.pages[0]
        tally = score_page(page, result.numbers)
        assert (tally.silent_losses, tally.wrong_verified) == (0, 0), tally
        assert tally.reviewed <= 0.1 * tally.truth, (name, tally)
        assert row_recall(page.rows, result.to_record()) == (len(page.rows), len(page.rows))
