"""`pipeline_jobs_mirror_sensor`: every run's status copied into pipeline_jobs."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from preciso_dagster.core.tracking.jobs import (
    BackfillProgress,
    apply_backfill_progress,
    mirror_run,
    unfinished_backfill_jobs,
)
from preciso_dagster.core.tracking.rollups import record_partition_outcome
from preciso_dagster.defs.appdb import AppDatabaseResource
from preciso_dagster.defs.tracking.run_observer import cached_backfill_progress, observe

RUNS_PER_TICK = 500
# Runs updated within this window before the cursor are read again: storage timestamps can tie
# or land slightly out of order, and mirroring the same state twice is a no-op.
CURSOR_OVERLAP = timedelta(seconds=2)


@dg.sensor(minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def pipeline_jobs_mirror_sensor(
    context: dg.SensorEvaluationContext, app_db: AppDatabaseResource
) -> dg.SkipReason:
    """Mirror run statuses into pipeline_jobs; a sweep by update time, so nothing is missed.

    After the daemon was down it picks up from its cursor and repairs every job it missed.
    """
    updated_after = (
        datetime.fromtimestamp(float(context.cursor), UTC) - CURSOR_OVERLAP
        if context.cursor
        else None
    )
    records = context.instance.get_run_records(
        filters=dg.RunsFilter(updated_after=updated_after),
        order_by="update_timestamp",
        ascending=True,
        limit=RUNS_PER_TICK,
    )
    with app_db.session() as session:
        open_backfills = {
            job.params["backfill_id"]
            for job in unfinished_backfill_jobs(session)
            if "backfill_id" in job.params
        }
    if not records and not open_backfills:
        return dg.SkipReason("no run changed")
    backfills: dict[str, BackfillProgress] = {}
    # Read Dagster first, then write: the app database's write lock (SQLite) and row locks
    # (PostgreSQL) are held for the writes alone, not for the reads of every run's events.
    runs = [observe(context.instance, record, backfills) for record in records]
    for backfill_id in open_backfills:
        cached_backfill_progress(context.instance, backfill_id, backfills)
    with app_db.session() as session:
        for run in runs:
            job = mirror_run(session, run)
            record_partition_outcome(session, run)
            context.log.debug(f"run {run.run_id} -> job {job.job_id} {job.status}")
        for job in unfinished_backfill_jobs(session):
            progress = backfills.get(job.params.get("backfill_id", ""))
            # Only while the job follows the backfill's runs (not a re-execution from the API).
            if progress is not None and job.dagster_run_id in progress.run_ids:
                apply_backfill_progress(session, job, progress)
    if records:
        newest = max(record.update_timestamp for record in records)
        context.update_cursor(str(newest.timestamp()))
    return dg.SkipReason(f"mirrored {len(records)} runs, {len(open_backfills)} open backfills")
