"""Run tags that tie Dagster runs to pipeline jobs (job types: `submissions.JOB_TYPES`)."""

from __future__ import annotations

from collections.abc import Mapping

from preciso_dagster.core.appdb.models import JobSource

JOB_ID_TAG = "preciso/job_id"
SOURCE_TAG = "preciso/source"
QUEUE_TAG = "preciso/queue"
DOCUMENTS_TAG = "preciso/documents"  # how many documents a batch run covers
BACKFILL_TAG = "dagster/backfill"
PARTITION_TAG = "dagster/partition"
ROOT_RUN_TAG = "dagster/root_run_id"  # on Dagster's retries and re-executions of a run


def source_from_tags(tags: Mapping[str, str]) -> JobSource:
    """Who launched a run that carries no `preciso/job_id`, read from Dagster's own tags."""
    if tags.get(SOURCE_TAG) in JobSource._value2member_map_:
        return JobSource(tags[SOURCE_TAG])
    if BACKFILL_TAG in tags:
        return JobSource.BACKFILL
    if "dagster/schedule_name" in tags:
        return JobSource.SCHEDULE
    if "dagster/sensor_name" in tags:
        return JobSource.SENSOR
    return JobSource.UI
