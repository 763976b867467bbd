"""Questions over the verified documents: answered at once, or as `rag_query_job` runs."""

import uuid
from collections.abc import Sequence

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.orm import Session

from api_bridge.deps import SessionDep, SettingsDep, ViewerDep
from api_bridge.schemas import QueryCreate, QueryPublic
from api_bridge.services.jobs import submit_job
from preciso_dagster.core.appdb.models import JobStatus, PipelineJob, StoredQuery
from preciso_dagster.core.questions.answers import Answer, is_heavy, writer_for
from preciso_dagster.core.questions.queries import (
    FAILED,
    PENDING,
    answer_query,
    get_query,
    record_query,
)

router = APIRouter(prefix="/api/v1/queries", tags=["queries"])


@router.post(
    "",
    response_model=QueryPublic,
    responses={202: {"model": QueryPublic, "description": "Recorded; a rag_query job answers"}},
)
def ask(
    body: QueryCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    principal: ViewerDep,
) -> QueryPublic:
    """Answer with ranked passages and citations, each number with its verification state; or
    sum a concept's verified amounts by fiscal year. Heavy questions run as async jobs (202)
    when `PRECISO_FLAG_ASYNC_HEAVY_RAG` is on, else at once under a time limit."""
    heavy = is_heavy(body.question, body.document_ids, body.top_k)
    wants_async = body.mode == "async" or (body.mode == "auto" and heavy)
    query = record_query(
        session,
        body.question,
        body.document_ids,
        body.top_k,
        heavy=heavy,
        requested_by=principal.name,
    )
    response.headers["Location"] = f"/api/v1/queries/{query.query_id}"
    if wants_async and settings.flag_async_heavy_rag:
        job, _ = submit_job(
            session,
            job_type="rag_query",
            params={"query_id": str(query.query_id)},
            requested_by=principal.name,
        )
        query.job_id = job.job_id
        session.commit()
        request.app.state.outbox.wake()
        response.status_code = status.HTTP_202_ACCEPTED
        return _public(query, job)
    notes = []
    if body.mode == "async":
        notes.append("async questions are off (PRECISO_FLAG_ASYNC_HEAVY_RAG): answered at once")
    limit = settings.rag_sync_time_limit_seconds if heavy else None
    if heavy:
        notes.append(f"a heavy question, answered at once within {limit:g} s")
    answer_query(
        session,
        query,
        writer=writer_for(settings.answer_writer),
        labeller=request.app.state.serving_models.labeller(request.app.state.registry),
        time_limit=limit,
    )
    session.commit()
    return _public(query, None, notes)


@router.get("/{query_id}", response_model=QueryPublic)
def read_query(query_id: uuid.UUID, session: SessionDep, _: ViewerDep) -> QueryPublic:
    """A question with its answer, or the state of the job answering it."""
    query = get_query(session, query_id)
    return _public(query, _job_of(session, query))


def _job_of(session: Session, query: StoredQuery) -> PipelineJob | None:
    return session.get(PipelineJob, query.job_id) if query.job_id else None


def _public(query: StoredQuery, job: PipelineJob | None, notes: Sequence[str] = ()) -> QueryPublic:
    """The query as the API shows it; a pending query whose job ended without an answer is
    `failed`, with the job's error."""
    status_now, error = query.status, query.error
    if status_now == PENDING and job is not None and job.status.is_terminal:
        failed = job.status in (JobStatus.FAILED, JobStatus.DEAD_LETTER, JobStatus.CANCELED)
        if failed:
            status_now, error = FAILED, job.error or f"the job ended {job.status}"
    return QueryPublic.model_validate(
        {
            "query_id": query.query_id,
            "question": query.question,
            "status": status_now,
            "heavy": query.heavy,
            "mode": "async" if query.job_id else "sync",
            "job_id": query.job_id,
            "answer": Answer.model_validate(query.answer) if query.answer else None,
            "error": error,
            "notes": list(notes),
            "created_at": query.created_at,
            "updated_at": query.updated_at,
        }
    )
