"""A failed run Dagster promised to retry, whose failure the run-retry daemon missed, is
reported again so that the daemon retries it (preciso_dagster/defs/tracking/stranded_retries.py).

The daemon's miss is a race (it reads the failure event before the run's status changes), so
the stranded state is made directly: a run failed, `dagster/will_retry=true`, no retry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from preciso_dagster.defs.tracking.run_observer import WILL_RETRY_TAG
from preciso_dagster.defs.tracking.stranded_retries import (
    AUTO_RETRY_RUN_ID_TAG,
    GRACE,
    PARENT_RUN_ID_TAG,
    report_stranded_retries,
    stranded_retries_sensor,
)

FAILURE = dg.DagsterEventType.RUN_FAILURE


@dg.op
def extract() -> None: ...


@dg.job
def ocr_extraction_job() -> None:
    extract()


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    overrides = {"run_retries": {"enabled": True, "max_retries": 2}}
    with dg.instance_for_test(overrides=overrides) as instance:
        yield instance


def failed_run(instance: dg.DagsterInstance, tags: dict[str, str] | None = None) -> dg.DagsterRun:
    """A run whose worker died: failed by run monitoring, with no retry launched yet."""
    run = instance.create_run_for_job(ocr_extraction_job, tags=tags)
    instance.report_run_failed(run)
    failed = instance.get_run_by_id(run.run_id)
    assert failed is not None and failed.tags[WILL_RETRY_TAG] == "true"
    return failed


def failure_ids(instance: dg.DagsterInstance, run_id: str) -> list[int]:
    return [r.storage_id for r in instance.get_records_for_run(run_id, of_type=FAILURE).records]


def test_a_failure_the_retry_daemon_missed_is_reported_again_after_the_grace(
    instance: dg.DagsterInstance,
) -> None:
    run = failed_run(instance)
    (missed,) = failure_ids(instance, run.run_id)
    now = datetime.now(UTC)
    assert report_stranded_retries(instance, now) == []  # the daemon still has time to act
    assert report_stranded_retries(instance, now + GRACE * 2) == [run.run_id]
    # The daemon reads failure events after its cursor, which stands past the missed one:
    # the new event is one it will read, and the run it names is failed and still promised.
    assert len(failure_ids(instance, run.run_id)) == 2
    seen = instance.event_log_storage.get_logs_for_all_runs_by_log_id(
        after_cursor=missed, dagster_event_type={FAILURE}
    )
    assert [entry.run_id for entry in seen.values()] == [run.run_id]
    again = instance.get_run_by_id(run.run_id)
    assert again is not None and again.status == dg.DagsterRunStatus.FAILURE
    assert again.tags[WILL_RETRY_TAG] == "true"
    logs = [entry.message for entry in instance.all_logs(run.run_id)]
    assert any("missed this run's failure" in message for message in logs)
    # Reported again, the run was just updated: the next look leaves it to the daemon again.
    assert report_stranded_retries(instance, now + GRACE) == []


def test_retried_unpromised_and_old_failures_are_left_alone(instance: dg.DagsterInstance) -> None:
    retried = failed_run(instance)
    instance.add_run_tags(retried.run_id, {AUTO_RETRY_RUN_ID_TAG: "some-retry"})
    rerun_by_hand = failed_run(instance)
    instance.create_run_for_job(ocr_extraction_job, tags={PARENT_RUN_ID_TAG: rerun_by_hand.run_id})
    unpromised = instance.create_run_for_job(ocr_extraction_job)
    instance.report_run_failed(unpromised)
    instance.add_run_tags(unpromised.run_id, {WILL_RETRY_TAG: "false"})
    later = datetime.now(UTC) + GRACE * 2
    assert report_stranded_retries(instance, later) == []
    failed_run(instance)
    assert report_stranded_retries(instance, later + timedelta(days=2)) == []  # past the horizon


def test_the_sensor_reports_what_it_did(instance: dg.DagsterInstance) -> None:
    result = stranded_retries_sensor(dg.build_sensor_context(instance=instance))
    assert isinstance(result, dg.SkipReason)
    assert result.skip_message == "0 stranded retries reported again"
