"""MLflow behind a narrow interface: tracking runs, the model registry and the serving alias.

Framework-free: Dagster assets get it as a plain resource, the API bridge builds its own.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from preciso_dagster.core.settings import Settings
from preciso_dagster.core.training.gate import (
    GATE_REASONS_TAG,
    GATE_TAG,
    EvaluationSet,
    GateVerdict,
)

if TYPE_CHECKING:
    from mlflow import MlflowClient

# mlflow is imported where it is used: it takes seconds to import, and every code server and
# run worker imports this module even when it trains nothing.

SERVING_ALIAS = "champion"
# Our own functions inside the pipeline that MLflow's safe (skops) format must accept.
TRUSTED_TYPES = [
    "preciso_dagster.core.training.taxonomy.normalize_label",
    "preciso_dagster.core.training.rules_model.RulesClassifier",
]


class TrainedVersion(BaseModel):
    """A registered model version: its MLflow run, held-out metrics and what it learnt from."""

    mlflow_run_id: str
    model_version: int
    metrics: dict[str, float]
    dataset_version: str
    job_id: str | None  # None: trained by `preciso train`, outside any pipeline job
    evaluation: EvaluationSet | None = None  # the frozen set the promotion gate judges on


class ChampionComparison(BaseModel):
    """A new version against the serving one, and whether it was promoted."""

    model_version: int
    macro_f1: float
    champion_version: int | None
    champion_macro_f1: float | None
    beats_champion: bool  # passed the promotion gate
    promoted: bool
    gate: GateVerdict | None = None


class ModelRegistry(BaseModel):
    """Plain mlflow behind a narrow interface: log a training run, register, alias, load."""

    model_config = ConfigDict(frozen=True)

    tracking_uri: str
    artifact_root: str
    experiment_name: str = "line-item-concepts"
    model_name: str = "line_item_concept_classifier"
    auto_promote: bool = False  # the auto_promote_models flag: off unless an operator opts in
    # The promotion gate: macro-F1 at least the champion's plus this, and no concept losing more
    # recall than this (PRECISO_PROMOTION_MIN_F1_GAIN, PRECISO_PROMOTION_MAX_RECALL_LOSS).
    min_f1_gain: float = 0.0
    max_recall_loss: float = 0.05

    @classmethod
    def for_settings(cls, settings: Settings) -> ModelRegistry:
        """The registry for this environment: the code location and the bridge share it."""
        return cls(
            tracking_uri=settings.mlflow_tracking_uri,
            artifact_root=str(settings.var_dir / "mlartifacts"),
            auto_promote=settings.flag_auto_promote_models,
            min_f1_gain=settings.promotion_min_f1_gain,
            max_recall_loss=settings.promotion_max_recall_loss,
        )

    def client(self) -> MlflowClient:
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)

    def experiment_id(self) -> str:
        from mlflow.exceptions import MlflowException

        client = self.client()
        experiment = client.get_experiment_by_name(self.experiment_name)
        if experiment is not None:
            return experiment.experiment_id
        Path(self.artifact_root).mkdir(parents=True, exist_ok=True)
        try:
            return client.create_experiment(
                self.experiment_name, artifact_location=Path(self.artifact_root).as_uri()
            )
        except MlflowException:  # created concurrently
            experiment = client.get_experiment_by_name(self.experiment_name)
            assert experiment is not None
            return experiment.experiment_id

    def log_training(
        self,
        *,
        model: Any,
        params: dict[str, Any],
        metrics: dict[str, float],
        tags: dict[str, str],
        manifest: dict[str, Any],
        confusion_png: bytes,
        sample_input: list[str],
    ) -> tuple[str, int]:
        """One MLflow run with params, metrics, artifacts and the model; returns run id, version."""
        import mlflow
        from mlflow.models import infer_signature

        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.tracking_uri)
        with mlflow.start_run(experiment_id=self.experiment_id(), tags=tags) as run:
            mlflow.log_params(params)
            mlflow.log_metrics(metrics)
            mlflow.log_dict(manifest, "dataset_manifest.json")
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "confusion_matrix.png"
                path.write_bytes(confusion_png)
                mlflow.log_artifact(str(path))
            signature = infer_signature(sample_input, [str(p) for p in model.predict(sample_input)])
            info = mlflow.sklearn.log_model(
                model,
                name="model",
                signature=signature,
                input_example=sample_input[:3],
                skops_trusted_types=TRUSTED_TYPES,
            )
            version = mlflow.register_model(info.model_uri, self.model_name, tags=tags)
        return run.info.run_id, int(version.version)

    def versions(self) -> list[dict[str, Any]]:
        """Every registered version with its run's metrics, newest first."""
        from mlflow.exceptions import MlflowException

        client = self.client()
        try:
            found = client.search_model_versions(f"name='{self.model_name}'")
        except MlflowException:
            return []
        serving = self.serving_version()
        rows = []
        for version in sorted(found, key=lambda v: int(v.version), reverse=True):
            run = client.get_run(version.run_id) if version.run_id else None
            rows.append(
                {
                    "version": int(version.version),
                    "run_id": version.run_id,
                    "created_at": version.creation_timestamp,
                    "metrics": dict(run.data.metrics) if run else {},
                    "dataset_version": (
                        run.data.tags.get("preciso/dataset_version") if run else None
                    ),
                    "serving": int(version.version) == serving,
                    "gate": version.tags.get(GATE_TAG),
                    "gate_reasons": version.tags.get(GATE_REASONS_TAG),
                }
            )
        return rows

    def serving_version(self) -> int | None:
        from mlflow.exceptions import MlflowException

        try:
            version = self.client().get_model_version_by_alias(self.model_name, SERVING_ALIAS)
        except MlflowException:
            return None
        return int(version.version)

    def tag_version(self, version: int, tags: dict[str, str]) -> None:
        client = self.client()
        for key, value in tags.items():
            client.set_model_version_tag(self.model_name, str(version), key, value)

    def version_tags(self, version: int) -> dict[str, str]:
        return dict(self.client().get_model_version(self.model_name, str(version)).tags)

    def set_serving(self, version: int) -> None:
        self.client().set_registered_model_alias(self.model_name, SERVING_ALIAS, str(version))

    def load(self, version: int) -> Any:
        import mlflow

        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.tracking_uri)
        return mlflow.sklearn.load_model(f"models:/{self.model_name}/{version}")

    def macro_f1(self, version: int) -> float | None:
        row = next((v for v in self.versions() if v["version"] == version), None)
        return row["metrics"].get("macro_f1") if row else None


def confusion_matrix_png(labels: list[str], y_true: list[str], y_pred: list[str]) -> bytes:
    """The held-out confusion matrix as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    figure, axes = plt.subplots(figsize=(9, 8))
    ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=labels, ax=axes, xticks_rotation="vertical", colorbar=False
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    plt.close(figure)
    return buffer.getvalue()
