"""Bulk arrivals: one-page text PDFs dropped in the inbox of a real stack, until all are checked.

Starts dagster-webserver, dagster-daemon and the API bridge on free ports in a temporary
folder, drops N distinct one-page text PDFs in the inbox, and waits until every document
has its outcome recorded (extracted, numbers verified, normalised, candidates checked).
Baseline, measured in the same process on the same files: the extraction code alone
(`extract_document` plus its number listing), one file after another, without Dagster.
Target: 1,000 documents within 5 minutes on 2 cores.

Usage: python -m bench.inbox_bench [--documents N] [--batch-size N]
       [--app-db-url URL] [--dagster-postgres-url URL]   (two different databases)
       [--profile celery --workers N]   (steps on N Celery workers; needs both URLs)
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from typing import Any

import pymupdf
from sqlalchemy import func, select

from bench.stack import database_overrides, running_stack
from preciso_dagster.core.appdb.models import RunDocument
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.extraction.extraction import extract_document
from preciso_dagster.core.settings import Settings

TARGET_SECONDS = 300


def statement_pdf(number: int) -> bytes:
    """A one-page statement whose numbers differ per document (so every sha256 differs)."""
    document = pymupdf.open()
    page = document.new_page()
    lines = [f"Statement {number:05d}", "Consolidated statement of income (USD)"]
    lines += [
        f"{label} {(number * 7919 + row * 104729) % 9_000_000 + 1000:,}.{row:02d}"
        for row, label in enumerate(
            ["Revenue", "Cost of sales", "Gross profit", "Operating expenses", "Net income"]
        )
    ]
    for row, line in enumerate(lines):
        page.insert_text((50, 60 + row * 20), line)
    return document.tobytes()


def baseline_seconds(files: list[bytes]) -> float:
    started = time.perf_counter()
    for number, content in enumerate(files):
        extract_document(content, f"s{number}.pdf").to_record()
    return time.perf_counter() - started


def outcomes(settings: Settings) -> tuple[Counter[str], int]:
    with session_scope(settings.database_url) as session:
        counts = Counter(
            dict(
                session.execute(
                    select(RunDocument.outcome, func.count()).group_by(RunDocument.outcome)
                ).all()
            )
        )
        runs = session.scalar(select(func.count(func.distinct(RunDocument.run_id)))) or 0
    return counts, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--app-db-url", help="the app database, PostgreSQL for example")
    parser.add_argument("--dagster-postgres-url", help="Dagster's storage on PostgreSQL")
    parser.add_argument("--profile", choices=["default", "celery"], default="default")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers (celery profile)")
    args = parser.parse_args()
    files = [statement_pdf(number) for number in range(args.documents)]
    baseline = baseline_seconds(files)
    overrides: dict[str, Any] = {**database_overrides(args.app_db_url, args.dagster_postgres_url)}
    if args.profile == "celery":
        overrides |= {"profile": "celery", "celery_workers": args.workers}
    with running_stack(ocr_batch_size=args.batch_size, **overrides) as stack:
        settings = stack.settings
        assert settings.inbox_dir is not None
        for number, content in enumerate(files):
            (settings.inbox_dir / f"statement-{number:05d}.pdf").write_bytes(content)
        started = time.monotonic()
        done = 0
        while time.monotonic() - started < 3 * TARGET_SECONDS:
            counts, runs = outcomes(settings)
            done = sum(counts.values())
            if done >= args.documents:
                break
            time.sleep(1)
        elapsed = time.monotonic() - started
    print(
        f"inbox ({args.profile} profile"
        + (f", {args.workers} Celery workers" if args.profile == "celery" else "")
        + f"), {args.documents} one-page text PDFs, batches of {args.batch_size}: "
        f"{done} checked in {elapsed:.1f} s ({done / elapsed:.1f} documents/s) over {runs} runs; "
        f"outcomes {dict(counts)} (target: all within {TARGET_SECONDS} s)"
    )
    print(
        f"baseline, the extraction code alone on the same files: {baseline:.1f} s "
        f"({args.documents / baseline:.0f} documents/s) -> the pipeline takes "
        f"{elapsed / baseline:.1f}x the baseline's time"
    )


if __name__ == "__main__":
    main()
