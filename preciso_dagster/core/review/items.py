"""Creating review items from extracted pages and recording reviewers' decisions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from preciso_dagster.core.appdb.models import (
    Document,
    DocumentStatus,
    ReviewDecision,
    ReviewItem,
    ReviewStatus,
)
from preciso_dagster.core.errors import ConflictError, InvalidRequestError, NotFoundError
from preciso_dagster.core.pages import PageRecord
from preciso_dagster.core.review.overlay import corrected_number

Decision = Literal["approve", "reject", "correct"]
STATUS_FOR_DECISION = {
    "approve": ReviewStatus.APPROVED,
    "reject": ReviewStatus.REJECTED,
    "correct": ReviewStatus.CORRECTED,
}


def replace_open_items(
    session: Session,
    document_id: str,
    pages: list[PageRecord],
    save_crop: Callable[[int, int], str | None],
) -> int:
    """Open one item per unverified number or unread region; a re-extraction replaces the
    still-open ones."""
    session.execute(
        delete(ReviewItem).where(
            ReviewItem.document_id == document_id, ReviewItem.status == ReviewStatus.OPEN
        )
    )
    created = 0
    for page in pages:
        for position, number in enumerate(page.review_items):
            session.add(
                ReviewItem(
                    document_id=document_id,
                    page_index=page.index,
                    kind=number.kind,
                    box=list(number.box) if number.box else None,
                    raw=number.raw[:255],
                    readings=number.readings,
                    reason=number.reason or "unverified",
                    crop_path=save_crop(page.index, position),
                    value=number.value,
                )
            )
            created += 1
    return created


@dataclass(frozen=True)
class ReviewFilter:
    """Which items a queue shows: by status, document, reason and kind (all optional)."""

    status: ReviewStatus | None = None
    document_id: str | None = None
    reason: str | None = None
    kind: str | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        for column, wanted in (
            (ReviewItem.status, self.status),
            (ReviewItem.document_id, self.document_id),
            (ReviewItem.reason, self.reason),
            (ReviewItem.kind, self.kind),
        ):
            if wanted is not None:
                query = query.where(column == wanted)
        return query


def list_items(
    session: Session, review_filter: ReviewFilter, *, offset: int, limit: int
) -> tuple[list[ReviewItem], int]:
    """A page of items, oldest first, and how many match the filter."""
    query = review_filter.apply(select(ReviewItem))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(ReviewItem.review_item_id).offset(offset).limit(limit)
    ).all()
    return list(items), total


def count_by(session: Session, review_filter: ReviewFilter, column: Any) -> dict[str, int]:
    """Matching items counted per value of `column` (kind, reason, ...), largest first."""
    query = review_filter.apply(select(column, func.count()).group_by(column))
    rows = session.execute(query.order_by(func.count().desc(), column)).all()
    return {str(value): count for value, count in rows}


def decide(
    session: Session, item_id: int, decision: Decision, value: str | None, decided_by: str
) -> ReviewItem:
    """Record a decision (audited) and settle the document once none of its items is open."""
    item = session.get(ReviewItem, item_id, with_for_update=True)
    if item is None:
        raise NotFoundError(f"review item {item_id} not found")
    if item.status != ReviewStatus.OPEN:
        raise ConflictError(f"review item {item_id} was already decided ({item.status})")
    if decision == "correct" and not value:
        raise InvalidRequestError("a correction needs the correct value")
    if decision == "correct" and item.kind == "number":
        value = corrected_number(value or "")
    before = item.value
    item.status = STATUS_FOR_DECISION[decision]
    if decision == "correct":
        item.value = value
    session.add(
        ReviewDecision(
            review_item_id=item_id,
            decision=decision,
            decided_by=decided_by,
            value_before=before,
            value_after=item.value,
        )
    )
    session.flush()
    _settle_document(session, item.document_id)
    return item


def _settle_document(session: Session, document_id: str) -> None:
    statuses = set(
        session.scalars(select(ReviewItem.status).where(ReviewItem.document_id == document_id))
    )
    document = session.get(Document, document_id)
    if document is None or ReviewStatus.OPEN in statuses:
        return
    document.status = (
        DocumentStatus.REJECTED if ReviewStatus.REJECTED in statuses else DocumentStatus.APPROVED
    )
