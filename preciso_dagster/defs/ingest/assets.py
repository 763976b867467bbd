"""The extraction asset: one document partition in, pages of text with provenance out."""

from collections import Counter
from typing import Any

import dagster as dg

from preciso_dagster.core.appdb.models import Document, DocumentStatus
from preciso_dagster.core.errors import BadDocumentError, NotFoundError
from preciso_dagster.core.extraction.extraction import ExtractedDocument
from preciso_dagster.core.pages import DocumentPages, PageRecord
from preciso_dagster.core.review.items import replace_open_items
from preciso_dagster.defs.appdb import AppDatabaseResource
from preciso_dagster.defs.ingest.outputs import DOCUMENT_OUTPUTS
from preciso_dagster.defs.ingest.partitions import documents_partitions
from preciso_dagster.defs.ingest.resources import DocumentStoreResource, ExtractionResource
from preciso_dagster.defs.retries import TRANSIENT_RETRY_POLICY

PROVENANCE_ROWS_SHOWN = 20


@dg.asset(
    partitions_def=documents_partitions,
    group_name="ingest",
    kinds={"python", "pdf", "ocr"},
    owners=["team:extraction"],
    retry_policy=TRANSIENT_RETRY_POLICY,
    code_version="1",
    io_manager_key=DOCUMENT_OUTPUTS,
)
def document_pages(
    context: dg.AssetExecutionContext,
    app_db: AppDatabaseResource,
    document_store: DocumentStoreResource,
    extraction: ExtractionResource,
) -> dg.Output[DocumentPages]:
    """Pages of text for one document, each with the engine used and every attempt's reason."""
    try:
        return extract_pages(app_db, document_store, extraction, context.partition_key)
    except (BadDocumentError, NotFoundError) as error:
        raise dg.Failure(
            description=f"{context.partition_key}: {error}",
            metadata={"document_id": context.partition_key, "reason": str(error)},
            allow_retries=False,
        ) from error


def extract_pages(
    app_db: AppDatabaseResource,
    document_store: DocumentStoreResource,
    extraction: ExtractionResource,
    document_id: str,
) -> dg.Output[DocumentPages]:
    """Extract a registered document and record the outcome; a bad one is marked failed.

    Raises BadDocumentError or NotFoundError (never worth a retry); transient engine errors
    propagate for the retry policy.
    """
    with app_db.session() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFoundError(f"document {document_id} is not registered")
        sha256, filename = document.sha256, document.filename
    try:
        content = document_store.store().read(sha256)
        extracted = extraction.extract(content, filename)
    except (BadDocumentError, NotFoundError) as error:
        record_failed_document(app_db, document_id, str(error))
        raise type(error)(f"{filename}: {error}") from error
    record = extracted.to_record()
    record_extracted_document(app_db, document_store, document_id, extracted, record.pages)
    return dg.Output(record, metadata=extraction_metadata(document_id, extracted))


def record_failed_document(app_db: AppDatabaseResource, document_id: str, reason: str) -> None:
    with app_db.session() as session:
        document = session.get(Document, document_id)
        if document is not None:
            document.status = DocumentStatus.FAILED
            document.failure_reason = reason


def record_extracted_document(
    app_db: AppDatabaseResource,
    document_store: DocumentStoreResource,
    document_id: str,
    extracted: ExtractedDocument,
    pages: list[PageRecord],
) -> None:
    """Save pages and status, and open a review item (with its crop) per unverified number."""
    store = document_store.store()

    def save_crop(page_index: int, position: int) -> str:
        png = extracted.pages[page_index].review_crops[position]
        return str(store.save_crop(document_id, f"p{page_index}-n{position}", png))

    with app_db.session() as session:
        document = session.get(Document, document_id)
        if document is None:
            return
        replace_open_items(session, document_id, pages, save_crop)
        document.pages = pages
        document.page_count = len(extracted.pages)
        document.detected_format = extracted.format
        document.format_mismatch = extracted.format_mismatch
        document.failure_reason = None
        document.status = (
            DocumentStatus.NEEDS_REVIEW if extracted.needs_review else DocumentStatus.EXTRACTED
        )


def extraction_metadata(document_id: str, extracted: ExtractedDocument) -> dict[str, Any]:
    """What an operator sees in the UI: counts, engines, and a per-page provenance table."""
    engines = Counter(page.engine or "none" for page in extracted.pages)
    rows = ["| page | engine | confidence | needs review | attempts |", "|---|---|---|---|---|"]
    for page in extracted.pages[:PROVENANCE_ROWS_SHOWN]:
        attempts = "; ".join(
            f"{a.engine}: {'accepted' if a.accepted else 'rejected'} ({a.reason})"
            for a in page.attempts
        )
        rows.append(
            f"| {page.index} | {page.engine} | {page.confidence} | {page.needs_review} | "
            f"{attempts.replace('|', '/')} |"
        )
    return {
        "document_id": document_id,
        "format": extracted.format,
        "format_mismatch": extracted.format_mismatch or "",
        "pages": len(extracted.pages),
        "pages_needing_review": sum(page.needs_review for page in extracted.pages),
        "engines": dict(engines),
        "seconds": round(sum(page.seconds for page in extracted.pages), 3),
        "provenance": dg.MetadataValue.md("\n".join(rows)),
    }
