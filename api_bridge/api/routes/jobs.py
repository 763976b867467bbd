"""Pipeline jobs: submit work, read one job, list them."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from api_bridge.deps import DagsterDep, OperatorDep, SessionDep, ViewerDep
from api_bridge.schemas import DocumentRollup, JobCreate, JobPublic, JobsPublic, JobSummary
from api_bridge.services.jobs import caller_key, cancel_job, retry_job, submit_job
from preciso_dagster.core.appdb.models import JobSource, JobStatus
from preciso_dagster.core.appdb.storable import MAX_ROW_ID, NO_NUL_PATTERN, StorableText
from preciso_dagster.core.tracking.jobs import get_job, list_jobs
from preciso_dagster.core.tracking.rollups import document_rollup

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])

IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", max_length=200, pattern=NO_NUL_PATTERN)
]


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic)
def create_job(
    body: JobCreate,
    request: Request,
    session: SessionDep,
    principal: OperatorDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> JobPublic:
    """Record the job (202, `pending`); the outbox submits its run tagged `preciso/job_id`."""
    job, created = submit_job(
        session,
        job_type=body.job_type,
        params=body.params.model_dump(mode="json"),
        requested_by=principal.name,
        idempotency_key=caller_key(principal.name, idempotency_key) if idempotency_key else None,
    )
    if job.status == JobStatus.PENDING:
        request.app.state.outbox.wake()
    response.headers["Location"] = f"/api/v1/jobs/{job.job_id}"
    if not created:
        response.headers["Idempotent-Replay"] = "true"
    return JobPublic.model_validate(job)


@router.get("/{job_id}", response_model=JobPublic)
def read_job(job_id: uuid.UUID, session: SessionDep, _: ViewerDep) -> JobPublic:
    """One job with its status, Dagster run id, attempts and, for batches, document counts."""
    job = get_job(session, job_id)
    public = JobPublic.model_validate(job)
    rollup = document_rollup(session, job)
    public.documents = DocumentRollup.model_validate(rollup) if rollup else None
    return public


@router.get("", response_model=JobsPublic)
def read_jobs(
    session: SessionDep,
    _: ViewerDep,
    status_filter: Annotated[JobStatus | None, Query(alias="status")] = None,
    job_type: Annotated[StorableText | None, Query(max_length=64)] = None,
    source: Annotated[JobSource | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JobsPublic:
    """Jobs newest first, filtered by status, type and source; summaries (params are in the
    detail)."""
    jobs, total = list_jobs(
        session, status=status_filter, job_type=job_type, source=source, offset=offset, limit=limit
    )
    return JobsPublic(
        items=[JobSummary.model_validate(job) for job in jobs],
        total=total,
        offset=offset,
        limit=limit,
    )


@router.post("/{job_id}/retry", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic)
def retry(job_id: uuid.UUID, session: SessionDep, gateway: DagsterDep, _: OperatorDep) -> JobPublic:
    """Re-execute a failed or dead-lettered job from failure (Dagster `launchRunReexecution`)."""
    job = retry_job(session, gateway, get_job(session, job_id))
    session.commit()  # before the answer, so a read right after it sees the new attempt
    return JobPublic.model_validate(job)


@router.post("/{job_id}/cancel", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic)
def cancel(
    job_id: uuid.UUID, session: SessionDep, gateway: DagsterDep, _: OperatorDep
) -> JobPublic:
    """Terminate the job's run; the status becomes `canceled` once Dagster has stopped it."""
    job = cancel_job(session, gateway, get_job(session, job_id))
    session.commit()
    return JobPublic.model_validate(job)
