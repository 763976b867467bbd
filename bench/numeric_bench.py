"""Numeric checks: checker throughput, and silent error / review rates on corpus scans.

Silent error rate: numbers wrong or missing on pages or boxes marked verified, over all numbers
of the ground truth (the text layer). Verified readings where the text layer has no words
(text drawn as a picture) have no ground truth and are left out of the score (for the
baselines too), and counted. Review rate: the share of numbers sent to review.
Baselines, measured in the same run: Tesseract alone and RapidOCR alone, where every number
an engine prints is taken as it is (no engine says which numbers it got wrong).

Usage: python -m bench.numeric_bench [--pages N] [--mb N] [--dpi N] [--skip-throughput]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from dataclasses import dataclass

from bench.corpus import CORPUS, text_layer_pages, text_layer_texts
from preciso_dagster.ingest.extraction import ExtractionConfig, extract_document
from preciso_dagster.ingest.ocr_engines import OcrEngine, RapidOcrEngine, TesseractEngine
from preciso_dagster.numeric.assets import normalize_page_text
from preciso_dagster.numeric.compare import compare_texts
from preciso_dagster.numeric.numbers import convention_for, extract_numbers
from preciso_dagster.training.synthetic_labels import generated_labels

REPEATS = 5


def repeated(block: str, megabytes: float) -> str:
    return (block + "\n") * max(1, int(megabytes * 1_000_000 / len(block.encode())))


def bench_throughput(megabytes: float) -> None:
    labels, _ = generated_labels(2000, seed=11)
    lines = [f"{label} {i * 7919 % 1_000_000:,}.{i % 100:02d}" for i, label in enumerate(labels)]
    source = repeated("\n".join(lines), megabytes)
    scenarios = {
        "every number reformatted (worst case)": (source, source.replace(",", "")),
        "1 line in 50 reformatted": (
            source,
            "\n".join(
                line.replace(",", "") if i % 50 == 0 else line
                for i, line in enumerate(source.split("\n"))
            ),
        ),
    }
    if CORPUS.exists():  # what the pipeline does: text layers against normalize_page_text
        pages = [repeated(text, megabytes / 10) for text in text_layer_texts()]
        scenarios["corpus text layers, normalised"] = (
            "\n".join(pages),
            "\n".join(normalize_page_text(page) for page in pages),
        )
    for name, (source, output) in scenarios.items():
        size = len(source.encode()) / 1_000_000
        timings = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            result = compare_texts(source, output, locale="en")
            timings.append(time.perf_counter() - started)
            assert result.passed
        seconds = statistics.median(timings)
        print(
            f"checker, {name}: {size:.1f} MB, {result.source_count} numbers compared, "
            f"median of {REPEATS} {seconds:.3f}s -> {size / seconds:.2f} MB/s "
            "(target >= 20 MB/s)"
        )


@dataclass
class Tally:
    truth: int = 0
    silent_errors: int = 0
    reviewed: int = 0

    def line(self, name: str) -> str:
        return (
            f"{name:<22} numbers {self.truth:>5}  silent errors {self.silent_errors:>4} "
            f"({self.silent_errors / max(1, self.truth):.2%})  sent to review "
            f"{self.reviewed:>4} ({self.reviewed / max(1, self.truth):.1%})"
        )


def score(truth_text: str, verified_keys: list[str], page_verified: bool, reviewed: int) -> Tally:
    """Silent errors: verified numbers not in the truth, plus truth numbers missing silently."""
    truth = Counter(t.key for t in extract_numbers(truth_text))
    found = Counter(verified_keys)
    wrong = sum((found - truth).values())
    missing = sum((truth - found).values()) if page_verified else 0
    return Tally(sum(truth.values()), wrong + missing, reviewed)


def add(total: Tally, page: Tally) -> None:
    total.truth += page.truth
    total.silent_errors += page.silent_errors
    total.reviewed += page.reviewed


def bench_silent_errors(pages: int, dpi: int) -> None:
    corpus = text_layer_pages(pages, dpi)
    engines: dict[str, OcrEngine] = {"tesseract": TesseractEngine(), "rapidocr": RapidOcrEngine()}
    chain, raw = Tally(), {name: Tally() for name in engines}
    for page in corpus:
        for name, engine in engines.items():
            lines = engine.read(page.image).lines
            text = "\n".join(line.text for line in lines if page.has_ground_truth(line.box))
            add(raw[name], score(page.text, [t.key for t in extract_numbers(text)], True, 0))
        config = ExtractionConfig(dpi=dpi)  # the scan's own resolution: boxes stay comparable
        extracted = extract_document(page.scan_pdf(), "scan.pdf", config, engines)
        (result,) = extracted.pages
        verified = [n for n in result.numbers if n.verified]
        scored = [n for n in verified if n.box is None or page.has_ground_truth(n.box)]
        convention = convention_for(result.text)
        keys = [t.key for n in scored for t in extract_numbers(n.raw, convention=convention)]
        add(chain, score(page.text, keys, not result.needs_review, len(result.review_items)))
        print(
            f"  {page.name}: {len(result.numbers)} numbers read, "
            f"{len(result.review_items)} to review, {len(verified) - len(scored)} verified "
            "where the text layer has no words (not scored)"
        )
    print(chain.line("chain (verified)"))
    for name, tally in raw.items():
        print(tally.line(f"{name} alone"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--mb", type=float, default=2.0)
    parser.add_argument("--dpi", type=int, default=200, help="scan resolution")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    if not args.skip_throughput:
        bench_throughput(args.mb)
    bench_silent_errors(args.pages, args.dpi)


if __name__ == "__main__":
    main()
