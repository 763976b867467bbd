"""Turning one document's bytes into pages of text with provenance, the same way every time.

This is the code the Dagster asset and `preciso extract` both run. Pages of PDFs and images go
through the configured engine order; the first engine whose output passes its gate is accepted.
"""

from __future__ import annotations

import io
import time
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from PIL import Image

from preciso_dagster.core.engines import OCR_ENGINES, Box, OcrEngine, OcrResult, TesseractEngine
from preciso_dagster.core.errors import BadDocumentError, EngineUnavailableError
from preciso_dagster.core.extraction.formats import (
    IMAGE_FORMATS,
    PDF_POINTS_PER_INCH,
    detect_format,
)
from preciso_dagster.core.extraction.paper import with_paper_white
from preciso_dagster.core.extraction.storage import sha256_of
from preciso_dagster.core.extraction.straighten import page_as_read, page_skew
from preciso_dagster.core.extraction.structured_formats import STRUCTURED_EXTRACTORS
from preciso_dagster.core.extraction.text_gates import judge_text_layer
from preciso_dagster.core.numeric.coverage import faint_ink, without_rules
from preciso_dagster.core.numeric.figure_cells import figure_cells
from preciso_dagster.core.numeric.light_print import with_light_print_darkened
from preciso_dagster.core.numeric.split_numbers import join_split_numbers, with_joined_words
from preciso_dagster.core.numeric.turned_text import read_turned_text
from preciso_dagster.core.numeric.verification import (
    UNREAD_REGION,
    PageNumber,
    confirm_disputed,
    corrected_text,
    crop,
    marks_between_checked,
    marks_in_their_own_cell,
    misleading_ink_checked,
    page_convention,
    second_reading,
    text_numbers,
    unread_ink,
    verify_numbers,
)
from preciso_dagster.core.numeric.word_boxes import fitted_to_ink, split_range_words
from preciso_dagster.core.numeric.written_in import with_numbers_written_in
from preciso_dagster.core.pages import AttemptRecord, DocumentPages, PageRecord, WordRecord

if TYPE_CHECKING:
    import pymupdf

TEXT_LAYER = "text_layer"
NATIVE = "native"
TEXT_SOURCES = (TEXT_LAYER, NATIVE)


@dataclass(frozen=True)
class ExtractionConfig:
    """What decides the engine choice; the same config and bytes give the same pages."""

    engine_order: tuple[str, ...] = (TEXT_LAYER, "tesseract", "rapidocr")
    dpi: int = 200
    min_ocr_confidence: float = 0.80
    max_pdf_pages: int = 500
    max_image_pixels: int = 80_000_000
    detect_orientation: bool = True
    straighten_skew: bool = True
    verify_numbers: bool = True


@dataclass
class EngineAttempt:
    engine: str
    accepted: bool
    reason: str
    confidence: float | None = None
    seconds: float = 0.0


@dataclass
class ExtractedPage:
    index: int
    engine: str | None
    text: str
    confidence: float | None
    attempts: list[EngineAttempt]
    needs_review: bool = False
    review_reasons: list[str] = field(default_factory=list)
    dpi: int | None = None
    rotation: int = 0
    skew: float = 0.0  # degrees turned anticlockwise after `rotation` (see straighten.py)
    seconds: float = 0.0
    ocr_lines: list[dict[str, Any]] = field(default_factory=list)
    ocr_numbers: list[PageNumber] = field(default_factory=list)  # each with its second reading
    # Every word with its box (PDF points for a text layer, image pixels for OCR): table rows
    # are rebuilt from these, since many pages put each cell on a line of its own.
    words: list[tuple[str, tuple[float, float, float, float]]] = field(default_factory=list)
    # PNG crops of the unverified numbers, in the order of `review_items`; kept out of to_dict.
    review_crops: list[bytes] = field(default_factory=list, repr=False)

    _text_numbers: list[PageNumber] | None = field(default=None, repr=False, compare=False)

    @property
    def numbers(self) -> list[PageNumber]:
        """Every number on the page. A text source (text layer, office file) is its own ground
        truth: its numbers are all verified, listed from the text when first asked for."""
        if self.engine not in TEXT_SOURCES:
            return self.ocr_numbers
        if self._text_numbers is None:
            self._text_numbers = text_numbers(self.text)
        return self._text_numbers

    @property
    def review_items(self) -> list[PageNumber]:
        return [number for number in self.numbers if not number.verified]

    def to_record(self) -> PageRecord:
        return PageRecord(
            index=self.index,
            engine=self.engine,
            text=self.text,
            confidence=self.confidence,
            attempts=[AttemptRecord(**asdict(attempt)) for attempt in self.attempts],
            needs_review=self.needs_review,
            review_reasons=self.review_reasons,
            dpi=self.dpi,
            rotation=self.rotation,
            skew=self.skew,
            seconds=self.seconds,
            ocr_lines=self.ocr_lines,
            words=[WordRecord(text=text, box=box) for text, box in self.words],
            numbers=[number.to_record() for number in self.numbers],
            review_items=[number.to_record() for number in self.review_items],
        )


