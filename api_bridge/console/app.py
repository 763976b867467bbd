"""Mounting the console on the bridge: pages, static files, sessions and HTML errors."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api_bridge.console import (
    auth_pages,
    document_pages,
    job_pages,
    model_pages,
    review_pages,
    search_pages,
    training_pages,
)
from api_bridge.console.deps import SignInRequired, current_user
from api_bridge.console.rendering import render
from api_bridge.console.session import ConsoleSessions
from preciso_dagster.core.settings import Settings

CONSOLE_PREFIX = "/ui"


def install_console(app: FastAPI, settings: Settings) -> None:
    """Serve the console at /ui with its own static folder (nothing from a CDN)."""
    secret = settings.console_secret_key
    app.state.console_sessions = ConsoleSessions(
        secret.get_secret_value() if secret else secrets.token_urlsafe(32),
        settings.console_session_minutes * 60,
        app.state.tokens,
    )
    app.mount(
        f"{CONSOLE_PREFIX}/static",
        StaticFiles(directory=Path(__file__).parent / "static"),
        name="console_static",
    )
    for module in (
        auth_pages,
        review_pages,
        document_pages,
        training_pages,
        model_pages,
        job_pages,
        search_pages,
    ):
        app.include_router(module.router, include_in_schema=False)
    _install_error_pages(app)


def _install_error_pages(app: FastAPI) -> None:
    async def sign_in(_: Request, error: Exception) -> Response:
        assert isinstance(error, SignInRequired)
        return RedirectResponse(
            f"/ui/login?next={quote(error.next_url)}", status.HTTP_303_SEE_OTHER
        )

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        if not request.url.path.startswith(CONSOLE_PREFIX):
            return await http_exception_handler(request, error)
        return await _error_page(request, error.status_code, str(error.detail))

    app.add_exception_handler(SignInRequired, sign_in)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.state.console_error_page = _error_page


async def _error_page(request: Request, status_code: int, message: str) -> Response:
    try:
        user = await current_user(request)
    except SignInRequired:
        user = None
    titles = {403: "Not allowed", 404: "Not found", 409: "Not now", 422: "Not accepted"}
    return render(
        request,
        "error.html",
        user,
        status_code=status_code,
        title=titles.get(status_code, "Something went wrong"),
        message=message,
    )
