"""Console dependencies: the signed-in user, their role, and CSRF-checked forms."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from starlette.datastructures import FormData

from api_bridge.console.session import COOKIE_NAME, CSRF_FIELD, ConsoleUser, csrf_matches
from preciso_dagster.core.settings import Role


class SignInRequired(Exception):
    """No valid session: the console answers with the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


async def current_user(request: Request) -> ConsoleUser:
    user = request.app.state.console_sessions.user(request.cookies.get(COOKIE_NAME))
    if user is None:
        raise SignInRequired(request.url.path)
    return user


UserDep = Annotated[ConsoleUser, Depends(current_user)]


def console_role(role: Role) -> Callable[[ConsoleUser], Awaitable[ConsoleUser]]:
    """Admit only users holding `role`; the page hides the button, this refuses the action."""

    async def check(user: UserDep) -> ConsoleUser:
        if not user.can(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role} role")
        return user

    return check


async def checked_form(request: Request, user: UserDep) -> FormData:
    """The posted form, refused with 403 unless it carries the session's CSRF token."""
    form = await request.form()
    submitted = form.get(CSRF_FIELD)
    if not csrf_matches(user, submitted if isinstance(submitted, str) else None):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token")
    return form


FormDep = Annotated[FormData, Depends(checked_form)]
ReviewerUser = Annotated[ConsoleUser, Depends(console_role("reviewer"))]
OperatorUser = Annotated[ConsoleUser, Depends(console_role("operator"))]
AdminUser = Annotated[ConsoleUser, Depends(console_role("admin"))]
