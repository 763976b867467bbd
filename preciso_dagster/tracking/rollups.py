"""Per-document outcomes of runs, and a job's rollup over the documents it covers."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from preciso_dagster.appdb.models import DocumentOutcome, PipelineJob, RunDocument
from preciso_dagster.appdb.resource import AppDatabaseResource
from preciso_dagster.tracking.jobs import attached_run_ids


def record_outcome(
    app_db: AppDatabaseResource,
    run_id: str,
    document_id: str,
    outcome: DocumentOutcome,
    reason: str | None,
) -> None:
    """What `run_id` did with `document_id`; a retry of the same run overwrites it."""
    with app_db.session() as session:
        session.merge(
            RunDocument(run_id=run_id, document_id=document_id, outcome=outcome, reason=reason)
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
