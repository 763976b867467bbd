"""Per-document outcomes of runs, and a job's rollup over the documents it covers."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from preciso_dagster.core.appdb.models import (
    Document,
    DocumentOutcome,
    DocumentStatus,
    JobStatus,
    PipelineJob,
    RunDocument,
)
from preciso_dagster.core.tracking.jobs import (
    RUN_STATUS_TO_JOB_STATUS,
    RunObservation,
    attached_run_ids,
)
from preciso_dagster.core.tracking.run_tags import PARTITION_TAG


def record_outcome(
    session: Session,
    run_id: str,
    document_id: str,
    outcome: DocumentOutcome,
    reason: str | None,
) -> None:
    """What `run_id` did with `document_id`; a retry of the same run overwrites it."""
    session.merge(
        RunDocument(run_id=run_id, document_id=document_id, outcome=outcome, reason=reason)
    )


def record_partition_outcome(session: Session, run: RunObservation) -> None:
    """The outcome of a finished run over one document partition (backfills are made of these):
    needs_review when the document waits for a person, else the run's success or failure."""
    document_id = run.tags.get(PARTITION_TAG)
    status = RUN_STATUS_TO_JOB_STATUS.get(run.status)
    if document_id is None or status is None or not status.is_terminal:
        return
    document = session.get(Document, document_id)
    if document is None:
        return
    if document.status == DocumentStatus.NEEDS_REVIEW:
        outcome, reason = DocumentOutcome.NEEDS_REVIEW, None
    elif status == JobStatus.SUCCEEDED:
        outcome, reason = DocumentOutcome.SUCCEEDED, None
    else:
        outcome, reason = DocumentOutcome.FAILED, run.error or status.value
    session.merge(
        RunDocument(run_id=run.run_id, document_id=document_id, outcome=outcome, reason=reason)
    )


def document_rollup(session: Session, job: PipelineJob) -> dict[str, Any] | None:
    """Documents total, succeeded, failed and needs_review over every attempt of the job.

    Each document counts once, with its outcome in the latest attempt that reached it, so
    the counts stay right through retries and re-executions. None for jobs without documents.
    """
    run_ids = attached_run_ids(session, job)
    rows = session.scalars(
        select(RunDocument)
        .where(RunDocument.run_id.in_(run_ids))
        .order_by(RunDocument.updated_at, RunDocument.run_id)
    ).all()
    expected = int(job.params.get("documents") or len(job.params.get("document_ids", ())))
    if not rows and not expected:
        return None
    latest = {row.document_id: row.outcome for row in rows}
    counts = Counter(latest.values())
    total = max(expected, len(latest))
    return {
        "total": total,
        **{outcome.value: counts.get(outcome.value, 0) for outcome in DocumentOutcome},
        "pending": total - len(latest),
    }
