"""Documents: the list by status, and a page viewer with boxes, text, provenance and items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from api_bridge.console.deps import UserDep
from api_bridge.console.rendering import PAGE_SIZE, Pager, render
from api_bridge.console.review_pages import PRIVATE_CACHE
from api_bridge.deps import DocumentIdPath, SessionDep
from api_bridge.services.documents import export_response
from api_bridge.services.page_images import annotated_page_png
from preciso_dagster.core.appdb.models import Document, DocumentStatus, ReviewItem, ReviewStatus
from preciso_dagster.core.errors import NotFoundError
from preciso_dagster.core.extraction.formats import IMAGE_FORMATS
from preciso_dagster.core.extraction.storage import DocumentStore
from preciso_dagster.core.review.export import ExportFormat

router = APIRouter()


@router.get("/ui/documents", response_class=HTMLResponse)
def documents_list(
    request: Request,
    session: SessionDep,
    user: UserDep,
    status: Annotated[DocumentStatus | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    """Documents, newest first, with their status and open review items."""
    query = select(Document)
    if status is not None:
        query = query.where(Document.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    documents = session.scalars(
        query.order_by(Document.created_at.desc(), Document.document_id)
        .offset(offset)
        .limit(PAGE_SIZE)
    ).all()
    open_items = dict(
        session.execute(
            select(ReviewItem.document_id, func.count())
            .where(
                ReviewItem.status == ReviewStatus.OPEN,
                ReviewItem.document_id.in_([d.document_id for d in documents]),
            )
            .group_by(ReviewItem.document_id)
        ).all()
    )
    return render(
        request,
        "documents.html",
        user,
        documents=documents,
        open_items=open_items,
        status=status,
        statuses=list(DocumentStatus),
        page=Pager(offset, PAGE_SIZE, total, {"status": status}),
    )


@router.get("/ui/documents/{document_id}", response_class=HTMLResponse)
def document_viewer(
    document_id: DocumentIdPath,
    request: Request,
    session: SessionDep,
    user: UserDep,
    page: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> HTMLResponse:
    """One page: the image with verified (green) and unverified (red) boxes, text, engines."""
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"document {document_id} not found")
    pages = document.pages or []
    current = pages[page] if page < len(pages) else None
    items = session.scalars(
        select(ReviewItem)
        .where(ReviewItem.document_id == document_id, ReviewItem.page_index == page)
        .order_by(ReviewItem.review_item_id)
    ).all()
    return render(
        request,
        "document.html",
        user,
        document=document,
        page_index=page,
        page=current,
        page_count=len(pages),
        items=items,
        has_image=document.detected_format in ("pdf", *IMAGE_FORMATS),
    )


@router.get("/ui/documents/{document_id}/pages/{page_index}.png")
def page_image(
    document_id: DocumentIdPath,
    page_index: int,
    request: Request,
    session: SessionDep,
    _: UserDep,
    highlight: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The page with its number boxes coloured; `highlight` outlines one review item's box."""
    settings = request.app.state.settings
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"document {document_id} not found")
    if not 0 <= page_index < len(document.pages or []):
        raise NotFoundError(f"document {document_id} has no page {page_index}")
    item = session.get(ReviewItem, highlight) if highlight else None
    box = item.box if item is not None and item.document_id == document_id else None
    png = annotated_page_png(
        document, DocumentStore(settings.storage_dir), page_index, settings.ocr_dpi, box
    )
    return Response(png, media_type="image/png", headers=PRIVATE_CACHE)


@router.get("/ui/documents/{document_id}/export.{export_format}")
def export_download(
    document_id: DocumentIdPath,
    export_format: ExportFormat,
    request: Request,
    session: SessionDep,
    _: UserDep,
) -> Response:
    """The settled document's export, as the API gives it (409 page while review is open)."""
    return export_response(session, document_id, export_format)
