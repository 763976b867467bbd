"""Reading what the mirror needs from the Dagster instance: run records, errors, retry outcome."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dagster as dg

from preciso_dagster.core.appdb.models import JobStatus
from preciso_dagster.core.tracking.jobs import (
    RUN_STATUS_TO_JOB_STATUS,
    BackfillProgress,
    RunObservation,
)
from preciso_dagster.core.tracking.run_tags import BACKFILL_TAG, JOB_ID_TAG, PARTITION_TAG

WILL_RETRY_TAG = "dagster/will_retry"
RETRY_NUMBER_TAG = "dagster/retry_number"
FAILURE_EVENTS = {
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.RUN_FAILURE,
    dg.DagsterEventType.ASSET_CHECK_EVALUATION,
}
ERROR_SUMMARY_LIMIT = 2000
CHECK_FAILED_ERROR = "DagsterAssetCheckFailedError"
# Dagster's backfill statuses (BulkActionStatus values): done launching, and canceled.
FINISHED_BACKFILL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
CANCELED_BACKFILL = {"CANCELING", "CANCELED"}


def observe(
    instance: dg.DagsterInstance,
    record: dg.RunRecord,
    backfills: dict[str, BackfillProgress] | None = None,
) -> RunObservation:
    """A RunObservation for one run record; failures get their error and retry outcome.

    A run of a backfill launched in Dagster (no `preciso/job_id`) also carries the state of
    the whole backfill, which is one job (read once per backfill into `backfills`, when given,
    so a sweep over many runs of one backfill reads its runs once).
    """
    run = record.dagster_run
    error = None
    retries_exhausted = False
    status = _status_value(run)
    if run.status == dg.DagsterRunStatus.FAILURE:
        if status != "QUEUED":
            retries_exhausted = _was_retried(instance, run)
        error = _error_summary(instance, run.run_id)
    backfill_id = run.tags.get(BACKFILL_TAG)
    return RunObservation(
        run_id=run.run_id,
        job_name=run.job_name,
        status=status,
        tags=dict(run.tags),
        start_time=_as_datetime(record.start_time),
        end_time=_as_datetime(record.end_time),
        error=error,
        retries_exhausted=retries_exhausted,
        backfill=(
            cached_backfill_progress(
                instance, backfill_id, backfills if backfills is not None else {}
            )
            if backfill_id and JOB_ID_TAG not in run.tags
            else None
        ),
    )


def cached_backfill_progress(
    instance: dg.DagsterInstance, backfill_id: str, backfills: dict[str, BackfillProgress]
) -> BackfillProgress:
    """`backfill_progress`, read once per backfill into `backfills`."""
    if backfill_id not in backfills:
        backfills[backfill_id] = backfill_progress(instance, backfill_id)
    return backfills[backfill_id]


def backfill_progress(instance: dg.DagsterInstance, backfill_id: str) -> BackfillProgress:
    """The backfill's job status over the latest run of each partition (retries replace runs).

    Running while any run is unfinished, or a partition has no run and the backfill is still
    launching; then failed when a latest run failed (dead_letter once the failed runs'
    retries are spent), with the first failures as the error; canceled when a run or the
    backfill was canceled; failed when partitions were never launched; else succeeded.
    """
    records = instance.get_run_records(
        filters=dg.RunsFilter(tags={BACKFILL_TAG: backfill_id}),
        order_by="create_timestamp",
        ascending=True,
    )
    latest = {
        record.dagster_run.tags.get(PARTITION_TAG, record.dagster_run.run_id): record.dagster_run
        for record in records
    }
    backfill = instance.get_backfill(backfill_id)
    partitions = max(len(latest), _partition_count(backfill) if backfill else 0)
    launching = backfill is not None and backfill.status.value not in FINISHED_BACKFILL
    statuses = [_job_status(run) for run in latest.values()]
    unlaunched = partitions - len(latest)
    run_ids = frozenset(record.dagster_run.run_id for record in records)
    if (unlaunched and launching) or not all(status.is_terminal for status in statuses):
        started = any(status != JobStatus.QUEUED for status in statuses)
        status = JobStatus.RUNNING if started else JobStatus.QUEUED
        return BackfillProgress(backfill_id, status, partitions, run_ids=run_ids)
    failed = [run for run in latest.values() if run.status == dg.DagsterRunStatus.FAILURE]
    if not failed:
        backfill_canceled = backfill is not None and backfill.status.value in CANCELED_BACKFILL
        if JobStatus.CANCELED in statuses or backfill_canceled:
            return BackfillProgress(backfill_id, JobStatus.CANCELED, partitions, run_ids=run_ids)
        if unlaunched:
            assert backfill is not None
            error = (
                f"{unlaunched} of {partitions} partitions never launched "
                f"(backfill {backfill.status.value})"
            )
            return BackfillProgress(backfill_id, JobStatus.FAILED, partitions, error, run_ids)
        return BackfillProgress(backfill_id, JobStatus.SUCCEEDED, partitions, run_ids=run_ids)
    exhausted = all(_was_retried(instance, run) for run in failed)
    error = f"{len(failed)} of {partitions} partitions failed; " + "; ".join(
        f"{run.tags.get(PARTITION_TAG, run.run_id)}: {_error_summary(instance, run.run_id)}"
        for run in failed[:3]
    )
    return BackfillProgress(
        backfill_id,
        JobStatus.DEAD_LETTER if exhausted else JobStatus.FAILED,
        partitions,
        error[:ERROR_SUMMARY_LIMIT],
        run_ids,
    )


def _partition_count(backfill: Any) -> int:
    if backfill.partition_names is not None:  # a job backfill
        return len(backfill.partition_names)
    if backfill.asset_backfill_data is not None:
        return backfill.asset_backfill_data.get_num_partitions() or 0
    return 0


def _status_value(run: dg.DagsterRun) -> str:
    """The run's status; a failure the daemon will retry is QUEUED: the job is not done."""
    if run.status == dg.DagsterRunStatus.FAILURE and run.tags.get(WILL_RETRY_TAG) == "true":
        return "QUEUED"
    return run.status.value


