"""OCR engines behind one narrow interface: an image in, lines with boxes and confidence out."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np
from PIL import Image

from preciso_dagster.errors import EngineUnavailableError, TransientEngineError

Box = tuple[int, int, int, int]  # left, top, right, bottom in image pixels


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
        width = max(1, len(self.text))
        return (
            left + (right - left) * start // width,
            top,
            left + (right - left) * end // width,
            bottom,
        )

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

        return RapidOCR()

    def read(self, image: Image.Image) -> OcrResult:
        reason = self.availability()
        if reason:
            raise EngineUnavailableError(reason)
        try:
            found, _elapsed = self._engine(np.asarray(image.convert("RGB")))
        except Exception as error:  # onnxruntime raises bare RuntimeErrors on resource trouble
            raise TransientEngineError(f"rapidocr failed: {error}") from error
        lines = []
        for points, text, score in found or []:
            xs = [int(point[0]) for point in points]
            ys = [int(point[1]) for point in points]
            lines.append(OcrLine(text, (min(xs), min(ys), max(xs), max(ys)), float(score)))
        return OcrResult(_sorted_lines(lines))


class TesseractEngine:
    """Tesseract through pytesseract; needs the `tesseract` binary (Debian's tesseract-ocr)."""

    name = "tesseract"

    def __init__(self, languages: str = "eng") -> None:
        self.languages = languages

    def availability(self) -> str | None:
        if shutil.which("tesseract") is None:
            return "the tesseract binary is not on PATH (apt-get install tesseract-ocr)"
        return None

    def read(self, image: Image.Image) -> OcrResult:
        import pytesseract

        reason = self.availability()
        if reason:
            raise EngineUnavailableError(reason)
        try:
            data = pytesseract.image_to_data(
                image, lang=self.languages, output_type=pytesseract.Output.DICT
            )
        except pytesseract.TesseractError as error:
            raise TransientEngineError(f"tesseract failed: {error}") from error
        grouped: dict[tuple[int, int, int], list[int]] = {}
        for i, word in enumerate(data["text"]):
            if word.strip() and float(data["conf"][i]) >= 0:
                key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
                grouped.setdefault(key, []).append(i)
        lines = []
        for indexes in grouped.values():
            left = min(data["left"][i] for i in indexes)
            top = min(data["top"][i] for i in indexes)
            right = max(data["left"][i] + data["width"][i] for i in indexes)
            bottom = max(data["top"][i] + data["height"][i] for i in indexes)
            words, position = [], 0
            for i in indexes:
                end = position + len(data["text"][i])
                box = (
                    data["left"][i],
                    data["top"][i],
                    data["left"][i] + data["width"][i],
                    data["top"][i] + data["height"][i],
                )
                words.append(OcrWord(position, end, box))
                position = end + 1
            text = " ".join(data["text"][i] for i in indexes)
            confidence = sum(float(data["conf"][i]) for i in indexes) / len(indexes) / 100
            lines.append(OcrLine(text, (left, top, right, bottom), confidence, tuple(words)))
        return OcrResult(_sorted_lines(lines))

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
