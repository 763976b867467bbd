"""Numeric checks: checker throughput, and silent error / review rates on corpus scans.

Silent error rate: numbers wrong or missing on pages or boxes marked verified, over all numbers
of the ground truth (the text layer). Verified readings where the text layer has no words
(text drawn as a picture) have no ground truth and are left out of the score (for the
baselines too), and counted. Review rate: the share of numbers sent to review.
Baselines, measured in the same run: Tesseract alone and RapidOCR alone, where every number
an engine prints is taken as it is (no engine says which numbers it got wrong).

Usage: python -m bench.numeric_bench [--pages N] [--mb N] [--dpi N] [--seed N] [--skip-throughput]
[--scanned] (generated pages as an office scanner returns them: skewed, grey, noisy)
"""

from __future__ import annotations

import argparse
import difflib
import io
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import pymupdf
from PIL import Image

from bench.corpus import CORPUS, corpus_text_layer_pages, real_scans, text_layer_texts
from bench.generated_pages import GeneratedPage, generated_pages
from bench.scan_effects import office_scan
from preciso_dagster.core.engines import (
    Box,
    OcrEngine,
    RapidOcrEngine,
    TesseractEngine,
    union_of,
)
from preciso_dagster.core.extraction.extraction import (
    ExtractedPage,
    ExtractionConfig,
    extract_document,
)
from preciso_dagster.core.extraction.straighten import box_turned, page_as_read
from preciso_dagster.core.numeric.compare import compare_texts
from preciso_dagster.core.numeric.numbers import (
    DecimalConvention,
    NumberToken,
    convention_for,
    extract_numbers,
)
from preciso_dagster.core.numeric.verification import UNREAD_REGION, PageNumber
from preciso_dagster.core.pages import PageRecord, WordRecord
from preciso_dagster.core.training.line_items import page_line_items
from preciso_dagster.core.training.synthetic_labels import generated_labels
from preciso_dagster.defs.numeric.assets import normalize_page_text

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
class ScoredPage:
    """A scan to read, with the truth: each number's key and where it is, in scan pixels."""

    name: str
    document_class: str
    image: Image.Image
    truth: list[tuple[str, Box]]
    dpi: int
    # Where the page has real text (ground truth) at all; verified readings elsewhere
    # (pictures of text) cannot be scored. None: everywhere.
    text_bands: list[tuple[float, float]] | None = None
    rows: list[tuple[str, list[str]]] = field(default_factory=list)  # label, amount keys
    # A real scan's transcription has numbers but no boxes: each number's digits and key
    # (`_truth_key`), scored by value (`score_by_value`). None with no truth at all: the scan
    # is read and counted only.
    truth_values: list[tuple[str, str]] | None = None
    by_value: bool = False

    def has_ground_truth(self, box: Box) -> bool:
        return self.text_bands is None or any(
            box[1] < bottom and top < box[3] for top, bottom in self.text_bands
        )


