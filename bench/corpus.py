"""The shared corpus for benchmarks: text-layer pages and their renderings as scans."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pymupdf
from PIL import Image

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pdf"
SCANS = CORPUS.parent / "scans"
# Real scans, each with the text that is its truth where the corpus has one. linn.txt
# transcribes the page the three linn scans show; its bullets were transcribed as "0 ".
# The typewritten recipe's numbers are few enough to list here (its one is typed with the
# letter l's key, "1 dag" included).
SCAN_FILES = ("linn.pdf", "skew.pdf", "rotated_skew.pdf", "typewriter.png", "c02-22.pdf")
TYPEWRITER_TRUTH = "4 ons linzen\n3 liter water\n3 uien\n2 kopjes melk\n1 liter\n1 dag\n2 liter"
TEXT_LAYER_FILES = (
    "nics-background-checks-2015-11.pdf",
    "senate-expenditures.pdf",
    "pdffill-demo.pdf",
    "nics-background-checks-2015-11-rotated.pdf",
)


# Pages whose text layer is the truth for numeric fidelity (encrypted, malformed and
# image-only files are left out: they have no text layer to score against).
FIDELITY_FILES = (
    *TEXT_LAYER_FILES,
    "issue-53-example.pdf",
    "pr-138-example.pdf",
    "issue-90-example.pdf",
    "issue-461-example.pdf",
    "issue-336-example.pdf",
    "WARN-Report-for-7-1-2015-to-03-25-2016.pdf",
)


@dataclass
class CorpusPage:
    name: str
    text: str  # the text layer: ground truth
    image: Image.Image  # the page rendered as a grayscale scan
    # Where the text layer has words, in the scan's pixels. Text drawn as pictures (a
    # screenshot in the PDF) has no ground truth, so OCR readings there cannot be scored.
    word_boxes: list[tuple[float, float, float, float]]
    dpi: int = 200

    def has_ground_truth(self, box: tuple[int, int, int, int]) -> bool:
        """The text layer has words on the same line. Only the vertical band is compared: a
        number's box is its share of the OCR line, which can be far off across a table row."""
        _, top, _, bottom = box
        return any(top < y1 and y0 < bottom for _, y0, _, y1 in self.word_boxes)

    def scan_pdf(self) -> bytes:
        buffer = io.BytesIO()
        self.image.save(buffer, format="PNG")
        document = pymupdf.open()
        page = document.new_page(
            width=self.image.width * 72 / self.dpi, height=self.image.height * 72 / self.dpi
        )
        page.insert_image(page.rect, stream=buffer.getvalue())
        return document.tobytes()


def corpus_or_exit() -> Path:
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is absent")
        sys.exit(0)
    return CORPUS


def text_layer_texts() -> list[str]:
    """The text layer of every page of the corpus's text-layer files."""
    texts = []
    for name in TEXT_LAYER_FILES:
        if (CORPUS / name).exists():
            with pymupdf.open(CORPUS / name) as document:
                texts += [page.get_text() for page in document]
    return texts


def text_layer_pages(limit: int, dpi: int = 200) -> list[CorpusPage]:
    """Up to `limit` pages with a text layer, rendered at `dpi` as scans."""
    pages = []
    for name in TEXT_LAYER_FILES:
        path = corpus_or_exit() / name
        if not path.exists():
            continue
        with pymupdf.open(path) as document:
            for index, page in enumerate(document):
                pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
                image = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
                to_pixels = page.rotation_matrix * pymupdf.Matrix(dpi / 72, dpi / 72)
                words = [tuple(pymupdf.Rect(w[:4]) * to_pixels) for w in page.get_text("words")]
                pages.append(CorpusPage(f"{name}#{index}", page.get_text(), image, words, dpi))
                if len(pages) >= limit:
                    return pages
    return pages


@dataclass
class RealScan:
    name: str
    image: Image.Image
    dpi: int
    truth_text: str | None  # None: no transcription, the scan is only read


def real_scans() -> list[RealScan]:
    """The corpus's real scans as images at their own resolution, with their truth."""
    linn = SCANS / "linn.txt"
    # The transcription types each bullet as "0 " and once "or" as "0r": neither is a number.
    linn_truth = (
        re.sub(r"(?m)^0 ", "", linn.read_text(encoding="utf-8")).replace(" 0r ", " or ")
        if linn.exists()
        else None
    )
    truths = {"typewriter.png": TYPEWRITER_TRUTH, "c02-22.pdf": None}
    scans = []
    for name in SCAN_FILES:
        path = SCANS / name
        if not path.exists():
            continue
        if path.suffix == ".png":
            image, dpi = Image.open(path).convert("L"), 300
        else:
            with pymupdf.open(path) as document:
                page = document[0]
                width, height = page.get_images(full=True)[0][2:4]
                dpi = round(72 * max(width, height) / max(page.rect.width, page.rect.height))
                pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
                image = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
        scans.append(RealScan(name, image, dpi, truths.get(name, linn_truth)))
    return scans


def corpus_text_layer_pages(limit: int) -> Iterator[tuple[str, pymupdf.Page]]:
    """The first page of each fidelity file, then the next pages, up to `limit` pages."""
    documents = [pymupdf.open(CORPUS / name) for name in FIDELITY_FILES if (CORPUS / name).exists()]
    try:
        order = sorted(
            ((index, document) for document in documents for index in range(document.page_count)),
            key=lambda pair: pair[0],
        )
        for index, document in order[:limit]:
            yield f"{Path(document.name).name}#{index}", document[index]
    finally:
        for document in documents:
            document.close()
