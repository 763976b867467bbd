"""The Preciso code location: every asset, check, job, sensor and resource, from each domain."""

import dagster as dg

from preciso_dagster.core.settings import get_settings
from preciso_dagster.defs.execution import executor_for
from preciso_dagster.defs.ingest.assets import document_pages
from preciso_dagster.defs.numeric.assets import normalized_text
from preciso_dagster.defs.numeric.checks import normalized_text_keeps_numbers, numbers_verified
from preciso_dagster.defs.pipeline.batch import ocr_batch_job
from preciso_dagster.defs.pipeline.inbox_sensor import document_inbox_sensor
from preciso_dagster.defs.pipeline.jobs import numeric_check_job, ocr_extraction_job
from preciso_dagster.defs.pipeline.review_sensors import (
    review_continuation_job,
    review_settled_sensor,
)
from preciso_dagster.defs.questions.assets import document_passages, passages_keep_numbers
from preciso_dagster.defs.questions.jobs import rag_query_job
from preciso_dagster.defs.resources import resources_for
from preciso_dagster.defs.review.assets import confirmed_pages, numbers_settled
from preciso_dagster.defs.tracking.sensors import pipeline_jobs_mirror_sensor
from preciso_dagster.defs.tracking.stranded_retries import stranded_retries_sensor
from preciso_dagster.defs.training.assets import (
    concept_model,
    line_item_candidates,
    model_evaluation,
    training_dataset,
)
from preciso_dagster.defs.training.checks import candidate_amounts_match_pages
from preciso_dagster.defs.training.jobs import training_job
from preciso_dagster.defs.training.sensors import approval_sensor

defs = dg.Definitions(
    assets=[
        document_pages,
        confirmed_pages,
        normalized_text,
        document_passages,
        line_item_candidates,
        training_dataset,
        concept_model,
        model_evaluation,
    ],
    asset_checks=[
        numbers_verified,
        numbers_settled,
        normalized_text_keeps_numbers,
        passages_keep_numbers,
        candidate_amounts_match_pages,
    ],
    jobs=[
        ocr_extraction_job,
        ocr_batch_job,
        numeric_check_job,
        review_continuation_job,
        training_job,
        rag_query_job,
    ],
    sensors=[
        document_inbox_sensor,
        pipeline_jobs_mirror_sensor,
        stranded_retries_sensor,
        review_settled_sensor,
        approval_sensor,
    ],
    resources=resources_for(get_settings()),
    executor=executor_for(get_settings()),
)
