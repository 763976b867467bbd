"""Reading what the mirror needs from the Dagster instance: run records, errors, retry outcome."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dagster as dg

from preciso_dagster.tracking.jobs import RunObservation

WILL_RETRY_TAG = "dagster/will_retry"
RETRY_NUMBER_TAG = "dagster/retry_number"
FAILURE_EVENTS = {
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.RUN_FAILURE,
    dg.DagsterEventType.ASSET_CHECK_EVALUATION,
}
ERROR_SUMMARY_LIMIT = 2000


def observe(instance: dg.DagsterInstance, record: dg.RunRecord) -> RunObservation:
    """A RunObservation for one run record; failures get their error and retry outcome."""
    run = record.dagster_run
    error = None
    retries_exhausted = False
    status = run.status.value
    if run.status == dg.DagsterRunStatus.FAILURE:
        if run.tags.get(WILL_RETRY_TAG) == "true":
            status = "QUEUED"  # the daemon will launch the next attempt; the job is not done
        else:
            retries_exhausted = _was_retried(instance, run)
        error = _error_summary(instance, run.run_id)
    return RunObservation(
        run_id=run.run_id,
        job_name=run.job_name,
        status=status,
        tags=dict(run.tags),
        start_time=_as_datetime(record.start_time),
        end_time=_as_datetime(record.end_time),
        error=error,
        retries_exhausted=retries_exhausted,
    )


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
        message = _root_cause(error) if error is not None else (event.message or "")
        if event.step_key:
            step_messages.append(f"{event.step_key}: {message}")
        elif message:
            run_messages.append(message)
    messages = step_messages or run_messages
    return "\n".join(dict.fromkeys(messages))[:ERROR_SUMMARY_LIMIT] or "run failed"


def _root_cause(error: Any) -> str:
    # Dagster wraps user errors (DagsterExecutionStepExecutionError); the operator needs the
    # innermost one, which is what actually went wrong.
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return error.message.strip()


def _as_datetime(timestamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, UTC) if timestamp else None
