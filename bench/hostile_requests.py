"""Hostile requests over raw sockets: bodies streamed or declared far past every limit.

Shared by `bench/hostile_bench.py` (full size, against a bridge process) and the tests.
"""

from __future__ import annotations

import select
import socket

CHUNK = 64 * 1024
HOSTILE_BYTES = 300 * 1024 * 1024
FILE_PART = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
MULTIPART = "Content-Type: multipart/form-data; boundary=x\r\n"
PACED_BYTES = 1024 * 1024  # the first MB goes chunk by chunk, waiting for an early answer


def stream_until_answered(address: tuple[str, int], head: str, total: int) -> tuple[str, int]:
    """Send `head`, then a chunked multipart body of up to `total` bytes until the server
    answers; the status line and how many body bytes were sent before the answer came."""
    sent = 0
    with socket.create_connection(address) as connection:
        connection.sendall(head.encode() + b"Transfer-Encoding: chunked\r\n\r\n")
        connection.sendall(b"%x\r\n" % len(FILE_PART) + FILE_PART + b"\r\n")
        while sent < total:
            if select.select([connection], [], [], 0.05 if sent < PACED_BYTES else 0)[0]:
                break
            try:
                connection.sendall(b"%x\r\n" % CHUNK + b"a" * CHUNK + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += CHUNK
        connection.settimeout(10)
        return connection.recv(4096).decode(errors="replace").split("\r\n")[0], sent


def declared_body(address: tuple[str, int], head: str, length: int) -> str:
    """Declare a body of `length` bytes, send one byte of it; the status line of the answer."""
    with socket.create_connection(address) as connection:
        connection.sendall(f"{head}Content-Length: {length}\r\n\r\n{{".encode())
        connection.settimeout(10)
        return connection.recv(4096).decode(errors="replace").split("\r\n")[0]


def upload_with_raw_name(address: tuple[str, int], head: str, filename: bytes) -> str:
    """A complete multipart upload whose file name is sent byte for byte (clients escape NUL
    and control characters; an attacker's client need not); the status line of the answer."""
    part = (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n'
        b"Content-Type: text/plain\r\n\r\nCash 1.00\r\n--x--\r\n"
    )
    with socket.create_connection(address) as connection:
        connection.sendall(head.encode() + f"Content-Length: {len(part)}\r\n\r\n".encode() + part)
        connection.settimeout(10)
        return connection.recv(4096).decode(errors="replace").split("\r\n")[0]
