"""Training: taxonomy rules, line items, the data manager, the trainer, MLflow and serving."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import select

from preciso_dagster.core.appdb.models import (
    Approval,
    ApprovalState,
    Document,
    DocumentStatus,
    PipelineJob,
    TrainingExample,
)
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.errors import ConflictError, InvalidRequestError
from preciso_dagster.core.settings import Settings
from preciso_dagster.core.tracking.jobs import RunObservation, mirror_run
from preciso_dagster.core.training.dataset import (
    DatasetSelection,
    analytics,
    approve,
    select_dataset,
)
from preciso_dagster.core.training.line_items import parse_line_items
from preciso_dagster.core.training.serving import ServingModelCache, promote, rollback
from preciso_dagster.core.training.synthetic_labels import generated_labels
from preciso_dagster.core.training.taxonomy import propose_concept
from preciso_dagster.core.training.trainers import SklearnConceptTrainer, train_and_evaluate
from preciso_dagster.defs.resources import resources_for
from preciso_dagster.defs.training.assets import concept_model, model_evaluation, training_dataset
from preciso_dagster.defs.training.sensors import approval_sensor
from tests.conftest import document_with_examples


@pytest.mark.parametrize(
    ("label", "concept"),
    [
        ("Net sales", "revenue"),
        ("Cost of goods sold", "cost_of_sales"),
        ("Total assets", "total_assets"),
        ("당기순이익", "net_income"),
        ("매출원가", "cost_of_sales"),
        ("Cash and cash equivalents", "cash"),
        ("Weather", "unknown"),
    ],
)
def test_rules_propose_concepts_in_english_and_korean(label: str, concept: str) -> None:
    assert propose_concept(label) == concept


def test_line_items_are_label_then_amount() -> None:
    text = "Income statement 2024\nRevenue 1,234,567.89\nCost of sales (456.10)\n12 34"
    items = parse_line_items(text)
    assert [(i.label, i.amount) for i in items] == [
        ("Revenue", Decimal("1234567.89")),
        ("Cost of sales", Decimal("-456.10")),
    ]


def test_a_date_column_is_not_read_as_amounts() -> None:
    text = "AIRFARE 3/21 3/24 1,234.00\nHOTEL 12/31/15 88.50\nTAXI 03.02.2019 12.00"
    items = parse_line_items(text)
    assert [[c.amount for c in i.columns] for i in items] == [
        [Decimal("1234.00")],
        [Decimal("88.50")],
        [Decimal("12.00")],
    ]


STATEMENT = "Revenue 1,000,000\nCost of sales (600)\nGross profit 400\nNet income 120\nCash 55"


def test_rejected_documents_never_reach_a_dataset(settings: Settings) -> None:
    good = document_with_examples(settings, STATEMENT, DocumentStatus.EXTRACTED)
    bad = document_with_examples(settings, STATEMENT + "\nTotal assets 9", DocumentStatus.EXTRACTED)
    with session_scope(settings.database_url) as session:
        approve(session, approved_by="r", example_ids=[], document_ids=[good, bad], corrections={})
        session.get(Document, bad).status = DocumentStatus.REJECTED  # type: ignore[union-attr]
    with session_scope(settings.database_url) as session:
        snapshot = select_dataset(session, DatasetSelection())
        assert {e.document_id for e in snapshot.examples} == {good}
        with pytest.raises(InvalidRequestError, match="rejected"):
            example = session.scalars(
                select(TrainingExample).where(TrainingExample.document_id == bad)
            ).first()
            assert example
            approve(
                session,
                approved_by="r",
                example_ids=[example.example_id],
                document_ids=[],
                corrections={},
            )


def test_dataset_version_is_a_content_hash_and_filters_apply(settings: Settings) -> None:
    document_id = document_with_examples(settings, STATEMENT, DocumentStatus.EXTRACTED)
    with session_scope(settings.database_url) as session:
        approve(
            session, approved_by="r", example_ids=[], document_ids=[document_id], corrections={}
        )
        first = select_dataset(session, DatasetSelection())
        assert select_dataset(session, DatasetSelection()).version == first.version
        assert len(select_dataset(session, DatasetSelection(min_quality=0.99)).examples) == 5
        assert len(select_dataset(session, DatasetSelection(min_quality=1.01)).examples) == 0
        example_id = first.examples[0].example_id
        pinned = select_dataset(session, DatasetSelection(example_ids=(example_id,)))
        assert len(pinned.examples) == 1 and pinned.version != first.version
        audit = session.scalars(select(Approval)).all()
        assert len(audit) == 5 and all(a.approved_by == "r" for a in audit)
        report = analytics(session)
        assert report["approved_examples"] == 5 and "total_assets" in report["under_represented"]
        assert report["recommendations"]


def test_the_trainer_beats_the_rules_on_generated_labels() -> None:
    labels, concepts = generated_labels(1300)
    trained = train_and_evaluate(SklearnConceptTrainer(), labels, concepts)
    assert trained.metrics["macro_f1"] > 0.8
    assert {"accuracy", "macro_f1", "f1_revenue"} <= set(trained.metrics)


def _approved_generated_set(settings: Settings, count: int, seed: int) -> None:
    labels, concepts = generated_labels(count, seed=seed)
    text = "\n".join(f"{label} {i + 1},000.00" for i, label in enumerate(labels))
    document_id = document_with_examples(settings, text, DocumentStatus.EXTRACTED)
    with session_scope(settings.database_url) as session:
        examples = session.scalars(
            select(TrainingExample)
            .where(TrainingExample.document_id == document_id)
            .order_by(TrainingExample.example_id)
        ).all()
        by_label = dict(zip(labels, concepts, strict=True))
        corrections = {
            e.example_id: by_label.get(e.label, e.proposed_concept)
            for e in examples
            if e.label in by_label
        }
        approve(
            session,
            approved_by="reviewer:t",
            example_ids=list(corrections),
            document_ids=[],
            corrections=corrections,
        )


def test_training_assets_log_to_mlflow_and_serving_follows_the_alias(
    settings: Settings,
) -> None:
    _approved_generated_set(settings, 260, seed=1)
    resources = resources_for(settings)
    with dg.instance_for_test() as instance:
        first = dg.materialize(
            [training_dataset, concept_model, model_evaluation],
            resources=resources,
            instance=instance,
        )
        _approved_generated_set(settings, 260, seed=2)
        second = dg.materialize(
            [training_dataset, concept_model, model_evaluation],
            resources=resources,
            instance=instance,
        )
    assert first.success and second.success
    (model_event,) = second.asset_materializations_for_node("concept_model")
    assert model_event.metadata["model_version"].value == 2
    assert model_event.metadata["mlflow_run_id"].value
    registry = resources["mlflow_registry"]
    run = registry.client().get_run(model_event.metadata["mlflow_run_id"].value)
    assert run.data.tags["dagster/run_id"] == second.run_id
    # The selector chose, and MLflow keeps the choice and why (auto is the default).
    assert run.data.tags["preciso/trainer"] == model_event.metadata["trainer"].value
    assert run.data.tags["preciso/selection_rule"] == model_event.metadata["selection_rule"].value
    assert run.data.tags["preciso/selection_reasons"]
    assert run.data.params["trainer_requested"] == "auto"
    assert "train_seconds" in run.data.metrics
    with session_scope(settings.database_url) as session:
        assert not session.scalars(select(PipelineJob)).all()  # training writes no job row
        observed = RunObservation(second.run_id, "training_job", "SUCCESS", second.dagster_run.tags)
        job = mirror_run(session, observed)  # the mirror's row is the job MLflow names
        assert str(job.job_id) == run.data.tags["preciso/job_id"]
    artifacts = {a.path for a in registry.client().list_artifacts(run.info.run_id)}
    assert {"confusion_matrix.png", "dataset_manifest.json"} <= artifacts
    assert registry.serving_version() is None  # auto promotion is off by default

    cache = ServingModelCache()
    with session_scope(settings.database_url) as session:
        promote(session, registry, 1, "admin:x")
        assert cache.predict(registry, ["Net sales"]) == (1, ["revenue"])
        promote(session, registry, 2, "admin:x")
        assert cache.predict(registry, ["Net sales"])[0] == 2
        rollback(session, registry, "admin:x")
        assert cache.predict(registry, ["Net sales"])[0] == 1
        with pytest.raises(ConflictError):
            rollback(session, registry, "admin:x")


def test_approval_sensor_requests_each_dataset_version_once(settings: Settings) -> None:
    _approved_generated_set(settings, 40, seed=3)
    resources = resources_for(settings)
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources=resources)
        result = approval_sensor(context)
        assert isinstance(result, dg.SensorResult)
        (request,) = result.run_requests or []
        with session_scope(settings.database_url) as session:
            assert request.run_key == select_dataset(session, DatasetSelection()).version
        again = approval_sensor(
            dg.build_sensor_context(instance=instance, resources=resources, cursor=result.cursor)
        )
        assert isinstance(again, dg.SkipReason)


def test_examples_keep_their_provenance(settings: Settings) -> None:
    document_id = document_with_examples(settings, STATEMENT, DocumentStatus.EXTRACTED)
    with session_scope(settings.database_url) as session:
        example = session.scalars(select(TrainingExample)).first()
        assert example and example.document_id == document_id
        assert STATEMENT[example.span_start : example.span_end] == "Revenue 1,000,000"
        assert example.approval_state == ApprovalState.PROPOSED and example.quality == 0.8


def test_artifacts_stay_under_var(settings: Settings) -> None:
    assert Path(resources_for(settings)["mlflow_registry"].artifact_root).is_relative_to(
        settings.var_dir
    )


def test_approvals_api_needs_a_reviewer_and_reports_what_it_approved(settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from api_bridge.main import create_app

    document_id = document_with_examples(settings, STATEMENT, DocumentStatus.EXTRACTED)
    with TestClient(create_app(settings)) as client:
        body = {"document_ids": [document_id]}
        operator = {"Authorization": "Bearer operator-token"}
        assert client.post("/api/v1/approvals", json=body, headers=operator).status_code == 403
        reviewer = {"Authorization": "Bearer reviewer-token"}
        response = client.post("/api/v1/approvals", json=body, headers=reviewer)
        assert response.status_code == 201, response.text
        assert response.json()["approved"] == 5 and len(response.json()["example_ids"]) == 5
        bad = client.post(
            "/api/v1/approvals",
            headers=reviewer,
            json={
                "example_ids": [response.json()["example_ids"][0]],
                "corrections": {str(response.json()["example_ids"][0]): "x"},
            },
        )
        assert bad.status_code == 422 and "unknown concept" in bad.json()["detail"]
        report = client.get("/api/v1/training/analytics", headers=reviewer).json()
        assert report["approved_examples"] == 5


def test_auto_promotion_only_when_the_flag_is_on(settings: Settings) -> None:
    _approved_generated_set(settings, 120, seed=4)
    flagged = settings.model_copy(update={"flag_auto_promote_models": True})
    resources = resources_for(flagged)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [training_dataset, concept_model, model_evaluation],
            resources=resources,
            instance=instance,
        )
    (evaluation,) = result.asset_materializations_for_node("model_evaluation")
    assert evaluation.metadata["promoted"].value is True
    assert resources["mlflow_registry"].serving_version() == 1
