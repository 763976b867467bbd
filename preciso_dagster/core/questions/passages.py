"""Passages: a few consecutive lines of a confirmed page, the unit that search finds and an
answer cites. Each keeps its provenance (document, page, line range, a box per line) and the
numbers and line items it holds, each with its verification state. Pure and deterministic."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from preciso_dagster.core.boxes import union_of
from preciso_dagster.core.pages import (
    Box,
    NumberRecord,
    NumberState,
    PageRecord,
    Record,
    word_spans,
)
from preciso_dagster.core.review.overlay import SETTLED_STATES
from preciso_dagster.core.training.line_items import LineItem, page_line_items, visual_rows

PASSAGE_LINES = 5  # non-empty lines per passage: a table row with its neighbours, a paragraph


class PassageNumber(Record):
    raw: str
    value: str | None  # an exact decimal as text; None for a merged or ambiguous token
    state: NumberState
    box: Box | None = None

    @property
    def verified(self) -> bool:
        """Verified by the engines, or confirmed or corrected by a reviewer."""
        return self.state in SETTLED_STATES


class PassageAmount(Record):
    header: str | None  # the column's heading (a fiscal year), when the table has one
    amount: str
    raw: str
    state: NumberState

    @property
    def verified(self) -> bool:
        return self.state in SETTLED_STATES


class PassageLineItem(Record):
    label: str
    amounts: list[PassageAmount]


class Passage(Record):
    document_id: str
    page_index: int
    line_start: int  # 0-based lines of the page text, both ends included
    line_end: int
    text: str
    boxes: list[Box]  # one per line that has positioned words
    numbers: list[PassageNumber]
    line_items: list[PassageLineItem]


def passages_of(document_id: str, pages: list[PageRecord]) -> list[Passage]:
    """Every page's lines in passages of up to PASSAGE_LINES lines.

    A page with word positions is read in visual rows (a table row is one line, however its
    text layer orders the cells); a page without them, line by line. Lines are counted from 0
    over the page's non-empty lines."""
    return [passage for page in pages for passage in _page_passages(document_id, page)]


@dataclass(frozen=True)
class _Line:
    text: str
    spans: tuple[tuple[int, int], ...]  # where its words stand in the page text
    box: Box | None

    def holds(self, offset: int) -> bool:
        return any(start <= offset < end for start, end in self.spans)


def _page_passages(document_id: str, page: PageRecord) -> Iterator[Passage]:
    lines = _lines(page)
    items = page_line_items(page)
    for start in range(0, len(lines), PASSAGE_LINES):
        chunk = lines[start : start + PASSAGE_LINES]

        def held(offset: int, chunk: list[_Line] = chunk) -> bool:
            return any(line.holds(offset) for line in chunk)

        yield Passage(
            document_id=document_id,
            page_index=page.index,
            line_start=start,
            line_end=start + len(chunk) - 1,
            text="\n".join(line.text for line in chunk),
            boxes=[line.box for line in chunk if line.box is not None],
            numbers=[_passage_number(n) for n in _numbers(page) if n.span and held(n.span[0])],
            line_items=[_passage_item(item, page.numbers) for item in items if held(item.span[0])],
        )


def _numbers(page: PageRecord) -> list[NumberRecord]:
    """The page's numbers that stand in its text (unread regions have no place in it)."""
    return [n for n in page.numbers if n.kind == "number" and n.span]


def _lines(page: PageRecord) -> list[_Line]:
    """Visual rows of the positioned words, when every number of the text stands in one of
    them; otherwise the non-empty lines of the text."""
    if page.words:
        rows = _word_rows(page)
        if all(any(row.holds(n.span[0]) for row in rows) for n in _numbers(page) if n.span):
            return rows
    lines, offset = [], 0
    for line in page.text.split("\n"):
        if line.strip():
            lines.append(_Line(line, ((offset, offset + len(line)),), None))
        offset += len(line) + 1
    return lines


def _word_rows(page: PageRecord) -> list[_Line]:
    """Each positioned word found, in reading order, in the page text; grouped in rows."""
    spans = word_spans(page.text, [word.text for word in page.words])
    placed = [
        (word.text, word.box, span)
        for word, span in zip(page.words, spans, strict=True)
        if span is not None
    ]
    return [
        _Line(
            " ".join(text for text, _, _ in row),
            tuple(span for _, _, span in row),
            union_of([box for _, box, _ in row]),
        )
        for row in visual_rows(placed, lambda word: word[1])
    ]


def _state(number: NumberRecord) -> NumberState:
    return number.state or ("verified" if number.verified else "open")


def _passage_number(number: NumberRecord) -> PassageNumber:
    return PassageNumber(raw=number.raw, value=number.value, state=_state(number), box=number.box)


def _passage_item(item: LineItem, numbers: list[NumberRecord]) -> PassageLineItem:
    """The line item with each amount's state: that of the page's number read at the same
    place with the same value; an amount no number accounts for is `open`."""
    within = [n for n in numbers if n.span and item.span[0] <= n.span[0] < item.span[1]]
    amounts = []
    for cell in item.columns:
        match = next((n for n in within if _decimal(n.value) == cell.amount), None)
        amounts.append(
            PassageAmount(
                header=cell.header,
                amount=str(cell.amount),
                raw=cell.raw,
                state=_state(match) if match else "open",
            )
        )
    return PassageLineItem(label=item.label, amounts=amounts)


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None
