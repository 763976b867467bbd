"""Every trainer on generated labelled lines: training time and held-out macro-F1, against
the rules-only baseline on the same split; then the taxonomy's own phrases (English and
Korean) asked of models trained on English lines only, answered (a) by the model alone,
(b) by the model trained on a set seeded with the phrases, (c) rules first, model after.

Usage: python -m bench.training_bench [--lines N]
"""

from __future__ import annotations

import argparse

from preciso_dagster.core.training.synthetic_labels import generated_labels
from preciso_dagster.core.training.taxonomy import concept_phrases
from preciso_dagster.core.training.trainers import (
    TRAINERS,
    frozen_split,
    metrics_for,
    predict_known_first,
    rules_baseline,
    train_and_evaluate,
    trainer_named,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=5000)
    args = parser.parse_args()
    labels, concepts = generated_labels(args.lines)
    _, test_x, _, test_y = frozen_split(labels, concepts)
    baseline = metrics_for(test_y, rules_baseline(test_x))
    print(f"{args.lines} generated lines, {len(test_y)} held out, {len(set(concepts))} concepts")
    print(f"rules baseline: macro-F1 {baseline['macro_f1']:.3f}")
    for name in TRAINERS:
        trained = train_and_evaluate(trainer_named(name), labels, concepts)
        print(
            f"{name}: macro-F1 {trained.metrics['macro_f1']:.3f}, accuracy "
            f"{trained.metrics['accuracy']:.3f}, training {trained.seconds:.2f}s"
        )

    english = [(lab, c) for lab, c in zip(labels, concepts, strict=True) if lab.isascii()]
    phrases = [(phrase, c) for c, group in concept_phrases().items() for phrase in group]
    asked, truth = [p for p, _ in phrases], [c for _, c in phrases]
    print(f"\ntaxonomy phrases ({len(phrases)}, English and Korean), models trained on "
          f"{len(english)} English lines:")  # fmt: skip
    for name in TRAINERS:
        alone = trainer_named(name).fit([lab for lab, _ in english], [c for _, c in english])
        seeded = trainer_named(name).fit(
            [lab for lab, _ in english] + asked, [c for _, c in english] + truth
        )
        scores = {
            "model alone": _share(alone.predict(asked), truth),
            "seeded with the phrases": _share(seeded.predict(asked), truth),
            "rules first": _share(predict_known_first(alone, asked), truth),
        }
        print(f"{name}: " + ", ".join(f"{k} {v:.1%}" for k, v in scores.items()))


def _share(predicted: list[str], truth: list[str]) -> float:
    return sum(str(p) == t for p, t in zip(predicted, truth, strict=True)) / len(truth)


if __name__ == "__main__":
    main()
