"""One training run, outside any framework: train the chosen trainer on a dataset snapshot,
log it to MLflow with the choice and its reasons, and register a model version. The
`concept_model` asset and `preciso train` both call it."""

from __future__ import annotations

from preciso_dagster.core.training.dataset import DatasetSnapshot
from preciso_dagster.core.training.gate import EvaluationSet
from preciso_dagster.core.training.registry import (
    ModelRegistry,
    TrainedVersion,
    confusion_matrix_png,
)
from preciso_dagster.core.training.selection import Recommendation
from preciso_dagster.core.training.trainers import TrainedModel, train_and_evaluate, trainer_named


def train_and_register(
    snapshot: DatasetSnapshot,
    choice: Recommendation,
    *,
    requested: str,
    budget_seconds: float,
    registry: ModelRegistry,
    tags: dict[str, str],
    job_id: str | None,
) -> tuple[TrainedVersion, TrainedModel]:
    """Train, log and register; ValueError when the data cannot train."""
    if not choice.can_train:
        raise ValueError("; ".join(choice.missing))
    labels = [e.label for e in snapshot.examples]
    concepts = [e.concept for e in snapshot.examples]
    trained = train_and_evaluate(trainer_named(choice.trainer, budget_seconds), labels, concepts)
    run_id, version = registry.log_training(
        model=trained.model,
        params={
            **trained.params,
            "examples": len(labels),
            "dataset_version": snapshot.version,
            "trainer_requested": requested,
            "selection_rule": choice.rule,
            "estimated_seconds": choice.estimated_seconds,
        },
        metrics={**trained.metrics, "train_seconds": trained.seconds},
        tags={**tags, "preciso/dataset_version": snapshot.version, **choice.mlflow_tags()},
        manifest=snapshot.manifest(),
        confusion_png=confusion_matrix_png(trained.labels, trained.y_true, trained.y_pred),
        sample_input=labels[:5],
    )
    version_record = TrainedVersion(
        mlflow_run_id=run_id,
        model_version=version,
        metrics=trained.metrics,
        dataset_version=snapshot.version,
        job_id=job_id,
        evaluation=EvaluationSet(
            labels=trained.test_labels, truth=trained.y_true, predicted=trained.y_pred
        ),
    )
    return version_record, trained
