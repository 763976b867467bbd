"""The Preciso code location: every asset, check, job, sensor and resource, from each domain."""

import dagster as dg

from preciso_dagster.ingest.assets import document_pages
from preciso_dagster.ingest.jobs import ocr_extraction_job
from preciso_dagster.ingest.sensors import document_inbox_sensor
from preciso_dagster.numeric.assets import normalized_text
from preciso_dagster.numeric.checks import normalized_text_keeps_numbers, numbers_verified
from preciso_dagster.numeric.jobs import numeric_check_job
from preciso_dagster.resources import resources_for
from preciso_dagster.settings import get_settings
from preciso_dagster.tracking.sensors import pipeline_jobs_mirror_sensor

defs = dg.Definitions(
    assets=[document_pages, normalized_text],
    asset_checks=[numbers_verified, normalized_text_keeps_numbers],
    jobs=[ocr_extraction_job, numeric_check_job],
    sensors=[document_inbox_sensor, pipeline_jobs_mirror_sensor],
    resources=resources_for(get_settings()),
)
