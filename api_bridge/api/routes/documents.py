"""Documents: upload one, read one with per-page provenance."""

import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool

from api_bridge.deps import DocumentIdPath, OperatorDep, SessionDep, SettingsDep, ViewerDep
from api_bridge.schemas import DocumentPublic, DocumentSubmitted, Problem
from api_bridge.services.documents import export_response, get_document, submit_document
from api_bridge.services.page_images import page_png
from preciso_dagster.core.appdb.models import JobStatus
from preciso_dagster.core.extraction.storage import DocumentStore
from preciso_dagster.core.review.export import MEDIA_TYPES, ExportFormat

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])

READ_CHUNK_BYTES = 1024 * 1024
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DocumentSubmitted,
    responses={413: {"model": Problem}, 422: {"model": Problem}},
)
async def upload_document(
    file: UploadFile,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: OperatorDep,
) -> DocumentSubmitted:
    """Store the file content-addressed and start its extraction; a re-upload gets the same ids."""
    content = bytearray()  # the body was bounded (and the token checked) by BodyLimitMiddleware
    while chunk := await file.read(READ_CHUNK_BYTES):
        content.extend(chunk)
        if len(content) > settings.max_upload_bytes:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, _too_large(settings))
    filename = file.filename or ""
    if _CONTROL_CHARACTERS.search(filename):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "the file name holds control characters"
        )
    assert settings.storage_dir is not None
    submitted = await run_in_threadpool(  # hashing, storing and the database: off the loop
        submit_document,
        session,
        DocumentStore(settings.storage_dir),
        content=bytes(content),
        filename=filename,
        requested_by=principal.name,
    )
    if submitted.job is not None and submitted.job.status == JobStatus.PENDING:
        request.app.state.outbox.wake()
    return DocumentSubmitted(
        document_id=submitted.document_id,
        job_id=submitted.job.job_id if submitted.job else None,
        status=submitted.status,
        duplicate=submitted.duplicate,
    )


@router.get("/{document_id}", response_model=DocumentPublic)
def read_document(document_id: DocumentIdPath, session: SessionDep, _: ViewerDep) -> DocumentPublic:
    """The document, its status and every page with engine, attempts, confidence and timings."""
    return DocumentPublic.model_validate(get_document(session, document_id))


@router.get(
    "/{document_id}/pages/{page_index}/image",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The page, as a PNG"}},
)
def read_page_image(
    document_id: DocumentIdPath,
    page_index: Annotated[int, Path(ge=0, le=100_000)],
    session: SessionDep,
    settings: SettingsDep,
    _: ViewerDep,
) -> Response:
    """The page as extraction saw it, upright: OCR number boxes are in its pixels."""
    assert settings.storage_dir is not None
    document = get_document(session, document_id)
    store = DocumentStore(settings.storage_dir)
    return Response(page_png(document, store, page_index, settings.ocr_dpi), media_type="image/png")


@router.get(
    "/{document_id}/export",
    response_class=Response,
    responses={
        200: {"content": {media: {} for media in MEDIA_TYPES.values()}},
        409: {"model": Problem, "description": "Review is still open, or there are no pages"},
    },
)
def export_document(
    document_id: DocumentIdPath,
    session: SessionDep,
    _: ViewerDep,
    format: Annotated[ExportFormat, Query()] = "json",
) -> Response:
    """Confirmed pages and line items: each number's value, state (verified, confirmed,
    corrected) and provenance (page, box). Refused with 409 while review is open."""
    return export_response(session, document_id, format)


def _too_large(settings: SettingsDep) -> str:
    return f"upload is larger than the limit of {settings.max_upload_bytes} bytes"
