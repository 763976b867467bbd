"""Jobs: filters by status, type and source; one job's attempts and events; retry and cancel."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from api_bridge.console.deps import FormDep, OperatorUser, UserDep
from api_bridge.console.rendering import PAGE_SIZE, Pager, render
from api_bridge.deps import SessionDep
from api_bridge.services.jobs import cancel_job, retry_job
from preciso_dagster.core.appdb.models import JobSource, JobStatus
from preciso_dagster.core.appdb.storable import NO_NUL_PATTERN
from preciso_dagster.core.tracking.jobs import get_job, list_jobs
from preciso_dagster.core.tracking.rollups import document_rollup
from preciso_dagster.core.tracking.submissions import JOB_TYPES

router = APIRouter()


@router.get("/ui/jobs", response_class=HTMLResponse)
def jobs_list(
    request: Request,
    session: SessionDep,
    user: UserDep,
    status: Annotated[JobStatus | None, Query()] = None,
    job_type: Annotated[str | None, Query(max_length=64, pattern=NO_NUL_PATTERN)] = None,
    source: Annotated[JobSource | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    """Jobs newest first, whoever launched them."""
    job_type = job_type or None
    jobs, total = list_jobs(
        session, status=status, job_type=job_type, source=source, offset=offset, limit=PAGE_SIZE
    )
    return render(
        request,
        "jobs.html",
        user,
        jobs=jobs,
        filters={"status": status, "job_type": job_type, "source": source},
        statuses=list(JobStatus),
        sources=list(JobSource),
        job_types=sorted(JOB_TYPES),
        dagster_ui_url=request.app.state.settings.dagster_ui_url,
        page=Pager(
            offset, PAGE_SIZE, total, {"status": status, "job_type": job_type, "source": source}
        ),
    )


@router.get("/ui/jobs/{job_id}", response_class=HTMLResponse)
def job_detail(
    job_id: uuid.UUID, request: Request, session: SessionDep, user: UserDep
) -> HTMLResponse:
    """The job, every attempt (Dagster run) and every event, with links to Dagster."""
    job = get_job(session, job_id)
    attempts = [e.dagster_run_id for e in job.events if e.kind == "run_attached"]
    return render(
        request,
        "job.html",
        user,
        job=job,
        attempts=attempts,
        events=job.events,
        documents=document_rollup(session, job),
        dagster_ui_url=request.app.state.settings.dagster_ui_url,
    )


@router.post("/ui/jobs/{job_id}/{action}")
def job_action(
    job_id: uuid.UUID,
    action: str,
    request: Request,
    session: SessionDep,
    _: OperatorUser,
    __: FormDep,
) -> RedirectResponse:
    """Retry (re-execute from failure) or cancel the job, as the API does."""
    act = {"retry": retry_job, "cancel": cancel_job}.get(action)
    if act is None:
        return RedirectResponse(f"/ui/jobs/{job_id}", status.HTTP_303_SEE_OTHER)
    act(session, request.app.state.gateway, get_job(session, job_id))
    session.commit()
    return RedirectResponse(
        f"/ui/jobs/{job_id}?notice={action}+requested", status.HTTP_303_SEE_OTHER
    )
