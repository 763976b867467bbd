"""Training assets: line-item candidates per document, then dataset, model and evaluation."""

import dagster as dg
from pydantic import Field

from preciso_dagster.core.pages import DocumentPages
from preciso_dagster.core.tracking.jobs import job_id_of_run
from preciso_dagster.core.training.dataset import (
    DatasetSelection,
    DatasetSnapshot,
    LineItemCandidate,
    propose_examples,
    select_dataset,
)
from preciso_dagster.core.training.registry import (
    ChampionComparison,
    ModelRegistry,
    TrainedVersion,
    confusion_matrix_png,
)
from preciso_dagster.core.training.serving import promote
from preciso_dagster.core.training.trainers import SklearnConceptTrainer, train_and_evaluate
from preciso_dagster.defs.appdb import AppDatabaseResource
from preciso_dagster.defs.ingest.outputs import DOCUMENT_OUTPUTS
from preciso_dagster.defs.ingest.partitions import documents_partitions
from preciso_dagster.defs.retries import TRANSIENT_RETRY_POLICY
from preciso_dagster.defs.review.assets import confirmed_pages


@dg.asset(
    partitions_def=documents_partitions,
    group_name="training",
    kinds={"python"},
    owners=["team:ml"],
    ins={"pages": dg.AssetIn(key=confirmed_pages.key)},
    deps=["normalized_text"],
    code_version="1",
    io_manager_key=DOCUMENT_OUTPUTS,
)
def line_item_candidates(
    context: dg.AssetExecutionContext, pages: DocumentPages, app_db: AppDatabaseResource
) -> dg.Output[list[LineItemCandidate]]:
    """Label-and-amount lines of the confirmed pages (reviewers' corrections in), proposed as
    training examples with a rules-proposed concept."""
    return propose_candidates(app_db, context.partition_key, pages)


def propose_candidates(
    app_db: AppDatabaseResource, document_id: str, pages: DocumentPages
) -> dg.Output[list[LineItemCandidate]]:
    with app_db.session() as session:
        candidates = propose_examples(session, document_id, pages.pages)
    return dg.Output(candidates, metadata={"candidates": len(candidates)})


class TrainingDatasetConfig(dg.Config):
    """Which approved examples to train on (batch mode pins `example_ids`)."""

    min_quality: float = 0.0
    max_per_class: int = 0
    example_ids: list[int] = Field(default_factory=list)


@dg.asset(
    group_name="training", kinds={"python"}, owners=["team:ml"], retry_policy=TRANSIENT_RETRY_POLICY
)
def training_dataset(
    config: TrainingDatasetConfig, app_db: AppDatabaseResource
) -> dg.Output[DatasetSnapshot]:
    """A snapshot of approved examples from trainable documents; its version is a content hash."""
    selection = DatasetSelection(
        config.min_quality, config.max_per_class, tuple(config.example_ids)
    )
    with app_db.session() as session:
        snapshot = select_dataset(session, selection)
    return dg.Output(
        snapshot,
        metadata={
            "dataset_version": snapshot.version,
            "examples": len(snapshot.examples),
            "class_counts": snapshot.class_counts,
        },
    )


@dg.asset(
    group_name="training",
    kinds={"scikitlearn", "mlflow"},
    owners=["team:ml"],
    retry_policy=TRANSIENT_RETRY_POLICY,
)
def concept_model(
    context: dg.AssetExecutionContext,
    training_dataset: DatasetSnapshot,
    mlflow_registry: dg.ResourceParam[ModelRegistry],
) -> dg.Output[TrainedVersion]:
    """Train the classifier, log the run to MLflow and register a new model version."""
    examples = training_dataset.examples
    labels = [e.label for e in examples]
    concepts = [e.concept for e in examples]
    try:
        trained = train_and_evaluate(SklearnConceptTrainer(), labels, concepts)
    except ValueError as error:  # too little data: retrying cannot help
        raise dg.Failure(f"cannot train: {error}", allow_retries=False) from error
    run = context.run
    job_id = str(job_id_of_run(run.run_id, run.tags))  # the run observer keeps its row
    dataset_version = training_dataset.version
    tags = {
        "dagster/run_id": run.run_id,
        "preciso/job_id": job_id,
        "preciso/dataset_version": dataset_version,
    }
    run_id, version = mlflow_registry.log_training(
        model=trained.model,
        params={**trained.params, "examples": len(examples), "dataset_version": dataset_version},
        metrics=trained.metrics,
        tags=tags,
        manifest=training_dataset.manifest(),
        confusion_png=confusion_matrix_png(trained.labels, trained.y_true, trained.y_pred),
        sample_input=labels[:5],
    )
    return dg.Output(
        TrainedVersion(
            mlflow_run_id=run_id,
            model_version=version,
            metrics=trained.metrics,
            dataset_version=dataset_version,
            job_id=job_id,
        ),
        metadata={
            "mlflow_run_id": run_id,
            "model_version": version,
            "macro_f1": trained.metrics["macro_f1"],
            "accuracy": trained.metrics["accuracy"],
            "train_seconds": round(trained.seconds, 3),
        },
    )


@dg.asset(group_name="training", kinds={"mlflow"}, owners=["team:ml"])
def model_evaluation(
    concept_model: TrainedVersion,
    app_db: AppDatabaseResource,
    mlflow_registry: dg.ResourceParam[ModelRegistry],
) -> dg.Output[ChampionComparison]:
    """Compare the new version with the champion; promote it only if the flag allows and it wins."""
    version = concept_model.model_version
    new_f1 = concept_model.metrics["macro_f1"]
    champion = mlflow_registry.serving_version()
    champion_f1 = mlflow_registry.macro_f1(champion) if champion else None
    better = champion_f1 is None or new_f1 > champion_f1
    promoted = False
    if mlflow_registry.auto_promote and better:
        with app_db.session() as session:
            promote(session, mlflow_registry, version, "auto_promote", action="auto_promote")
        promoted = True
    result = ChampionComparison(
        model_version=version,
        macro_f1=new_f1,
        champion_version=champion,
        champion_macro_f1=champion_f1,
        beats_champion=better,
        promoted=promoted,
    )
    return dg.Output(result, metadata=result.model_dump(exclude_none=True))
