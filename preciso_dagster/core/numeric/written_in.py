"""Verified numbers the page text lacks, written into it.

The accepted engine's reading is the page text. A number only the other engine listed (a
column of counts Tesseract skipped) can still be verified, by both engines' readings of its
crop, and then it belongs in the text too: rows rebuilt from the words, and questions over the
text, would not see it otherwise. It is written after the word to its left on its line, or
before the word to its right; print set sideways, and a number alone on its line, go on a line
of their own at the end.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from preciso_dagster.core.boxes import upright
from preciso_dagster.core.numeric.verification import NUMBER, PageNumber
from preciso_dagster.core.pages import word_spans

Word = tuple[str, tuple[float, float, float, float]]


@dataclass(frozen=True)
class _Insertion:
    position: int  # in the text
    written: str  # what goes in, separator included
    offset: int  # where the number starts inside `written`
    word_index: int  # where its word goes in the word list
    number: PageNumber
    order: float  # among insertions at one place: left to right on a line, else top to bottom


def with_numbers_written_in(
    text: str, words: list[Word], numbers: list[PageNumber]
) -> tuple[str, list[Word]]:
    """`text` and `words` with every verified number that has a box but no span written in;
    each such number gets its span, and the spans after it move."""
    missing = [
        n
        for n in numbers
        if n.kind == NUMBER and n.verified and n.span is None and n.box is not None and n.raw
    ]
    if not missing:
        return text, words
    spans = word_spans(text, [word for word, _ in words])
    insertions = sorted(
        (_insertion(number, text, words, spans) for number in missing),
        key=lambda i: (i.position, i.word_index, i.order),
    )
    spanned = [n for n in numbers if n.span is not None]
    pieces, cursor, added = [], 0, [0]
    for insertion in insertions:
        pieces += [text[cursor : insertion.position], insertion.written]
        cursor = insertion.position
        start = insertion.position + added[-1] + insertion.offset
        insertion.number.span = (start, start + len(insertion.number.raw))
        added.append(added[-1] + len(insertion.written))
    positions = [insertion.position for insertion in insertions]
    for number in spanned:  # moved by what went in at or before its start
        assert number.span is not None
        shift = added[bisect_right(positions, number.span[0])]
        number.span = (number.span[0] + shift, number.span[1] + shift)
    new_words = list(words)
    for insertion in reversed(sorted(insertions, key=lambda i: i.word_index)):
        assert insertion.number.box is not None
        left, top, right, bottom = (float(v) for v in insertion.number.box)
        new_words.insert(insertion.word_index, (insertion.number.raw, (left, top, right, bottom)))
    return "".join([*pieces, text[cursor:]]), new_words


def _insertion(
    number: PageNumber, text: str, words: list[Word], spans: list[tuple[int, int] | None]
) -> _Insertion:
    """Where `number` goes: after the nearest word to its left on its line, else before the
    nearest to its right, else on a line of its own at the end."""
    assert number.box is not None
    left, top, right, bottom = number.box
    sideways = upright(number.box)
    on_line = [
        (index, box)
        for index, (_, box) in enumerate(words)
        if spans[index] is not None and top <= (box[1] + box[3]) / 2 <= bottom
    ]
    before = [(index, box) for index, box in on_line if box[2] <= (left + right) / 2]
    after = [(index, box) for index, box in on_line if box[0] >= (left + right) / 2]
    if before and not sideways:
        index, _ = max(before, key=lambda pair: (pair[1][2], pair[0]))
        span = spans[index]
        assert span is not None
        return _Insertion(span[1], " " + number.raw, 1, index + 1, number, left)
    if after and not sideways:
        index, _ = min(after, key=lambda pair: (pair[1][0], pair[0]))
        span = spans[index]
        assert span is not None
        return _Insertion(span[0], number.raw + " ", 0, index, number, left)
    return _Insertion(len(text), "\n" + number.raw, 1, len(words), number, top)
