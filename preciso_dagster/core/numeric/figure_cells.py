"""Figures set in a monospaced font, where a decimal mark fills a digit's cell of its own.

Such a font sets "3.9" with the mark at the left of its cell and a gap after it, which OCR
reads as "3. 9". That gap is the mark's cell, not a space; whether it is depends on the font,
and the page shows its font in the numbers it writes without doubt. A monospaced font sets
a hyphen, colon or slash between two digits ("2021-06-04", "09:00", "4.0-10.0") in a cell of
its own too: the digits either side stand two digit pitches apart. A proportional font sets
those marks narrower than a digit (1.5 to 1.7 pitches), and a point closed up to its digits
at 1.5. A number read with two marks or more and no space between them ("42.837,04") is
evidence too: in a proportional face, each mark would need a space after it to stand two
pitches apart. So a page is judged monospaced only when several such marks stand two pitches
apart and next to none stands nearer (one in MARKS_PER_STRAY, a scan's stray); then "3. 9"
whose digits stand two pitches apart is "3.9", and one whose digits stand three apart
("3.  9", a real space) is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

import numpy as np

from preciso_dagster.core.boxes import union_of
from preciso_dagster.core.engines import Box, OcrLine, OcrResult, OcrWord
from preciso_dagster.core.numeric.coverage import (
    DIGIT_SHARE,
    MARK_SYMMETRY,
    digit_centres,
    glyph_columns,
)

# Digit pitches between the digits either side of a mark set in a cell of its own.
CELL_SPAN = (1.8, 2.2)
# Nearer than this, the mark is set narrower than a digit: the font is proportional.
PROPORTIONAL_SPAN = 1.75
# Marks other than a decimal point or comma needed to call a page monospaced.
MIN_EVIDENCE = 3
# Marks measured per one allowed nearer than PROPORTIONAL_SPAN on a page set in cells: a
# scan's blur and noise move a centre (one "301.2" of 53 marks measured 1.69 pitches).
MARKS_PER_STRAY = 20
_SEPARATORS = "-:/.,"
_SPACED_MARK = re.compile(r"(?<=\d)[-:/.,][ \t](?=\d)")
_ENDS_IN_MARK = re.compile(r"\d[-:/.,]$")
_SPACE_BEFORE_MARK = re.compile(r"(?<=\d)[ \t]+(?=[.,]\d)")


@dataclass
class _MeasuredWord:
    """A word whose ink holds one run of columns per character: each character's centre."""

    text: str
    centres: list[float]


