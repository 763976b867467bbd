"""The taxonomy rules as a scikit-learn classifier, so that a rules "model" is logged, loaded
and served like any trained one (MLflow's skops format trusts this class by name)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from preciso_dagster.core.training.taxonomy import propose_concept


class RulesClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Predicts the concept whose longest known phrase occurs in the label; learns nothing."""

    def fit(self, labels: list[str], concepts: list[str]) -> RulesClassifier:
        self.classes_ = np.array(sorted(set(concepts)))
        return self

    def predict(self, labels: Any) -> np.ndarray:
        return np.array([propose_concept(str(label)) for label in labels])
