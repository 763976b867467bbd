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
from preciso_dagster.core.training.gate import judge
from preciso_dagster.core.training.registry import ChampionComparison, ModelRegistry, TrainedVersion
from preciso_dagster.core.training.selection import (
    AUTO,
    DEFAULT_BUDGET_SECONDS,
    choose,
)
from preciso_dagster.core.training.serving import promote
from preciso_dagster.core.training.trainers import predict_known_first
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
    choice = choose(training_dataset.profile(), config.trainer, config.budget_seconds)
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
    context: dg.AssetExecutionContext,
    concept_model: TrainedVersion,
    app_db: AppDatabaseResource,
    mlflow_registry: dg.ResourceParam[ModelRegistry],
) -> dg.Output[ChampionComparison]:
    """The promotion gate: the new version against the champion on the same frozen evaluation
    set; the verdict is stored as tags of the version, and only a version that passes is
    promoted, and only when auto-promotion is on."""
    version = concept_model.model_version
    evaluation = concept_model.evaluation
    assert evaluation is not None, "concept_model always records its evaluation set"
    champion = mlflow_registry.serving_version()
    champion_predicted = None
    if champion is not None and champion != version:
        champion_model = mlflow_registry.load(champion)
        champion_predicted = predict_known_first(champion_model, evaluation.labels)
    verdict = judge(
        evaluation,
        champion_predicted,
        champion,
        min_gain=mlflow_registry.min_f1_gain,
        max_recall_loss=mlflow_registry.max_recall_loss,
    )
    mlflow_registry.tag_version(version, verdict.tags())
    context.log.info(f"gate {'passed' if verdict.passed else 'failed'}: {verdict.reasons}")
    promoted = False
    if mlflow_registry.auto_promote and verdict.passed:
        with app_db.session() as session:
            promote(session, mlflow_registry, version, "auto_promote", action="auto_promote")
        promoted = True
    result = ChampionComparison(
        model_version=version,
        macro_f1=concept_model.metrics["macro_f1"],
        champion_version=champion,
        champion_macro_f1=verdict.champion_macro_f1,
        beats_champion=verdict.passed,
        promoted=promoted,
        gate=verdict,
    )
    return dg.Output(
        result,
        metadata={
            "gate": "passed" if verdict.passed else "failed",
            "gate_reasons": dg.MetadataValue.json(verdict.reasons),
            "macro_f1": verdict.candidate_macro_f1,
            "champion_version": champion or 0,
            "champion_macro_f1": verdict.champion_macro_f1 or 0.0,
            "eval_set": verdict.eval_set,
            "promoted": promoted,
        },
    )
