"""Hostile requests against a real uvicorn server: bounded work before auth, bounded bodies."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator

import psutil
import pytest
from fastapi.testclient import TestClient

from api_bridge.main import create_app
from bench.console_bench import serve
from preciso_dagster.settings import Settings

CHUNK = 64 * 1024
HOSTILE_BYTES = 300 * 1024 * 1024
OPERATOR = "Authorization: Bearer operator-token\r\n"


@pytest.fixture
def bridge(settings: Settings) -> Iterator[tuple[str, int]]:
    small = settings.model_copy(update={"max_upload_bytes": 1024 * 1024})
    server, base = serve(small)
    host, port = base.removeprefix("http://").split(":")
    yield host, int(port)
    server.should_exit = True


FILE_PART = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'


def stream_until_answered(address: tuple[str, int], head: str, total: int) -> tuple[str, int]:
    """Send `head`, then a chunked multipart body of up to `total` bytes until the server
    answers; the status line and how many body bytes were sent before the answer came."""
    sent = 0
    with socket.create_connection(address) as connection:
        connection.sendall(head.encode() + b"Transfer-Encoding: chunked\r\n\r\n")
        connection.sendall(b"%x\r\n" % len(FILE_PART) + FILE_PART + b"\r\n")
        while sent < total:
            if select.select([connection], [], [], 0.05)[0]:
                break
            try:
                connection.sendall(b"%x\r\n" % CHUNK + b"a" * CHUNK + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += CHUNK
        return connection.recv(4096).decode(errors="replace").split("\r\n")[0], sent


def test_a_chunked_upload_without_a_token_is_refused_before_its_body_is_read(
    bridge: tuple[str, int],
) -> None:
    memory_before = psutil.Process().memory_info().rss
    head = (
        "POST /api/v1/documents HTTP/1.1\r\nHost: t\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
    )
    status_line, sent = stream_until_answered(bridge, head, HOSTILE_BYTES)
    assert status_line.startswith("HTTP/1.1 401") and sent <= 1024 * 1024
    assert psutil.Process().memory_info().rss - memory_before < 50 * 1024 * 1024


def test_a_chunked_upload_past_the_limit_is_cut_off_at_the_limit(
    bridge: tuple[str, int],
) -> None:
    head = (
        f"POST /api/v1/documents HTTP/1.1\r\nHost: t\r\n{OPERATOR}"
        "Content-Type: multipart/form-data; boundary=x\r\n"
    )
    status_line, sent = stream_until_answered(bridge, head, HOSTILE_BYTES)
    assert status_line.startswith("HTTP/1.1 413"), status_line
    assert sent <= 3 * 1024 * 1024  # the 1 MB limit, plus what was in flight


@pytest.mark.parametrize(
    ("headers", "expected"),
    [("", "HTTP/1.1 401"), (OPERATOR, "HTTP/1.1 413")],
)
def test_a_declared_300_mb_json_body_is_refused_at_once(
    bridge: tuple[str, int], headers: str, expected: str
) -> None:
    with socket.create_connection(bridge) as connection:
        connection.sendall(
            f"POST /api/v1/jobs HTTP/1.1\r\nHost: t\r\n{headers}"
            f"Content-Type: application/json\r\nContent-Length: {HOSTILE_BYTES}\r\n\r\n{{".encode()
        )
        connection.settimeout(5)
        assert connection.recv(4096).decode().startswith(expected)


def test_nul_and_control_characters_get_4xx_never_500(settings: Settings) -> None:
    viewer = {"Authorization": "Bearer viewer-token"}
    operator = {"Authorization": "Bearer operator-token"}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for path in ("/api/v1/documents/%00", "/api/v1/documents/a%09b%0A/export"):
            assert client.get(path, headers=viewer).status_code in (404, 422), path
        upload = client.post(
            "/api/v1/documents",
            headers=operator,
            files={"file": ("state\x00ment.txt", b"Cash 12.50", "text/plain")},
        )
        assert upload.status_code in (202, 422), upload.text
