"""OCR engines behind one narrow interface: an image in, lines with boxes and confidence out."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import numpy as np
from PIL import Image

from preciso_dagster.core.boxes import union_of
from preciso_dagster.core.errors import EngineUnavailableError, TransientEngineError

Box = tuple[int, int, int, int]  # left, top, right, bottom in image pixels
# Tesseract reads a crop of a glyph or two on the crop sheet as letters now and then (a
# margin's "11" as "id"); read alone as one line it reads the digits. A crop whose width is
# within SHORT_CROP of its height (a glyph or two: a taller one holds sideways print) that the
# sheet read as letters and no digit is read again alone, up to ALONE_READS crops a sheet:
# each is one more Tesseract run.
SHORT_CROP, ALONE_READS = (0.5, 2.0), 8


@dataclass(frozen=True)
class OcrWord:
    start: int  # the word's span in its line's text
    end: int
    box: Box


@dataclass(frozen=True)
class OcrLine:
    text: str
    box: Box
    confidence: float
    words: tuple[OcrWord, ...] = ()  # when the engine gives word boxes (Tesseract does)

    def box_of(self, start: int, end: int) -> Box:
        """The box of the characters `start:end`: the union of the words they touch when word
        boxes are known, else the line's share by character position (RapidOCR's lines)."""
        touched = [word.box for word in self.words if word.start < end and start < word.end]
        if touched:
            return (
                min(box[0] for box in touched),
                min(box[1] for box in touched),
                max(box[2] for box in touched),
                max(box[3] for box in touched),
            )
        left, top, right, bottom = self.box
        if bottom - top > 2 * (right - left):
            return self.box  # vertical text: which end it starts at is unknown
        width = max(1, len(self.text))
        return (
            left + (right - left) * start // width,
            top,
            left + (right - left) * end // width,
            bottom,
        )

    def shifted(self, dx: int, dy: int) -> OcrLine:
        """The same line in an image whose origin lies at (-dx, -dy) of this one's."""

        def moved(box: Box) -> Box:
            return (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)

        words = tuple(OcrWord(w.start, w.end, moved(w.box)) for w in self.words)
        return OcrLine(self.text, moved(self.box), self.confidence, words)

    def scaled(self, factor: float) -> OcrLine:
        """The same line in an image `factor` times smaller (for a re-read at another scale)."""

        def shrink(box: Box) -> Box:
            return (
                int(box[0] / factor),
                int(box[1] / factor),
                int(box[2] / factor),
                int(box[3] / factor),
            )

        words = tuple(OcrWord(w.start, w.end, shrink(w.box)) for w in self.words)
        return OcrLine(self.text, shrink(self.box), self.confidence, words)


@dataclass(frozen=True)
class OcrResult:
    lines: tuple[OcrLine, ...]
    # Lines the engine found upside down and read turned half round (RapidOCR's line
    # classifier): when they are most of the page, the page itself lies upside down.
    upside_down_lines: int = 0

    @property
    def upside_down(self) -> bool:
        """Most of the lines, two at least, were read turned half round: the page was read
        the wrong way up (a wrong orientation guess), and the other engines misread it."""
        return self.upside_down_lines >= 2 and 2 * self.upside_down_lines > len(self.lines)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def confidence(self) -> float:
        """Mean line confidence weighted by text length; 0 when nothing was read."""
        weight = sum(len(line.text) for line in self.lines)
        if not weight:
            return 0.0
        return sum(line.confidence * len(line.text) for line in self.lines) / weight


class OcrEngine(Protocol):
    name: str

    def availability(self) -> str | None:
        """None when the engine can run here, otherwise why not."""

    def read(self, image: Image.Image) -> OcrResult: ...


