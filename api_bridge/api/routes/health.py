"""Liveness and readiness: readiness means the database and Dagster both answer."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api_bridge.deps import DagsterDep, SessionDep
from api_bridge.schemas import Readiness
from preciso_dagster.errors import DagsterUnavailableError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up; needs no token."""
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(session: SessionDep, gateway: DagsterDep) -> JSONResponse:
    """200 when the app database and Dagster's GraphQL endpoint answer, 503 with reasons if not."""
    checks: dict[str, str] = {}
    try:
        session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # any driver error means not ready; say which
        checks["database"] = f"unavailable: {type(error).__name__}"
    try:
        gateway.ping()
        checks["dagster"] = "ok"
    except DagsterUnavailableError as error:
        checks["dagster"] = f"unavailable: {error}"
    ready = all(value == "ok" for value in checks.values())
    body = Readiness(ready=ready, checks=checks).model_dump()
    return JSONResponse(body, status_code=200 if ready else 503)
