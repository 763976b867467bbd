"""Faults injected into real processes: a run worker killed with SIGKILL mid-run, and the
daemon killed with SIGKILL while its sensors tick."""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid

import dagster as dg
import psutil
import pytest
from sqlalchemy import select

from api_bridge.dagster_gateway import DagsterGateway
from preciso_dagster.cli.supervisor import free_port
from preciso_dagster.core.appdb.models import PipelineJobEvent
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.errors import DagsterUnavailableError, SubmissionRefusedError
from preciso_dagster.core.tracking.submissions import RunSpec
from tests import fixtures
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e

RECLAIM_BOUND_SECONDS = 60


def _instance(stack: RunningStack, monkeypatch: pytest.MonkeyPatch) -> dg.DagsterInstance:
    """The stack's own Dagster instance, read with the environment its dagster.yaml names."""
    settings = stack.settings
    monkeypatch.setenv("DAGSTER_HOME", str(settings.dagster_home))
    if settings.dagster_postgres_url is not None:
        monkeypatch.setenv(
            "PRECISO_DAGSTER_POSTGRES_URL", settings.dagster_postgres_url.get_secret_value()
        )
    return dg.DagsterInstance.get()


def _upload_scan(stack: RunningStack) -> tuple[str, str]:
    """Upload a scanned page (OCR takes seconds: time to inject a fault); its job and document."""
    upload = stack.api.post(
        "/api/v1/documents", files={"file": ("scan.pdf", fixtures.scanned_pdf())}
    )
    assert upload.status_code == 202, upload.text
    return upload.json()["job_id"], upload.json()["document_id"]


def test_a_killed_run_worker_is_reclaimed_retried_and_ends_succeeded_once(
    running_stack: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = _instance(running_stack, monkeypatch)
    job_id, document_id = _upload_scan(running_stack)

    def started_worker() -> tuple[str, int] | None:
        job = running_stack.api.get(f"/api/v1/jobs/{job_id}").json()
        if not job["dagster_run_id"]:
            return None
        records = instance.get_records_for_run(
            job["dagster_run_id"], of_type=dg.DagsterEventType.STEP_START, limit=1
        ).records
        return (
            (job["dagster_run_id"], records[0].event_log_entry.dagster_event.pid)
            if records
            else None
        )

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

    job = running_stack.wait_for_job(job_id, {"succeeded", "failed", "dead_letter"}, timeout=300)
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


def test_a_daemon_killed_mid_tick_restarts_and_the_mirror_repairs_what_it_missed(
    running_stack: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = _instance(running_stack, monkeypatch)
    job_id, _ = _upload_scan(running_stack)

    def running_run() -> str | None:
        job = running_stack.api.get(f"/api/v1/jobs/{job_id}").json()
        return job["dagster_run_id"] if job["status"] == "running" else None

    run_id = running_stack.wait_for(running_run, timeout=180, every=0.2)
    # The sensors tick every second, so a SIGKILL now lands in or between ticks with no
    # chance to save a cursor. The run worker goes on without the daemon.
    daemon = running_stack.stack.service("daemon").process
    assert daemon is not None
    daemon.send_signal(signal.SIGKILL)
    daemon.wait()
    killed_at = time.time()

    def finished() -> bool:
        record = instance.get_run_record_by_id(run_id)
        assert record is not None
        return record.dagster_run.status == dg.DagsterRunStatus.SUCCESS

    running_stack.wait_for(finished, timeout=180)
    # The run has ended, but with the daemon dead no mirror tick has run since: the job is stale.
    assert running_stack.sensor_ticks("pipeline_jobs_mirror_sensor", after=killed_at) == []
    assert running_stack.api.get(f"/api/v1/jobs/{job_id}").json()["status"] == "running"
    with contextlib.suppress(ProcessLookupError):
        os.killpg(daemon.pid, signal.SIGKILL)  # its code server, left without a parent

    restarted = time.monotonic()
    running_stack.stack.restart("daemon")
    job = running_stack.wait_for_job(job_id, {"succeeded", "failed", "dead_letter"}, timeout=120)
    print(f"job repaired {time.monotonic() - restarted:.1f}s after the daemon restart")
    assert job["status"] == "succeeded" and job["attempts"] == 1
    with session_scope(running_stack.settings.database_url) as session:
        statuses = session.scalars(
            select(PipelineJobEvent.status).where(
                PipelineJobEvent.job_id == uuid.UUID(job_id), PipelineJobEvent.kind == "status"
            )
        ).all()
    assert statuses.count("succeeded") == 1  # repaired once, not once per sweep


def test_dagster_refusing_a_run_is_told_apart_from_dagster_being_down(
    running_stack: RunningStack,
) -> None:
    refused_config = RunSpec("training_job", run_config={"ops": {"no_such_op": {"config": {}}}})
    with pytest.raises(SubmissionRefusedError, match="RunConfigValidationInvalid"):
        running_stack.gateway().submit(refused_config, {})
    with pytest.raises(DagsterUnavailableError):
        DagsterGateway("127.0.0.1", free_port()).submit(refused_config, {})
