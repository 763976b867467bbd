"""The promotion gate: a candidate against the champion on the same frozen evaluation set,
stored with the version, obeyed by auto-promotion, and overridden only with force (audited)."""

from __future__ import annotations

import dagster as dg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api_bridge.main import create_app
from preciso_dagster.core.appdb.models import ServingChange
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.settings import Settings
from preciso_dagster.core.training.gate import EvaluationSet, judge
from preciso_dagster.defs.resources import resources_for
from preciso_dagster.defs.training.assets import concept_model, model_evaluation, training_dataset
from tests.test_training import _approved_generated_set

TRUTH = ["cash"] * 4 + ["revenue"] * 4 + ["equity"] * 2
CHAMPION = ["cash"] * 4 + ["revenue"] * 4 + ["equity"] * 2


def _set(predicted: list[str]) -> EvaluationSet:
    return EvaluationSet(labels=[f"l{i}" for i in range(10)], truth=TRUTH, predicted=predicted)


def test_the_gate_wants_the_champions_score_plus_the_margin_and_no_lost_concept() -> None:
    first = judge(_set(CHAMPION), None, None, min_gain=0.0, max_recall_loss=0.05)
    assert first.passed and "first version" in first.reasons[0]
    equal = judge(_set(CHAMPION), CHAMPION, 3, min_gain=0.0, max_recall_loss=0.05)
    assert equal.passed and equal.champion_version == 3
    margin = judge(_set(CHAMPION), CHAMPION, 3, min_gain=0.01, max_recall_loss=0.05)
    assert not margin.passed and "plus the margin 0.01" in margin.reasons[0]
    # Better on average, but equity (which the champion recalled) is forgotten.
    forgets = ["cash"] * 4 + ["revenue"] * 4 + ["cash", "revenue"]
    lost = judge(_set(forgets), ["cash"] * 3 + ["revenue"] * 5 + ["equity"] * 2, 3,
                 min_gain=-1.0, max_recall_loss=0.05)  # fmt: skip
    assert not lost.passed and lost.recall_losses == {"equity": 1.0}
    assert lost.tags()["preciso/gate"] == "failed"
    assert _set(CHAMPION).fingerprint == _set(forgets).fingerprint  # the same frozen set


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # MLflow, not the database
def test_a_worse_version_is_not_auto_promoted_and_needs_force(settings: Settings) -> None:
    _approved_generated_set(settings, 160, seed=9)
    flagged = settings.model_copy(update={"flag_auto_promote_models": True})
    resources = resources_for(flagged)
    assets = [training_dataset, concept_model, model_evaluation]
    with dg.instance_for_test() as instance:
        good, worse = (
            dg.materialize(
                assets,
                resources=resources,
                instance=instance,
                run_config={"ops": {"concept_model": {"config": {"trainer": trainer}}}},
            )
            for trainer in ("word_char_tfidf_linear_svm", "rules_baseline")
        )
    (first,) = good.asset_materializations_for_node("model_evaluation")
    (second,) = worse.asset_materializations_for_node("model_evaluation")
    assert first.metadata["gate"].value == "passed" and first.metadata["promoted"].value
    assert second.metadata["gate"].value == "failed" and not second.metadata["promoted"].value
    registry = resources["mlflow_registry"]
    assert registry.serving_version() == 1

    admin = {"Authorization": "Bearer admin-token"}
    with TestClient(create_app(settings)) as client:
        versions = {v["version"]: v for v in client.get("/api/v1/models", headers=admin).json()}
        assert (
            versions[2]["gate"] == "failed" and "below the champion" in versions[2]["gate_reasons"]
        )
        assert versions[1]["gate"] == "passed"
        client.post("/ui/login", data={"token": "admin-token"}, follow_redirects=False)
        page = client.get("/ui/models").text
        assert page.count('data-testid="model-gate"') == 2 and "failed the promotion gate" in page
        refused = client.post("/api/v1/models/serving", headers=admin, json={"version": 2})
        assert refused.status_code == 409 and "force" in refused.text
        forced = client.post(
            "/api/v1/models/serving", headers=admin, json={"version": 2, "force": True}
        )
        assert forced.status_code == 200, forced.text
    assert registry.serving_version() == 2
    with session_scope(settings.database_url) as session:
        actions = session.scalars(select(ServingChange.action).order_by(ServingChange.change_id))
        assert list(actions) == ["auto_promote", "promote_forced"]
