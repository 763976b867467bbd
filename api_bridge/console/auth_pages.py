"""Sign in and out of the console."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api_bridge.console.deps import FormDep, UserDep
from api_bridge.console.rendering import render
from api_bridge.console.session import COOKIE_NAME

router = APIRouter()


def _safe_next(next_url: str) -> str:
    """Only console paths: a sign-in link can never send someone to another site."""
    return (
        next_url if next_url.startswith("/ui/") and not next_url.startswith("//") else "/ui/review"
    )


@router.get("/ui", include_in_schema=False)
async def console_home() -> RedirectResponse:
    return RedirectResponse("/ui/review", status.HTTP_303_SEE_OTHER)


@router.get("/ui/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "/ui/review") -> HTMLResponse:
    """The sign-in form."""
    return render(request, "login.html", None, next_url=_safe_next(next))


@router.post("/ui/login")
async def login(
    request: Request, token: Annotated[str, Form(max_length=512)], next: Annotated[str, Form()] = ""
) -> Response:
    """Exchange an API token for a session cookie (httpOnly, SameSite=Strict, expiring)."""
    settings = request.app.state.settings
    sessions = request.app.state.console_sessions
    cookie = sessions.sign_in(token)
    if cookie is None:
        return render(
            request,
            "login.html",
            None,
            status_code=status.HTTP_401_UNAUTHORIZED,
            error="That token is not known here.",
            next_url=_safe_next(next),
        )
    response = RedirectResponse(_safe_next(next), status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE_NAME,
        cookie,
        max_age=sessions.max_age_seconds,
        path="/ui",
        httponly=True,
        samesite="strict",
        secure=settings.env == "prod",
    )
    return response


@router.post("/ui/logout")
async def logout(_: UserDep, __: FormDep) -> RedirectResponse:
    response = RedirectResponse("/ui/login", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE_NAME, path="/ui")
    return response
