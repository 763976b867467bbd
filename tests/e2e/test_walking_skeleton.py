"""End to end through real processes: API and inbox submissions end as succeeded jobs."""

from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests import fixtures
from tests.conftest import known_documents
from tests.e2e.conftest import OPERATOR, RunningStack

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
    assert submitted["status"] == "pending"  # recorded; the outbox submits it at once
    job = running_stack.wait_for_job(submitted["job_id"], {"succeeded", "failed", "dead_letter"})
    print(f"submit -> succeeded in {time.monotonic() - started:.1f}s")
    assert job["status"] == "succeeded", job
    assert job["dagster_run_id"] and job["attempts"] == 1
    assert job["started_at"] and job["finished_at"]

    document = api.get(f"/api/v1/documents/{document_id}").json()
    assert document["status"] == "extracted"
    (page,) = document["pages"]
    assert page["engine"] == "native" and "1,234.50" in page["text"]


def test_fifty_concurrent_identical_requests_make_exactly_one_job_and_one_run(
    running_stack: RunningStack,
) -> None:
    upload = running_stack.api.post(
        "/api/v1/documents", files={"file": ("concurrent.txt", b"Revenue 5,000.00\n")}
    )
    assert upload.status_code == 202, upload.text
    body = {"job_type": "ocr_extraction", "params": {"document_id": upload.json()["document_id"]}}
    headers = {**OPERATOR, "Idempotency-Key": f"concurrent-{uuid.uuid4()}"}
    url = f"http://127.0.0.1:{running_stack.settings.api_port}/api/v1/jobs"
    with (
        httpx.Client(timeout=60, limits=httpx.Limits(max_connections=50)) as client,
        ThreadPoolExecutor(max_workers=50) as pool,
    ):
        responses = list(
            pool.map(lambda _: client.post(url, json=body, headers=headers), range(50))
        )
    assert [r.status_code for r in responses] == [202] * 50, responses[0].text
    (job_id,) = {r.json()["job_id"] for r in responses}
    assert sum(r.headers.get("Idempotent-Replay") == "true" for r in responses) == 49
    job = running_stack.wait_for_job(job_id, {"succeeded", "failed", "dead_letter"})
    assert job["status"] == "succeeded" and job["attempts"] == 1
    assert running_stack.gateway().runs_for_job(job_id) == [job["dagster_run_id"]]
    conflict = running_stack.api.post(
        "/api/v1/jobs",
        json={**body, "job_type": "numeric_check"},  # the same key with another body
        headers={"Idempotency-Key": headers["Idempotency-Key"]},
    )
    assert conflict.status_code == 409, conflict.text


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

    job = running_stack.api.get(
        f"/api/v1/jobs/{running_stack.wait_for(sensor_job, timeout=180)['job_id']}"
    ).json()
    assert job["dagster_run_id"] and job["params"]["partition_key"].startswith("doc-")
    assert not dropped.exists()


def test_many_files_dropped_at_once_run_as_one_batch_with_a_rollup(
    running_stack: RunningStack,
) -> None:
    inbox = running_stack.settings.inbox_dir
    assert inbox
    files = {
        f"bulk-{number}.pdf": fixtures.text_pdf([f"Bulk statement {number}", "Revenue 9,876.50"])
        for number in range(5)
    } | {"bulk-broken.pdf": b"%PDF-1.7\n% bulk\n" + b"\x00" * 64}  # bytes no other test sends
    # Written fresh (the sensor waits until a file is 2 s old), then all aged at once, so one
    # sensor tick sees the six together whatever the machine's load.
    for name, content in files.items():
        (inbox / name).write_bytes(content)
    aged = time.time() - 10
    for name in files:
        os.utime(inbox / name, (aged, aged))

    def batch_job() -> dict | None:
        jobs = running_stack.api.get("/api/v1/jobs?job_type=ocr_batch").json()["items"]
        return jobs[0] if jobs and jobs[0]["status"] == "succeeded" else None

    job = running_stack.wait_for(batch_job, timeout=180)
    detail = running_stack.api.get(f"/api/v1/jobs/{job['job_id']}").json()
    assert job["source"] == "sensor" and detail["params"] == {"documents": 6}
    assert "params" not in job  # lists carry summaries
    # The malformed PDF fails alone, with its reason; the batch run itself succeeds.
    assert detail["documents"] == {
        "total": 6,
        "succeeded": 5,
        "needs_review": 0,
        "failed": 1,
        "pending": 0,
    }