@dataclass
class ExtractedDocument:
    sha256: str
    format: str
    format_mismatch: str | None
    pages: list[ExtractedPage]

    @property
    def needs_review(self) -> bool:
        return any(page.needs_review for page in self.pages)

    def to_record(self) -> DocumentPages:
        return DocumentPages(
            sha256=self.sha256,
            format=self.format,
            format_mismatch=self.format_mismatch,
            pages=[page.to_record() for page in self.pages],
        )


def extract_document(
    content: bytes,
    filename: str = "",
    config: ExtractionConfig | None = None,
    engines: dict[str, OcrEngine] | None = None,
) -> ExtractedDocument:
    """Extract every page of `content`; raises BadDocumentError for unusable input."""
    config = config or ExtractionConfig()
    engines = engines if engines is not None else default_engines(config)
    detected = detect_format(content, filename)
    if detected.format == "pdf":
        pages = _pdf_pages(content, config, engines)
    elif detected.format in IMAGE_FORMATS:
        pages = [
            _ocr_page(index, image, config, engines, dpi=None)
            for index, image in enumerate(_image_frames(content, config))
        ]
    else:
        started = time.perf_counter()
        texts = STRUCTURED_EXTRACTORS[detected.format](content)
        seconds = round(time.perf_counter() - started, 4)
        pages = [
            _native_page(index, text, detected.format, seconds) for index, text in enumerate(texts)
        ]
    return ExtractedDocument(sha256_of(content), detected.format, detected.mismatch, pages)


def default_engines(config: ExtractionConfig) -> dict[str, OcrEngine]:
    return {name: OCR_ENGINES[name]() for name in config.engine_order if name in OCR_ENGINES}


def _native_page(index: int, text: str, fmt: str, seconds: float) -> ExtractedPage:
    attempt = EngineAttempt(NATIVE, True, f"{fmt} carries its text", 1.0, seconds)
    reasons = [] if text.strip() else ["page has no text"]
    return ExtractedPage(
        index, NATIVE, text, 1.0, [attempt], bool(reasons), reasons, seconds=seconds
    )


def _bad_pdf_errors() -> tuple[type[Exception], ...]:
    """MuPDF errors that mean the file itself is bad (not the machine): never worth a retry."""
    import pymupdf

    return (
        pymupdf.FileDataError,
        pymupdf.mupdf.FzErrorSyntax,
        pymupdf.mupdf.FzErrorFormat,
        pymupdf.mupdf.FzErrorLimit,
        pymupdf.mupdf.FzErrorUnsupported,
        pymupdf.mupdf.FzErrorArgument,
    )


def _pdf_pages(
    content: bytes, config: ExtractionConfig, engines: dict[str, OcrEngine]
) -> list[ExtractedPage]:
    import pymupdf  # here, not at the top: a run or a CLI command without a PDF never pays for it

    try:
        document = pymupdf.open(stream=content, filetype="pdf")  # type: ignore[no-untyped-call]
    except Exception as error:
        raise BadDocumentError(f"PDF could not be opened: {error}") from error
    with document:
        if document.needs_pass or document.is_encrypted:
            raise BadDocumentError("PDF is encrypted and needs a password")
        if document.page_count == 0:
            raise BadDocumentError("PDF has no pages (truncated or malformed)")
        if document.page_count > config.max_pdf_pages:
            raise BadDocumentError(
                f"PDF has {document.page_count} pages, over the limit of {config.max_pdf_pages}"
            )
        return [_pdf_page(document, index, config, engines) for index in range(document.page_count)]