@dataclass
class Tally:
    pages: int = 0
    truth: int = 0
    silent_losses: int = 0
    wrong_verified: int = 0
    reviewed: int = 0
    review_items: int = 0
    unread_regions: int = 0
    false_regions: int = 0  # unread regions that hold no number of the truth
    empty_items: int = 0  # review items (of any kind) that hold no number of the truth
    rows: int = 0  # table rows of the truth, and how many came out as line items
    rows_found: int = 0
    findings: list[str] = field(default_factory=list)  # each loss and wrong number, for --show
    chain_seconds: list[float] = field(default_factory=list)
    raw_seconds: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("pages", "truth", "silent_losses", "wrong_verified", "reviewed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("review_items", "empty_items", "unread_regions", "false_regions"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("rows", "rows_found"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.chain_seconds += other.chain_seconds
        self.raw_seconds += other.raw_seconds

    def line(self, name: str) -> str:
        share = lambda count: f"{count:>4} ({count / max(1, self.truth):.2%})"  # noqa: E731
        timing = ""
        if self.chain_seconds:
            chain = statistics.median(self.chain_seconds)
            raw = statistics.median(self.raw_seconds)
            total = sum(self.chain_seconds) / sum(self.raw_seconds)
            timing = (
                f"  s/page {chain:.1f} vs raw engines {raw:.1f} ({chain / raw:.2f}x, "
                f"all seconds {total:.2f}x)"
            )
        return (
            f"{name:<32} pages {self.pages:>2} numbers {self.truth:>5}  silent losses "
            f"{share(self.silent_losses)}  wrong verified {share(self.wrong_verified)}  "
            f"review {share(self.reviewed)} in {self.review_items} items "
            f"({self.empty_items} hold no number)  unread regions {self.unread_regions} "
            f"({self.false_regions} hold no number)  rows {self.rows_found}/{self.rows}"
            f"{timing}"
        )


def _match_key(value: str | None, raw: str) -> str:
    """What two readings must share to be the same number: the value, else the digits."""
    if value is None:
        return "digits:" + re.sub(r"\D", "", raw)
    return format(Decimal(value).normalize(), "f")


def _truth_key(token: NumberToken) -> str:
    value = token.value
    if value is None or token.ambiguous or token.malformed or token.doubtful:
        return _match_key(None, token.raw)
    return _match_key(str(value), token.raw)


def _overlaps(a: Box, b: Box) -> bool:
    """The boxes share at least 30% of the smaller one's area."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return False
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return width * height >= 0.3 * max(1, smaller)


def score_page(page: ScoredPage, numbers: list[PageNumber]) -> Tally:
    """Each true number is verified right, held by a review item, verified wrong, or lost
    silently; verified numbers that match nothing true are wrong too."""
    verified = [n for n in numbers if n.verified and n.box is not None]
    review = [n for n in numbers if not n.verified and n.box is not None]
    tally = Tally(pages=1, truth=len(page.truth))
    used: set[int] = set()
    for key, box in page.truth:
        here = [n for n in verified if id(n) not in used and _overlaps(n.box, box)]
        right = next((n for n in here if _match_key(n.value, n.raw) == key), None)
        if right is not None:
            used.add(id(right))
        elif any(_overlaps(n.box, box) for n in review):
            tally.reviewed += 1
        elif here:
            used.add(id(here[0]))
            tally.wrong_verified += 1
            tally.findings.append(f"wrong: truth {key} at {box}, verified {here[0]}")
        else:
            tally.silent_losses += 1
            tally.findings.append(f"lost: truth {key} at {box}")
    for n in verified:
        if id(n) not in used and page.has_ground_truth(n.box):
            tally.wrong_verified += 1
            tally.findings.append(f"wrong: verified where nothing true is: {n}")
    empty = [
        n
        for n in review
        if page.has_ground_truth(n.box) and not any(_overlaps(n.box, box) for _, box in page.truth)
    ]
    tally.review_items = len(review)
    tally.empty_items = len(empty)
    regions = [n for n in review if n.kind == UNREAD_REGION]
    tally.unread_regions = len(regions)
    tally.false_regions = sum(
        1 for n in regions if not any(_overlaps(n.box, box) for _, box in page.truth)
    )
    for n in empty:
        tally.findings.append(f"review item holding no true number: {n}")
    return tally


def score_by_value(page: ScoredPage, numbers: list[PageNumber]) -> Tally:
    """A scan against its transcription, which has no boxes and writes numbers its own way
    ("708-8131"): numbers are matched by their digits. A verified number whose digits match
    no true number left is wrong, and so is one whose value differs from the true number's
    when both have a value ("110,000" verified as 110.000 on an English page). A true number
    no verified one matched is held by review when a review item's digits, in any of its
    readings, contain its digits ("24, 25" holds 24 and 25; "32" read "31" by the other
    engine holds the 1 of "3 1/2"), else lost."""
    tally = Tally(pages=1)
    review = [n for n in numbers if not n.verified]
    tally.review_items = len(review)
    tally.unread_regions = sum(1 for n in review if n.kind == UNREAD_REGION)
    if page.truth_values is None:
        tally.findings.append(
            f"no transcription: {len(numbers)} numbers listed, {len(review)} to review"
        )
        return tally
    left = list(page.truth_values)
    tally.truth = len(left)
    for number in numbers:
        if number.verified:
            digits = _digits(number.raw)
            alike = [truth for truth in left if truth[0] == digits]
            key = _match_key(number.value, number.raw)
            same = next(  # a number with no value asserts only its digits
                (t for t in alike if number.value is None or t[1] in (key, "digits:" + digits)),
                None,
            )
            if same is not None:
                left.remove(same)
            elif alike:
                left.remove(alike[0])
                tally.wrong_verified += 1
                tally.findings.append(f"wrong: verified {number}, the transcription has {alike[0]}")
            else:
                tally.wrong_verified += 1
                tally.findings.append(f"wrong: verified {number}, not in the transcription")
    held = [_digits(raw) for n in review for raw in (n.raw, *n.readings.values()) if raw]
    for digits, _ in left:
        if any(digits in item for item in held):
            tally.reviewed += 1
        else:
            tally.silent_losses += 1
            tally.findings.append(f"lost: {digits} neither verified nor in a review item")
    return tally


def _digits(raw: str) -> str:
    return re.sub(r"\D", "", raw)


def real_scan_pages() -> list[ScoredPage]:
    """The corpus's real scans (skew, rotation, a photo of typewriting, an old print)."""
    pages = []
    for scan in real_scans():
        values = None
        if scan.truth_text is not None:
            # The transcriptions are English and Dutch prose with no decimals: their lists
            # ("pages 24, 25") are lists, whatever OCR's page shows.
            tokens = extract_numbers(scan.truth_text, convention=DecimalConvention("."))
            values = [(_digits(token.raw), _truth_key(token)) for token in tokens]
        name = scan.name.rsplit(".", 1)[0]
        pages.append(
            ScoredPage(
                name, "real scans", scan.image, [], scan.dpi, truth_values=values, by_value=True
            )
        )
    return pages


def row_recall(truth: list[tuple[str, list[str]]], page: PageRecord) -> tuple[int, int]:
    """How many true rows came out as a line item with a like label (OCR may misread a
    letter) and exactly the same amounts in the same order."""
    items = [
        (item.label.lower(), [_match_key(str(cell.amount), cell.raw) for cell in item.columns])
        for item in page_line_items(page)
    ]
    found = 0
    for label, keys in truth:
        match = next(
            (
                item
                for item in items
                if item[1] == keys
                and difflib.SequenceMatcher(None, item[0], label.lower()).ratio() >= 0.8
            ),
            None,
        )
        if match is not None:
            items.remove(match)
            found += 1
    return len(truth), found


def generated_scored_pages(
    per_class: int, dpi: int, seed: int = 7, font_file: Path | None = None
) -> list[ScoredPage]:
    return [
        scored_generated_page(page, dpi) for page in generated_pages(per_class, seed, font_file)
    ]


def scored_generated_page(page: GeneratedPage, dpi: int) -> ScoredPage:
    """A generated page as a scan at `dpi`, with the truth recorded while drawing it."""
    with pymupdf.open(stream=page.pdf) as document:
        image = _render(document[0], dpi)
    scale = dpi / 72
    truth = [(_truth_key(number.token), _scaled(number.rect, scale)) for number in page.truth]
    rows = [(row.label, [_truth_key(token) for token in row.amounts]) for row in page.rows]
    return ScoredPage(page.name, page.document_class, image, truth, dpi, rows=rows)


def as_scanned(page: ScoredPage, seed: int) -> ScoredPage:
    """A generated page as an office scanner gives it back (skewed, grey, noisy), its truth
    boxes moved with it."""
    image, moved = office_scan(page.image, seed)
    truth = [(key, moved(box)) for key, box in page.truth]
    return replace(
        page,
        name=page.name + "-scanned",
        document_class=page.document_class + " (scanned)",
        image=image,
        truth=truth,
    )


def corpus_scored_pages(limit: int, dpi: int) -> list[ScoredPage]:
    """The corpus's text-layer pages as scans; truth from each text-layer line, each number
    boxed by the words it spans."""
    pages = []
    for name, document_page in corpus_text_layer_pages(limit):
        image = _render(document_page, dpi)
        to_pixels = document_page.rotation_matrix * pymupdf.Matrix(dpi / 72, dpi / 72)
        convention = convention_for(document_page.get_text())
        words = document_page.get_text("words")
        bands = [(box[1], box[3]) for box in (_box(pymupdf.Rect(w[:4]) * to_pixels) for w in words)]
        truth = []
        lines: dict[tuple[int, int], list[tuple[str, Box]]] = {}
        for word in words:  # a date or a number may span words: tokenise whole lines
            box = _box(pymupdf.Rect(word[:4]) * to_pixels)
            lines.setdefault((word[5], word[6]), []).append((word[4], box))
        for line in lines.values():
            text, spans = "", []
            for word, box in line:
                text += " " if text else ""
                spans.append((len(text), len(text) + len(word), box))
                text += word
            for token in extract_numbers(text, convention=convention):
                boxes = [
                    b for start, end, b in spans if start < token.span[1] and token.span[0] < end
                ]
                truth.append((_truth_key(token), union_of(boxes)))
        text_layer = PageRecord(
            index=document_page.number,
            text=document_page.get_text(),
            words=[WordRecord(text=w[4], box=w[:4]) for w in document_page.get_text("words")],
        )
        rows = [
            (item.label, [_match_key(str(cell.amount), cell.raw) for cell in item.columns])
            for item in page_line_items(text_layer)
        ]
        pages.append(ScoredPage(name, "corpus (real pages)", image, truth, dpi, bands, rows))
    return pages


def _render(page: pymupdf.Page, dpi: int) -> Image.Image:
    pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    return Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)