def test_an_unreadable_number_on_a_scan_becomes_exactly_one_review_item(
    running_stack: RunningStack,
) -> None:
    api = running_stack.api
    upload = api.post(
        "/api/v1/documents", files={"file": ("damaged.pdf", fixtures.damaged_number_scan())}
    )
    assert upload.status_code == 202, upload.text
    document_id = upload.json()["document_id"]
    job = running_stack.wait_for_job(
        upload.json()["job_id"], {"succeeded", "needs_review", "failed"}, 240
    )
    assert job["status"] == "needs_review", job
    assert job["error"] == "numbers waiting for a reviewer: 1", job["error"]
    document = api.get(f"/api/v1/documents/{document_id}").json()
    assert document["status"] == "needs_review"
    items = api.get("/api/v1/review-items?status=open&limit=500").json()["items"]
    mine = [item for item in items if item["document_id"] == document_id]
    assert len(mine) == 1, mine
    assert mine[0]["page_index"] == 0 and mine[0]["box"] and mine[0]["crop_url"]
    crop = api.get(mine[0]["crop_url"])
    assert crop.status_code == 200 and crop.content.startswith(b"\x89PNG")
    assert "777" in mine[0]["raw"]


# Enough jobs to interleave the outbox's sweeps with the restart; the volume run (100 jobs and
# more) is `bench/api_bench.py`, which stops the webserver the same way.
OUTBOX_JOBS = 10


def test_jobs_submitted_while_the_webserver_is_down_each_get_exactly_one_run(
    running_stack: RunningStack,
) -> None:
    api = running_stack.api
    upload = api.post(
        "/api/v1/documents", files={"file": ("outbox.txt", b"Cash 12,500\nEquity 3,400\n")}
    )
    document_id = upload.json()["document_id"]
    running_stack.wait_for_job(upload.json()["job_id"], {"succeeded"})
    running_stack.stack.stop_service("webserver")
    try:
        submitted = [
            api.post(
                "/api/v1/jobs",
                json={"job_type": "numeric_check", "params": {"document_id": document_id}},
            )
            for _ in range(OUTBOX_JOBS)
        ]
        assert {r.status_code for r in submitted} == {202}
        assert {r.json()["status"] for r in submitted} == {"pending"}
    finally:
        running_stack.stack.restart("webserver")
    for response in submitted:
        job = running_stack.wait_for_job(response.json()["job_id"], {"succeeded"}, timeout=300)
        assert job["attempts"] == 1 and job["dagster_run_id"]
    gateway = running_stack.gateway()
    runs = [run for r in submitted for run in gateway.runs_for_job(r.json()["job_id"])]
    assert len(runs) == len(set(runs)) == OUTBOX_JOBS  # one run per job: no fewer, no more


def test_a_failed_job_retries_as_a_new_attempt(running_stack: RunningStack) -> None:
    api = running_stack.api
    # Registered, but its original is gone from the store: every extraction fails.
    known_documents(running_stack.settings, ["doc-lost"])
    response = api.post(
        "/api/v1/jobs", json={"job_type": "ocr_extraction", "params": {"document_id": "doc-lost"}}
    )
    job = running_stack.wait_for_job(response.json()["job_id"], {"failed", "dead_letter"})
    assert "is not in the document store" in job["error"]
    retried = api.post(f"/api/v1/jobs/{job['job_id']}/retry")
    assert retried.status_code == 202, retried.text
    assert retried.json()["attempts"] == 2
    again = running_stack.wait_for_job(job["job_id"], {"failed", "dead_letter"})
    assert again["dagster_run_id"] != job["dagster_run_id"] and again["attempts"] == 2
    assert api.get("/metrics").status_code == 200


