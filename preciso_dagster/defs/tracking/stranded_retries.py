"""`stranded_retries_sensor`: a failed run Dagster promised to retry is retried, even when the
run-retry daemon missed its failure.

Dagster stores a RUN_FAILURE event first and changes the run's status afterwards. The run-retry
daemon reads new failure events by a cursor; when it reads one in between, it sees a run not
yet failed, moves its cursor past the event and never retries the run, which keeps
`dagster/will_retry=true` forever (and its job waits for a retry that never comes: seen in CI,
a run worker killed mid-step). Such a failure is reported again, once the daemon has had time
to act on it; the daemon then retries it through its own path (re-execution from failure,
retry number, `max_retries`). Reporting twice is safe: the daemon retries a run once only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg

from preciso_dagster.defs.tracking.run_observer import WILL_RETRY_TAG

AUTO_RETRY_RUN_ID_TAG = "dagster/auto_retry_run_id"
PARENT_RUN_ID_TAG = "dagster/parent_run_id"  # on every re-execution, the daemon's or by hand
# The daemon looks for new failures every 5 seconds; a retry missing after this long was missed.
GRACE = timedelta(seconds=60)
# Older failures are left alone: the retry would redo work long since settled some other way.
HORIZON = timedelta(days=1)
RUNS_PER_TICK = 50


def report_stranded_retries(instance: dg.DagsterInstance, now: datetime) -> list[str]:
    """Report the failure of each run promised a retry that has none, failed between `GRACE`
    and `HORIZON` before `now`, again; returns their run ids. `now` is in UTC: Dagster drops
    the zone of a filter's times and compares them with its stored UTC times."""
    records = instance.get_run_records(
        filters=dg.RunsFilter(
            statuses=[dg.DagsterRunStatus.FAILURE],
            tags={WILL_RETRY_TAG: "true"},
            updated_before=now - GRACE,
            updated_after=now - HORIZON,
        ),
        limit=RUNS_PER_TICK,
    )
    stranded = [
        record.dagster_run
        for record in records
        if AUTO_RETRY_RUN_ID_TAG not in record.dagster_run.tags
        and not _has_child(instance, record.dagster_run)
    ]
    for run in stranded:
        instance.report_engine_event(
            "The run-retry daemon missed this run's failure (it read the event before the run's "
            "status changed); reporting the failure again so that the run is retried.",
            run,
        )
        instance.report_run_failed(run)
    return [run.run_id for run in stranded]


def _has_child(instance: dg.DagsterInstance, run: dg.DagsterRun) -> bool:
    """A re-execution of `run` exists already (launched by hand, say)."""
    return bool(
        instance.get_run_records(dg.RunsFilter(tags={PARENT_RUN_ID_TAG: run.run_id}), limit=1)
    )


@dg.sensor(minimum_interval_seconds=15, default_status=dg.DefaultSensorStatus.RUNNING)
def stranded_retries_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    """Retry failed runs that Dagster promised to retry but whose retry never came."""
    reported = report_stranded_retries(context.instance, datetime.now(UTC))
    if reported:
        context.log.warning(f"failures reported again for retry: {', '.join(reported)}")
    return dg.SkipReason(f"{len(reported)} stranded retries reported again")
