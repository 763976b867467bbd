"""Jobs of the ingest domain."""

import dagster as dg

from preciso_dagster.ingest.assets import document_pages
from preciso_dagster.ingest.partitions import documents_partitions
from preciso_dagster.numeric.assets import normalized_text
from preciso_dagster.review.assets import confirmed_pages
from preciso_dagster.tracking.run_tags import QUEUE_TAG
from preciso_dagster.training.assets import line_item_candidates

ocr_extraction_job = dg.define_asset_job(
    name="ocr_extraction_job",
    description="Extract one document's pages with provenance, verify numbers, normalise text.",
    selection=dg.AssetSelection.assets(
        document_pages, confirmed_pages, normalized_text, line_item_candidates
    ),
    partitions_def=documents_partitions,
    tags={QUEUE_TAG: "ocr"},
)