def _pdf_page(
    document: pymupdf.Document, index: int, config: ExtractionConfig, engines: dict[str, OcrEngine]
) -> ExtractedPage:
    try:
        page = document.load_page(index)  # type: ignore[no-untyped-call]
    except Exception as error:
        raise BadDocumentError(f"PDF page {index} could not be read: {error}") from error
    attempts: list[EngineAttempt] = []
    if TEXT_LAYER in config.engine_order:
        started = time.perf_counter()
        try:
            text_page = page.get_textpage()  # parsed once, for the text and for its words
            text = page.get_text(textpage=text_page)
        except _bad_pdf_errors() as error:
            raise BadDocumentError(f"PDF page {index} text could not be read: {error}") from error
        verdict = judge_text_layer(text)
        seconds = round(time.perf_counter() - started, 4)
        attempts.append(
            EngineAttempt(
                TEXT_LAYER,
                verdict.accepted,
                verdict.reason,
                1.0 if verdict.accepted else None,
                seconds,
            )
        )
        if verdict.accepted:
            words = [(w[4], tuple(w[:4])) for w in page.get_text("words", textpage=text_page)]
            return ExtractedPage(
                index, TEXT_LAYER, text, 1.0, attempts, seconds=seconds, words=words
            )
    return _ocr_page(
        index, _rendered(page, index, config), config, engines, dpi=config.dpi, attempts=attempts
    )


def _rendered(page: pymupdf.Page, index: int, config: ExtractionConfig) -> Image.Image:
    """The page as a grayscale image at the OCR resolution, refused beyond the pixel limit."""
    scale = config.dpi / PDF_POINTS_PER_INCH
    width, height = page.rect.width * scale, page.rect.height * scale
    if width * height > config.max_image_pixels:
        raise BadDocumentError(
            f"PDF page {index} is {page.rect.width:.0f}x{page.rect.height:.0f} pt: at "
            f"{config.dpi} DPI that is {width * height:.0f} pixels, over the limit of "
            f"{config.max_image_pixels}"
        )
    import pymupdf

    try:
        pixmap = page.get_pixmap(dpi=config.dpi, colorspace=pymupdf.csGRAY)
    except _bad_pdf_errors() as error:
        raise BadDocumentError(f"PDF page {index} could not be rendered: {error}") from error
    return Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)


def _image_frames(content: bytes, config: ExtractionConfig) -> Iterator[Image.Image]:
    """Each frame in turn, decoded only when OCR reaches it. The number of frames and every
    frame's pixels are checked first from the headers alone (a small first frame can hide a
    bomb behind it), so a refused image costs no OCR."""
    try:
        with warnings.catch_warnings():
            # We enforce our own pixel limit just below; Pillow's warning would only add noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            frames = getattr(image, "n_frames", 1)
            if frames > config.max_pdf_pages:
                raise BadDocumentError(
                    f"image has {frames} frames, over the page limit of {config.max_pdf_pages}"
                )
            for index in range(frames):
                image.seek(index)
                if image.width * image.height > config.max_image_pixels:
                    raise BadDocumentError(
                        f"image frame {index} is {image.width}x{image.height} pixels, over the "
                        f"limit of {config.max_image_pixels} (possible decompression bomb)"
                    )
            for index in range(frames):
                image.seek(index)
                yield image.convert("L")
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise BadDocumentError(f"image could not be decoded: {error}") from error