def _scaled(rect: tuple[float, float, float, float], scale: float) -> Box:
    return _box(pymupdf.Rect(rect) * scale)


def _box(rect: pymupdf.Rect) -> Box:
    return (int(rect.x0), int(rect.y0), int(rect.x1 + 0.999), int(rect.y1 + 0.999))


def scored_extraction(page: ScoredPage, extracted: ExtractedPage) -> Tally:
    """The extracted page against the truth: its numbers' boxes taken back into the scan as
    it was (before turning and levelling), scored, and its rows counted."""
    rows, rows_found = row_recall(page.rows, extracted.to_record())
    back = _back_to_scan(extracted, page.image)
    for number in extracted.numbers:
        if number.box is not None:
            number.box = back(number.box)
    tally = (score_by_value if page.by_value else score_page)(page, extracted.numbers)
    tally.rows, tally.rows_found = rows, rows_found
    return tally


def _back_to_scan(page: ExtractedPage, scan: Image.Image) -> Callable[[Box], Box]:
    """Where a box of the page as extraction read it (turned upright by quarter turns, then
    levelled) lies in the scan as it was."""
    upright = page_as_read(scan, page.rotation, 0.0)
    level_size = page_as_read(upright, 0, page.skew).size
    width, height = scan.size

    def back(box: Box) -> Box:
        if page.skew:
            box = box_turned(box, level_size, upright.size, -page.skew)
        left, top, right, bottom = box
        if page.rotation == 90:
            return (top, height - bottom, bottom, height - top)
        if page.rotation == 180:
            return (width - right, height - bottom, width - left, height - top)
        if page.rotation == 270:
            return (width - bottom, left, width - top, right)
        return box

    return back


