"""A run worker killed mid-run, shared by the profiles (tests/e2e/test_faults.py for the default
profile, tests/e2e/test_celery.py for the celery one): it is reclaimed by run monitoring,
retried by run retries, and its document ends once."""

from __future__ import annotations

import os
import signal
import time

import dagster as dg
import psutil
import pytest

from preciso_dagster.core.tracking.run_tags import JOB_ID_TAG
from tests import fixtures
from tests.e2e.conftest import RunningStack

RECLAIM_BOUND_SECONDS = 60


def stack_instance(stack: RunningStack, monkeypatch: pytest.MonkeyPatch) -> dg.DagsterInstance:
    """The stack's own Dagster instance, read with the environment its dagster.yaml names."""
    settings = stack.settings
    monkeypatch.setenv("DAGSTER_HOME", str(settings.dagster_home))
    if settings.dagster_postgres_url is not None:
        monkeypatch.setenv(
            "PRECISO_DAGSTER_POSTGRES_URL", settings.dagster_postgres_url.get_secret_value()
        )
    return dg.DagsterInstance.get()


def upload_scan(stack: RunningStack) -> tuple[str, str]:
    """Upload a scanned page (OCR takes seconds: time to inject a fault); its job and document."""
    upload = stack.api.post(
        "/api/v1/documents", files={"file": ("scan.pdf", fixtures.scanned_pdf())}
    )
    assert upload.status_code == 202, upload.text
    return upload.json()["job_id"], upload.json()["document_id"]


def kill_the_run_worker_mid_run(
    running_stack: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL the run worker while a step runs, its parent frozen so that only the run
    launcher's health check can see it; the job must end succeeded on its second attempt."""
    instance = stack_instance(running_stack, monkeypatch)
    job_id, document_id = upload_scan(running_stack)

    def started_worker() -> tuple[str, int] | None:
        """The run and its run worker's pid, once a step has started (on a Celery worker, the
        step's own pid is the Celery worker's; the run's start is always the run worker's)."""
        job = running_stack.api.get(f"/api/v1/jobs/{job_id}").json()
        run_id = job["dagster_run_id"]
        if (
            not run_id
            or not instance.get_records_for_run(
                run_id, of_type=dg.DagsterEventType.STEP_START, limit=1
            ).records
        ):
            return None
        (started,) = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.RUN_START, limit=1
        ).records
        return run_id, started.event_log_entry.dagster_event.pid

    first_run, pid = running_stack.wait_for(started_worker, timeout=180, every=0.2)
    # The worker's parent, the code server that launched it, reports a worker that dies while
    # it watches. When the parent is gone too (a host crash, a restarted code server), nothing
    # is left to report it and, with the default launcher, the run stays STARTED forever. The
    # parent is frozen (SIGSTOP) while the worker is killed mid-run (OCR of the page takes
    # seconds), so only the launcher's health check can see it; it is thawed afterwards so the
    # stack can launch the retry.
    code_server = psutil.Process(pid).parent()
    assert code_server is not None and "grpc" in " ".join(code_server.cmdline())
    code_server.suspend()
    try:
        os.kill(pid, signal.SIGKILL)
        killed_at = time.time()

        def failed() -> float | None:
            record = instance.get_run_record_by_id(first_run)
            assert record is not None
            if record.dagster_run.status != dg.DagsterRunStatus.FAILURE:
                return None
            return record.end_time

        # Watched closely: the code server is thawed the moment the run is failed, before the
        # daemon can launch the retry through it (a launch into a frozen server can be lost).
        ended = running_stack.wait_for(failed, timeout=RECLAIM_BOUND_SECONDS + 30, every=0.05)
    finally:
        code_server.resume()
    print(f"killed worker reclaimed {ended - killed_at:.1f}s after the kill")
    assert ended - killed_at <= RECLAIM_BOUND_SECONDS
    failure = instance.get_records_for_run(
        first_run, of_type=dg.DagsterEventType.RUN_FAILURE, limit=1
    ).records[0]
    assert "is gone" in (failure.event_log_entry.dagster_event.message or "")

    try:
        job = running_stack.wait_for_job(
            job_id, {"succeeded", "failed", "dead_letter"}, timeout=300
        )
    except AssertionError as stranded:
        raise AssertionError(f"{stranded}\n{where_the_job_stands(instance, job_id)}") from None
    assert job["status"] == "succeeded", (job["error"], job["attempts"])
    assert job["attempts"] == 2 and job["dagster_run_id"] != first_run
    assert sorted(running_stack.gateway().runs_for_job(job_id)) == sorted(
        [first_run, job["dagster_run_id"]]
    )
    document = running_stack.api.get(f"/api/v1/documents/{document_id}").json()
    assert document["status"] in ("extracted", "needs_review")
    assert [page["index"] for page in document["pages"]] == [0]  # written once, not twice
    items = running_stack.api.get("/api/v1/review-items?status=open&limit=500").json()["items"]
    mine = [
        (i["page_index"], i["raw"], tuple(i["box"] or ()))
        for i in items
        if i["document_id"] == document_id
    ]
    assert len(set(mine)) == len(mine)  # each unverified number once, however many attempts


def where_the_job_stands(instance: dg.DagsterInstance, job_id: str) -> str:
    """Every run of the job with its status, retry tags and last events: what a stranded job
    was waiting for, in the failure message (CI keeps no logs)."""
    lines = []
    for record in instance.get_run_records(dg.RunsFilter(tags={JOB_ID_TAG: job_id})):
        run = record.dagster_run
        tags = {key: value for key, value in run.tags.items() if key.startswith("dagster/")}
        lines.append(f"run {run.run_id} {run.status.value} {tags}")
        for entry in instance.all_logs(run.run_id)[-8:]:
            lines.append(f"    {entry.dagster_event_type} {entry.message[:200]!r}")
    return "\n".join(lines) or "no run carries the job id"
