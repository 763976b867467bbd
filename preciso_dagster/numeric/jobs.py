"""Jobs of the numeric domain."""

import dagster as dg

from preciso_dagster.ingest.assets import document_pages
from preciso_dagster.ingest.partitions import documents_partitions
from preciso_dagster.numeric.assets import normalized_text
from preciso_dagster.review.assets import confirmed_pages
from preciso_dagster.training.assets import line_item_candidates

numeric_check_job = dg.define_asset_job(
    name="numeric_check_job",
    description="Re-run the numeric checks for the selected documents (partitions), no re-OCR.",
    selection=dg.AssetSelection.checks_for_assets(
        document_pages, confirmed_pages, normalized_text, line_item_candidates
    ),
    partitions_def=documents_partitions,
)
