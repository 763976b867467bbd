"""Creating pipeline jobs and moving them through their statuses, with an event for every change."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from preciso_dagster.core.appdb.models import (
    JobSource,
    JobStatus,
    PipelineJob,
    PipelineJobEvent,
    utcnow,
)
from preciso_dagster.core.errors import NotFoundError
from preciso_dagster.core.tracking.error_wording import NEEDS_REVIEW_CHECK, plain_error
from preciso_dagster.core.tracking.run_tags import (
    BACKFILL_TAG,
    DOCUMENTS_TAG,
    JOB_ID_TAG,
    PARTITION_TAG,
    ROOT_RUN_TAG,
    source_from_tags,
)
from preciso_dagster.core.tracking.submissions import job_type_for

# Dagster run statuses (DagsterRunStatus values) and the job status each one means.
RUN_STATUS_TO_JOB_STATUS: dict[str, JobStatus] = {
    "NOT_STARTED": JobStatus.QUEUED,
    "QUEUED": JobStatus.QUEUED,
    "STARTING": JobStatus.RUNNING,
    "STARTED": JobStatus.RUNNING,
    "CANCELING": JobStatus.RUNNING,
    "SUCCESS": JobStatus.SUCCEEDED,
    "FAILURE": JobStatus.FAILED,
    "CANCELED": JobStatus.CANCELED,
}


@dataclass(frozen=True)
class RunObservation:
    """What the mirror needs to know about one Dagster run."""

    run_id: str
    job_name: str
    status: str
    tags: Mapping[str, str] = field(default_factory=dict)
    start_time: datetime | None = None
    end_time: datetime | None = None
    error: str | None = None
    retries_exhausted: bool = False
    # For runs of a backfill launched in Dagster: where the whole backfill stands.
    backfill: BackfillProgress | None = None


@dataclass(frozen=True)
class BackfillProgress:
    """A Dagster backfill as one job: its status over the latest run of every partition."""

    backfill_id: str
    status: JobStatus
    partitions: int
    error: str | None = None
    run_ids: frozenset[str] = frozenset()  # every run of the backfill, retries included


def create_job(
    session: Session,
    *,
    job_type: str,
    params: dict[str, Any],
    source: JobSource,
    requested_by: str | None = None,
    idempotency_key: str | None = None,
    job_id: uuid.UUID | None = None,
) -> PipelineJob:
    """Record a new `pending` job and its first event."""
    job = PipelineJob(
        job_id=job_id or uuid.uuid4(),
        job_type=job_type,
        params=params,
        source=source,
        requested_by=requested_by,
        idempotency_key=idempotency_key,
        status=JobStatus.PENDING,
        attempts=0,
    )
    session.add(job)
    session.flush()
    _append_event(session, job, "created", status=JobStatus.PENDING)
    return job


def get_job(session: Session, job_id: uuid.UUID) -> PipelineJob:
    job = session.get(PipelineJob, job_id)
    if job is None:
        raise NotFoundError(f"job {job_id} not found")
    return job


def list_jobs(
    session: Session,
    *,
    status: JobStatus | None = None,
    job_type: str | None = None,
    source: JobSource | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[PipelineJob], int]:
    """A page of jobs, newest first, and the total matching the filters."""
    query = select(PipelineJob)
    for column, wanted in (
        (PipelineJob.status, status),
        (PipelineJob.job_type, job_type),
        (PipelineJob.source, source),
    ):
        if wanted is not None:
            query = query.where(column == wanted)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.order_by(PipelineJob.created_at.desc(), PipelineJob.job_id)
        .offset(offset)
        .limit(limit)
    ).all()
    return list(page), total


def attach_run(session: Session, job: PipelineJob, run_id: str) -> None:
    """Make `run_id` the job's current attempt."""
    if job.dagster_run_id == run_id:
        return
    job.dagster_run_id = run_id
    job.attempts += 1
    _append_event(session, job, "run_attached", dagster_run_id=run_id)


