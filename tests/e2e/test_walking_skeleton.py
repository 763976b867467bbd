"""End to end through real processes: API and inbox submissions end as succeeded jobs."""

from __future__ import annotations

import os
import time

import pytest

from tests import fixtures
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def test_readyz_reports_database_and_dagster(running_stack: RunningStack) -> None:
    response = running_stack.api.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"database": "ok", "dagster": "ok"}


def test_job_submitted_over_http_reaches_succeeded(running_stack: RunningStack) -> None:
    api = running_stack.api
    upload = api.post(
        "/api/v1/documents", files={"file": ("statement.txt", b"Revenue 1,234.50\nCost (200)\n")}
    )
    assert upload.status_code == 202, upload.text
    document_id = upload.json()["document_id"]
    running_stack.wait_for_job(upload.json()["job_id"], {"succeeded"})

    started = time.monotonic()
    response = api.post(
        "/api/v1/jobs", json={"job_type": "ocr_extraction", "params": {"document_id": document_id}}
    )
    assert response.status_code == 202, response.text
    submitted = response.json()
    assert submitted["status"] == "queued" and submitted["dagster_run_id"]
    job = running_stack.wait_for_job(submitted["job_id"], {"succeeded", "failed", "dead_letter"})
    print(f"submit -> succeeded in {time.monotonic() - started:.1f}s")
    assert job["status"] == "succeeded", job
    assert job["dagster_run_id"] == submitted["dagster_run_id"] and job["attempts"] == 1
    assert job["started_at"] and job["finished_at"]

    document = api.get(f"/api/v1/documents/{document_id}").json()
    assert document["status"] == "extracted"
    (page,) = document["pages"]
    assert page["engine"] == "native" and "1,234.50" in page["text"]


def test_file_dropped_in_the_inbox_becomes_a_sensor_job(running_stack: RunningStack) -> None:
    inbox = running_stack.settings.inbox_dir
    assert inbox
    dropped = inbox / "dropped.pdf"
    dropped.write_bytes(fixtures.text_pdf(["Net income 42,000"]))
    os.utime(dropped, (time.time() - 10, time.time() - 10))

    def sensor_job() -> dict | None:
        jobs = running_stack.api.get("/api/v1/jobs?job_type=ocr_extraction&limit=100").json()
        found = [j for j in jobs["items"] if j["source"] == "sensor"]
        return found[0] if found and found[0]["status"] == "succeeded" else None

    job = running_stack.wait_for(sensor_job, timeout=180)
    assert job["dagster_run_id"] and job["params"]["partition_key"].startswith("doc-")
    assert not dropped.exists()