def _sorted_lines(lines: list[OcrLine]) -> tuple[OcrLine, ...]:
    # Reading order: top to bottom by line centre, then left to right; stable for equal keys.
    return tuple(sorted(lines, key=lambda line: ((line.box[1] + line.box[3]) // 2, line.box[0])))


# A gap between glyphs wider than this many glyph heights separates columns, not words: the
# line text gets a tab there, so "74,715,297   38,871,700" read as one box is two numbers.
# A monospaced face's space is about one digit height wide (Courier's 1.25): a tab there would
# cut a space-grouped "68 638 171,54" into two numbers, each verified and both wrong.
COLUMN_GAP = 1.5


def _line_from_pieces(pieces: list[tuple[str, Box]], confidence: float) -> OcrLine | None:
    """A line from its pieces (words or characters) in reading order, with a word per run of
    non-space pieces; a tab where the gap between two pieces is a column gap."""
    pieces = [(text, box) for text, box in pieces if text]
    if not pieces:
        return None
    heights = sorted(box[3] - box[1] for text, box in pieces if text.strip())
    height = heights[len(heights) // 2] if heights else 1
    text, word_start = "", 0
    words: list[OcrWord] = []
    word_boxes: list[Box] = []
    previous: Box | None = None
    for piece, box in pieces:
        if not piece.strip():
            text += " " if text and text[-1] not in " \t" else ""
            continue
        gap = box[0] - previous[2] if previous else 0
        if previous is not None and gap > COLUMN_GAP * height:
            text = text.rstrip(" ") + "\t"
        if text and text[-1] in " \t":
            if word_boxes:
                words.append(OcrWord(word_start, len(text.rstrip(" \t")), union_of(word_boxes)))
            word_start, word_boxes = len(text), []
        text += piece
        word_boxes.append(box)
        previous = box
    words.append(OcrWord(word_start, len(text), union_of(word_boxes)))
    return OcrLine(
        text, union_of([box for piece, box in pieces if piece.strip()]), confidence, tuple(words)
    )


def _box_of_points(points: list[list[float]]) -> Box:
    xs = [int(point[0]) for point in points]
    ys = [int(point[1]) for point in points]
    return (min(xs), min(ys), max(xs), max(ys))


class _CountingClassifier:
    """RapidOCR's text line classifier, counting the lines it turns half round to read (its
    results are used inside RapidOCR and not returned)."""

    def __init__(self, classify: Any) -> None:
        self.classify = classify
        self.upside_down = 0

    def __call__(self, crops: Any) -> Any:
        crops, results, seconds = self.classify(crops)
        self.upside_down += sum(
            label == "180" and score > self.classify.cls_thresh for label, score in results
        )
        return crops, results, seconds


class RapidOcrEngine:
    """RapidOCR (ONNX Runtime); its wheel ships the detection and recognition models."""

    name = "rapidocr"

    def availability(self) -> str | None:
        try:
            import rapidocr_onnxruntime  # noqa: F401
        except ImportError as error:
            return f"rapidocr-onnxruntime is not installed: {error}"
        return None

    @cached_property
    def _engine(self):  # type: ignore[no-untyped-def]
        from rapidocr_onnxruntime import RapidOCR

        engine = RapidOCR()
        engine.text_cls = _CountingClassifier(engine.text_cls)
        return engine

    def read(self, image: Image.Image) -> OcrResult:
        reason = self.availability()
        if reason:
            raise EngineUnavailableError(reason)
        classifier = self._engine.text_cls
        classifier.upside_down = 0
        try:
            found, _elapsed = self._engine(np.asarray(image.convert("RGB")), return_word_box=True)
        except Exception as error:  # onnxruntime raises bare RuntimeErrors on resource trouble
            raise TransientEngineError(f"rapidocr failed: {error}") from error
        lines = []
        for points, text, score, *glyphs in found or []:
            line = None
            box = _box_of_points(points)
            vertical = box[3] - box[1] > 2 * (box[2] - box[0])  # glyph boxes are not to scale
            if (
                glyphs
                and not vertical
                and len(glyphs[0]) == len(glyphs[1])
                and "".join(glyphs[1]) == text
            ):
                boxes = [_box_of_points(quad) for quad in glyphs[0]]
                pieces = list(zip(glyphs[1], boxes, strict=True))
                line = _line_from_pieces(pieces, float(score))
            lines.append(line or OcrLine(text, box, float(score)))
        return OcrResult(_sorted_lines(lines), classifier.upside_down)

    def read_crops(self, crops: list[Image.Image]) -> list[str]:
        """The text of each small image (a number's crop), by the recogniser alone. Crops no
        wider for their height than the recogniser's own input are read in batches: each is
        padded to that input as when read alone, so the text is the same, and a page of
        disputed numbers costs a few inferences instead of one per crop."""
        engine = self._engine
        try:
            images = [
                engine.preprocess(engine.load_img(np.asarray(image.convert("RGB"))))[0]
                for image in crops
            ]
            _channels, height, width = engine.text_rec.rec_image_shape
            fits = [image.shape[1] * height <= width * image.shape[0] for image in images]
            batches = [[i for i, fit in enumerate(fits) if fit]]
            batches += [[i] for i, fit in enumerate(fits) if not fit]
            texts = [""] * len(images)
            for batch in batches:
                if not batch:
                    continue
                found, _elapsed = engine.text_rec([images[i] for i in batch])
                for index, (text, *_score) in zip(batch, found, strict=True):
                    texts[index] = text
        except Exception as error:  # onnxruntime raises bare RuntimeErrors on resource trouble
            raise TransientEngineError(f"rapidocr failed: {error}") from error
        return texts


class TesseractEngine:
    """Tesseract through pytesseract; needs the `tesseract` binary (Debian's tesseract-ocr)."""

    name = "tesseract"

    def __init__(self, languages: str = "eng") -> None:
        self.languages = languages
        # Tesseract's OpenMP threads spin-wait for one another: on two cores a statement page
        # took 2.2 s busy and 0.37 s with one thread, and the text is the same (docs/benchmarks.md,
        # session 19). Each reading is one process; parallelism is across pages and runs.
        # An operator's own setting is kept.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    def availability(self) -> str | None:
        if shutil.which("tesseract") is None:
            return "the tesseract binary is not on PATH (apt-get install tesseract-ocr)"
        return None

    def read(self, image: Image.Image, page_segmentation: int = 3) -> OcrResult:
        """Lines with word boxes; `page_segmentation` is Tesseract's --psm (3: find the
        layout; 6: one uniform block of lines)."""
        return self._read_data(image, page_segmentation)[0]

    def read_each(self, images: list[Image.Image], page_segmentation: int = 3) -> list[OcrResult]:
        """Each image read alone, as `read` reads it, in one Tesseract process: its input is a
        list of image files, each a page of its own (its own threshold and layout), so only
        the process start and the model load are shared."""
        if len(images) < 2:
            return [self.read(image, page_segmentation) for image in images]
        with tempfile.TemporaryDirectory(prefix="preciso-tesseract-") as folder:
            paths = []
            for index, image in enumerate(images):
                path = os.path.join(folder, f"{index}.png")
                image.save(path, format="PNG")
                paths.append(path)
            listing = os.path.join(folder, "images.txt")
            with open(listing, "w", encoding="utf-8") as file:
                file.write("\n".join(paths) + "\n")
            return self._read_data(listing, page_segmentation, pages=len(images))

    def _read_data(
        self, image: Image.Image | str, page_segmentation: int, pages: int = 1
    ) -> list[OcrResult]:
        """Tesseract's word table of `image` (or of each image a list file names), as one
        result per page."""
        import pytesseract

        reason = self.availability()
        if reason:
            raise EngineUnavailableError(reason)
        try:
            data = pytesseract.image_to_data(
                image,
                lang=self.languages,
                config=f"--psm {page_segmentation}",
                output_type=pytesseract.Output.DICT,
            )
        except pytesseract.TesseractError as error:
            raise TransientEngineError(f"tesseract failed: {error}") from error
        grouped: list[dict[tuple[int, int, int], list[int]]] = [{} for _ in range(pages)]
        for i, word in enumerate(data["text"]):
            if word.strip() and float(data["conf"][i]) >= 0:
                key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
                grouped[data["page_num"][i] - 1].setdefault(key, []).append(i)
        return [_result_from_words(data, page) for page in grouped]

    def read_crops(self, crops: list[Image.Image]) -> list[str]:
        """The text of each small image (a number's crop), in one Tesseract call: the crops are
        stacked on one sheet, and each line read goes to the crop it lies in. A short crop
        the sheet read as letters is read again alone (SHORT_CROP, ALONE_READS)."""
        if not crops:
            return []
        gap = 24
        width = max(crop.width for crop in crops) + 2 * gap
        height = sum(crop.height + gap for crop in crops) + gap
        sheet = Image.new("L", (width, height), 255)
        spans, top = [], gap
        for crop in crops:
            sheet.paste(crop.convert("L"), (gap, top))
            spans.append((top, top + crop.height))
            top += crop.height + gap
        texts = [""] * len(crops)
        for line in self.read(sheet, page_segmentation=6).lines:
            middle = (line.box[1] + line.box[3]) // 2
            for index, (start, end) in enumerate(spans):
                if start - gap // 2 <= middle < end + gap // 2:
                    texts[index] = f"{texts[index]} {line.text}".strip()
        unclear = [
            index
            for index, crop in enumerate(crops)
            if SHORT_CROP[0] * crop.height <= crop.width <= SHORT_CROP[1] * crop.height
            and any(c.isalpha() for c in texts[index])
            and not any(c.isdigit() for c in texts[index])
        ]
        alone = self.read_each([crops[index] for index in unclear[:ALONE_READS]], 7)
        for index, reading in zip(unclear, alone, strict=False):
            if any(c.isdigit() for c in reading.text):
                texts[index] = reading.text
        return texts

    def orientation(self, image: Image.Image) -> int:
        """Clockwise degrees the page is rotated by, from Tesseract's orientation detection."""
        import pytesseract

        try:
            osd = pytesseract.image_to_osd(image, output_type=pytesseract.Output.DICT)
        except pytesseract.TesseractError:
            return 0  # too little text to judge; reading it upright is the only sane default
        return int(osd.get("rotate", 0)) % 360


OCR_ENGINES: dict[str, type[RapidOcrEngine] | type[TesseractEngine]] = {
    "rapidocr": RapidOcrEngine,
    "tesseract": TesseractEngine,
}


def _result_from_words(
    data: dict[str, list[Any]], grouped: dict[tuple[int, int, int], list[int]]
) -> OcrResult:
    """One page of Tesseract's word table as lines with word boxes (`grouped`: the rows of
    each line's words)."""
    lines = []
    for indexes in grouped.values():
        pieces: list[tuple[str, Box]] = []
        for i in indexes:
            box = (
                data["left"][i],
                data["top"][i],
                data["left"][i] + data["width"][i],
                data["top"][i] + data["height"][i],
            )
            pieces += [(" ", box), (data["text"][i], box)] if pieces else [(data["text"][i], box)]
        confidence = sum(float(data["conf"][i]) for i in indexes) / len(indexes) / 100
        line = _line_from_pieces(pieces, confidence)
        if line is not None:
            lines.append(line)
    return OcrResult(_sorted_lines(lines))
