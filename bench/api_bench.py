"""API bridge latency under 50 concurrent clients, and mirror lag, on a real stack.

The bridge only records a job and answers; its outbox thread sends the run to Dagster. The
request path is measured with Dagster's webserver stopped, so that the runs the submissions
start do not compete for the machine's two cores (the outbox waits meanwhile), then once
more with everything up.

Load: 50 clients, each sending one request per second (`--rate`) at fixed times; latency
counts from the time a request was due, so queueing in the bridge is not hidden. Then the
same 50 clients back to back (no pause), which saturates the bridge: that phase reports the
throughput it sustains, and its latency is 50 / throughput by construction.

1. Submission: POST `/api/v1/jobs` (p50, p99). Target: p99 <= 100 ms.
2. Status reads: GET `/api/v1/jobs/{job_id}` (p50, p99).
Baseline, measured in the same run with the same clients: `GET /healthz`, the cheapest
route the bridge has (no database), so the ratios show what the work itself adds.
3. Mirror lag: the webserver is started again, the outbox sends the runs, and the lag from
   each run's end to its job's update is read from the `mirror_lag_seconds` the terminal
   status events store, over the jobs that finish while the bench waits.

Usage: python -m bench.api_bench [--clients N] [--rate R] [--requests N] [--saturate N]
       [--finished N] [--app-db-url URL] [--dagster-postgres-url URL]  (two databases)
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import select

from bench.stack import database_overrides, running_stack
from preciso_dagster.core.appdb.models import PipelineJobEvent
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.settings import Settings

TOKEN = "bench-operator"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
TARGET_P99_SECONDS = 0.100


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def under_load(
    base_url: str,
    clients: int,
    requests: int,
    call: Callable[[httpx.Client, int], httpx.Response],
    rate: float | None = None,
) -> tuple[list[float], float]:
    """Seconds per request and requests per second, `clients` threads sending `requests` each.

    With `rate`, each client sends `rate` requests per second at fixed times (phases spread
    over the first interval), and a request's latency counts from the time it was due, so a
    slow server is not hidden by clients that wait for it. Without, each sends back to back.
    """
    clock: list[float] = []  # the start, set once every client is connected
    ready = threading.Barrier(clients, action=lambda: clock.append(time.perf_counter()))

    def one_client(client_number: int) -> list[float]:
        timings = []
        with httpx.Client(base_url=base_url, headers=HEADERS, timeout=60) as client:
            client.get("/healthz")  # connect before the clock starts
            ready.wait()
            started = clock[0]
            for number in range(requests):
                due = time.perf_counter()
                if rate:
                    due = started + (client_number / clients + number) / rate
                    time.sleep(max(0.0, due - time.perf_counter()))
                response = call(client, client_number * requests + number)
                timings.append(time.perf_counter() - due)
                response.raise_for_status()
        return timings

    with ThreadPoolExecutor(max_workers=clients) as pool:
        timings = [t for ts in pool.map(one_client, range(clients)) for t in ts]
    return timings, len(timings) / (time.perf_counter() - clock[0])


def report(name: str, samples: list[float], baseline: list[float]) -> None:
    p50, p99 = percentile(samples, 0.50), percentile(samples, 0.99)
    base50, base99 = percentile(baseline, 0.50), percentile(baseline, 0.99)
    print(
        f"{name}: {len(samples)} requests, p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms "
        f"(baseline /healthz p50 {base50 * 1000:.1f} ms, p99 {base99 * 1000:.1f} ms -> "
        f"{p50 / base50:.1f}x / {p99 / base99:.1f}x)"
    )


def mirror_lags(settings: Settings) -> list[float]:
    with session_scope(settings.database_url) as session:
        details = session.scalars(
            select(PipelineJobEvent.detail).where(PipelineJobEvent.kind == "status")
        ).all()
    return [d["mirror_lag_seconds"] for d in details if "mirror_lag_seconds" in d]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=1.0, help="requests/s per client")
    parser.add_argument("--requests", type=int, default=20, help="per client, paced phases")
    parser.add_argument("--saturate", type=int, default=10, help="per client, back to back")
    parser.add_argument("--finished", type=int, default=20, help="jobs to wait for (mirror lag)")
    parser.add_argument("--app-db-url")
    parser.add_argument("--dagster-postgres-url")
    args = parser.parse_args()
    overrides = database_overrides(args.app_db_url, args.dagster_postgres_url)
    with running_stack(api_tokens={TOKEN: "operator"}, **overrides) as stack:
        base_url = f"http://127.0.0.1:{stack.settings.api_port}"
        with httpx.Client(base_url=base_url, headers=HEADERS, timeout=60) as client:
            upload = client.post("/api/v1/documents", files={"file": ("s.txt", b"Revenue 1,250\n")})
            upload.raise_for_status()
            document_id = upload.json()["document_id"]
        body = {"job_type": "ocr_extraction", "params": {"document_id": document_id}}
        job_ids: list[str] = []

        def submit(client: httpx.Client, _: int) -> httpx.Response:
            response = client.post("/api/v1/jobs", json=body)
            job_ids.append(response.json()["job_id"])
            return response

        def read(client: httpx.Client, number: int) -> httpx.Response:
            return client.get(f"/api/v1/jobs/{job_ids[number % len(job_ids)]}")

        def measure(label: str) -> None:
            paced = f"{label}, {args.clients} clients x {args.rate:g}/s"
            load = (args.clients, args.requests)
            healthz, _ = under_load(base_url, *load, lambda c, _: c.get("/healthz"), args.rate)
            submissions, _ = under_load(base_url, *load, submit, args.rate)
            reads, _ = under_load(base_url, *load, read, args.rate)
            report(f"{paced}, submission (POST /api/v1/jobs)", submissions, healthz)
            report(f"{paced}, status read (GET /api/v1/jobs/{{id}})", reads, healthz)
            verdict = "met" if percentile(submissions, 0.99) <= TARGET_P99_SECONDS else "NOT met"
            print(f"{paced}: submission p99 <= {TARGET_P99_SECONDS * 1000:.0f} ms: {verdict}")
            saturated, throughput = under_load(base_url, args.clients, args.saturate, submit)
            healthz, healthz_throughput = under_load(
                base_url, args.clients, args.saturate, lambda c, _: c.get("/healthz")
            )
            report(f"{label}, saturated (back to back), submission", saturated, healthz)
            print(
                f"{label}, saturated: {throughput:.0f} submissions/s "
                f"(/healthz {healthz_throughput:.0f}/s)"
            )

        stack.stop_service("webserver")
        measure("webserver down (request path alone)")
        stack.restart("webserver")
        measure("everything up (runs competing for the cores)")
        deadline = time.monotonic() + 600
        while len(mirror_lags(stack.settings)) < args.finished and time.monotonic() < deadline:
            time.sleep(2)
        lags = mirror_lags(stack.settings)
    print(
        f"mirror lag over {len(lags)} finished jobs: median {statistics.median(lags):.2f} s, "
        f"p90 {percentile(lags, 0.90):.2f} s, max {max(lags):.2f} s (target median <= 5 s)"
    )


if __name__ == "__main__":
    main()