def _ocr_page(
    index: int,
    image: Image.Image,
    config: ExtractionConfig,
    engines: dict[str, OcrEngine],
    *,
    dpi: int | None,
    attempts: list[EngineAttempt] | None = None,
) -> ExtractedPage:
    attempts = list(attempts or [])
    page_started = time.perf_counter()
    scan = image
    # Tesseract reports the clockwise rotation that makes the page upright.
    rotation = _orientation(scan, config, engines)
    image, unruled, skew = _levelled(scan, rotation, config)
    turned_round = False
    readings: dict[str, OcrResult] = {}
    best: tuple[str, OcrResult] | None = None
    for name in config.engine_order:
        if name == TEXT_LAYER:
            continue
        engine = engines.get(name)
        unavailable = engine.availability() if engine else f"engine {name!r} is not configured"
        if unavailable:
            attempts.append(EngineAttempt(name, False, f"skipped: {unavailable}"))
            continue
        assert engine is not None
        try:
            result, seconds = _timed_read(engine, unruled)
            if result.upside_down and config.detect_orientation and not turned_round:
                # Tesseract's orientation guess can be half a turn out (italic figures in
                # ruled cells); RapidOCR's line classifier then turns most lines to read them.
                attempts.append(
                    EngineAttempt(
                        name,
                        False,
                        f"{result.upside_down_lines} of {len(result.lines)} lines read upside "
                        "down: the page was turned half round and read again",
                        round(result.confidence, 4),
                        seconds,
                    )
                )
                rotation, turned_round = (rotation + 180) % 360, True
                image, unruled, skew = _levelled(scan, rotation, config)
                readings, best = {}, None  # the readings so far are of the page upside down
                result, seconds = _timed_read(engine, unruled)
        except EngineUnavailableError as error:
            attempts.append(EngineAttempt(name, False, f"skipped: {error}"))
            continue
        readings[name] = result
        confidence = round(result.confidence, 4)
        if not result.lines:
            attempts.append(EngineAttempt(name, False, "no text found", confidence, seconds))
            continue
        if confidence >= config.min_ocr_confidence:
            attempts.append(
                EngineAttempt(
                    name,
                    True,
                    f"confidence {confidence:.3f} >= {config.min_ocr_confidence}",
                    confidence,
                    seconds,
                )
            )
            page = _ocr_result_page(
                index, name, result, attempts, dpi, (rotation, skew), page_started
            )
            if config.verify_numbers:
                _verify_page_numbers(page, image, unruled, readings, config, engines)
            page.seconds = round(time.perf_counter() - page_started, 4)
            return page
        attempts.append(
            EngineAttempt(
                name,
                False,
                f"confidence {confidence:.3f} < {config.min_ocr_confidence}",
                confidence,
                seconds,
            )
        )
        if best is None or result.confidence > best[1].confidence:
            best = (name, result)
    if best is None:
        page = ExtractedPage(
            index,
            None,
            "",
            None,
            attempts,
            True,
            ["no engine produced text for this page"],
            dpi,
            rotation,
            skew,
        )
        page.seconds = round(time.perf_counter() - page_started, 4)
        return page
    page = _ocr_result_page(index, best[0], best[1], attempts, dpi, (rotation, skew), page_started)
    if config.verify_numbers:
        _verify_page_numbers(page, image, unruled, readings, config, engines)
    page.needs_review = True
    page.review_reasons.append("no engine reached the confidence threshold; best reading kept")
    page.seconds = round(time.perf_counter() - page_started, 4)
    return page


