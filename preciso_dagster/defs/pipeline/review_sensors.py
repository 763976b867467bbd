"""`review_settled_sensor`: when a document's last open item is decided, its pipeline goes on."""

import dagster as dg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from preciso_dagster.core.appdb.models import (
    Document,
    DocumentStatus,
    JobStatus,
    PipelineJob,
    ReviewDecision,
    ReviewItem,
)
from preciso_dagster.core.tracking.jobs import document_of
from preciso_dagster.core.tracking.run_tags import JOB_ID_TAG, QUEUE_TAG
from preciso_dagster.defs.appdb import AppDatabaseResource
from preciso_dagster.defs.ingest.partitions import documents_partitions
from preciso_dagster.defs.pipeline.steps import DOCUMENT_ASSETS

review_continuation_job = dg.define_asset_job(
    name="review_continuation_job",
    description="After review settles: confirmed pages, normalised text and line items.",
    selection=dg.AssetSelection.assets(*DOCUMENT_ASSETS[1:]),  # all but the extraction
    partitions_def=documents_partitions,
    tags={QUEUE_TAG: "ocr"},
)


@dg.sensor(
    job=review_continuation_job,
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def review_settled_sensor(
    context: dg.SensorEvaluationContext, app_db: AppDatabaseResource
) -> dg.SensorResult | dg.SkipReason:
    """Request the downstream assets of each document approved since the last tick.

    The run key is the document and its last decision, so a document continues once per
    settlement. The run carries the job id of the extraction job that stopped for review, so
    that job moves on as a new attempt; a rejected document does not continue.
    """
    seen = int(context.cursor or 0)
    with app_db.session() as session:
        latest = session.scalar(select(func.max(ReviewDecision.decision_id))) or 0
        if latest <= seen:
            return dg.SkipReason("no new review decisions")
        settled = session.execute(
            select(ReviewItem.document_id, func.max(ReviewDecision.decision_id))
            .join(ReviewDecision, ReviewDecision.review_item_id == ReviewItem.review_item_id)
            .join(Document, Document.document_id == ReviewItem.document_id)
            .where(ReviewDecision.decision_id > seen, Document.status == DocumentStatus.APPROVED)
            .group_by(ReviewItem.document_id)
        ).all()
        waiting = _jobs_waiting_for_review(session)
    requests = [
        dg.RunRequest(
            partition_key=document_id,
            run_key=f"review-settled:{document_id}:{last_decision}",
            tags={JOB_ID_TAG: waiting[document_id]} if document_id in waiting else {},
        )
        for document_id, last_decision in settled
    ]
    context.log.info(f"{len(requests)} documents settled by review continue")
    return dg.SensorResult(run_requests=requests, cursor=str(latest))


def _jobs_waiting_for_review(session: Session) -> dict[str, str]:
    """document id -> the newest job that ended needs_review for it."""
    jobs = session.scalars(
        select(PipelineJob)
        .where(PipelineJob.status == JobStatus.NEEDS_REVIEW)
        .order_by(PipelineJob.created_at)
    )
    waiting = {}
    for job in jobs:
        if document_id := document_of(job):
            waiting[document_id] = str(job.job_id)
    return waiting
