"""The promotion gate: a candidate against the champion on the same frozen evaluation set.

Passes when the candidate's macro-F1 is at least the champion's plus `min_gain`, and no
concept the champion recalls loses more than `max_recall_loss` of its recall. The first version
(no champion) passes on its own. The verdict is stored as tags of the model version.

`mlflow.models.evaluate` with `MetricThreshold` was not used: it loads both models as pyfunc
and evaluates through pandas (seconds per call), and it has no per-class recall limit. The same
absolute-margin test is computed here with scikit-learn, on the same frozen set.
"""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel

GATE_TAG = "preciso/gate"
GATE_REASONS_TAG = "preciso/gate_reasons"


class EvaluationSet(BaseModel):
    """The frozen evaluation set: held-out labels, their concepts, the candidate's answers."""

    labels: list[str]
    truth: list[str]
    predicted: list[str]

    @property
    def fingerprint(self) -> str:
        pairs = sorted(zip(self.labels, self.truth, strict=True))
        return hashlib.sha256(json.dumps(pairs, ensure_ascii=False).encode()).hexdigest()[:16]


class GateVerdict(BaseModel):
    passed: bool
    reasons: list[str]
    candidate_macro_f1: float
    champion_version: int | None
    champion_macro_f1: float | None
    min_gain: float
    max_recall_loss: float
    recall_losses: dict[str, float]  # concepts over the limit: champion recall - candidate's
    eval_examples: int
    eval_set: str

    def tags(self) -> dict[str, str]:
        return {
            GATE_TAG: "passed" if self.passed else "failed",
            GATE_REASONS_TAG: "; ".join(self.reasons),
            "preciso/gate_candidate_macro_f1": f"{self.candidate_macro_f1:.4f}",
            "preciso/gate_champion": str(self.champion_version or "none"),
            "preciso/gate_champion_macro_f1": (
                f"{self.champion_macro_f1:.4f}" if self.champion_macro_f1 is not None else "none"
            ),
            "preciso/gate_eval_set": f"{self.eval_set} ({self.eval_examples} examples)",
        }


def judge(
    evaluation: EvaluationSet,
    champion_predicted: list[str] | None,
    champion_version: int | None,
    *,
    min_gain: float,
    max_recall_loss: float,
) -> GateVerdict:
    from sklearn.metrics import f1_score, recall_score

    truth, candidate = evaluation.truth, evaluation.predicted
    candidate_f1 = float(f1_score(truth, candidate, average="macro", zero_division=0))
    reasons, losses = [], {}
    champion_f1 = None
    if champion_predicted is None:
        reasons.append("no champion: the first version passes on its own")
    else:
        champion_f1 = float(f1_score(truth, champion_predicted, average="macro", zero_division=0))
        if candidate_f1 < champion_f1 + min_gain:
            reasons.append(
                f"macro-F1 {candidate_f1:.4f} is below the champion's {champion_f1:.4f} "
                f"plus the margin {min_gain:g}"
            )
        classes = sorted(set(truth))
        ours = recall_score(truth, candidate, labels=classes, average=None, zero_division=0)
        theirs = recall_score(
            truth, champion_predicted, labels=classes, average=None, zero_division=0
        )
        for concept, mine, champions in zip(classes, ours, theirs, strict=True):
            if champions > 0 and champions - mine > max_recall_loss:
                losses[concept] = round(float(champions - mine), 4)
        if losses:
            reasons.append(
                f"recall lost beyond {max_recall_loss:g} on: "
                + ", ".join(f"{c} (-{loss:.2f})" for c, loss in sorted(losses.items()))
            )
    passed = champion_predicted is None or not reasons
    if passed and champion_predicted is not None:
        reasons.append(f"macro-F1 {candidate_f1:.4f} against the champion's {champion_f1:.4f}")
    return GateVerdict(
        passed=passed,
        reasons=reasons,
        candidate_macro_f1=round(candidate_f1, 6),
        champion_version=champion_version,
        champion_macro_f1=round(champion_f1, 6) if champion_f1 is not None else None,
        min_gain=min_gain,
        max_recall_loss=max_recall_loss,
        recall_losses=losses,
        eval_examples=len(truth),
        eval_set=evaluation.fingerprint,
    )