@dataclass(frozen=True)
class FigureCells:
    """Whether the page sets its figures in a monospaced font, and its digit pitch."""

    ink: np.ndarray  # the page's `faint_ink`
    monospaced: bool
    pitch: float = 0.0

    def closed_up(self, reading: OcrResult) -> OcrResult:
        """`reading` with the space after each mark that fills a cell of its own taken out
        ("3. 9" -> "3.9" where the digits stand two pitches apart); as it was elsewhere."""
        if not self.monospaced:
            return reading
        return OcrResult(tuple(self._rejoined([self._closed_line(line) for line in reading.lines])))

    def _rejoined(self, lines: list[OcrLine]) -> list[OcrLine]:
        """Lines OCR broke at a mark's cell ("[ 12." and "5- 36.5]" as two lines of one row),
        joined as one line where the digits either side of the break stand in cells as one
        number's; other lines as they were."""
        left = list(lines)
        kept: list[OcrLine] = []
        while left:
            line = left.pop(0)
            for other in left:
                if not _broken_between(line, other, self.pitch):
                    continue
                candidate = _joined(line, other)
                closed = self._closed_line(candidate)
                if len(closed.text) < len(candidate.text):  # the break was a mark's cell
                    left.remove(other)
                    left.insert(0, closed)
                    break
            else:
                kept.append(line)
        return kept

    def closed_crop_reading(self, box: Box, text: str) -> str:
        """A crop's reading of the ink in `box` (page pixels) with the space after each mark
        that fills a cell of its own taken out, when the ink holds one run of columns per
        character read ("[ 31. 2-102. 2]" -> "[31.2-102.2]"); as read otherwise. A space
        between a digit and a point or comma that leads the next digits ("-2.508 .930") is
        taken out on any page: no number starts with a grouping mark, and the other engine's
        crop must still read the same number for it to count."""
        text = _SPACE_BEFORE_MARK.sub("", text)
        glyphs = "".join(text.split())
        word = _placed(self.ink, box, glyphs) if self.monospaced else None
        if word is None:
            return text
        spans = _mark_spans(word, self.pitch)
        kept, placed = [], -1  # `placed`: the glyph before the character at hand
        for character in text:
            if not character.isspace():
                placed += 1
            elif placed in spans and _in_cell(spans[placed][1]):
                continue
            kept.append(character)
        return "".join(kept)

    def space_after_mark(self, box: Box, raw: str) -> str | None:
        """Why a number read with no space after its mark may have one ("12. 5" read "12.5"),
        if it may: closed up to its digits in a proportional font, a point leaves them 1.5
        pitches apart; a space after it, 2, with the point near the digit before it. A page
        set in cells puts every mark two pitches apart, and a centred mark is a monospaced
        face's own (`mark_in_own_cell`)."""
        if self.monospaced or not self.pitch:
            return None
        word = _placed(self.ink, box, raw)
        if word is None:
            return None
        pitch = _own_pitch(word) or self.pitch
        for index, (mark, span) in _mark_spans(word, pitch).items():
            before, at, after = word.centres[index - 1 : index + 2]
            if mark in ".," and span >= CELL_SPAN[0] and after - at > MARK_SYMMETRY * (at - before):
                return "a space stands after its mark where no engine read one (two numbers?)"
        return None

    def _closed_line(self, line: OcrLine) -> OcrLine:
        """The mark ends one word and the digit after it starts the next, as OCR split them."""
        gaps = []
        for match in _SPACED_MARK.finditer(line.text):
            mark = match.start()
            before = next((w for w in line.words if w.end == mark + 1), None)
            after = next((w for w in line.words if w.start == mark + 2), None)
            left = _digit_before_last_mark(self.ink, before) if before else None
            right = _first_digit(self.ink, after) if after else None
            if left is not None and right is not None and _in_cell((right - left) / self.pitch):
                gaps.append(mark + 1)
        if not gaps:
            return line

        def moved(index: int) -> int:
            return index - sum(gap < index for gap in gaps)

        text = "".join(c for i, c in enumerate(line.text) if i not in gaps)
        words = tuple(OcrWord(moved(w.start), moved(w.end), w.box) for w in line.words)
        return OcrLine(text, line.box, line.confidence, words)


def _broken_between(line: OcrLine, other: OcrLine, pitch: float) -> bool:
    """`line` ends in a mark after a digit and `other` starts with a digit just to its right,
    on the same row."""
    if not (_ENDS_IN_MARK.search(line.text) and other.text[:1].isdigit()):
        return False
    overlap = min(line.box[3], other.box[3]) - max(line.box[1], other.box[1])
    height = min(line.box[3] - line.box[1], other.box[3] - other.box[1])
    gap = other.box[0] - line.box[2]
    return overlap >= height / 2 and 0 <= gap < 2 * pitch


def _joined(line: OcrLine, other: OcrLine) -> OcrLine:
    """The two lines as one, a space between them."""
    shift = len(line.text) + 1
    words = line.words + tuple(OcrWord(w.start + shift, w.end + shift, w.box) for w in other.words)
    box = union_of([line.box, other.box])
    confidence = min(line.confidence, other.confidence)
    return OcrLine(f"{line.text} {other.text}", box, confidence, words)


