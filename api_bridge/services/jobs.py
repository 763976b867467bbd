"""Recording, retrying and cancelling work; the outbox sends recorded jobs to Dagster."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api_bridge.dagster_gateway import DagsterGateway
from preciso_dagster.core.appdb.models import (
    Document,
    JobSource,
    JobStatus,
    PipelineJob,
    StoredQuery,
)
from preciso_dagster.core.errors import ConflictError, NotFoundError
from preciso_dagster.core.tracking.jobs import attach_run, create_job, set_status
from preciso_dagster.core.tracking.submissions import validated_params

log = structlog.get_logger(__name__)
INTERNAL_KEY_PREFIX = "internal|"


def caller_key(principal_name: str, key: str) -> str:
    """An `Idempotency-Key` in its caller's own namespace: two callers never share a key, and
    no caller can take a key the bridge uses itself."""
    return f"{principal_name}|{key}"


def submit_job(
    session: Session,
    *,
    job_type: str,
    params: dict[str, Any],
    requested_by: str,
    idempotency_key: str | None = None,
) -> tuple[PipelineJob, bool]:
    """Record a `pending` job; returns it and whether it was created now.

    Dagster is never on the request path: the outbox submits pending jobs (at once when woken)
    and is the only submitter, so a job can never be sent twice by two paths racing.
    """
    params = validated_params(job_type, params)  # unknown types, bad params: 4xx here
    _refuse_unknown_references(session, params)
    if idempotency_key:
        existing = _job_with_key(session, idempotency_key, job_type, params)
        if existing is not None:
            return existing, False
    try:
        job = create_job(
            session,
            job_type=job_type,
            params=params,
            source=JobSource.API,
            requested_by=requested_by,
            idempotency_key=idempotency_key,
        )
        session.commit()
    except IntegrityError:
        # A concurrent request with the same key committed first: answer with its job.
        session.rollback()
        existing = _job_with_key(session, idempotency_key or "", job_type, params)
        if existing is None:
            raise
        return existing, False
    log.info("job recorded", job_id=str(job.job_id), job_type=job_type)
    return job, True


def _refuse_unknown_references(session: Session, params: dict[str, Any]) -> None:
    """A job over documents that were never registered, or for a query never asked, would
    make runs of nothing: refused with 404."""
    if "query_id" in params and session.get(StoredQuery, uuid.UUID(params["query_id"])) is None:
        raise NotFoundError(f"unknown query: {params['query_id']}")
    wanted: set[str] = {
        str(document_id)
        for document_id in (*params.get("document_ids", ()), params.get("document_id"))
        if document_id is not None
    }
    if not wanted:
        return
    known = set(
        session.scalars(select(Document.document_id).where(Document.document_id.in_(wanted)))
    )
    if missing := sorted(wanted - known):
        raise NotFoundError(f"unknown documents: {', '.join(missing[:10])}")


def _job_with_key(
    session: Session, idempotency_key: str, job_type: str, params: dict[str, Any]
) -> PipelineJob | None:
    existing = session.scalar(
        select(PipelineJob).where(PipelineJob.idempotency_key == idempotency_key)
    )
    if existing is not None and (existing.job_type != job_type or existing.params != params):
        raise ConflictError("Idempotency-Key was already used with a different request body")
    return existing


def retry_job(session: Session, gateway: DagsterGateway, job: PipelineJob) -> PipelineJob:
    """Re-execute the job's latest run from failure; the new run is a new attempt of the job."""
    if job.status not in (JobStatus.FAILED, JobStatus.DEAD_LETTER, JobStatus.CANCELED):
        raise ConflictError(
            f"only failed, dead-lettered or canceled jobs retry (it is {job.status})"
        )
    if job.dagster_run_id is None:
        raise ConflictError("the job never reached Dagster; nothing to re-execute")
    run_id = gateway.reexecute_from_failure(job.dagster_run_id)
    attach_run(session, job, run_id)
    set_status(session, job, JobStatus.QUEUED)
    log.info("job retried", job_id=str(job.job_id), dagster_run_id=run_id)
    return job


def cancel_job(session: Session, gateway: DagsterGateway, job: PipelineJob) -> PipelineJob:
    """Terminate the job's run (the mirror records `canceled`); a pending job cancels at once."""
    if job.status.is_terminal:
        raise ConflictError(f"the job is already {job.status}")
    if job.dagster_run_id is None:
        set_status(session, job, JobStatus.CANCELED, error="canceled before submission")
    else:
        gateway.terminate(job.dagster_run_id)
    log.info("job cancel requested", job_id=str(job.job_id), dagster_run_id=job.dagster_run_id)
    return job