def _job_status(run: dg.DagsterRun) -> JobStatus:
    return RUN_STATUS_TO_JOB_STATUS.get(_status_value(run), JobStatus.RUNNING)


def _was_retried(instance: dg.DagsterInstance, run: dg.DagsterRun) -> bool:
    if int(run.tags.get(RETRY_NUMBER_TAG, "0")) > 0:
        return True
    retried = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY, limit=1
    )
    return bool(retried.records)


def _error_summary(instance: dg.DagsterInstance, run_id: str) -> str:
    """Failed checks with their findings, the root cause of each failed step, or else the run's
    own failure message."""
    failures = instance.get_records_for_run(run_id, of_type=FAILURE_EVENTS).records
    step_messages, run_messages = [], []
    for record in failures:
        event = record.event_log_entry.dagster_event
        if event is None:
            continue
        evaluation = event.event_specific_data
        if isinstance(evaluation, dg.AssetCheckEvaluation):
            if not evaluation.passed:
                description = evaluation.description or "failed"
                step_messages.append(f"check {evaluation.check_name}: {description}")
            continue
        error = getattr(event.event_specific_data, "error", None)
        if error is not None and _root(error).cls_name == CHECK_FAILED_ERROR:
            continue  # the step only says a blocking check failed: the check is listed itself
        message = _root(error).message.strip() if error is not None else (event.message or "")
        if event.step_key:
            step_messages.append(f"{event.step_key}: {message}")
        elif message:
            run_messages.append(message)
    messages = step_messages or run_messages
    return "\n".join(dict.fromkeys(messages))[:ERROR_SUMMARY_LIMIT] or "run failed"


def _root(error: Any) -> Any:
    # Dagster wraps user errors (DagsterExecutionStepExecutionError); the operator needs the
    # innermost one, which is what actually went wrong.
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return error


def _as_datetime(timestamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, UTC) if timestamp else None