def figure_cells(ink: np.ndarray, *readings: OcrResult) -> FigureCells:
    """Measure the page's figures in its ink (`faint_ink`) at the words the engines read."""
    measured = [
        found
        for line in (line for reading in readings for line in reading.lines)
        for word in line.words
        if (found := _measured(ink, line, word)) is not None
    ]
    pitches = [pitch for word in measured for pitch in _digit_pitches(word)]
    if not pitches:
        return FigureCells(ink, False)
    pitch = median(pitches)
    spans = [span for word in measured for span in _mark_spans(word, pitch).values()]
    evidence = sum(mark in "-:/" and _in_cell(span) for mark, span in spans)
    evidence += sum(_grouped_in_cells(word, pitch) for word in measured)
    near = sum(span < PROPORTIONAL_SPAN for _, span in spans)
    monospaced = evidence >= MIN_EVIDENCE and near <= len(spans) // MARKS_PER_STRAY
    return FigureCells(ink, monospaced, pitch)


def _measured(ink: np.ndarray, line: OcrLine, word: OcrWord) -> _MeasuredWord | None:
    text = line.text[word.start : word.end]
    if not text or any(c.isspace() for c in text) or not any(c.isdigit() for c in text):
        return None
    return _placed(ink, word.box, text)


def _placed(ink: np.ndarray, box: Box, text: str) -> _MeasuredWord | None:
    """`text` placed on the ink of `box`, when it holds one run of columns per character."""
    runs = glyph_columns(ink, box)
    if len(runs) != len(text):
        return None  # touching or broken glyphs: characters cannot be placed
    return _MeasuredWord(text, [box[0] + (first + last) / 2 for first, last, _ in runs])


def _mark_spans(word: _MeasuredWord, pitch: float) -> dict[int, tuple[str, float]]:
    """Each mark standing between two digits, by its place in the word: the mark, and the
    distance between the digits either side in pitches."""
    text = word.text
    return {
        i: (text[i], (word.centres[i + 1] - word.centres[i - 1]) / pitch)
        for i in range(1, len(text) - 1)
        if text[i] in _SEPARATORS and text[i - 1].isdigit() and text[i + 1].isdigit()
    }


def _grouped_in_cells(word: _MeasuredWord, pitch: float) -> bool:
    """A number read with two marks or more and no space ("42.837,04", "1.914.320"), every
    mark's digits two pitches apart: a proportional face would need a space after each."""
    spans = _mark_spans(word, pitch).values()
    return len(spans) >= 2 and all(_in_cell(span) for _, span in spans)


def _digit_pitches(word: _MeasuredWord) -> list[float]:
    return [
        word.centres[i + 1] - word.centres[i]
        for i in range(len(word.text) - 1)
        if word.text[i].isdigit() and word.text[i + 1].isdigit()
    ]


def _own_pitch(word: _MeasuredWord) -> float | None:
    pitches = _digit_pitches(word)
    return median(pitches) if pitches else None


def _digit_before_last_mark(ink: np.ndarray, word: OcrWord) -> float | None:
    """The centre of the digit before the mark that ends `word`, when its ink shows them."""
    runs = glyph_columns(ink, word.box)
    if len(runs) < 2:
        return None
    tallest = max(height for _, _, height in runs)
    (*_, digit, mark) = runs
    # A point, comma or hyphen is low; a colon or slash nearly a digit's height, never more.
    if mark[2] >= tallest or digit[2] < DIGIT_SHARE * tallest:
        return None
    return word.box[0] + digit_centres(digit)[-1]


def _first_digit(ink: np.ndarray, word: OcrWord) -> float | None:
    """The centre of the digit that starts `word`."""
    runs = glyph_columns(ink, word.box)
    if not runs:
        return None
    return word.box[0] + digit_centres(runs[0])[0]


def _in_cell(span: float) -> bool:
    return CELL_SPAN[0] <= span <= CELL_SPAN[1]
