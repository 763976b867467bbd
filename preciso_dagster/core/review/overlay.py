"""Reviewers' decisions as an overlay on extracted pages: the original extraction never changes.

`confirmed_pages` gives each number a `state`:
- `verified`: the text layer, or two OCR engines that agree;
- `confirmed`: a reviewer approved the reading;
- `corrected`: a reviewer gave the value; the page text and words carry it from then on;
- `rejected`: a reviewer rejected it (the document never reaches training);
- `open`: nobody has decided yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from preciso_dagster.core.appdb.models import ReviewItem, ReviewStatus
from preciso_dagster.core.errors import InvalidRequestError
from preciso_dagster.core.numeric.numbers import NumberKind, extract_numbers
from preciso_dagster.core.pages import NumberRecord, NumberState, PageRecord, WordRecord

STATE_FOR_STATUS: dict[ReviewStatus, NumberState] = {
    ReviewStatus.OPEN: "open",
    ReviewStatus.APPROVED: "confirmed",
    ReviewStatus.CORRECTED: "corrected",
    ReviewStatus.REJECTED: "rejected",
}
SETTLED_STATES: frozenset[NumberState | None] = frozenset({"verified", "confirmed", "corrected"})


@dataclass(frozen=True)
class Decision:
    """A review item as the overlay needs it: where it is, what was read and what was decided."""

    page_index: int
    kind: str
    raw: str
    box: tuple[float, ...] | None
    status: ReviewStatus
    value: str | None

    @classmethod
    def of(cls, item: ReviewItem) -> Decision:
        box = tuple(item.box) if item.box else None
        return cls(item.page_index, item.kind, item.raw, box, item.status, item.value)


def decisions_for(session: Session, document_id: str) -> list[Decision]:
    items = session.scalars(
        select(ReviewItem)
        .where(ReviewItem.document_id == document_id)
        .order_by(ReviewItem.review_item_id)
    )
    return [Decision.of(item) for item in items]


def corrected_number(value: str) -> str:
    """The reviewer's value as one number of the page ("1,234.50", "(56)"), or 422."""
    tokens = [t for t in extract_numbers(value.strip()) if t.kind != NumberKind.IDENTIFIER]
    if len(tokens) != 1 or tokens[0].value is None or tokens[0].raw != value.strip():
        raise InvalidRequestError(
            f"{value!r} is not one number as the page writes it (for example 1,234.50)"
        )
    return value.strip()


def confirmed_pages(pages: list[PageRecord], decisions: list[Decision]) -> list[PageRecord]:
    """Copies of `pages` with every number's state, and corrected values in text and words."""
    by_place = {(d.page_index, d.raw, d.box): d for d in decisions}
    confirmed = []
    for original in pages:
        page = original.model_copy(deep=True)
        corrections = []
        for number in page.numbers:
            decision = (
                None if number.verified else by_place.get((page.index, number.raw, number.box))
            )
            if number.verified:
                number.state = "verified"
            elif decision is None:
                number.state = "open"
            else:
                number.state = STATE_FOR_STATUS[decision.status]
            corrects_text = number.kind == "number"
            if number.state == "corrected" and decision and decision.value and corrects_text:
                number.read_as, number.raw = number.raw, decision.value
                number.value = _value_of(decision.value)
                corrections.append(number)
        _correct_text(page, corrections)
        _correct_words(page, corrections)
        page.settled = all(n.state in SETTLED_STATES for n in page.numbers)
        confirmed.append(page)
    return confirmed


def _value_of(raw: str) -> str | None:
    tokens = extract_numbers(raw)
    return str(tokens[0].value) if tokens and tokens[0].value is not None else None


def _correct_text(page: PageRecord, corrections: list[NumberRecord]) -> None:
    """Put each corrected value where the misread stood, last span first so spans stay valid."""
    text = page.text
    placed = [(n.span, n.read_as, n.raw) for n in corrections if n.span and n.read_as]
    for (start, end), read_as, raw in sorted(placed, reverse=True):
        if text[start:end] != read_as:  # the span went stale: the first occurrence
            start = text.find(read_as)
            end = start + len(read_as)
        if start >= 0:
            text = text[:start] + raw + text[end:]
    page.text = text


def _correct_words(page: PageRecord, corrections: list[NumberRecord]) -> None:
    """Words whose centre lies in a corrected number's box become one word: the value."""
    words = page.words
    for number in corrections:
        if not number.box or not words:
            continue
        x0, y0, x1, y1 = number.box
        inside = [
            i
            for i, word in enumerate(words)
            if x0 <= (word.box[0] + word.box[2]) / 2 <= x1
            and y0 <= (word.box[1] + word.box[3]) / 2 <= y1
        ]
        replacement = WordRecord(text=number.raw, box=number.box)
        at = inside[0] if inside else len(words)
        words = [w for i, w in enumerate(words) if i not in inside]
        words.insert(min(at, len(words)), replacement)
    page.words = words
