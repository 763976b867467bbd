"""The `celery` profile with real processes: steps on two Celery workers over RabbitMQ.

Needs RabbitMQ on 127.0.0.1:5672 and PRECISO_TEST_POSTGRES_URL (the profile keeps both
databases on PostgreSQL); skipped with the reason otherwise. The stack is the one `make run`
starts with PRECISO_PROFILE=celery PRECISO_CELERY_WORKERS=2.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pymupdf
import pytest
from PIL import Image
from sqlalchemy import create_engine, make_url, text

from bench.generated_pages import generated_pages
from bench.numeric_bench import scan_pdf
from preciso_dagster.cli.supervisor import stack_on_free_ports
from tests import fixtures
from tests.conftest import POSTGRES_URL, REPO_ROOT, drop_postgres_database, fresh_postgres_database
from tests.e2e.conftest import TOKENS, RunningStack
from tests.e2e.run_worker_faults import kill_the_run_worker_mid_run


def _rabbitmq_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.e2e,
    pytest.mark.celery,
    pytest.mark.skipif(not _rabbitmq_answers(), reason="RabbitMQ does not answer on :5672"),
    pytest.mark.skipif(
        not POSTGRES_URL, reason="the celery profile needs PRECISO_TEST_POSTGRES_URL"
    ),
]

WORKERS = 2
OCR_QUEUE_LIMIT = 2  # dagster.yaml: tag_concurrency_limits, preciso/queue=ocr
RUN_TIMES = """
query RunTimes($runId: ID!) { runOrError(runId: $runId) { ... on Run { startTime endTime } } }
"""
RUN_EVENTS = """
query RunEvents($runId: ID!, $cursor: String) {
  logsForRun(runId: $runId, afterCursor: $cursor, limit: 1000) {
    ... on EventConnection {
      cursor
      hasMore
      events {
        __typename
        ... on MessageEvent { message stepKey }
        ... on EngineEvent { metadataEntries { label ... on TextMetadataEntry { text } } }
      }
    }
  }
}
"""


@pytest.fixture(scope="module")
def celery_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    assert POSTGRES_URL
    app_url, dagster_url = (
        fresh_postgres_database(POSTGRES_URL),
        fresh_postgres_database(POSTGRES_URL),
    )
    stack = stack_on_free_ports(
        tmp_path_factory.mktemp("celery") / "var",
        REPO_ROOT,
        api_tokens=TOKENS,
        profile="celery",
        celery_workers=WORKERS,
        database_url=app_url,
        dagster_postgres_url=dagster_url,
    )
    stack.start(timeout=240)
    try:
        yield RunningStack(stack)
    finally:
        stack.stop()
        for url in (app_url, dagster_url):
            drop_postgres_database(POSTGRES_URL, url)


def _run_events(stack: RunningStack, run_id: str) -> list[dict]:
    events: list[dict] = []
    cursor = None
    while True:
        body = httpx.post(
            f"http://127.0.0.1:{stack.settings.web_port}/graphql",
            json={"query": RUN_EVENTS, "variables": {"runId": run_id, "cursor": cursor}},
            timeout=30,
        ).json()
        page = body["data"]["logsForRun"]
        events += page["events"]
        cursor = page["cursor"]
        if not page["hasMore"]:
            return events


def _step_workers(events: list[dict]) -> list[tuple[str, str]]:
    """(step key, Celery worker) for each step execution a worker reported, in order."""
    placed = []
    for event in events:
        entries = {e["label"]: e.get("text") for e in event.get("metadataEntries") or []}
        if "Celery worker" in entries:
            placed.append((event["stepKey"], entries["Celery worker"]))
    return placed


def _text_pdf(number: int) -> bytes:
    document = pymupdf.open()
    page = document.new_page()
    page.insert_text((72, 72), f"Statement {number}\nRevenue {1000 + number:,}.50\nCost (200)")
    data = document.tobytes()
    document.close()
    return data


def _upload(stack: RunningStack, name: str, data: bytes) -> dict:
    response = stack.api.post("/api/v1/documents", files={"file": (name, data)})
    assert response.status_code == 202, response.text
    return response.json()


def test_readyz_reports_the_broker_and_the_live_workers(celery_stack: RunningStack) -> None:
    response = celery_stack.api.get("/readyz")
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert (checks["broker"], checks["workers"]) == ("ok", str(WORKERS))


def test_twenty_documents_run_their_steps_on_both_workers(celery_stack: RunningStack) -> None:
    uploads = [_upload(celery_stack, f"celery-{n}.pdf", _text_pdf(n)) for n in range(20)]
    jobs = [
        celery_stack.wait_for_job(u["job_id"], {"succeeded", "failed", "dead_letter"}, 900)
        for u in uploads
    ]
    assert [job["status"] for job in jobs] == ["succeeded"] * 20, jobs
    assert {job["attempts"] for job in jobs} == {1}
    placed: Counter[str] = Counter()
    for job in jobs:
        steps = _step_workers(_run_events(celery_stack, job["dagster_run_id"]))
        assert steps, f"no step of run {job['dagster_run_id']} reported a Celery worker"
        keys = [key for key, _ in steps]
        assert len(keys) == len(set(keys)), f"a step ran twice: {steps}"
        placed.update(worker.split("@")[0] for _, worker in steps)
    assert set(placed) == {f"preciso-worker-{n}" for n in range(1, WORKERS + 1)}, placed
    print(f"steps per worker: {dict(placed)}")
    # The queue's tag limit holds as in the default profile: at most 2 OCR runs at once.
    spans = [_run_span(celery_stack, job["dagster_run_id"]) for job in jobs]
    overlap = max(sum(start <= moment < end for start, end in spans) for moment, _ in spans)
    assert 1 <= overlap <= OCR_QUEUE_LIMIT, spans


def _run_span(stack: RunningStack, run_id: str) -> tuple[float, float]:
    """When Dagster started and ended the run (epoch seconds)."""
    body = httpx.post(
        f"http://127.0.0.1:{stack.settings.web_port}/graphql",
        json={"query": RUN_TIMES, "variables": {"runId": run_id}},
        timeout=30,
    ).json()
    run = body["data"]["runOrError"]
    return run["startTime"], run["endTime"]


def test_a_worker_killed_mid_step_hands_the_step_to_the_other_worker(
    celery_stack: RunningStack,
) -> None:
    (page,) = [p for p in generated_pages(1) if p.document_class == "2 amount columns"]
    with pymupdf.open(stream=page.pdf) as document:
        pixmap = document[0].get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
    upload = _upload(celery_stack, "killed-worker.pdf", scan_pdf(image, 200))

    def ocr_step_placed() -> tuple[str, str] | None:
        job = celery_stack.api.get(f"/api/v1/jobs/{upload['job_id']}").json()
        if not job["dagster_run_id"]:
            return None
        steps = _step_workers(_run_events(celery_stack, job["dagster_run_id"]))
        return next(((k, w) for k, w in steps if k == "document_pages"), None)

    _, worker = celery_stack.wait_for(ocr_step_placed, timeout=300, every=0.2)
    name = worker.split("@")[0].replace("preciso-worker-", "celery-worker-")
    service = celery_stack.stack.service(name)
    assert service.process is not None
    os.killpg(service.process.pid, signal.SIGKILL)  # the worker's host is gone, mid-OCR
    service.process.wait()
    killed_at = time.monotonic()

    job = celery_stack.wait_for_job(upload["job_id"], {"succeeded", "failed", "dead_letter"}, 600)
    print(f"kill -> {job['status']} in {time.monotonic() - killed_at:.1f}s")
    assert job["status"] == "succeeded", job
    events = _run_events(celery_stack, job["dagster_run_id"])
    ocr_runs = [w for k, w in _step_workers(events) if k == "document_pages"]
    assert ocr_runs[0] == worker and len(ocr_runs) == 2 and ocr_runs[1] != worker, ocr_runs
    successes = [
        e for e in events if e["__typename"] == "ExecutionStepSuccessEvent" and e["stepKey"]
    ]
    keys = [e["stepKey"] for e in successes]
    assert len(keys) == len(set(keys)), f"a step succeeded twice: {keys}"
    materialized = [
        e
        for e in events
        if e["__typename"] == "MaterializationEvent" and e["stepKey"] == "document_pages"
    ]
    assert len(materialized) == 1
    document = celery_stack.api.get(f"/api/v1/documents/{upload['document_id']}").json()
    assert document["status"] in {"extracted", "needs_review"}, document

    celery_stack.stack.restart(name)
    celery_stack.stack.wait_for_workers(WORKERS, timeout=120)


def test_a_killed_run_worker_is_reclaimed_and_retried_as_in_the_default_profile(
    celery_stack: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Run monitoring and run retries: the run worker (the executor's loop, on the daemon's
    # host) dies while its step runs on a Celery worker.
    kill_the_run_worker_mid_run(celery_stack, monkeypatch)


@contextlib.contextmanager
def _refusing_connections(database_url: str) -> Iterator[None]:
    """The database refuses every connection, and the open ones are cut, until the block ends."""
    assert POSTGRES_URL
    name = make_url(database_url).database
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


def test_a_step_the_database_refused_is_retried_by_its_retry_policy_on_a_worker(
    celery_stack: RunningStack,
) -> None:
    upload = _upload(celery_stack, "refused.pdf", fixtures.scanned_pdf())
    gateway = celery_stack.gateway()

    def up_for_retry() -> str | None:
        runs = gateway.runs_for_job(upload["job_id"])
        if not runs:
            return None
        (run_id,) = runs
        events = _run_events(celery_stack, run_id)
        retried = any(
            e["__typename"] == "ExecutionStepUpForRetryEvent" and e["stepKey"] == "document_pages"
            for e in events
        )
        return run_id if retried else None

    # The app database goes away before the run's first step reads its document: the step
    # fails on a worker, and TRANSIENT_RETRY_POLICY (defs/retries.py) sends it again.
    with _refusing_connections(celery_stack.settings.database_url):
        run_id = celery_stack.wait_for(up_for_retry, timeout=180, every=0.2)

    job = celery_stack.wait_for_job(upload["job_id"], {"succeeded", "failed", "dead_letter"}, 300)
    assert job["status"] == "succeeded", job
    assert (job["attempts"], job["dagster_run_id"]) == (1, run_id)  # a step retry, not a new run
    events = _run_events(celery_stack, run_id)
    kinds = Counter(e["__typename"] for e in events if e.get("stepKey") == "document_pages")
    assert kinds["ExecutionStepUpForRetryEvent"] >= 1 and kinds["ExecutionStepRestartEvent"] >= 1
    assert (kinds["ExecutionStepSuccessEvent"], kinds["MaterializationEvent"]) == (1, 1), kinds
    placed = [w for k, w in _step_workers(events) if k == "document_pages"]
    assert len(placed) == 1 + kinds["ExecutionStepRestartEvent"], placed  # each try on a worker
    document = celery_stack.api.get(f"/api/v1/documents/{upload['document_id']}").json()
    assert document["status"] in {"extracted", "needs_review"}, document
