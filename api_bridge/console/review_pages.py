"""The review queue: one open item at a time, keyboard-driven, with filters and counts."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse

from api_bridge.console.deps import FormDep, ReviewerUser, UserDep
from api_bridge.console.rendering import render
from api_bridge.deps import SessionDep
from api_bridge.services.page_images import crop_png
from preciso_dagster.core.appdb.models import Document, ReviewItem, ReviewStatus
from preciso_dagster.core.appdb.storable import DOCUMENT_FILTER_PATTERN, NO_NUL_PATTERN
from preciso_dagster.core.review.items import Decision, ReviewFilter, count_by, decide, list_items

router = APIRouter()

REASONS_SHOWN = 20
DOCUMENTS_SHOWN = 50
Kind = Literal["number", "unread_region"]
KIND_FILTER_PATTERN = r"^(number|unread_region)?$"


def _queue_url(document: str | None, reason: str | None, kind: str | None, position: int) -> str:
    query = {"document": document, "reason": reason, "kind": kind, "position": position}
    return "/ui/review?" + urlencode({k: v for k, v in query.items() if v not in (None, "")})


@router.get("/ui/review", response_class=HTMLResponse)
def review_queue(
    request: Request,
    session: SessionDep,
    user: UserDep,
    document: Annotated[str | None, Query(pattern=DOCUMENT_FILTER_PATTERN)] = None,
    reason: Annotated[str | None, Query(max_length=500, pattern=NO_NUL_PATTERN)] = None,
    kind: Annotated[Kind | None, Query()] = None,
    position: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    """The open item at `position` of the filtered queue, its crop, page and readings."""
    document, reason = document or None, reason or None
    queue = ReviewFilter(status=ReviewStatus.OPEN, document_id=document, reason=reason, kind=kind)
    items, total = list_items(session, queue, offset=position, limit=1)
    if not items and total:  # past the end after the last decisions: show the last one
        position = total - 1
        items, total = list_items(session, queue, offset=position, limit=1)
    item = items[0] if items else None
    source = session.get(Document, item.document_id) if item else None
    all_open = ReviewFilter(status=ReviewStatus.OPEN)
    context = {
        "item": item,
        "document": source,
        "total": total,
        "position": position,
        "filters": {"document": document, "reason": reason, "kind": kind},
        "open_count": sum(count_by(session, all_open, ReviewItem.kind).values()),
        "by_kind": count_by(
            session,
            ReviewFilter(status=ReviewStatus.OPEN, document_id=document, reason=reason),
            ReviewItem.kind,
        ),
        "reasons": list(count_by(session, all_open, ReviewItem.reason).items())[:REASONS_SHOWN],
        "documents": list(count_by(session, all_open, ReviewItem.document_id).items())[
            :DOCUMENTS_SHOWN
        ],
        "previous_url": _queue_url(document, reason, kind, position - 1) if position else None,
        "next_url": (
            _queue_url(document, reason, kind, position + 1) if position + 1 < total else None
        ),
    }
    return render(request, "review.html", user, 200, **context)


@router.post("/ui/review/{review_item_id}/decision")
def decide_item(
    review_item_id: int,
    session: SessionDep,
    user: ReviewerUser,
    _: FormDep,
    decision: Annotated[Decision, Form()],
    value: Annotated[str, Form(max_length=255, pattern=NO_NUL_PATTERN)] = "",
    position: Annotated[int, Form(ge=0, le=10_000_000)] = 0,
    document: Annotated[str, Form(pattern=DOCUMENT_FILTER_PATTERN)] = "",
    reason: Annotated[str, Form(max_length=500, pattern=NO_NUL_PATTERN)] = "",
    kind: Annotated[str, Form(pattern=KIND_FILTER_PATTERN)] = "",
) -> Response:
    """Approve, reject or correct the item (audited), then show the next one in the queue."""
    decide(session, review_item_id, decision, value.strip() or None, user.principal.name)
    session.commit()
    back = _queue_url(document or None, reason or None, kind or None, position)
    return RedirectResponse(back, status.HTTP_303_SEE_OTHER)


@router.get("/ui/review-items/{review_item_id}/crop.png")
def review_crop(review_item_id: int, request: Request, session: SessionDep, _: UserDep) -> Response:
    """The item's crop, for the signed-in console (the API serves it to bearer tokens)."""
    return Response(
        crop_png(session, review_item_id), media_type="image/png", headers=PRIVATE_CACHE
    )


PRIVATE_CACHE = {"Cache-Control": "private, max-age=300"}
