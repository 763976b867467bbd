"""Line items from a page: a label, then one amount per column, each under its header (a year).

Rows are rebuilt from word positions, since many text layers and OCR outputs put each table
cell on a line of its own; pages without word positions (office files) are read line by line.
Pure functions, deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from preciso_dagster.core.boxes import union_of, upright
from preciso_dagster.core.numeric.numbers import (
    DecimalConvention,
    NumberKind,
    NumberToken,
    convention_for,
    extract_numbers,
)
from preciso_dagster.core.pages import PageRecord

MIN_LABEL_LETTERS = 3
Box = tuple[float, float, float, float]
T = TypeVar("T")
# Numeric words closer than this many word heights are one number ("1 200 000"). A word
# space with the glyphs' side bearings measures 0.4-0.7 heights in OCR word boxes; table
# columns stand further apart.
NUMBER_GAP = 0.9
ROW_SPAN = 4.0
_CURRENCY_WORD = re.compile(r"[$€£¥₩%()\-]+|[A-Z]{3}")


@dataclass(frozen=True)
class AmountCell:
    amount: Decimal
    raw: str
    header: str | None  # the column's heading (a year), when the table has one
    box: Box | None


@dataclass(frozen=True)
class LineItem:
    label: str
    columns: tuple[AmountCell, ...]
    span: tuple[int, int]  # in the page text: the line, or the first to the last cell
    box: Box | None = None

    @property
    def amount(self) -> Decimal:
        return self.columns[0].amount

    @property
    def raw_amount(self) -> str:
        return self.columns[0].raw


def parse_line_items(text: str) -> list[LineItem]:
    """Lines whose text starts with a label followed by amounts (one per column)."""
    convention = convention_for(text)
    items = []
    offset = 0
    for line in text.split("\n"):
        tokens = extract_numbers(line, convention=convention)
        amounts = _amounts(tokens)
        if amounts:
            dated = tokens[0].kind == NumberKind.DATE and not line[: tokens[0].span[0]].strip()
            label = _label(line[tokens[0].span[1] if dated else 0 : amounts[0].span[0]])
            if dated and not label:  # "31.03.2024 -1.200,00 Wire transfer 5.400,00"
                label = _label(_words_among_numbers(line, tokens, amounts[0].span[0]))
            if label:
                cells = tuple(_cell(token, None, None) for token in amounts)
                items.append(LineItem(label, cells, (offset, offset + len(line))))
        offset += len(line) + 1
    return items


def page_line_items(page: PageRecord) -> list[LineItem]:
    """The line items of a stored page: rows from its word positions when it has them."""
    if not page.words:
        return parse_line_items(page.text)
    positioned = [(word.text, word.box) for word in page.words]
    return rows_to_line_items(positioned, page.text)


def rows_to_line_items(words: Sequence[tuple[str, Box]], text: str) -> list[LineItem]:
    """Group positioned words into rows, then read each row as label + amounts. A row of
    years alone is a header: later amounts take the year whose column they sit under."""
    convention = convention_for(text)
    headers: list[tuple[str, Box]] = []
    items = []
    cursor = 0
    for row in visual_rows(words, lambda word: word[1]):
        opening = _opening_date_words(row, convention)
        first_number = next(
            (i for i, (word, _) in enumerate(row) if i >= opening and _is_cell(word)), len(row)
        )
        label = _label(" ".join(word for word, _ in row[opening:first_number]))
        if opening and not label:  # an export's "31.03.2024 -1.200,00 Wire transfer 5.400,00"
            label = _label(" ".join(word for word, _ in row[first_number:] if not _is_cell(word)))
        numbers = [
            (token, box)
            for token, box in _row_cells(row[first_number:], convention)
            if token.kind != NumberKind.IDENTIFIER
        ]
        if numbers and not label and all(t.kind == NumberKind.YEAR for t, _ in numbers):
            headers = [(token.raw, box) for token, box in numbers]
            continue
        columns = tuple(
            _cell(token, _header_for(box, headers), box)
            for token, box in numbers
            if _amounts([token])
        )
        if label and columns:
            span = _span_in(text, row, cursor)
            cursor = max(cursor, span[1])
            items.append(LineItem(label, columns, span, union_of([b for _, b in row])))
    return items


def _words_among_numbers(line: str, tokens: list[NumberToken], start: int) -> str:
    """The words of `line` from `start` on, with every number cut out."""
    pieces, cursor = [], start
    for token in tokens:
        if token.span[0] >= start:
            pieces.append(line[cursor : token.span[0]])
            cursor = token.span[1]
    return " ".join([*pieces, line[cursor:]])


def _opening_date_words(row: list[tuple[str, Box]], convention: DecimalConvention) -> int:
    """How many words at the row's start are its date ("03/21/2024 Wire transfer ..."): a
    ledger's rows open with one, and the label is what follows."""
    for count in (1, 3):  # "03/21/2024", or "21 Mar 2024"
        written = " ".join(word for word, _ in row[:count])
        tokens = extract_numbers(written, convention=convention)
        whole_date = len(tokens) == 1 and tokens[0].kind == NumberKind.DATE
        if len(row) > count and whole_date and tokens[0].span == (0, len(written)):
            return count
    return 0


