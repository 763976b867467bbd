"""Selection accuracy: does the selector pick a trainer within 1 point of macro-F1 of the best
trainer that finished within the budget?

Datasets of 50, 500, 5,000 and 50,000 generated line-item labels, made realistic: classes
drawn with Zipf-like imbalance (the commonest concept about 10 times the rarest), and 8% of
the labels flipped to another concept (reviewers' mistakes). Every trainer trains on the
same split and is scored on the same held-out part; one that overruns the budget does not
count. Each run appends one JSON line per dataset to var/bench/selection_record.jsonl, the
running record of how good the choices were.

Usage: python -m bench.selection_bench [--budget 60] [--sizes 50 500 5000 50000]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path

from preciso_dagster.core.training.selection import DatasetProfile, recommend
from preciso_dagster.core.training.synthetic_labels import generated_labels
from preciso_dagster.core.training.trainers import TRAINERS, train_and_evaluate, trainer_named

NOISE = 0.08
WITHIN = 0.01  # one point of macro-F1
RECORD = Path("var/bench/selection_record.jsonl")


def realistic(size: int, seed: int) -> tuple[list[str], list[str]]:
    """`size` labels with imbalanced classes and NOISE of them mislabelled."""
    rng = random.Random(seed)
    labels, concepts = generated_labels(size * 4, seed=seed)
    classes = sorted(set(concepts))
    weight = {c: 1 / (rank + 1) ** 0.9 for rank, c in enumerate(rng.sample(classes, len(classes)))}
    drawn = rng.choices(range(len(labels)), [weight[c] for c in concepts], k=size)
    chosen_labels = [labels[i] for i in drawn]
    chosen = [concepts[i] for i in drawn]
    for i in range(size):
        if rng.random() < NOISE:
            chosen[i] = rng.choice([c for c in classes if c != chosen[i]])
    return chosen_labels, chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 5_000, 50_000])
    args = parser.parse_args()
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    hits = 0
    print(f"budget {args.budget:g} s, {NOISE:.0%} label noise, Zipf-like imbalance")
    for size in args.sizes:
        labels, concepts = realistic(size, seed=size)
        profile = DatasetProfile.of(labels, concepts)
        choice = recommend(profile, args.budget)
        scores: dict[str, float] = {}
        seconds: dict[str, float] = {}
        for name in TRAINERS:
            started = time.perf_counter()
            try:
                trained = train_and_evaluate(trainer_named(name, args.budget), labels, concepts)
            except ValueError:  # too little data for a held-out split
                continue
            seconds[name] = time.perf_counter() - started
            if seconds[name] <= args.budget:
                scores[name] = trained.metrics["macro_f1"]
        best = max(scores.values()) if scores else 0.0
        picked = scores.get(choice.trainer, 0.0 if choice.can_train else best)
        good = picked >= best - WITHIN
        hits += good
        print(
            f"{size:>6} examples, {profile.classes} classes (smallest {profile.smallest_class}): "
            f"picked {choice.trainer} ({choice.rule}) "
            f"{'ok' if good else 'MISSED'}; "
            + ", ".join(
                f"{name} {scores.get(name, float('nan')):.3f} in {seconds.get(name, 0):.1f}s"
                for name in TRAINERS
            )
        )
        with RECORD.open("a", encoding="utf-8") as record:
            record.write(json.dumps({
                "at": datetime.now(UTC).isoformat(timespec="seconds"), "examples": size,
                "budget": args.budget, "picked": choice.trainer, "rule": choice.rule,
                "can_train": choice.can_train, "scores": scores, "seconds": seconds,
                "within_one_point": good,
            }) + "\n")  # fmt: skip
    print(f"selector within {WITHIN:.0%} of the best in time: {hits}/{len(args.sizes)}")


if __name__ == "__main__":
    main()
