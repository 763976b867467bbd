"""Trainers behind one small interface, so another (a GPU transformer, say) can be added."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from preciso_dagster.core.training.taxonomy import normalize_label, propose_concept

HELD_OUT_SHARE = 0.2
SEED = 20261121


@dataclass
class TrainedModel:
    model: Any  # has predict(list[str]) -> list[str]
    params: dict[str, Any]
    metrics: dict[str, float]
    labels: list[str]
    y_true: list[str]
    y_pred: list[str]
    seconds: float


class Trainer(Protocol):
    name: str

    def fit(self, labels: list[str], concepts: list[str]) -> Any: ...

    def params(self) -> dict[str, Any]: ...


class SklearnConceptTrainer:
    """Character n-gram TF-IDF and logistic regression: CPU only, seconds to train, EN and KO."""

    name = "sklearn_char_tfidf_logreg"

    def __init__(self, ngram_range: tuple[int, int] = (2, 4), c: float = 10.0) -> None:
        self.ngram_range = ngram_range
        self.c = c

    def params(self) -> dict[str, Any]:
        return {"trainer": self.name, "ngram_range": list(self.ngram_range), "C": self.c}

    def fit(self, labels: list[str], concepts: list[str]) -> Any:
        # Imported here: scikit-learn costs seconds at import and most processes never train.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        pipeline = Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=self.ngram_range,
                        preprocessor=normalize_label,
                        sublinear_tf=True,
                    ),
                ),
                ("classifier", LogisticRegression(C=self.c, max_iter=2000)),
            ]
        )
        pipeline.fit(labels, concepts)
        return pipeline


def split(
    labels: list[str], concepts: list[str]
) -> tuple[list[str], list[str], list[str], list[str]]:
    """The held-out split, stratified when every class has two examples, always seeded."""
    from sklearn.model_selection import train_test_split

    counts = {c: concepts.count(c) for c in set(concepts)}
    stratify = concepts if min(counts.values()) >= 2 else None
    train_x, test_x, train_y, test_y = train_test_split(
        labels, concepts, test_size=HELD_OUT_SHARE, random_state=SEED, stratify=stratify
    )
    return list(train_x), list(test_x), list(train_y), list(test_y)


def metrics_for(y_true: list[str], y_pred: list[str]) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    classes = sorted(set(y_true) | set(y_pred))
    per_class = f1_score(y_true, y_pred, labels=classes, average=None, zero_division=0)
    metrics = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
    }
    metrics.update({f"f1_{c}": float(f) for c, f in zip(classes, per_class, strict=True)})
    return metrics


def train_and_evaluate(trainer: Trainer, labels: list[str], concepts: list[str]) -> TrainedModel:
    """Fit on the training split, score on the held-out split."""
    if len(set(concepts)) < 2 or len(labels) < 5:
        raise ValueError(
            f"need 5+ examples of 2+ concepts, got {len(labels)} of {len(set(concepts))}"
        )
    train_x, test_x, train_y, test_y = split(labels, concepts)
    started = time.perf_counter()
    model = trainer.fit(train_x, train_y)
    seconds = time.perf_counter() - started
    predicted = [str(p) for p in model.predict(test_x)]
    return TrainedModel(
        model,
        trainer.params(),
        metrics_for(test_y, predicted),
        sorted(set(concepts)),
        test_y,
        predicted,
        seconds,
    )


def rules_baseline(labels: list[str]) -> list[str]:
    return [propose_concept(label) for label in labels]
