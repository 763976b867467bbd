"""Uploads: store the original, register the document, and start its extraction once."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api_bridge.services.jobs import INTERNAL_KEY_PREFIX, submit_job
from preciso_dagster.core.appdb.models import Document, DocumentStatus, PipelineJob
from preciso_dagster.core.errors import BadDocumentError, NotFoundError
from preciso_dagster.core.extraction.registration import register_document
from preciso_dagster.core.extraction.storage import DocumentStore
from preciso_dagster.core.review.export import (
    MEDIA_TYPES,
    ExportFormat,
    document_export,
    render_export,
)


@dataclass(frozen=True)
class SubmittedDocument:
    document_id: str
    job: PipelineJob | None
    status: DocumentStatus
    duplicate: bool


def extraction_key(document_id: str) -> str:
    """The idempotency key of a document's first extraction job, so a re-upload finds it.
    Internal keys have a prefix no caller's key can have (see `caller_key`)."""
    return f"{INTERNAL_KEY_PREFIX}extract:{document_id}"


def submit_document(
    session: Session,
    store: DocumentStore,
    *,
    content: bytes,
    filename: str,
    requested_by: str,
) -> SubmittedDocument:
    """Store and register `content`, then submit its extraction; the same bytes reuse both."""
    registration = register_document(session, store, content, filename)
    session.commit()
    if registration.status == DocumentStatus.FAILED:
        raise BadDocumentError(
            f"{registration.failure_reason} (kept as {registration.document_id}, status failed)"
        )
    if not registration.is_new:
        existing = session.scalar(
            select(PipelineJob).where(
                PipelineJob.idempotency_key == extraction_key(registration.document_id)
            )
        )
        if existing is not None:
            return SubmittedDocument(registration.document_id, existing, registration.status, True)
    job, _ = submit_job(
        session,
        job_type="ocr_extraction",
        params={"document_id": registration.document_id},
        requested_by=requested_by,
        idempotency_key=extraction_key(registration.document_id),
    )
    return SubmittedDocument(
        registration.document_id, job, registration.status, not registration.is_new
    )


def get_document(session: Session, document_id: str) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"document {document_id} not found")
    return document


def export_response(session: Session, document_id: str, export_format: ExportFormat) -> Response:
    """The settled document's export as a download (ConflictError while review is open)."""
    content = render_export(document_export(session, document_id), export_format)
    return Response(
        content,
        media_type=MEDIA_TYPES[export_format],
        headers={"Content-Disposition": f'attachment; filename="{document_id}.{export_format}"'},
    )
