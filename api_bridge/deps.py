"""FastAPI dependencies as Annotated aliases: settings, sessions, Dagster and the caller.

The ones that do no I/O are `async def`: FastAPI runs a plain `def` dependency in its
thread pool, one hop per dependency and request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api_bridge.auth import Principal
from api_bridge.dagster_gateway import DagsterGateway
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.appdb.storable import DOCUMENT_ID_PATTERN
from preciso_dagster.core.settings import Role, Settings

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <token>")


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    with session_scope(settings.database_url) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def get_gateway(request: Request) -> DagsterGateway:
    return request.app.state.gateway


DagsterDep = Annotated[DagsterGateway, Depends(get_gateway)]


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    unauthorized = HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="missing or unknown bearer token",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized
    principal = request.app.state.tokens.principal_for(credentials.credentials)
    if principal is None:
        raise unauthorized
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_role(role: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that admits only callers holding `role` (admins hold every role)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_role(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"this needs the {role} role")
        return principal

    return check


ViewerDep = Annotated[Principal, Depends(require_role("viewer"))]
OperatorDep = Annotated[Principal, Depends(require_role("operator"))]
ReviewerDep = Annotated[Principal, Depends(require_role("reviewer"))]
AdminDep = Annotated[Principal, Depends(require_role("admin"))]
DocumentIdPath = Annotated[str, Path(pattern=DOCUMENT_ID_PATTERN, description="doc-<24 hex>")]
