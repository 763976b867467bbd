"""Trainer auto-selection: three trainers, a deterministic decision table, the taxonomy's own
phrases never forgotten, and no training run started for data that cannot train."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import get_args

import dagster as dg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api_bridge.main import create_app
from preciso_dagster.cli import app as cli
from preciso_dagster.core.settings import Settings
from preciso_dagster.core.training.selection import (
    DatasetProfile,
    TrainerChoice,
    choose,
    recommend,
)
from preciso_dagster.core.training.synthetic_labels import generated_labels
from preciso_dagster.core.training.taxonomy import concept_phrases
from preciso_dagster.core.training.trainers import (
    TRAINERS,
    predict_known_first,
    train_and_evaluate,
    trainer_named,
)
from preciso_dagster.defs.resources import resources_for
from preciso_dagster.defs.training.sensors import approval_sensor
from tests.test_training import _approved_generated_set

VIEWER = {"Authorization": "Bearer viewer-token"}


def _profile(examples: int, classes: int = 12, smallest: int = 10, korean: float = 0.0):
    return DatasetProfile(examples, classes, smallest, korean)


@pytest.mark.parametrize(
    ("profile", "budget", "trainer", "rule"),
    [
        (_profile(5, classes=1), 300, "rules_baseline", "too_little_data"),
        (_profile(19), 300, "rules_baseline", "too_little_data"),
        (_profile(100), 300, "rules_baseline", "few_examples"),
        (_profile(500), 0.1, "rules_baseline", "budget_too_small"),
        (_profile(5_000, korean=0.8), 300, "sklearn_char_tfidf_logreg", "mostly_korean"),
        (_profile(500, korean=0.8), 0.55, "word_char_tfidf_linear_svm", "enough_examples"),
        (_profile(500), 300, "word_char_tfidf_linear_svm", "enough_examples"),
        (_profile(50_000), 60, "sklearn_char_tfidf_logreg", "svm_over_budget"),
        (_profile(50_000), 300, "word_char_tfidf_linear_svm", "enough_examples"),
    ],
)
def test_each_row_of_the_decision_table_fires_for_its_case(
    profile: DatasetProfile, budget: float, trainer: str, rule: str
) -> None:
    choice = recommend(profile, budget)
    assert (choice.trainer, choice.rule) == (trainer, rule)
    assert choice == recommend(profile, budget)  # deterministic
    assert choice.reasons and choice.can_train == (rule != "too_little_data")
    assert choice.estimated_seconds >= 0 and trainer not in choice.alternatives


def test_a_named_trainer_is_taken_but_never_for_data_that_cannot_train() -> None:
    chosen = choose(_profile(500), "word_char_tfidf_linear_svm", 300)
    assert (chosen.trainer, chosen.rule) == ("word_char_tfidf_linear_svm", "chosen_by_caller")
    refused = choose(_profile(3), "word_char_tfidf_linear_svm", 300)
    assert not refused.can_train and refused.missing
    assert set(get_args(TrainerChoice)) == {"auto", *TRAINERS}  # one list of names


def test_every_trainer_reports_time_and_held_out_metrics_and_knows_the_taxonomy() -> None:
    labels, concepts = generated_labels(300, seed=5)
    english = [(lab, c) for lab, c in zip(labels, concepts, strict=True) if lab.isascii()]
    phrases = [(p, c) for c, ps in concept_phrases().items() for p in ps]
    assert any(not p.isascii() for p, _ in phrases)  # Korean phrases are in the taxonomy
    for name in TRAINERS:
        trained = train_and_evaluate(
            trainer_named(name), [lab for lab, _ in english], [c for _, c in english]
        )
        assert trained.seconds >= 0 and 0 <= trained.metrics["macro_f1"] <= 1, name
        predicted = predict_known_first(trained.model, [p for p, _ in phrases])
        assert predicted == [c for _, c in phrases], name  # 자산총계 stays total_assets


def test_the_sensor_does_not_start_a_run_that_cannot_train(settings: Settings) -> None:
    _approved_generated_set(settings, 6, seed=4)  # a handful: below the selector's minimum
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources=resources_for(settings))
        result = approval_sensor(context)
    assert isinstance(result, dg.SkipReason)
    assert "cannot train yet" in (result.skip_message or "")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_recommend_and_analytics_say_what_is_missing_then_what_to_train(
    client: TestClient, settings: Settings
) -> None:
    empty = client.post("/api/v1/training/recommend", headers=VIEWER, json={})
    assert empty.status_code == 200, empty.text
    assert not empty.json()["can_train"] and empty.json()["rule"] == "too_little_data"
    analytics = client.get("/api/v1/training/analytics", headers=VIEWER).json()
    assert not analytics["can_train"] and analytics["recommendations"][0].startswith(
        "training waits for"
    )
    _approved_generated_set(settings, 300, seed=6)
    body = client.post(
        "/api/v1/training/recommend", headers=VIEWER, json={"budget_seconds": 60}
    ).json()
    assert (body["trainer"], body["rule"], body["can_train"]) == (
        "word_char_tfidf_linear_svm",
        "enough_examples",
        True,
    )
    assert body["profile"]["examples"] >= 150 and body["estimated_seconds"] > 0
    for bad in ({"budget_seconds": 0}, {"budget_seconds": "x"}, {"trainer": "auto"}):
        refused = client.post("/api/v1/training/recommend", headers=VIEWER, json=bad)
        assert refused.status_code == 422, bad
    assert client.post("/api/v1/training/recommend", json={}).status_code == 401


def test_a_training_job_names_its_trainer_or_auto_and_nothing_else(client: TestClient) -> None:
    operator = {"Authorization": "Bearer operator-token"}
    body = {"job_type": "training", "params": {"trainer": "gradient_magic"}}
    refused = client.post("/api/v1/jobs", headers=operator, json=body)
    assert refused.status_code == 422 and "trainer" in refused.text
    body["params"] = {"trainer": "word_char_tfidf_linear_svm", "budget_seconds": 120}
    assert client.post("/api/v1/jobs", headers=operator, json=body).status_code == 202


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the CLI, not the database
def test_preciso_train_explains_its_choice_and_refuses_what_cannot_train(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRECISO_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PRECISO_VAR_DIR", str(settings.var_dir))
    from preciso_dagster.core.settings import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    refused = runner.invoke(cli, ["train", "--auto-select", "--dry-run"])
    assert refused.exit_code == 3 and "too_little_data" in refused.output
    assert runner.invoke(cli, ["train"]).exit_code == 2
    _approved_generated_set(settings, 60, seed=8)
    planned = runner.invoke(cli, ["train", "--auto-select", "--dry-run"])
    assert planned.exit_code == 0, planned.output
    assert re.search(r"trainer: rules_baseline \(rule few_examples", planned.output)
    get_settings.cache_clear()
