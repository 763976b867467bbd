"""RapidOCR 3.x (PP-OCRv6 models in its wheel) against rapidocr-onnxruntime 1.4 (the engine the
chain runs), on the same page images in the same process.

    python -m bench.rapidocr_versions [--per-class 2] [--corpus-pages 6] [--dpi 200]

Pages: the generated classes (every failure class of the numeric bench) and the corpus's
text-layer pages rendered as scans; truth is the drawn numbers or the text layer. Each engine's
lines are read raw (no verification), tokenised the same way, and scored by number: how many
of the page's true numbers appear in the reading with the same value (a multiset match), how
many numbers it read that the page does not have, and seconds per page. rapidocr 3.x is not a
dependency; install it beside the project to run this (`pip install --no-deps rapidocr`, then
`pip install omegaconf colorlog`); without it the script says so and stops.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from bench.numeric_bench import (
    ScoredPage,
    _truth_key,
    corpus_scored_pages,
    generated_scored_pages,
)
from preciso_dagster.core.numeric.numbers import convention_for, extract_numbers

Reader = Callable[[Image.Image], list[tuple[float, float, str]]]  # (top, left, text) per line


def reader_1_4() -> Reader:
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR()

    def read(image: Image.Image) -> list[tuple[float, float, str]]:
        found, _ = engine(np.asarray(image.convert("RGB")))
        return [(*_top_left(points), text) for points, text, _score in found or []]

    return read


def reader_3() -> Reader:
    from rapidocr import RapidOCR

    engine = RapidOCR()

    def read(image: Image.Image) -> list[tuple[float, float, str]]:
        output = engine(np.asarray(image.convert("RGB")))
        boxes = output.boxes if output.boxes is not None else []
        return [
            (*_top_left(points), text)
            for points, text in zip(boxes, output.txts or (), strict=True)
        ]

    return read


def _top_left(points: Sequence[Sequence[float]]) -> tuple[float, float]:
    """A detected box's top and left edge, for reading order."""
    return float(min(point[1] for point in points)), float(min(point[0] for point in points))


@dataclass
class Score:
    truth: int = 0
    found: int = 0
    extra: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, page: ScoredPage, lines: list[tuple[float, float, str]], seconds: float) -> None:
        text = "\n".join(text for _top, _left, text in sorted(lines))
        convention = convention_for(text)
        read = Counter(_truth_key(t) for t in extract_numbers(text, convention=convention))
        truth = Counter(key for key, _box in page.truth)
        matched = sum((read & truth).values())
        self.truth += sum(truth.values())
        self.found += matched
        self.extra += sum(read.values()) - matched
        self.seconds.append(seconds)

    def merge(self, other: Score) -> None:
        self.truth += other.truth
        self.found += other.found
        self.extra += other.extra
        self.seconds += other.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=2)
    parser.add_argument("--corpus-pages", type=int, default=6)
    parser.add_argument("--dpi", type=int, default=200)
    args = parser.parse_args()
    try:
        readers = {"rapidocr-onnxruntime 1.4": reader_1_4(), "rapidocr 3.x": reader_3()}
    except ImportError as error:
        raise SystemExit(f"both RapidOCR packages are needed here: {error}") from error
    pages = generated_scored_pages(args.per_class, args.dpi)
    pages += corpus_scored_pages(args.corpus_pages, args.dpi)
    scores: dict[tuple[str, str], Score] = {}
    for page in pages:
        for name, read in readers.items():  # taking turns, page by page
            started = time.perf_counter()
            lines = read(page.image)
            seconds = time.perf_counter() - started
            scores.setdefault((page.document_class, name), Score()).add(page, lines, seconds)
    print("| class | engine | numbers | found | recall | extra | median s/page |")
    print("|---|---|---|---|---|---|---|")
    totals: dict[str, Score] = {}
    for (document_class, name), score in scores.items():
        totals.setdefault(name, Score()).merge(score)
        print(_row(document_class, name, score))
    for name, score in totals.items():
        print(_row("all pages", name, score))
    baseline, newer = (statistics.median(totals[name].seconds) for name in readers)
    print(f"\ntime ratio 3.x / 1.4 (median s/page): {newer / baseline:.2f}x")


def _row(document_class: str, name: str, score: Score) -> str:
    recall = score.found / score.truth if score.truth else 1.0
    return (
        f"| {document_class} | {name} | {score.truth} | {score.found} | {recall:.1%} | "
        f"{score.extra} | {statistics.median(score.seconds):.2f} |"
    )


if __name__ == "__main__":
    main()
