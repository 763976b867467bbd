"""Models: versions with metrics, which one serves, promotion, rollback and the history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select

from api_bridge.console.deps import AdminUser, FormDep, UserDep
from api_bridge.console.rendering import PAGE_SIZE, Pager, render
from api_bridge.deps import SessionDep
from preciso_dagster.core.appdb.models import ServingChange
from preciso_dagster.core.errors import InvalidRequestError
from preciso_dagster.core.training.serving import promote, rollback

router = APIRouter()


@router.get("/ui/models", response_class=HTMLResponse)
def models_page(
    request: Request,
    session: SessionDep,
    user: UserDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    """Registered versions (newest first) and every change of the serving version."""
    registry = request.app.state.registry
    versions = registry.versions()
    history_query = select(ServingChange).where(ServingChange.model_name == registry.model_name)
    total = session.scalar(select(func.count()).select_from(history_query.subquery())) or 0
    history = session.scalars(
        history_query.order_by(ServingChange.change_id.desc()).offset(offset).limit(PAGE_SIZE)
    ).all()
    return render(
        request,
        "models.html",
        user,
        model_name=registry.model_name,
        versions=versions,
        serving=next((v["version"] for v in versions if v["serving"]), None),
        history=history,
        page=Pager(offset, PAGE_SIZE, total, {}),
        mlflow_ui_url=request.app.state.settings.mlflow_ui_url,
        experiment_id=registry.experiment_id() if versions else None,
    )


@router.post("/ui/models/promote")
def promote_version(
    request: Request, session: SessionDep, user: AdminUser, form: FormDep
) -> RedirectResponse:
    """Serve the chosen version (admin; the page asks for a confirmation first, and names the
    failed promotion gate when it forces a version past it)."""
    version = str(form.get("version", ""))
    if not version.isdigit():
        raise InvalidRequestError("choose a model version to promote")
    force = form.get("force") == "true"
    promote(session, request.app.state.registry, int(version), user.principal.name, force=force)
    session.commit()
    return RedirectResponse(
        f"/ui/models?notice=version+{version}+now+serves", status.HTTP_303_SEE_OTHER
    )


@router.post("/ui/models/rollback")
def rollback_version(
    request: Request, session: SessionDep, user: AdminUser, _: FormDep
) -> RedirectResponse:
    """Serve the previous champion again (admin, confirmed)."""
    change = rollback(session, request.app.state.registry, user.principal.name)
    session.commit()
    notice = f"rolled+back+to+version+{change.to_version}"
    return RedirectResponse(f"/ui/models?notice={notice}", status.HTTP_303_SEE_OTHER)
