"""Choosing a trainer for a dataset and a time budget: a deterministic decision table
(docs/training.md has it), with the rule that fired, the alternatives and an estimate of the
training time. Pure: no scikit-learn, no MLflow."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Literal

from preciso_dagster.core.training.trainers import (
    RulesTrainer,
    SklearnConceptTrainer,
    WordCharSvmTrainer,
)

MIN_LEARNT_EXAMPLES = 20  # fewer: 4 held-out examples or less, so no score to trust
FEW_PER_CLASS = 5
FEW_EXAMPLES = 150  # below this the rules scored highest (bench.selection_bench: 50, 100)
KOREAN_MAJORITY = 0.5  # Korean spacing varies: words are unreliable units, characters are not
_HANGUL = re.compile(r"[\uac00-\ud7af]")
STARTUP_SECONDS = 0.5
DEFAULT_BUDGET_SECONDS = 300.0
MAX_BUDGET_SECONDS = 24 * 3600.0
AUTO = "auto"
TrainerChoice = Literal[
    "auto", "rules_baseline", "sklearn_char_tfidf_logreg", "word_char_tfidf_linear_svm"
]


@dataclass(frozen=True)
class DatasetProfile:
    """What the selector looks at."""

    examples: int
    classes: int
    smallest_class: int
    korean_share: float

    @classmethod
    def of(cls, labels: list[str], concepts: list[str]) -> DatasetProfile:
        counts = Counter(concepts)
        korean = sum(bool(_HANGUL.search(label)) for label in labels)
        return cls(
            examples=len(labels),
            classes=len(counts),
            smallest_class=min(counts.values()) if counts else 0,
            korean_share=round(korean / len(labels), 3) if labels else 0.0,
        )


@dataclass(frozen=True)
class Recommendation:
    trainer: str
    rule: str  # the decision-table row that fired
    reasons: list[str]
    alternatives: list[str]
    estimated_seconds: float
    can_train: bool  # False: training now would fail or teach nothing; `missing` says why
    missing: list[str] = field(default_factory=list)

    def mlflow_tags(self) -> dict[str, str]:
        return {
            "preciso/trainer": self.trainer,
            "preciso/selection_rule": self.rule,
            "preciso/selection_reasons": "; ".join(self.reasons),
        }


def estimated_seconds(trainer: str, examples: int) -> float:
    """Training time on two cores, fitted to bench.selection_bench (noisy labels): the logistic
    regression grows linearly (1.3-2.1 s at 5,000 examples, 6-10 s at 50,000); the SVM with its C
    search quadratically (0.2 s at 500, 1.1-2.4 s at 5,000, 128-259 s at 50,000)."""
    if trainer == SklearnConceptTrainer.name:
        return round(STARTUP_SECONDS + 0.0002 * examples, 2)
    if trainer == WordCharSvmTrainer.name:
        return round(STARTUP_SECONDS + 2.0 * (examples / 5_000) ** 2, 2)
    return 0.0


def choose(profile: DatasetProfile, trainer: str, budget_seconds: float) -> Recommendation:
    """The selector's recommendation for `auto`; a named trainer as the caller chose it (still
    refused when the data cannot train)."""
    recommendation = recommend(profile, budget_seconds)
    if trainer == AUTO or not recommendation.can_train:
        return recommendation
    seconds = estimated_seconds(trainer, profile.examples)
    reasons = [f"{trainer} was asked for"]
    return Recommendation(
        trainer, "chosen_by_caller", reasons, [recommendation.trainer], seconds, True
    )


def recommend(profile: DatasetProfile, budget_seconds: float) -> Recommendation:
    """The first row of the decision table whose condition holds."""
    return _with_class_note(profile, _first_row(profile, budget_seconds))


def _first_row(profile: DatasetProfile, budget_seconds: float) -> Recommendation:
    n = profile.examples
    logreg, svm, rules = SklearnConceptTrainer.name, WordCharSvmTrainer.name, RulesTrainer.name
    missing = []
    if profile.classes < 2:
        missing.append(f"examples of at least 2 concepts (have {profile.classes})")
    if n < MIN_LEARNT_EXAMPLES:
        missing.append(f"at least {MIN_LEARNT_EXAMPLES} approved examples (have {n})")
    if missing:
        reasons = [f"missing: {m}" for m in missing] + ["the rules answer until then"]
        return Recommendation(
            rules, "too_little_data", reasons, [], 0.0, can_train=False, missing=missing
        )
    if n < FEW_EXAMPLES:
        reason = f"{n} examples (< {FEW_EXAMPLES}): the rules beat the learnt trainers here"
        return _choice(rules, "few_examples", [reason], [svm, logreg], n)
    if estimated_seconds(svm, n) > budget_seconds and estimated_seconds(logreg, n) > budget_seconds:
        reason = f"no learnt trainer fits the {budget_seconds:g} s budget"
        return _choice(rules, "budget_too_small", [reason], [svm, logreg], n)
    if profile.korean_share >= KOREAN_MAJORITY and estimated_seconds(logreg, n) <= budget_seconds:
        reason = (
            f"{profile.korean_share:.0%} Korean labels: spacing varies, so words are unreliable"
        )
        return _choice(logreg, "mostly_korean", [reason], [svm, rules], n)
    if estimated_seconds(svm, n) > budget_seconds:
        seconds = estimated_seconds(svm, n)
        reason = f"{svm} needs ~{seconds} s, over the {budget_seconds:g} s budget"
        return _choice(logreg, "svm_over_budget", [reason], [svm, rules], n)
    reason = f"{n} examples: word and character n-grams with a linear SVM score highest"
    return _choice(svm, "enough_examples", [reason], [logreg, rules], n)


def _with_class_note(profile: DatasetProfile, chosen: Recommendation) -> Recommendation:
    if profile.smallest_class >= FEW_PER_CLASS or not chosen.can_train:
        return chosen
    note = (
        f"the smallest concept has {profile.smallest_class} examples: its held-out score is "
        "noise until reviewers approve more"
    )
    return replace(chosen, reasons=[*chosen.reasons, note])


def _choice(
    trainer: str, rule: str, reasons: list[str], alternatives: list[str], n: int
) -> Recommendation:
    return Recommendation(trainer, rule, reasons, alternatives, estimated_seconds(trainer, n), True)
