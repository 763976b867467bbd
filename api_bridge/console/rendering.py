"""Jinja2 templates of the console, and the pagination every list uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api_bridge.console.session import CSRF_FIELD, ConsoleUser

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.filters["timestamp_ms"] = lambda ms: (
    datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M") if ms else ""
)
PAGE_SIZE = 25
NOTICE_CHARS = 200


@dataclass(frozen=True)
class Pager:
    """One page of a list: where it starts, how long it is and how many rows match."""

    offset: int
    limit: int
    total: int
    base_query: dict[str, Any]

    @property
    def previous_url(self) -> str | None:
        return None if self.offset == 0 else self._url(max(0, self.offset - self.limit))

    @property
    def next_url(self) -> str | None:
        return (
            self._url(self.offset + self.limit) if self.offset + self.limit < self.total else None
        )

    @property
    def shown(self) -> str:
        if not self.total:
            return "none"
        return f"{self.offset + 1}-{min(self.offset + self.limit, self.total)} of {self.total}"

    def _url(self, offset: int) -> str:
        query = {k: v for k, v in self.base_query.items() if v not in (None, "")}
        return "?" + urlencode({**query, "offset": offset})


def render(
    request: Request,
    template: str,
    user: ConsoleUser | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a console page with the signed-in user and their CSRF token."""
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "csrf_field": CSRF_FIELD,
            "notice": request.query_params.get("notice", "")[:NOTICE_CHARS],
            **context,
        },
        status_code=status_code,
    )