LAUNCH_BACKFILL = """
mutation Backfill($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}
"""


def test_a_backfill_launched_in_dagster_is_one_job_with_a_rollup(
    running_stack: RunningStack,
) -> None:
    api = running_stack.api
    uploads = [
        ("backfill-a.pdf", fixtures.text_pdf(["Backfill A", "Revenue 5,432.10"])),
        ("backfill-b.pdf", fixtures.text_pdf(["Backfill B", "Revenue 6,543.21"])),
        ("backfill-broken.pdf", b"%PDF-1.7\n" + b"\x01" * 64),
    ]
    document_ids = []
    for name, content in uploads:
        upload = api.post("/api/v1/documents", files={"file": (name, content)}).json()
        running_stack.wait_for_job(upload["job_id"], {"succeeded", "failed", "dead_letter"})
        document_ids.append(upload["document_id"])

    # What the UI sends for "Launch backfill" on ocr_extraction_job, over three partitions.
    repository = {"repositoryLocationName": "preciso", "repositoryName": "__repository__"}
    params = {
        "selector": {
            "partitionSetName": "ocr_extraction_job_partition_set",
            "repositorySelector": repository,
        },
        "partitionNames": document_ids,
    }
    response = httpx.post(
        f"http://127.0.0.1:{running_stack.settings.web_port}/graphql",
        json={"query": LAUNCH_BACKFILL, "variables": {"params": params}},
        timeout=30,
    ).json()["data"]["launchPartitionBackfill"]
    assert response["__typename"] == "LaunchBackfillSuccess", response

    def backfill_job() -> dict | None:
        jobs = api.get("/api/v1/jobs?source=backfill&limit=500").json()["items"]
        details = [api.get(f"/api/v1/jobs/{j['job_id']}").json() for j in jobs]
        found = [j for j in details if j["params"].get("backfill_id") == response["backfillId"]]
        assert len(found) <= 1, found  # one job for the whole backfill, never one per run
        return found[0] if found and found[0]["status"] in ("failed", "dead_letter") else None

    job = running_stack.wait_for(backfill_job, timeout=240)
    assert job["source"] == "backfill" and job["attempts"] == 3
    assert "1 of 3 partitions failed" in job["error"] and document_ids[2] in job["error"]
    detail = api.get(f"/api/v1/jobs/{job['job_id']}").json()
    assert detail["documents"] == {
        "total": 3,
        "succeeded": 2,
        "needs_review": 0,
        "failed": 1,
        "pending": 0,
    }


@pytest.mark.parametrize("running_stack", ["sqlite"], indirect=True)  # job paths run on both
def test_a_heavy_question_runs_as_a_rag_query_job_and_its_answer_is_read_back(
    running_stack: RunningStack,
) -> None:
    api = running_stack.api
    statement = fixtures.statement_pdf("Async statement", ["2022"], [("Revenue", ["4,321.09"])])
    upload = api.post("/api/v1/documents", files={"file": ("rag.pdf", statement)}).json()
    running_stack.wait_for_job(upload["job_id"], {"succeeded"})
    asked_at = time.monotonic()
    asked = api.post(
        "/api/v1/queries",
        json={"question": "revenue by fiscal year", "document_ids": [upload["document_id"]]},
    )
    assert asked.status_code == 202, asked.text
    job = running_stack.wait_for_job(asked.json()["job_id"], {"succeeded", "failed", "dead_letter"})
    assert job["status"] == "succeeded" and job["job_type"] == "rag_query", job["error"]
    answered = api.get(asked.headers["Location"]).json()
    print(f"async question answered {time.monotonic() - asked_at:.1f}s after it was asked")
    assert answered["status"] == "answered" and answered["mode"] == "async"
    rows = answered["answer"]["aggregate"]["rows"]
    assert [(row["period"], row["total"]) for row in rows] == [("2022", "4321.09")]