def scan_pdf(image: Image.Image, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    document = pymupdf.open()
    page = document.new_page(width=image.width * 72 / dpi, height=image.height * 72 / dpi)
    page.insert_image(page.rect, stream=buffer.getvalue())
    return document.tobytes()


def bench_fidelity(pages: list[ScoredPage], show: bool = False) -> None:
    engines: dict[str, OcrEngine] = {"tesseract": TesseractEngine(), "rapidocr": RapidOcrEngine()}
    by_class: dict[str, Tally] = {}
    for page in pages:
        # The raw engines the chain runs: Tesseract's orientation check, then both readings of
        # the page turned as it says (a sideways page read as it lies finds less, and faster).
        started = time.perf_counter()
        rotation = TesseractEngine().orientation(page.image)
        upright = page_as_read(page.image, rotation, 0.0)
        for engine in engines.values():
            engine.read(upright)
        raw = time.perf_counter() - started
        started = time.perf_counter()
        extracted = extract_document(
            scan_pdf(page.image, page.dpi), "scan.pdf", ExtractionConfig(dpi=page.dpi), engines
        )
        seconds = time.perf_counter() - started
        tally = scored_extraction(page, extracted.pages[0])
        tally.chain_seconds, tally.raw_seconds = [seconds], [raw]
        by_class.setdefault(page.document_class, Tally()).add(tally)
        print("  " + tally.line(page.name), flush=True)
        if show:
            print("\n".join(f"    {finding}" for finding in tally.findings))
    total = Tally()
    print("per class:")
    for name, tally in by_class.items():
        print(tally.line(name))
        total.add(tally)
    print(total.line("all pages"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=12, help="corpus pages")
    parser.add_argument("--per-class", type=int, default=2, help="generated pages per class")
    parser.add_argument("--mb", type=float, default=2.0)
    parser.add_argument("--dpi", type=int, default=200, help="scan resolution")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument(
        "--seed", type=int, default=7, help="generated pages' seed (another draws unseen pages)"
    )
    parser.add_argument(
        "--font", type=Path, help="a TrueType file to draw every generated page in (another face)"
    )
    parser.add_argument("--only", help="only pages whose name or class contains this")
    parser.add_argument("--show", action="store_true", help="print every loss and wrong number")
    parser.add_argument(
        "--scanned",
        action="store_true",
        help="generated pages as an office scanner gives them back (skew, grey paper, noise)",
    )
    args = parser.parse_args()
    if not args.skip_throughput:
        bench_throughput(args.mb)
    pages = generated_scored_pages(args.per_class, args.dpi, args.seed, args.font)
    if args.scanned:
        pages = [as_scanned(page, args.seed + index) for index, page in enumerate(pages)]
    if CORPUS.exists():
        pages += corpus_scored_pages(args.pages, args.dpi) + real_scan_pages()
    if args.only:
        pages = [p for p in pages if args.only in p.document_class or args.only in p.name]
    bench_fidelity(pages, args.show)


if __name__ == "__main__":
    main()