def set_status(
    session: Session,
    job: PipelineJob,
    status: JobStatus,
    *,
    error: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Move the job to `status`, stamping start and finish times; a no-op when nothing changes."""
    if job.status == status and (error is None or job.error == error):
        return
    now = utcnow()
    job.status = status
    if status == JobStatus.RUNNING and job.started_at is None:
        job.started_at = now
    if status.is_terminal:
        job.finished_at = now
        job.error = error
    else:
        job.finished_at = None
        job.error = None
    _append_event(
        session,
        job,
        "status",
        status=status,
        detail={**(detail or {}), **({"error": error} if error else {})},
    )


def mirror_run(session: Session, run: RunObservation) -> PipelineJob:
    """Bring the job behind `run` up to date, creating it for runs launched outside the API."""
    job = _job_for_run(session, run)
    if run.backfill is not None:
        return _mirror_backfill_run(session, job, run, run.backfill)
    if job.dagster_run_id != run.run_id and run.run_id in attached_run_ids(session, job):
        return job  # an earlier attempt; the job already follows a newer run
    attach_run(session, job, run.run_id)
    status = RUN_STATUS_TO_JOB_STATUS.get(run.status, JobStatus.RUNNING)
    if status == JobStatus.FAILED and _stopped_for_review(run):
        status = JobStatus.NEEDS_REVIEW
    elif status == JobStatus.FAILED and run.retries_exhausted:
        status = JobStatus.DEAD_LETTER
    if job.started_at is None and run.start_time:
        job.started_at = run.start_time  # a short run may go from queued to done between ticks
    detail: dict[str, Any] = {}
    if status.is_terminal and run.end_time is not None:
        # How long after the run ended this job learned of it: the mirror's lag.
        detail["mirror_lag_seconds"] = round((utcnow() - run.end_time).total_seconds(), 3)
    error = plain_error(run.error) if status.is_terminal else None
    if error != run.error and status.is_terminal:
        detail["library_error"] = run.error  # the library's words, for operators
    set_status(session, job, status, error=error, detail=detail)
    return job


def _stopped_for_review(run: RunObservation) -> bool:
    """The run over one document stopped at the numbers check: numbers wait for a reviewer.
    Judged from the run alone, so re-observing it after the review gives the same answer."""
    return PARTITION_TAG in run.tags and f"check {NEEDS_REVIEW_CHECK}:" in (run.error or "")


def _mirror_backfill_run(
    session: Session, job: PipelineJob, run: RunObservation, backfill: BackfillProgress
) -> PipelineJob:
    """Every run of a backfill is one more attempt of its job; the status is the backfill's."""
    if run.run_id not in attached_run_ids(session, job):
        attach_run(session, job, run.run_id)
    detail = None
    if backfill.status.is_terminal and run.end_time is not None:
        detail = {"mirror_lag_seconds": round((utcnow() - run.end_time).total_seconds(), 3)}
    apply_backfill_progress(session, job, backfill, detail)
    return job


def apply_backfill_progress(
    session: Session,
    job: PipelineJob,
    backfill: BackfillProgress,
    detail: dict[str, Any] | None = None,
) -> None:
    """Give a backfill's job the backfill's status, error and partition count."""
    if job.params.get("documents") != backfill.partitions:
        job.params = {**job.params, "documents": backfill.partitions}
    set_status(session, job, backfill.status, error=backfill.error, detail=detail)


def unfinished_backfill_jobs(session: Session) -> list[PipelineJob]:
    """Backfill jobs not yet finished: a backfill can end with no run changing (canceled
    before it launched every partition), so the mirror looks at these on every tick."""
    return list(
        session.scalars(
            select(PipelineJob).where(
                PipelineJob.source == JobSource.BACKFILL,
                PipelineJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
            )
        )
    )


def backfill_job_id(backfill_id: str) -> uuid.UUID:
    """One job per Dagster backfill, whichever of its runs the mirror sees first."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"dagster-backfill:{backfill_id}")


def job_id_of_run(run_id: str, tags: Mapping[str, str]) -> uuid.UUID:
    """The job a run belongs to, known from the run alone, so a step can name it without
    writing: its job tag (API, outbox), its backfill's job, or, for a run launched without
    one (a sensor's, the UI's), a job named after its first run, which its retries share."""
    if tagged_id := tags.get(JOB_ID_TAG):
        return uuid.UUID(tagged_id)
    if backfill_id := tags.get(BACKFILL_TAG):
        return backfill_job_id(backfill_id)
    return uuid.uuid5(uuid.NAMESPACE_URL, f"dagster-run:{tags.get(ROOT_RUN_TAG, run_id)}")


def _job_for_run(session: Session, run: RunObservation) -> PipelineJob:
    job_id = job_id_of_run(run.run_id, run.tags)
    job = session.get(PipelineJob, job_id)
    if job is None and JOB_ID_TAG not in run.tags and BACKFILL_TAG not in run.tags:
        # A job made before ids were derived from runs: found by the run or its first run.
        job = _job_with_attached_run(session, run.tags.get(ROOT_RUN_TAG, run.run_id))
    if job is not None:
        return job
    # Runs launched outside the API get their job here. A tag naming an unknown job (copied
    # by hand in the launchpad, say) keeps that id, so the run stays traceable by it.
    return create_job(
        session,
        job_type=job_type_for(run.job_name),
        params=_params_from_tags(run.tags),
        source=source_from_tags(run.tags),
        job_id=job_id,
    )


def _job_with_attached_run(session: Session, run_id: str) -> PipelineJob | None:
    return session.scalar(
        select(PipelineJob)
        .join(PipelineJobEvent, PipelineJobEvent.job_id == PipelineJob.job_id)
        .where(PipelineJobEvent.kind == "run_attached", PipelineJobEvent.dagster_run_id == run_id)
        .limit(1)
    )


def attached_run_ids(session: Session, job: PipelineJob) -> set[str]:
    return set(
        session.scalars(
            select(PipelineJobEvent.dagster_run_id).where(
                PipelineJobEvent.job_id == job.job_id, PipelineJobEvent.kind == "run_attached"
            )
        )
    )


def document_of(job: PipelineJob) -> str | None:
    """The document a job works on: the `document_id` the API was given, or the partition
    of a run launched outside the API (the inbox sensor's, the UI's)."""
    document_id = job.params.get("document_id") or job.params.get("partition_key")
    return str(document_id) if document_id else None


def _params_from_tags(tags: Mapping[str, str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if backfill_id := tags.get(BACKFILL_TAG):
        params["backfill_id"] = backfill_id
    elif partition := tags.get(PARTITION_TAG):
        params["partition_key"] = partition
    if documents := tags.get(DOCUMENTS_TAG):
        params["documents"] = int(documents)
    return params


def _append_event(
    session: Session,
    job: PipelineJob,
    kind: str,
    *,
    status: JobStatus | None = None,
    dagster_run_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        PipelineJobEvent(
            job_id=job.job_id,
            kind=kind,
            status=status,
            dagster_run_id=dagster_run_id or job.dagster_run_id,
            detail=detail or {},
        )
    )