def _cell(token: NumberToken, header: str | None, box: Box | None) -> AmountCell:
    assert token.value is not None  # _amounts keeps only numbers with a value
    return AmountCell(token.value, token.raw, header, box)


def _amounts(tokens: list[NumberToken]) -> list[NumberToken]:
    """Amounts (and percentages) with a value, after any label: never a year or a date."""
    return [
        t
        for t in tokens
        if t.kind in (NumberKind.AMOUNT, NumberKind.PERCENT)
        and t.value is not None
        and not (t.ambiguous or t.malformed or t.doubtful)
    ]


def _label(text: str) -> str | None:
    label = re.sub(r"\s+", " ", text.strip(" \t:.-–"))
    return label if sum(ch.isalpha() for ch in label) >= MIN_LABEL_LETTERS else None


def _is_cell(word: str) -> bool:
    """A word that belongs to an amount cell: digits (not inside a word), or a currency sign."""
    if re.search(r"\d", word):
        return not re.search(r"[A-Za-z]{2,}", word)
    return bool(_CURRENCY_WORD.fullmatch(word))


def visual_rows(items: Sequence[T], box_of: Callable[[T], Box]) -> list[list[T]]:
    """Items (words) whose vertical centres fall inside one band are a row, top to bottom,
    each sorted left to right. An upright word taller than ROW_SPAN typical word heights
    (vertical print, a column of first letters read downwards) is a row of its own: its band
    would swallow a table."""
    heights = sorted(box_of(item)[3] - box_of(item)[1] for item in items)
    tallest = ROW_SPAN * heights[len(heights) // 2] if heights else 0.0
    rows: list[list[T]] = []
    bands: list[tuple[float, float]] = []
    apart: list[list[T]] = []
    for item in sorted(items, key=lambda i: ((box_of(i)[1] + box_of(i)[3]) / 2, box_of(i)[0])):
        box = box_of(item)
        centre = (box[1] + box[3]) / 2
        if box[3] - box[1] > tallest and upright(box):
            apart.append([item])
        elif bands and bands[-1][0] <= centre <= bands[-1][1]:
            rows[-1].append(item)
            top, bottom = bands[-1]
            bands[-1] = (min(top, box[1]), max(bottom, box[3]))
        else:
            rows.append([item])
            bands.append((box[1], box[3]))
    # Each row in the order its first word came, by centre; a word set apart among them.
    ordered = sorted(rows + apart, key=lambda row: (box_of(row[0])[1] + box_of(row[0])[3]) / 2)
    return [sorted(row, key=lambda i: box_of(i)[0]) for row in ordered]


def _row_cells(
    row: list[tuple[str, Box]], convention: DecimalConvention
) -> list[tuple[NumberToken, Box]]:
    """The numbers of a row, each with its box; numeric words close together are one."""
    groups: list[list[tuple[str, Box]]] = []
    for word, box in row:
        if not _is_cell(word):
            groups.append([])
            continue
        previous = groups[-1][-1][1] if groups and groups[-1] else None
        height = box[3] - box[1]
        if previous is not None and box[0] - previous[2] <= NUMBER_GAP * height:
            groups[-1].append((word, box))
        else:
            groups.append([(word, box)])
    cells = []
    for group in groups:
        if not group:
            continue
        written = " ".join(word for word, _ in group)
        box = union_of([b for _, b in group])
        cells += [(token, box) for token in extract_numbers(written, convention=convention)]
    return cells


def _header_for(box: Box, headers: list[tuple[str, Box]]) -> str | None:
    """The header whose column the box sits under: overlapping it, else the nearest centre."""
    if not headers:
        return None
    centre = (box[0] + box[2]) / 2
    overlapping = [h for h, b in headers if b[0] <= box[2] and box[0] <= b[2]]
    if overlapping:
        return overlapping[0]
    return min(headers, key=lambda h: abs((h[1][0] + h[1][2]) / 2 - centre))[0]


def _span_in(text: str, row: list[tuple[str, Box]], cursor: int) -> tuple[int, int]:
    """Where the row's first and last words stand in the page text, searching from `cursor`
    (rows come in reading order), else from the start."""
    for origin in (cursor, 0):
        start = text.find(row[0][0], origin)
        end = text.find(row[-1][0], max(start, 0)) if start >= 0 else -1
        if start >= 0 and end >= 0:
            return (start, end + len(row[-1][0]))
    return (0, 0)
