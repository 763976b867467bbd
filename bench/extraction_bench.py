"""Extraction speed against raw engines on the same pages, measured in one process.

1. Text-layer PDFs: `extract_document` (gates, text) and with the per-number listing the JSON
   output carries, vs raw PyMuPDF `get_text`.
2. Scans of the shared corpus at 200 DPI: the chain vs the raw engines it runs.

Usage: python -m bench.extraction_bench [--pages N] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import pymupdf

from bench.corpus import text_layer_pages
from preciso_dagster.core.engines import RapidOcrEngine, TesseractEngine
from preciso_dagster.core.extraction.extraction import ExtractionConfig, extract_document


def timed(functions: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds per function; the functions take turns, so drift hits them alike."""
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def synthetic_text_pdf(pages: int) -> bytes:
    document = pymupdf.open()
    for number in range(pages):
        page = document.new_page()
        for line in range(40):
            page.insert_text(
                (50, 40 + line * 18), f"Line {line} revenue {number * 1000 + line:,}.{line:02d} USD"
            )
    return document.tobytes()


def bench_text_layer(repeat: int) -> None:
    content = synthetic_text_pdf(50)

    def raw() -> None:
        with pymupdf.open(stream=content, filetype="pdf") as document:
            for page in document:
                page.get_text()

    medians = timed(
        {
            "raw": raw,
            "extraction": lambda: extract_document(content, "t.pdf"),
            "listed": lambda: extract_document(content, "t.pdf").to_record(),
        },
        repeat,
    )
    raw_s = medians["raw"]
    for name, label in (("extraction", "extraction"), ("listed", "extraction + number listing")):
        print(
            f"text layer, 50 pages: raw PyMuPDF {raw_s * 1000:.1f} ms, {label} "
            f"{medians[name] * 1000:.1f} ms -> speed ratio {raw_s / medians[name]:.2f}x raw "
            "(target >= 0.5x)"
        )


def bench_scans(pages: int) -> None:
    corpus = text_layer_pages(pages)
    tesseract, rapid = TesseractEngine(), RapidOcrEngine()
    rapid.read(corpus[0].image)  # load the models outside the timings
    config = ExtractionConfig()
    engines = {"tesseract": tesseract, "rapidocr": rapid}
    raw_runs, chain_runs = [], []
    for page in corpus:
        started = time.perf_counter()
        tesseract.orientation(page.image)
        tesseract.read(page.image)
        rapid.read(page.image)
        raw_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        extract_document(page.scan_pdf(), "scan.pdf", config, engines)
        chain_runs.append(time.perf_counter() - started)
        print(f"  {page.name}: raw engines {raw_runs[-1]:.1f}s, chain {chain_runs[-1]:.1f}s")
    ratio = sum(chain_runs) / sum(raw_runs)
    print(
        f"scans, {len(corpus)} pages at 200 DPI: raw engines the chain runs (OSD + tesseract + "
        f"rapidocr) median {statistics.median(raw_runs):.1f} s/page, chain median "
        f"{statistics.median(chain_runs):.1f} s/page -> time ratio {ratio:.2f}x (target <= 1.2x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bench_text_layer(args.repeat)
    bench_scans(args.pages)


if __name__ == "__main__":
    main()
