"""Word boxes fitted to the page's ink, so that each number gets a box of its own.

Tesseract may box a word over the glyphs of the next one ("817-19." over "817]" in
letter-spaced print), and every engine boxes a range as one word ("[13.817-19.817]"): both
numbers of the range then get the box of the whole range, a crop of one holds the other, and
no crop can settle either. Where the ink holds one run of columns per character, each
character's place is known: a box is cut back to its own glyphs, and a range's word is cut
into the number before the dash, the dash, and the number after it. Elsewhere (touching or
broken glyphs) words stay as the engine boxed them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise

import numpy as np

from preciso_dagster.core.engines import Box, OcrLine, OcrResult, OcrWord
from preciso_dagster.core.numeric.coverage import glyph_columns

# A dash between the end of one number (a digit, or its mark) and the first digit of the next.
_RANGE_DASH = re.compile(r"(?<=[\d.,])[-–~](?=\d)")


def fitted_to_ink(ink: np.ndarray, reading: OcrResult) -> OcrResult:
    """`reading` with each word box that reaches over another word of its line cut back to
    its own glyphs on `ink` (the page's `faint_ink`)."""
    return OcrResult(
        tuple(
            replace(line, words=tuple(_own_box(ink, line, word) for word in line.words))
            for line in reading.lines
        )
    )


def split_range_words(ink: np.ndarray, reading: OcrResult) -> OcrResult:
    """`reading` with each word that holds a range cut at its dashes, placed on `ink`; lines
    without a range as they were."""
    return OcrResult(
        tuple(
            replace(
                line,
                words=tuple(piece for word in line.words for piece in _split(ink, line, word)),
            )
            if _RANGE_DASH.search(line.text)
            else line
            for line in reading.lines
        )
    )


def _own_box(ink: np.ndarray, line: OcrLine, word: OcrWord) -> OcrWord:
    others = [
        other.box
        for other in line.words
        if other is not word and other.box[0] < word.box[2] and word.box[0] < other.box[2]
    ]
    if not others:
        return word
    runs = _own_runs(ink, word.box, others)
    if not runs:
        return word
    _, top, _, bottom = word.box
    return replace(word, box=(runs[0][0], top, runs[-1][1] + 1, bottom))


def _own_runs(ink: np.ndarray, box: Box, others: list[Box]) -> list[tuple[int, int]]:
    """The glyphs in `box` (first and last column on the page) whose middle lies in none of
    `others`."""
    origin = max(0, box[0])
    runs = [(origin + first, origin + last) for first, last, _ in glyph_columns(ink, box)]
    return [
        run
        for run in runs
        if not any(other[0] <= (run[0] + run[1]) / 2 < other[2] for other in others)
    ]


def _split(ink: np.ndarray, line: OcrLine, word: OcrWord) -> list[OcrWord]:
    written = line.text[word.start : word.end]
    dashes = [match.start() for match in _RANGE_DASH.finditer(written)]
    if not dashes or any(character.isspace() for character in written):
        return [word]
    runs = _own_runs(ink, word.box, [other.box for other in line.words if other is not word])
    if len(runs) != len(written):
        return [word]  # touching or broken glyphs: the characters cannot be placed
    _, top, _, bottom = word.box
    cuts = sorted({0, len(written), *dashes, *(dash + 1 for dash in dashes)})
    return [
        OcrWord(
            word.start + start,
            word.start + end,
            (runs[start][0], top, runs[end - 1][1] + 1, bottom),
        )
        for start, end in pairwise(cuts)
    ]
