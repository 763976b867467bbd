"""Faults injected into real processes: a run worker killed with SIGKILL mid-run, and the
daemon killed with SIGKILL while its sensors tick."""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid

import dagster as dg
import pytest
from sqlalchemy import select

from api_bridge.dagster_gateway import DagsterGateway
from preciso_dagster.cli.supervisor import free_port
from preciso_dagster.core.appdb.models import PipelineJobEvent
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.errors import DagsterUnavailableError, SubmissionRefusedError
from preciso_dagster.core.tracking.submissions import RunSpec
from preciso_dagster.defs.tracking.run_observer import WILL_RETRY_TAG
from preciso_dagster.defs.tracking.stranded_retries import GRACE, PARENT_RUN_ID_TAG
from tests.conftest import known_documents
from tests.e2e.conftest import SQLITE_ONLY, RunningStack
from tests.e2e.run_worker_faults import kill_the_run_worker_mid_run, stack_instance, upload_scan

pytestmark = pytest.mark.e2e
FAILURE = dg.DagsterEventType.RUN_FAILURE


def test_a_killed_run_worker_is_reclaimed_retried_and_ends_succeeded_once(
    running_stack: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    kill_the_run_worker_mid_run(running_stack, monkeypatch)


def test_a_daemon_killed_mid_tick_restarts_and_the_mirror_repairs_what_it_missed(
    running_stack: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = stack_instance(running_stack, monkeypatch)
    job_id, _ = upload_scan(running_stack)

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


@SQLITE_ONLY
def test_a_failure_the_retry_daemon_missed_is_retried_by_the_stranded_retries_sensor(
    running_stack: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The daemon misses a failure when it reads the event before the run's status changes (a
    # race in Dagster's storage order, seen in CI). The state it leaves is made here from a
    # failed run the daemon rightly did not retry: promised a retry, for a failure that is
    # not an asset's, and the daemon's cursor past its failure event.
    instance = stack_instance(running_stack, monkeypatch)
    known_documents(running_stack.settings, ["doc-stranded"])
    response = running_stack.api.post(
        "/api/v1/jobs",
        json={"job_type": "ocr_extraction", "params": {"document_id": "doc-stranded"}},
    )
    job = running_stack.wait_for_job(response.json()["job_id"], {"failed", "dead_letter"})
    stranded = job["dagster_run_id"]
    instance.add_run_tags(
        stranded, {WILL_RETRY_TAG: "true", "dagster/failure_reason": "UNEXPECTED_TERMINATION"}
    )

    def retry_of_it() -> dg.DagsterRun | None:
        runs = instance.get_runs(dg.RunsFilter(tags={PARENT_RUN_ID_TAG: stranded}))
        return runs[0] if runs else None

    retry = running_stack.wait_for(retry_of_it, timeout=GRACE.total_seconds() + 120, every=2)
    assert retry.tags.get("dagster/retry_number") == "1"  # the daemon's own retry
    logs = [entry.message for entry in instance.all_logs(stranded)]
    assert sum("missed this run's failure" in message for message in logs) == 1
    assert len(instance.get_records_for_run(stranded, of_type=FAILURE).records) == 2
    retried = running_stack.wait_for_job(job["job_id"], {"failed", "dead_letter"})
    assert retried["dagster_run_id"] == retry.run_id and retried["attempts"] == 2
