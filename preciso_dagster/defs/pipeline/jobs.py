"""The one-document jobs: the whole chain, and its checks alone (names and queues from the
job-type registry)."""

import dagster as dg

from preciso_dagster.core.tracking.submissions import JOB_TYPES
from preciso_dagster.defs.ingest.partitions import documents_partitions
from preciso_dagster.defs.pipeline.steps import DOCUMENT_ASSETS

ocr_extraction_job = dg.define_asset_job(
    name=JOB_TYPES["ocr_extraction"].dagster_job,
    description="Extract one document's pages with provenance, verify numbers, normalise text.",
    selection=dg.AssetSelection.assets(*DOCUMENT_ASSETS),
    partitions_def=documents_partitions,
    tags=JOB_TYPES["ocr_extraction"].tags,
)

numeric_check_job = dg.define_asset_job(
    name=JOB_TYPES["numeric_check"].dagster_job,
    description="Re-run the numeric checks for the selected documents (partitions), no re-OCR.",
    selection=dg.AssetSelection.checks_for_assets(*DOCUMENT_ASSETS),
    partitions_def=documents_partitions,
    tags=JOB_TYPES["numeric_check"].tags,
)
