"""Jobs of the training domain."""

import dagster as dg

from preciso_dagster.core.tracking.submissions import JOB_TYPES
from preciso_dagster.defs.training.assets import concept_model, model_evaluation, training_dataset

training_job = dg.define_asset_job(
    name=JOB_TYPES["training"].dagster_job,
    description="Snapshot approved examples, train and register a model, evaluate it.",
    selection=dg.AssetSelection.assets(training_dataset, concept_model, model_evaluation),
    tags=JOB_TYPES["training"].tags,
)
