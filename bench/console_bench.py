"""Console page latency with 10,000 review items, through a real uvicorn server.

Seeds an app database (SQLite by default, `--app-db-url` for PostgreSQL) with 200 documents,
10,000 open review items (two kinds, twelve reasons), 3,000 jobs with their events and 5,000
line items (half approved), then requests every console page `--repeat` times in turn, signed
in as an admin, and reports p50 and p95 per page. Target: p95 <= 300 ms on every page.
Baseline, measured in the same process with the same client: `GET /healthz` (no database),
and the JSON API's list of review items, so the ratios show what rendering a page adds.

Usage: python -m bench.console_bench [--repeat N] [--items N] [--app-db-url URL]
"""

from __future__ import annotations

import argparse
import logging
import random
import socket
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import uvicorn

from api_bridge.main import create_app
from bench.api_bench import percentile
from preciso_dagster.core.appdb.migrate import upgrade
from preciso_dagster.core.appdb.models import (
    ApprovalState,
    Document,
    DocumentStatus,
    JobSource,
    JobStatus,
    PipelineJob,
    PipelineJobEvent,
    ReviewItem,
    TrainingExample,
)
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.settings import Settings

TOKEN = "bench-admin"
TARGET_P95_SECONDS = 0.300
DOCUMENTS, JOBS, EXAMPLES = 200, 3000, 5000
REASONS = [f"the readings disagree ({n})" for n in range(11)] + ["ink no engine read"]
PAGE_TEXT = "\n".join(f"Line item {n}\t{n * 1000 + 17:,}.50" for n in range(40))


def seed(url: str, items: int) -> dict[str, str]:
    """Fill the database; returns ids the page URLs need."""
    rng = random.Random(7)
    page = {
        "index": 0,
        "engine": "tesseract",
        "text": PAGE_TEXT,
        "confidence": 0.9,
        "attempts": [],
        "numbers": [],
        "words": [],
    }
    with session_scope(url) as session:
        documents = [
            Document(
                document_id=f"doc-{n:024x}",
                sha256=f"{n:064x}",
                filename=f"statement-{n}.pdf",
                size_bytes=1000,
                detected_format="pdf",
                status=DocumentStatus.NEEDS_REVIEW,
                page_count=1,
                pages=[page],
            )
            for n in range(DOCUMENTS)
        ]
        session.add_all(documents)
        session.flush()
        session.add_all(
            ReviewItem(
                document_id=documents[n % DOCUMENTS].document_id,
                page_index=0,
                kind="unread_region" if n % 7 == 0 else "number",
                box=[10, 10 + n % 40 * 20, 90, 28 + n % 40 * 20],
                raw=f"{n:,}",
                readings={"tesseract": f"{n:,}", "rapidocr": f"{n + 1:,}"},
                reason=REASONS[n % len(REASONS)],
                value=str(n),
            )
            for n in range(items)
        )
        jobs = [
            PipelineJob(
                job_id=uuid.UUID(int=n + 1),
                job_type=rng.choice(["ocr_extraction", "training"]),
                status=rng.choice(list(JobStatus)),
                source=rng.choice(list(JobSource)),
                params={"document_id": documents[n % DOCUMENTS].document_id},
                dagster_run_id=f"run-{n}",
                attempts=1,
            )
            for n in range(JOBS)
        ]
        session.add_all(jobs)
        session.flush()
        session.add_all(
            PipelineJobEvent(job_id=job.job_id, kind=kind, status=job.status, detail={})
            for job in jobs
            for kind in ("created", "run_attached", "status")
        )
        session.add_all(
            TrainingExample(
                document_id=documents[n % DOCUMENTS].document_id,
                page_index=0,
                span_start=0,
                span_end=10,
                label=f"Line item {n % 300}",
                amount=f"{n}.50",
                proposed_concept="revenue",
                concept="revenue" if n % 2 else None,
                quality=rng.random(),
                approval_state=ApprovalState.APPROVED if n % 2 else ApprovalState.PROPOSED,
            )
            for n in range(EXAMPLES)
        )
    return {"document": documents[DOCUMENTS // 2].document_id, "job": str(jobs[JOBS // 2].job_id)}


def serve(settings: Settings) -> tuple[uvicorn.Server, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--app-db-url", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="console-bench-"))
    url = args.app_db_url or f"sqlite:///{folder / 'app.db'}"
    upgrade(url)
    ids = seed(url, args.items)
    settings = Settings(
        var_dir=folder / "var", database_url=url, api_tokens={TOKEN: "admin"}, web_port=1
    )
    server, base = serve(settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    pages = {
        "healthz (baseline)": "/healthz",
        "API review items (baseline)": "/api/v1/review-items?status=open&limit=25",
        "review, first item": "/ui/review",
        "review, item 9,000": f"/ui/review?position={args.items - 1000}",
        "review, kind filter": "/ui/review?kind=unread_region&position=500",
        "review, reason filter": f"/ui/review?reason={REASONS[3]}",
        "documents": "/ui/documents",
        "documents, last page": f"/ui/documents?offset={DOCUMENTS - 25}",
        "document viewer": f"/ui/documents/{ids['document']}",
        "jobs": "/ui/jobs",
        "jobs, filtered, deep page": "/ui/jobs?status=failed&offset=100",
        "job detail": f"/ui/jobs/{ids['job']}",
        "training": "/ui/training",
        "models": "/ui/models",
    }
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        client.post("/ui/login", data={"token": TOKEN})
        samples: dict[str, list[float]] = {name: [] for name in pages}
        for _ in range(args.repeat):
            for name, path in pages.items():
                started = time.perf_counter()
                response = client.get(path)
                samples[name].append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)
    server.should_exit = True
    baseline = statistics.median(samples["healthz (baseline)"])
    print(
        f"{args.items} review items, {DOCUMENTS} documents, {JOBS} jobs, {EXAMPLES} line items;"
        f" {args.repeat} requests per page; database {url.split(':')[0]}"
    )
    print(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'p50 / healthz':>14}")
    worst = 0.0
    for name, values in samples.items():
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        if not name.endswith("(baseline)"):
            worst = max(worst, p95)
        print(f"{name:32} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {p50 / baseline:14.1f}")
    verdict = "met" if worst <= TARGET_P95_SECONDS else "NOT met"
    target = TARGET_P95_SECONDS * 1000
    print(f"slowest page p95: {worst * 1000:.1f} ms; target {target:.0f} ms {verdict}")


if __name__ == "__main__":
    main()
