"""Review items: the numbers waiting for a person, and their decisions."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from api_bridge.deps import ReviewerDep, SessionDep, ViewerDep
from api_bridge.schemas import ReviewDecisionCreate, ReviewItemPublic, ReviewItemsPublic
from api_bridge.services.page_images import crop_png
from preciso_dagster.core.appdb.models import ReviewStatus
from preciso_dagster.core.appdb.storable import MAX_ROW_ID, StorableText
from preciso_dagster.core.review.items import ReviewFilter, decide, list_items

router = APIRouter(prefix="/api/v1/review-items", tags=["review"])


@router.get("", response_model=ReviewItemsPublic)
def read_review_items(
    session: SessionDep,
    _: ViewerDep,
    status: Annotated[ReviewStatus | None, Query()] = None,
    document_id: Annotated[StorableText | None, Query(max_length=64)] = None,
    reason: Annotated[StorableText | None, Query(max_length=500)] = None,
    kind: Annotated[Literal["number", "unread_region"] | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ReviewItemsPublic:
    """Review items, oldest first, filtered by status, document, reason and kind."""
    review_filter = ReviewFilter(status=status, document_id=document_id, reason=reason, kind=kind)
    items, total = list_items(session, review_filter, offset=offset, limit=limit)
    return ReviewItemsPublic(
        items=[ReviewItemPublic.of(i) for i in items],
        total=total,
        offset=offset,
        limit=limit,
    )


@router.post("/{review_item_id}/decision", response_model=ReviewItemPublic)
def decide_review_item(
    review_item_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    body: ReviewDecisionCreate,
    session: SessionDep,
    principal: ReviewerDep,
) -> ReviewItemPublic:
    """Approve, reject or correct one item; audited with who, when, and the value before/after."""
    item = decide(session, review_item_id, body.decision, body.value, principal.name)
    session.commit()
    return ReviewItemPublic.of(item)


@router.get(
    "/{review_item_id}/crop",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The crop, as a PNG"}},
)
def read_review_crop(
    review_item_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)], session: SessionDep, _: ViewerDep
) -> Response:
    """The item's crop: the number (or unread region) as the page shows it."""
    return Response(crop_png(session, review_item_id), media_type="image/png")
