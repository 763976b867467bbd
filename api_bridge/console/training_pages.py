"""Training: the Auto panel (sensor, flag, approvals), the Batch form, line items, analytics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api_bridge.console.deps import FormDep, OperatorUser, ReviewerUser, UserDep
from api_bridge.console.rendering import PAGE_SIZE, Pager, render
from api_bridge.deps import SessionDep
from api_bridge.services.jobs import submit_job
from preciso_dagster.core.appdb.models import Approval, ApprovalState, JobStatus, PipelineJob
from preciso_dagster.core.appdb.storable import DOCUMENT_FILTER_PATTERN
from preciso_dagster.core.errors import DagsterUnavailableError, InvalidRequestError
from preciso_dagster.core.training.dataset import analytics, approve, list_examples
from preciso_dagster.core.training.selection import AUTO
from preciso_dagster.core.training.taxonomy import UNKNOWN, concepts
from preciso_dagster.core.training.trainers import TRAINERS

router = APIRouter()

APPROVAL_SENSOR = "approval_sensor"
CHART_BAR_WIDTH = 260


@router.get("/ui/training", response_class=HTMLResponse)
def training_page(
    request: Request,
    session: SessionDep,
    user: UserDep,
    document: Annotated[str | None, Query(pattern=DOCUMENT_FILTER_PATTERN)] = None,
    state: Annotated[ApprovalState | None, Query()] = ApprovalState.PROPOSED,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    """Auto and Batch training side by side, then the proposed line items and the analytics."""
    document = document or None
    examples, total = list_examples(
        session, document_id=document, state=state, offset=offset, limit=PAGE_SIZE
    )
    report = analytics(session)
    return render(
        request,
        "training.html",
        user,
        auto=_auto_panel(request, session),
        examples=examples,
        filters={"document": document, "state": state},
        states=list(ApprovalState),
        concepts=[c for c in concepts() if c != UNKNOWN],
        trainers=[AUTO, *TRAINERS],
        unknown=UNKNOWN,
        page=Pager(offset, PAGE_SIZE, total, {"document": document, "state": state}),
        report=report,
        class_bars=_bars(report["class_balance"]),
        quality_bars=_bars(report["quality_distribution"]),
    )


def _auto_panel(request: Request, session: Session) -> dict[str, Any]:
    """What decides automatic training right now, and what it did last."""
    settings = request.app.state.settings
    try:
        sensor = request.app.state.gateway.sensor_status(APPROVAL_SENSOR)
    except DagsterUnavailableError as error:
        sensor = f"unknown ({error})"
    last = session.scalars(
        select(PipelineJob)
        .where(PipelineJob.job_type == "training")
        .order_by(PipelineJob.created_at.desc())
        .limit(1)
    ).first()
    since = select(func.count(Approval.approval_id))
    if last is not None:
        since = since.where(Approval.created_at > last.created_at)
    return {
        "flag": settings.flag_auto_training,
        "sensor": sensor,
        "threshold": settings.training_min_new_approvals,
        "approvals_since": session.scalar(since) or 0,
        "last_job": last,
    }


def _bars(counts: dict[str, int]) -> list[tuple[str, int, int]]:
    """(label, count, bar width in px) for a server-rendered SVG bar chart."""
    peak = max(counts.values(), default=0) or 1
    return [(label, n, round(CHART_BAR_WIDTH * n / peak)) for label, n in counts.items()]


@router.post("/ui/training/batch")
def launch_batch_training(
    request: Request, session: SessionDep, user: OperatorUser, form: FormDep
) -> RedirectResponse:
    """Launch `training_job` on the chosen dataset selection, as a job like any other."""
    params: dict[str, Any] = {
        "min_quality": _number(form, "min_quality", float, 0.0),
        "max_per_class": _number(form, "max_per_class", int, 0),
        "trainer": str(form.get("trainer") or AUTO),  # validated with the job's params
    }
    ids = str(form.get("example_ids", "")).replace(",", " ").split()
    if not all(i.isdigit() for i in ids):
        raise InvalidRequestError("example ids are whole numbers, separated by commas or spaces")
    if ids:
        params["example_ids"] = [int(i) for i in ids]
    job, _ = submit_job(
        session, job_type="training", params=params, requested_by=user.principal.name
    )
    job_id = job.job_id
    pending = job.status == JobStatus.PENDING
    if pending:
        request.app.state.outbox.wake()
    return RedirectResponse(
        f"/ui/jobs/{job_id}?notice=training+launched", status.HTTP_303_SEE_OTHER
    )


def _number(form: Any, name: str, kind: type, default: Any) -> Any:
    raw = str(form.get(name) or "").strip()
    try:
        return kind(raw) if raw else default
    except ValueError as error:
        raise InvalidRequestError(f"{name}: {raw!r} is not a number") from error


@router.post("/ui/training/approve")
def approve_line_items(
    request: Request, session: SessionDep, user: ReviewerUser, form: FormDep
) -> RedirectResponse:
    """Approve one line item (optionally with a corrected concept) or every item of a document."""
    example_id = str(form.get("example_id", ""))
    document_id = str(form.get("document_id", ""))
    concept = str(form.get("concept", "")) or None
    outcome = approve(
        session,
        approved_by=user.principal.name,
        example_ids=[int(example_id)] if example_id.isdigit() else [],
        document_ids=[document_id] if document_id else [],
        corrections={int(example_id): concept} if concept and example_id.isdigit() else {},
    )
    session.commit()
    notice = f"approved {len(outcome.approvals)}"
    if outcome.needs_concept:
        notice += f"; {len(outcome.needs_concept)} need a concept first"
    back = str(form.get("back") or "/ui/training")
    back = back if back.startswith("/ui/training") else "/ui/training"
    separator = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{separator}notice={notice}", status.HTTP_303_SEE_OTHER)