def _verify_page_numbers(
    page: ExtractedPage,
    image: Image.Image,
    unruled: Image.Image,
    readings: dict[str, OcrResult],
    config: ExtractionConfig,
    engines: dict[str, OcrEngine],
) -> None:
    """Check every number against a second reading, then re-read each disputed number's crop
    with the engine that missed it, then look for ink nobody read. What is still unconfirmed
    makes the page need review, each item with its crop."""
    assert page.engine is not None
    started = time.perf_counter()
    result = readings[page.engine]
    second_name, second = second_reading(
        unruled, page.engine, engines, config.engine_order, readings
    )
    ink = faint_ink(unruled)
    result, second = fitted_to_ink(ink, result), fitted_to_ink(ink, second)
    # A mark in a cell of its own ("3. 9" for "3.9" in a monospaced font) is not a space.
    cells = figure_cells(ink, result, second)
    # A range boxed as one word ("817-19.") gives each of its numbers a box of its own.
    result, second = (split_range_words(ink, cells.closed_up(r)) for r in (result, second))
    page.text = result.text
    convention = page_convention(result, second)
    numbers = verify_numbers(page.engine, result, second_name, second, convention)
    listed, agreed = len(numbers), sum(n.verified for n in numbers)
    confirmed = confirm_disputed(unruled, cells, numbers, engines, convention)
    words = listed - len(numbers)  # one engine's numbers that both engines' crops read as words
    confirmed += marks_in_their_own_cell(ink, numbers, convention)
    joined, page.text = join_split_numbers(unruled, cells, page.text, numbers, engines, convention)
    confirmed += joined
    regions = unread_ink(unruled, numbers, result, second)
    misleading_ink_checked(cells, numbers)
    marks_between_checked(ink, numbers, page.text)
    turned, regions = read_turned_text(unruled, numbers, regions, engines, convention)
    confirmed += turned
    page.text = corrected_text(page.text, numbers)
    page.words = with_joined_words(page.words, numbers)
    page.text, page.words = with_numbers_written_in(page.text, page.words, numbers)
    page.ocr_numbers = numbers + [
        PageNumber("", None, None, box, False, {}, "ink here was read by no engine", UNREAD_REGION)
        for box in regions
    ]
    page.attempts.append(
        EngineAttempt(
            second_name,
            False,
            f"second reading for number verification ({agreed}/{listed} "
            f"numbers agree, {confirmed} more confirmed by a third reading of their crops "
            "(turned level when set sideways) or by their ink, "
            f"{words} read as words on their crops, {len(regions)} unread regions)",
            round(second.confidence, 4),
            round(time.perf_counter() - started, 4),
        )
    )
    for number in page.review_items:
        assert number.box is not None
        buffer = io.BytesIO()
        crop(image, number.box).save(buffer, format="PNG")
        page.review_crops.append(buffer.getvalue())
    if page.review_items:
        page.needs_review = True
        page.review_reasons.append(
            f"{len(page.review_items)} numbers or regions were not confirmed by {second_name}"
        )


def _float_box(box: Box) -> tuple[float, float, float, float]:
    left, top, right, bottom = box
    return (float(left), float(top), float(right), float(bottom))


def _ocr_result_page(
    index: int,
    engine: str,
    result: OcrResult,
    attempts: list[EngineAttempt],
    dpi: int | None,
    turns: tuple[int, float],
    started: float,
) -> ExtractedPage:
    lines = [asdict(line) for line in result.lines]
    words = [
        (line.text[word.start : word.end], _float_box(word.box))
        for line in result.lines
        for word in line.words
    ]
    return ExtractedPage(
        index,
        engine,
        result.text,
        round(result.confidence, 4),
        attempts,
        dpi=dpi,
        rotation=turns[0],
        skew=turns[1],
        seconds=round(time.perf_counter() - started, 4),
        ocr_lines=lines,
        words=words,
    )


def _levelled(
    scan: Image.Image, rotation: int, config: ExtractionConfig
) -> tuple[Image.Image, Image.Image, float]:
    """The page turned upright by `rotation` and levelled, with its skew; and the same on
    white paper without its ruled lines, for the engines (Tesseract garbles bordered cells).
    Reviewers' crops come from the page as it is."""
    upright = page_as_read(scan, rotation, 0.0)
    skew = page_skew(upright) if config.straighten_skew else 0.0
    image = page_as_read(upright, 0, skew)
    unruled, _ = without_rules(with_light_print_darkened(with_paper_white(image)))
    return image, unruled, skew


def _timed_read(engine: OcrEngine, image: Image.Image) -> tuple[OcrResult, float]:
    started = time.perf_counter()
    result = engine.read(image)
    return result, round(time.perf_counter() - started, 4)


def _orientation(
    image: Image.Image, config: ExtractionConfig, engines: dict[str, OcrEngine]
) -> int:
    tesseract = engines.get("tesseract")
    if not config.detect_orientation or not isinstance(tesseract, TesseractEngine):
        return 0
    if tesseract.availability():
        return 0
    return tesseract.orientation(image)
