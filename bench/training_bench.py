"""Training time and macro-F1 on generated labelled lines, against the rules-only baseline
on the same held-out split.

Usage: python -m bench.training_bench [--lines N]
"""

from __future__ import annotations

import argparse

from preciso_dagster.core.training.synthetic_labels import generated_labels
from preciso_dagster.core.training.trainers import (
    SklearnConceptTrainer,
    metrics_for,
    rules_baseline,
    split,
    train_and_evaluate,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=5000)
    args = parser.parse_args()
    labels, concepts = generated_labels(args.lines)
    trained = train_and_evaluate(SklearnConceptTrainer(), labels, concepts)
    _, test_x, _, test_y = split(labels, concepts)
    baseline = metrics_for(test_y, rules_baseline(test_x))
    print(f"{args.lines} generated lines, {len(test_y)} held out, {len(set(concepts))} concepts")
    print(
        f"trained model: macro-F1 {trained.metrics['macro_f1']:.3f}, accuracy "
        f"{trained.metrics['accuracy']:.3f}, training {trained.seconds:.2f}s"
    )
    print(
        f"rules baseline: macro-F1 {baseline['macro_f1']:.3f}, accuracy {baseline['accuracy']:.3f}"
    )


if __name__ == "__main__":
    main()
