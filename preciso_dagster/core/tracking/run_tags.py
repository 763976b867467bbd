"""Run tags that tie Dagster runs to pipeline jobs, and the job names behind each job type."""

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

JOB_TYPES: dict[str, str] = {
    "ocr_extraction": "ocr_extraction_job",
    "ocr_batch": "ocr_batch_job",
    "numeric_check": "numeric_check_job",
    "training": "training_job",
}


def job_type_for(dagster_job_name: str) -> str:
    """The pipeline job type for a Dagster job name (`ocr_extraction_job` -> `ocr_extraction`)."""
    return dagster_job_name.removesuffix("_job")


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
