"""The default run launcher, plus a health check: is the run worker process still alive?

With the default launcher, a run worker killed with SIGKILL leaves its run STARTED forever:
nothing is left to report the failure. This launcher finds the worker by the pid its
RUN_START event carries and checks that the process still exists, is not a zombie, and is
the process that started this run (so a reused pid is not mistaken for it). Workers run on
the same host as the code server that launches them, as with the default launcher. Dagster's
run monitoring (`run_monitoring` in dagster.yaml) asks every `poll_interval_seconds`, marks a
run whose worker is gone as failed, and `run_retries` retries it."""

from __future__ import annotations

import psutil
from dagster import DagsterEventType, DagsterRun
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus


class ProcessCheckingRunLauncher(DefaultRunLauncher):
    """Launches like DefaultRunLauncher; reports a run's worker FAILED once its process is gone."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        records = self._instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.RUN_START, limit=1
        ).records
        event = records[0].event_log_entry.dagster_event if records else None
        if event is None or event.pid is None:
            # STARTED is set by the worker's own RUN_START event, so this is only a moment.
            return CheckRunHealthResult(WorkerStatus.RUNNING, "worker pid not recorded yet")
        if worker_alive(event.pid, records[0].event_log_entry.timestamp):
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(
            WorkerStatus.FAILED, f"run worker process {event.pid} is gone (killed or crashed)"
        )


def worker_alive(pid: int, run_started_at: float) -> bool:
    """Process `pid` exists, is not a zombie, and is the one that started the run.

    The worker is a multiprocessing child of the code server, whose command line does not
    name the run; a process created after the run started is a reused pid, not the worker.
    """
    try:
        process = psutil.Process(pid)
        return (
            process.status() != psutil.STATUS_ZOMBIE
            and process.create_time() <= run_started_at + 1.0
        )
    except psutil.NoSuchProcess:
        return False
