"""Hostile files and hostile requests: time, memory and outcome of each.

1. Files through `preciso extract` (the code the assets run), each in its own process.
   Targets: exit 0 (read completely) or 2 (refused with a reason), within 120 s and 2 GB.
   Baseline, in the same run: `preciso extract` on a one-page text PDF.
2. Requests against a bridge process (uvicorn, SQLite): time to the answer and the bridge's
   resident memory after each. Targets: refused within 1 s, memory flat, no 5xx.
   Baseline, in the same run: `GET /healthz`.

Usage: python -m bench.hostile_bench [--only SUBSTRING] [--skip-files] [--skip-requests]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pymupdf

from bench.hostile_inputs import HOSTILE_FILES, zip_with_entries
from bench.hostile_requests import (
    HOSTILE_BYTES,
    MULTIPART,
    declared_body,
    stream_until_answered,
    upload_with_raw_name,
)
from preciso_dagster.cli.supervisor import free_port

TIME_LIMIT_SECONDS = 120
MEMORY_LIMIT_BYTES = 2 * 1024**3
CLI = [sys.executable, "-c", "from preciso_dagster.cli import app; app()", "extract"]


def run_extract(path: Path) -> tuple[int, float, int, str]:
    """Exit code, seconds, peak resident bytes and the last line the CLI printed."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen([*CLI, str(path)], stdout=output, stderr=subprocess.STDOUT)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except KeyboardInterrupt:
            process.kill()
            raise
        seconds = time.perf_counter() - started
        output.seek(0)
        lines = output.read().decode(errors="replace").strip().splitlines()
    code = os.waitstatus_to_exitcode(status)
    return code, seconds, usage.ru_maxrss * 1024, (lines[-1] if lines else "")[:90]


def baseline_pdf(folder: Path) -> Path:
    document = pymupdf.open()
    document.new_page().insert_text((72, 72), "Revenue 1,250.00")
    path = folder / "baseline.pdf"
    path.write_bytes(document.tobytes())
    return path


def files_run(folder: Path, only: str) -> None:
    _, base_seconds, base_memory, _ = run_extract(baseline_pdf(folder))
    print(f"baseline (one-page text PDF): {base_seconds:.2f} s, {base_memory / 2**20:.0f} MB peak")
    print(f"{'case':34} {'size':>9} {'exit':>4} {'s':>6} {'x base':>6} {'peak MB':>8}  outcome")
    failures = 0
    for name, (generate, filename) in HOSTILE_FILES.items():
        if only not in name:
            continue
        path = folder / filename
        path.write_bytes(generate())
        code, seconds, memory, last = run_extract(path)
        met = code in (0, 2) and seconds <= TIME_LIMIT_SECONDS and memory <= MEMORY_LIMIT_BYTES
        failures += not met
        print(
            f"{name:34} {path.stat().st_size:9d} {code:4d} {seconds:6.2f} "
            f"{seconds / base_seconds:6.1f} {memory / 2**20:8.0f}  {'' if met else 'MISSED '}{last}"
        )
    print(f"targets (exit 0/2, <= {TIME_LIMIT_SECONDS} s, <= 2 GB): {failures} missed")


TOKEN = "bench-operator"
AUTH = f"Authorization: Bearer {TOKEN}\r\n"


