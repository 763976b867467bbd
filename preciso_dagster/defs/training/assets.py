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
from preciso_dagster.core.training.registry import ChampionComparison, ModelRegistry, TrainedVersion
from preciso_dagster.core.training.selection import (
    AUTO,
    DEFAULT_BUDGET_SECONDS,
    DatasetProfile,
    choose,
)
from preciso_dagster.core.training.serving import promote
from preciso_dagster.core.training.training_run import train_and_register
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


class ConceptModelConfig(dg.Config):
    """Which trainer: `auto` (the selector, within the budget) or a trainer's name."""

    trainer: str = AUTO
    budget_seconds: float = DEFAULT_BUDGET_SECONDS


@dg.asset(
    group_name="training",
    kinds={"scikitlearn", "mlflow"},
    owners=["team:ml"],
    retry_policy=TRANSIENT_RETRY_POLICY,
)
def concept_model(
    context: dg.AssetExecutionContext,
    config: ConceptModelConfig,
    training_dataset: DatasetSnapshot,
    mlflow_registry: dg.ResourceParam[ModelRegistry],
) -> dg.Output[TrainedVersion]:
    """Choose a trainer (the selector's decision table, or the one asked for), train, log the
    run with the choice and its reasons to MLflow and register a new model version."""
    examples = training_dataset.examples
    profile = DatasetProfile.of([e.label for e in examples], [e.concept for e in examples])
    choice = choose(profile, config.trainer, config.budget_seconds)
    context.log.info(f"trainer {choice.trainer} ({choice.rule}): {'; '.join(choice.reasons)}")
    run = context.run
    job_id = str(job_id_of_run(run.run_id, run.tags))  # the run observer keeps its row
    try:
        version, trained = train_and_register(
            training_dataset,
            choice,
            requested=config.trainer,
            budget_seconds=config.budget_seconds,
            registry=mlflow_registry,
            tags={"dagster/run_id": run.run_id, "preciso/job_id": job_id},
            job_id=job_id,
        )
    except ValueError as error:  # too little data: retrying cannot help
        raise dg.Failure(f"cannot train: {error}", allow_retries=False) from error
    return dg.Output(
        version,
        metadata={
            "mlflow_run_id": version.mlflow_run_id,
            "model_version": version.model_version,
            "trainer": choice.trainer,
            "selection_rule": choice.rule,
            "selection_reasons": dg.MetadataValue.json(choice.reasons),
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
