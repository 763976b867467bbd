"""Bounded work before authentication: an ASGI middleware that runs before any body is read.

- A request that changes state under `/api/` must carry a known bearer token: unknown callers
  get 401 before one byte of their body is read.
- A declared `Content-Length` over the route's limit gets 413 at once.
- A streamed (chunked) body is counted as it arrives and cut off with 413 at the limit, so the
  bridge never holds or spools more than the limit (the app is told the client left).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import status

from api_bridge.auth import TokenBook
from preciso_dagster.core.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UPLOAD_PATH = "/api/v1/documents"
MULTIPART_OVERHEAD_BYTES = 64 * 1024
JSON_BODY_LIMIT_BYTES = 1024 * 1024
FORM_BODY_LIMIT_BYTES = 64 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BodyLimitMiddleware:
    """Authenticate `/api/` writes and bound every request body before the app reads it."""

    def __init__(self, app: ASGIApp, settings: Settings, tokens: TokenBook) -> None:
        self.app = app
        self.settings = settings
        self.tokens = tokens

    def limit_for(self, path: str) -> int:
        if path.rstrip("/") == UPLOAD_PATH:
            return self.settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES
        return JSON_BODY_LIMIT_BYTES if path.startswith("/api/") else FORM_BODY_LIMIT_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        if path.startswith("/api/") and not self._known_caller(headers.get("authorization", "")):
            await _answer(
                send,
                status.HTTP_401_UNAUTHORIZED,
                "missing or unknown bearer token",
                {"www-authenticate": "Bearer"},
            )
            return
        limit = self.limit_for(path)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _answer(
                send,
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"request body is larger than {limit} bytes",
            )
            return
        received, answered, started = 0, False, False

        async def counted_receive() -> Message:
            # Past the limit, answer 413 ourselves and tell the app the client left: it stops
            # reading, and whatever it answers after that is dropped.
            nonlocal received, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    answered = True
                    if not started:
                        await _answer(
                            send,
                            status.HTTP_413_CONTENT_TOO_LARGE,
                            f"request body is larger than {limit} bytes",
                        )
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            started = True
            await send(message)

        await self.app(scope, counted_receive, guarded_send)

    def _known_caller(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        return scheme.lower() == "bearer" and self.tokens.principal_for(token) is not None


async def _answer(
    send: Send, code: int, detail: str, extra_headers: dict[str, str] | None = None
) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra_headers or {}).items()]
    await send({"type": "http.response.start", "status": code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