def hostile_requests(address: tuple[str, int]) -> dict[str, Callable[[], str]]:
    """name -> a call that sends the request and returns the status line."""
    client = httpx.Client(
        base_url=f"http://{address[0]}:{address[1]}",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    upload = "POST /api/v1/documents HTTP/1.1\r\nHost: b\r\n"
    jobs = "POST /api/v1/jobs HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"

    def job(job_type: str, params: dict[str, object]) -> Callable[[], str]:
        body = {"job_type": job_type, "params": params}
        return lambda: _status(client.post("/api/v1/jobs", json=body))

    return {
        "healthz (baseline)": lambda: _status(client.get("/healthz")),
        "300 MB chunked upload, no token": lambda: stream_until_answered(
            address, upload + MULTIPART, HOSTILE_BYTES
        )[0],
        "300 MB chunked upload, operator": lambda: stream_until_answered(
            address, upload + AUTH + MULTIPART, HOSTILE_BYTES
        )[0],
        "300 MB JSON declared, no token": lambda: declared_body(address, jobs, HOSTILE_BYTES),
        "300 MB JSON declared, operator": lambda: declared_body(
            address, jobs + AUTH, HOSTILE_BYTES
        ),
        "3 million example ids (26 MB)": job(
            "training", {"example_ids": list(range(1, 3_000_001))}
        ),
        "max_per_class 10^40": job("training", {"max_per_class": 10**40}),
        "unknown document id": job("ocr_extraction", {"document_id": "doc-" + "0" * 24}),
        "NUL in a path": lambda: _status(client.get("/api/v1/documents/%00")),
        "NUL in an upload's file name": lambda: upload_with_raw_name(
            address, upload + AUTH + MULTIPART, b"state\x00ment.txt"
        ),
    }


def _status(response: httpx.Response) -> str:
    return f"HTTP/1.1 {response.status_code} {response.reason_phrase}"


def requests_run(folder: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PRECISO_VAR_DIR": str(folder / "var"),
        "PRECISO_API_TOKENS": json.dumps({TOKEN: "operator"}),
        "PRECISO_WEB_PORT": "1",
    }
    subprocess.run(
        [sys.executable, "-c", "from preciso_dagster.cli import app; app()", "db", "migrate"],
        env=env,
        check=True,
        capture_output=True,
    )
    bridge = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api_bridge.main:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        process = psutil.Process(bridge.pid)
        start_rss = process.memory_info().rss
        print(f"\nbridge process: {start_rss / 2**20:.0f} MB resident after start")
        print(f"{'request':34} {'answer':>26} {'s':>7} {'RSS MB':>7} {'+MB':>5}")
        worst_seconds, worst_growth, server_errors = 0.0, 0, 0
        for name, call in hostile_requests(("127.0.0.1", port)).items():
            started = time.perf_counter()
            status_line = call()
            seconds = time.perf_counter() - started
            rss = process.memory_info().rss
            if not name.endswith("(baseline)"):
                worst_seconds = max(worst_seconds, seconds)
                worst_growth = max(worst_growth, rss - start_rss)
                server_errors += " 5" in status_line[:12]
            growth = (rss - start_rss) / 2**20
            print(f"{name:34} {status_line:>26} {seconds:7.3f} {rss / 2**20:7.0f} {growth:5.0f}")
        print(
            f"slowest refusal {worst_seconds:.3f} s (target 1 s); largest memory growth "
            f"{worst_growth / 2**20:.0f} MB; 5xx answers: {server_errors}"
        )
        healthz_during_upload(port, zip_with_entries(ZIP_ENTRIES))
    finally:
        bridge.terminate()
        bridge.wait(timeout=10)


ZIP_ENTRIES = 700_000


def healthz_during_upload(port: int, content: bytes) -> None:
    """Upload `content` while `/healthz` is asked every 50 ms: the slowest answer shows whether
    the upload's work (hashing, ZIP listing, storage) blocks the event loop."""
    base = f"http://127.0.0.1:{port}"
    outcome: dict[str, object] = {}

    def upload() -> None:
        started = time.perf_counter()
        response = httpx.post(
            f"{base}/api/v1/documents",
            headers={"Authorization": f"Bearer {TOKEN}"},
            files={"file": ("many.zip", content)},
            timeout=300,
        )
        outcome.update(status=response.status_code, seconds=time.perf_counter() - started)

    sender = threading.Thread(target=upload)
    sender.start()
    latencies = []
    while sender.is_alive():
        started = time.perf_counter()
        httpx.get(f"{base}/healthz", timeout=60)
        latencies.append(time.perf_counter() - started)
        time.sleep(0.05)
    sender.join()
    print(
        f"\n{ZIP_ENTRIES:,}-entry ZIP ({len(content) / 2**20:.0f} MB) uploaded: "
        f"{outcome['status']} in {outcome['seconds']:.2f} s; /healthz meanwhile: "
        f"{len(latencies)} answers, slowest {max(latencies) * 1000:.0f} ms, "
        f"median {statistics.median(latencies) * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="")
    parser.add_argument("--skip-files", action="store_true")
    parser.add_argument("--skip-requests", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hostile-bench-"))
    if not args.skip_files:
        files_run(folder, args.only)
    if not args.skip_requests:
        requests_run(folder)


if __name__ == "__main__":
    main()
