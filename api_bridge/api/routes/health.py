"""Liveness and readiness: readiness means the database and Dagster both answer, and in the
`celery` profile the broker too, with at least one live worker.

Both are public (load balancers and orchestrators probe them without a token), so they say
only "ok" or "unavailable": the reason, which names hosts and errors, goes to the log.
"""

import structlog
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api_bridge.deps import DagsterDep, SessionDep, SettingsDep
from api_bridge.schemas import Readiness
from preciso_dagster.core.celery_workers import live_workers
from preciso_dagster.core.errors import BrokerUnavailableError, DagsterUnavailableError

router = APIRouter(tags=["health"])
log = structlog.get_logger(__name__)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up; needs no token."""
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(session: SessionDep, gateway: DagsterDep, settings: SettingsDep) -> JSONResponse:
    """200 when the app database and Dagster's GraphQL endpoint answer (and, in the `celery`
    profile, the broker and at least one worker: `workers` is how many answer), 503 if not."""
    checks: dict[str, str] = {}
    try:
        session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # any driver error means not ready
        checks["database"] = "unavailable"
        log.warning("not ready: database", reason=f"{type(error).__name__}: {error}")
    try:
        gateway.ping()
        checks["dagster"] = "ok"
    except DagsterUnavailableError as error:
        checks["dagster"] = "unavailable"
        log.warning("not ready: dagster", reason=str(error))
    if settings.profile == "celery":
        try:
            workers = live_workers(settings.celery_broker_url)
            checks["broker"] = "ok"
            checks["workers"] = str(len(workers))
        except BrokerUnavailableError as error:
            checks["broker"], checks["workers"] = "unavailable", "0"
            log.warning("not ready: broker", reason=str(error))
    ready = all(value == "ok" for key, value in checks.items() if key != "workers")
    ready = ready and checks.get("workers") != "0"
    body = Readiness(ready=ready, checks=checks).model_dump()
    return JSONResponse(body, status_code=200 if ready else 503)
