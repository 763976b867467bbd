"""The one-document jobs: the whole chain, and its checks alone."""

import dagster as dg

from preciso_dagster.core.tracking.run_tags import QUEUE_TAG
from preciso_dagster.defs.ingest.partitions import documents_partitions
from preciso_dagster.defs.pipeline.steps import DOCUMENT_ASSETS

ocr_extraction_job = dg.define_asset_job(
    name="ocr_extraction_job",
    description="Extract one document's pages with provenance, verify numbers, normalise text.",
    selection=dg.AssetSelection.assets(*DOCUMENT_ASSETS),
    partitions_def=documents_partitions,
    tags={QUEUE_TAG: "ocr"},
)

numeric_check_job = dg.define_asset_job(
    name="numeric_check_job",
    description="Re-run the numeric checks for the selected documents (partitions), no re-OCR.",
    selection=dg.AssetSelection.checks_for_assets(*DOCUMENT_ASSETS),
    partitions_def=documents_partitions,
)
