"""Hostile requests against a real uvicorn server: bounded work before auth, bounded bodies."""

from __future__ import annotations

from collections.abc import Iterator

import psutil
import pytest
from fastapi.testclient import TestClient

from api_bridge.main import create_app
from bench.console_bench import serve
from bench.hostile_requests import (
    HOSTILE_BYTES,
    MULTIPART,
    declared_body,
    stream_until_answered,
    upload_with_raw_name,
)
from preciso_dagster.core.settings import Settings

OPERATOR = "Authorization: Bearer operator-token\r\n"


@pytest.fixture
def bridge(settings: Settings) -> Iterator[tuple[str, int]]:
    small = settings.model_copy(update={"max_upload_bytes": 1024 * 1024})
    server, base = serve(small)
    host, port = base.removeprefix("http://").split(":")
    yield host, int(port)
    server.should_exit = True


def test_a_chunked_upload_without_a_token_is_refused_before_its_body_is_read(
    bridge: tuple[str, int],
) -> None:
    memory_before = psutil.Process().memory_info().rss
    head = f"POST /api/v1/documents HTTP/1.1\r\nHost: t\r\n{MULTIPART}"
    status_line, sent = stream_until_answered(bridge, head, HOSTILE_BYTES)
    assert status_line.startswith("HTTP/1.1 401") and sent <= 1024 * 1024
    assert psutil.Process().memory_info().rss - memory_before < 50 * 1024 * 1024


def test_a_chunked_upload_past_the_limit_is_cut_off_at_the_limit(
    bridge: tuple[str, int],
) -> None:
    head = f"POST /api/v1/documents HTTP/1.1\r\nHost: t\r\n{OPERATOR}{MULTIPART}"
    status_line, sent = stream_until_answered(bridge, head, HOSTILE_BYTES)
    assert status_line.startswith("HTTP/1.1 413"), status_line
    assert sent <= 16 * 1024 * 1024  # the 1 MB limit plus what the sockets buffer, not 300 MB


@pytest.mark.parametrize(
    ("headers", "expected"),
    [("", "HTTP/1.1 401"), (OPERATOR, "HTTP/1.1 413")],
)
def test_a_declared_300_mb_json_body_is_refused_at_once(
    bridge: tuple[str, int], headers: str, expected: str
) -> None:
    head = f"POST /api/v1/jobs HTTP/1.1\r\nHost: t\r\n{headers}Content-Type: application/json\r\n"
    assert declared_body(bridge, head, HOSTILE_BYTES).startswith(expected)


def test_nul_and_control_characters_get_4xx_never_500(settings: Settings) -> None:
    viewer = {"Authorization": "Bearer viewer-token"}
    operator = {"Authorization": "Bearer operator-token"}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for path in ("/api/v1/documents/%00", "/api/v1/documents/a%09b%0A/export"):
            assert client.get(path, headers=viewer).status_code in (404, 422), path
        upload = client.post(  # httpx escapes the NUL: the name arrives harmless
            "/api/v1/documents",
            headers=operator,
            files={"file": ("state\x00ment.txt", b"Cash 12.50", "text/plain")},
        )
        assert upload.status_code in (202, 422), upload.text


def test_a_raw_nul_in_an_upload_file_name_is_422(bridge: tuple[str, int]) -> None:
    head = f"POST /api/v1/documents HTTP/1.1\r\nHost: t\r\n{OPERATOR}{MULTIPART}"
    assert upload_with_raw_name(bridge, head, b"state\x00ment.txt").startswith("HTTP/1.1 422")
