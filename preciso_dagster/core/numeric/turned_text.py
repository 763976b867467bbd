"""Numbers set sideways: margin microtext, a rotated column header, a spine.

A page reading finds vertical text poorly: Tesseract mostly skips it, and RapidOCR reads a
vertical line glyph by glyph, or runs two strips together. So every vertical zone of doubt (an
unverified number whose box stands upright, or an unread region of ink) is cropped, turned
level, enlarged and read again by two engines. Where both read the same number at the same
place, it is verified there; what they do not agree on stays with a person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise
from statistics import median

import cv2
import numpy as np
from PIL import Image

from preciso_dagster.core.boxes import union_of, upright
from preciso_dagster.core.engines import (
    Box,
    OcrEngine,
    OcrLine,
    OcrResult,
    RapidOcrEngine,
    TesseractEngine,
)
from preciso_dagster.core.numeric.coverage import INK_LEVEL, true_runs
from preciso_dagster.core.numeric.numbers import DecimalConvention
from preciso_dagster.core.numeric.verification import (
    NUMBER,
    PageNumber,
    crop,
    mostly_inside,
    number_value,
    ocr_tokens,
    token_doubt,
    upscaled,
)

GLYPH_TARGET = 20  # pixels of glyph height the turned crop is enlarged towards
MAX_SCALE = 4
MIN_GLYPH_PIXELS = 4  # narrower strips of ink are strokes (a rule's remains), not glyphs
WORD_LENGTH = 12  # glyph heights: the longest run of ink a strip of print has without a gap
CROWDED = 0.2  # share of a strip's inked rows with ink beside them, above which it is no strip
STACKED_GAP = 0.6  # strip widths: gaps this long between glyphs taller than wide are row gaps
MIN_PADDING = 10  # pixels of blank around a strip: detectors miss print at a crop's edge
SHEET_GAP = 24  # pixels of blank between turned crops RapidOCR reads on one sheet
TURNED_LINES = 6  # Tesseract's --psm for a turned crop: lines of small print, no layout
# Text reading bottom to top is level once turned clockwise; top to bottom, anticlockwise.
TURNS = (Image.Transpose.ROTATE_270, Image.Transpose.ROTATE_90)


@dataclass(frozen=True)
class TurnedNumber:
    """A number two engines agree on in a turned crop, with its box back on the page."""

    raw: str
    key: str
    value: str | None
    box: Box
    readings: dict[str, str | None]


def read_turned_text(
    image: Image.Image,
    numbers: list[PageNumber],
    regions: list[Box],
    engines: dict[str, OcrEngine],
    convention: DecimalConvention,
) -> tuple[int, list[Box]]:
    """Settle vertical zones of doubt by reading them turned level (see the module's doc).
    Disputed numbers there are verified, corrected or left; numbers nobody had listed are
    added, verified; a verified number the turned reading contradicts goes back to review.
    Returns how many numbers were verified or added, and the regions still unexplained."""
    readers = [engine for engine in engines.values() if engine.availability() is None]
    doubtful = [
        n.box for n in numbers if not n.verified and n.kind == NUMBER and n.box and upright(n.box)
    ]
    seeds = doubtful + [box for box in regions if upright(box)]
    if len(readers) < 2 or not seeds:
        return 0, regions
    ink = np.asarray(image.convert("L")) < INK_LEVEL
    zones = _strips(ink, seeds)
    views = [view for zone in zones for view in _turned_views(image, zone)]
    turned = [view for view, _ in views]
    readings = [_read_all(engine, turned) for engine in readers[:2]]
    confirmed = _confirmed(turned, readings, readers[:2], convention)
    agreed: list[TurnedNumber] = []
    for zone in range(len(zones)):
        ways = []
        for way in range(len(TURNS)):
            index = zone * len(TURNS) + way
            back = views[index][1]
            ways.append([replace(number, box=back(number.box)) for number in confirmed[index]])
        agreed += _the_way_it_runs(ways)
    settled = _settle(numbers, agreed, ink, convention)
    return settled, [region for region in regions if not _explained(ink, region, agreed)]


def _strips(ink: np.ndarray, seeds: list[Box]) -> list[Box]:
    """The vertical lines of print the boxes of doubt lie on, each whole: a box's columns of
    ink are split where blank columns part them, and each part is followed up and down the
    page for as long as its ink continues (gaps under a glyph height apart)."""
    strips: set[Box] = set()
    for left, top, right, bottom in seeds:
        columns = np.asarray(ink[top:bottom, left:right].any(axis=0))
        for start, end in true_runs(columns):
            x0, x1 = left + start, left + end + 1
            rows = np.asarray(ink[:, x0:x1].any(axis=1))
            gap = 2 * (x1 - x0)
            y0, y1 = top, bottom
            while y0 > 0 and rows[max(0, y0 - gap) : y0].any():
                y0 -= 1
            while y1 < len(rows) and rows[y1 : y1 + gap].any():
                y1 += 1
            if _looks_like_print(ink, (x0, y0, x1, y1)):
                strips.add((x0, y0, x1, y1))
    merged: list[Box] = []
    for strip in sorted(strips):
        if merged and _shares_area(merged[-1], strip):
            merged[-1] = union_of([merged[-1], strip])
        else:
            merged.append(strip)
    return merged


def _looks_like_print(ink: np.ndarray, strip: Box) -> bool:
    """A line of print set sideways: wide enough for a glyph, its ink broken by gaps between
    words at least every WORD_LENGTH glyph heights (a table rule's ink runs on), no stack of
    upright glyphs (`_stacked_glyphs`), and alone across its width: no ink a glyph's height
    to its left or right on most of its rows (the last digits of a column of right-aligned
    amounts line up too, beside the other digits)."""
    x0, y0, x1, y1 = strip
    width = x1 - x0
    rows = np.asarray(ink[y0:y1, x0:x1].any(axis=1))
    if width < MIN_GLYPH_PIXELS or not rows.any():
        return False
    runs = true_runs(rows)
    if any(end - start >= WORD_LENGTH * width for start, end in runs) or _stacked_glyphs(
        runs, width
    ):
        return False
    beside = np.asarray(ink[y0:y1, max(0, x0 - width) : x0].any(axis=1)) | np.asarray(
        ink[y0:y1, x1 : x1 + width].any(axis=1)
    )
    return bool((rows & beside).sum() <= CROWDED * rows.sum())


def _stacked_glyphs(runs: list[tuple[int, int]], width: int) -> bool:
    """A table column of one-glyph cells ("0" under "0"), or one such cell alone: its runs of
    ink are glyphs taller than the strip is wide, apart by a row's gap. Print set sideways
    runs the other way: each glyph is narrower along the line than the line is tall, a hair
    apart, words a little more (measured: runs 0.2-0.7 strip widths, gaps 0.2; a nics column
    of zeros 1.4 and 1.1)."""
    if median(end - start + 1 for start, end in runs) <= width:
        return False
    gaps = [start - end - 1 for (_, end), (start, _) in pairwise(runs)]
    return not gaps or median(gaps) >= STACKED_GAP * width


def _turned_views(image: Image.Image, zone: Box) -> list[tuple[Image.Image, Callable[[Box], Box]]]:
    """The zone cropped, enlarged and turned level both ways ("80618" upside down reads
    "81908"), each with the map of its boxes back to the page."""
    width = zone[2] - zone[0]
    scale = max(2, min(MAX_SCALE, round(GLYPH_TARGET / max(1, width))))
    padding = max(MIN_PADDING, 3 * width // 2)
    left, top = max(0, zone[0] - padding), max(0, zone[1] - padding)
    enlarged = upscaled(crop(image, zone, padding), scale)
    return [
        (enlarged.transpose(turn), _back_to_page(turn, enlarged.size, scale, (left, top)))
        for turn in TURNS
    ]


def _the_way_it_runs(ways: list[list[TurnedNumber]]) -> list[TurnedNumber]:
    """The numbers two engines read alike in a zone read both ways: the way that reads a
    number at a place where the other way reads none is the way the line runs. When neither
    way or both ways show that, nothing is agreed."""
    one_way, other_way = (
        [a for a in way if not any(_shares_area(a.box, b.box) for b in other)]
        for way, other in (ways, ways[::-1])
    )
    if bool(one_way) == bool(other_way):
        return []
    return ways[0] if one_way else ways[1]


def _confirmed(
    turned: list[Image.Image],
    readings: list[list[OcrResult]],
    readers: list[OcrEngine],
    convention: DecimalConvention,
) -> list[list[TurnedNumber]]:
    """Numbers of each turned crop that both engines read (`readings`: per reader, one result
    per crop): each engine's numbers, confirmed by the other's reading at the same place or,
    failing that, by the other's reading of that number's crop alone (a detector can run
    small print together or drop a word). The crops of all turned views go to each engine
    in one `read_crops` call: Tesseract's costs a process start."""
    found = [
        {
            engine.name: _numbers_read(reading[index], convention, engine.name)
            for engine, reading in zip(readers, readings, strict=True)
        }
        for index in range(len(turned))
    ]
    agreed: list[list[TurnedNumber]] = [[] for _ in turned]
    for reader, checker in (readers, readers[::-1]):
        pending: list[tuple[int, TurnedNumber]] = []
        for index, numbers in enumerate(found):
            for number in numbers[reader.name]:
                if any(
                    a.key == number.key and _shares_area(a.box, number.box) for a in agreed[index]
                ):
                    continue
                twin = next(
                    (
                        other
                        for other in numbers[checker.name]
                        if other.key == number.key and _shares_area(other.box, number.box)
                    ),
                    None,
                )
                if twin is None:
                    pending.append((index, number))
                else:
                    agreed[index].append(replace(number, readings=number.readings | twin.readings))
        read_crops = getattr(checker, "read_crops", None)
        if not pending or read_crops is None:
            continue
        texts = read_crops(
            [crop(turned[index], n.box, (n.box[3] - n.box[1]) // 2) for index, n in pending]
        )
        for (index, number), text in zip(pending, texts, strict=True):
            tokens = ocr_tokens(text, convention)
            if len(tokens) == 1 and tokens[0].key == number.key and not token_doubt(tokens[0]):
                readings_here = number.readings | {f"{checker.name}@turned-crop": tokens[0].raw}
                agreed[index].append(replace(number, readings=readings_here))
    return agreed


def _read_all(engine: OcrEngine, images: list[Image.Image]) -> list[OcrResult]:
    """One engine's reading of each turned crop. Engines read each crop alone (Tesseract, on
    a sheet of several, has its threshold and layout moved by the others' ink: "26132-94998"
    read for two codes apart; it reads them as pages of one input, in one process), but
    RapidOCR, whose cost is a detection over a square as wide
    as the crop (`_read`), reads crops of one width together on such a square, as many as fit
    below one another: each at the square's left edge as when read alone, so that the square,
    and with it the scale the detector reads at, stays the same."""
    if isinstance(engine, TesseractEngine):
        return engine.read_each(images, page_segmentation=TURNED_LINES)
    if not isinstance(engine, RapidOcrEngine):
        return [_read(engine, image) for image in images]
    results: list[OcrResult | None] = [None] * len(images)
    for sheet in _sheets(images):
        square = Image.new("L", (sheet.width, sheet.width), "white")
        for index, top in sheet.tops.items():
            square.paste(images[index].convert("L"), (0, top))
        found: dict[int, list[OcrLine]] = {index: [] for index in sheet.tops}
        for line in engine.read(square).lines:
            middle = (line.box[1] + line.box[3]) // 2
            for index, top in sheet.tops.items():
                if top - SHEET_GAP // 2 <= middle < top + images[index].height + SHEET_GAP // 2:
                    found[index].append(line.shifted(0, -top))
        for index, lines in found.items():
            results[index] = OcrResult(tuple(lines))
    return [
        _read(engine, image) if result is None else result
        for result, image in zip(results, images, strict=True)
    ]


@dataclass
class _Sheet:
    """Crops of one width stacked on a square as wide: the top of each, by its index."""

    width: int
    tops: dict[int, int]
    bottom: int


def _sheets(images: list[Image.Image]) -> list[_Sheet]:
    """The crops wider than tall, packed by width onto sheets no taller than wide."""
    sheets: list[_Sheet] = []
    for index, image in enumerate(images):
        if image.width <= image.height:
            continue  # read alone, as it is (`_read`)
        sheet = next(
            (
                sheet
                for sheet in sheets
                if sheet.width == image.width
                and sheet.bottom + SHEET_GAP + image.height <= sheet.width
            ),
            None,
        )
        if sheet is None:
            sheets.append(_Sheet(image.width, {index: 0}, image.height))
        else:
            sheet.tops[index] = sheet.bottom + SHEET_GAP
            sheet.bottom += SHEET_GAP + image.height
    return sheets


def _read(engine: OcrEngine, image: Image.Image) -> OcrResult:
    """One engine's reading of a turned crop. RapidOCR's detector enlarges an image until its
    shorter side is 736 px, so a long thin strip is read on a square of white (its text at the
    top left, where the boxes stay): seconds become a fraction of one."""
    if image.width <= image.height:
        return engine.read(image)
    square = Image.new(image.mode, (image.width, image.width), "white")
    square.paste(image, (0, 0))
    return engine.read(square)


def _numbers_read(
    result: OcrResult, convention: DecimalConvention, engine: str
) -> list[TurnedNumber]:
    """Each clear number of one engine's reading of the turned crop, boxed in the crop."""
    found = []
    for line in result.lines:
        for token in ocr_tokens(line.text, convention):
            if token_doubt(token) is None:
                box = line.box_of(*token.span)
                readings: dict[str, str | None] = {f"{engine}@turned": token.raw}
                found.append(TurnedNumber(token.raw, token.key, number_value(token), box, readings))
    return found


def _back_to_page(
    turn: Image.Transpose, size: tuple[int, int], scale: int, origin: tuple[int, int]
) -> Callable[[Box], Box]:
    """Maps a box in the turned, enlarged crop back to page pixels."""
    width, height = size  # of the enlarged crop before turning

    def back(box: Box) -> Box:
        left, top, right, bottom = box
        if turn is Image.Transpose.ROTATE_270:  # (x, y) became (height - y, x)
            corners = (top, height - right, bottom, height - left)
        else:  # ROTATE_90: (x, y) became (y, width - x)
            corners = (width - bottom, left, width - top, right)
        x0, y0, x1, y1 = (value // scale for value in corners)
        return (origin[0] + x0, origin[1] + y0, origin[0] + x1, origin[1] + y1)

    return back


def _settle(
    numbers: list[PageNumber],
    agreed: list[TurnedNumber],
    ink: np.ndarray,
    convention: DecimalConvention,
) -> int:
    """Apply the agreed numbers to the page's numbers. A disputed number is settled only when
    every mark of its ink is explained by agreed numbers, and then by the one it stands for; a
    garbled reading outside the page text ("03772725" for two codes) gives way to the agreed
    numbers it holds. Returns how many numbers were verified or added."""
    settled = 0
    unused = list(agreed)
    replaced: list[PageNumber] = []
    for number in numbers:
        if number.kind != NUMBER or number.box is None:
            continue
        here = [a for a in unused if mostly_inside(a.box, number.box)]
        if not here:
            continue
        same = [a for a in here if a.key == _key(number, convention)]
        if number.verified:
            if not same:
                number.verified, number.value = False, None
                number.reason = f"read sideways, this reads {here[0].raw!r}"
            unused = [a for a in unused if a not in same]
            continue
        if not _explained(ink, number.box, agreed):
            continue  # ink here that no turned reading explains: a person decides
        match = same[0] if same else _read_here_before(number, here, convention)
        if match is None:
            if number.span is None:
                replaced.append(number)
            continue
        unused.remove(match)
        number.raw, number.value, number.box = match.raw, match.value, match.box
        number.readings |= match.readings
        number.verified, number.reason = True, None
        settled += 1
    numbers[:] = [n for n in numbers if not any(n is r for r in replaced)]
    for found in unused:
        if any(n.box and _shares_area(n.box, found.box) for n in numbers):
            continue  # a reading of a number already listed, still in doubt
        numbers.append(PageNumber(found.raw, found.value, None, found.box, True, found.readings))
        settled += 1
    return settled


def _key(number: PageNumber, convention: DecimalConvention) -> str | None:
    return next((token.key for token in ocr_tokens(number.raw, convention)), None)


def _read_here_before(
    number: PageNumber, here: list[TurnedNumber], convention: DecimalConvention
) -> TurnedNumber | None:
    """The agreed number a disputed one stands for: the only one in its box, or else the one
    an engine's page reading of it gave (Tesseract's box of a whole vertical line, "5", holds
    six agreed numbers; RapidOCR read "41026" there, and the turned readings agree on it)."""
    if len(here) == 1:
        return here[0]
    page_readings = [raw for name, raw in number.readings.items() if raw and "@" not in name]
    keys = {token.key for raw in page_readings for token in ocr_tokens(raw, convention)}
    return next((found for found in here if found.key in keys), None)


def _explained(ink: np.ndarray, box: Box, agreed: list[TurnedNumber]) -> bool:
    """Every mark of ink in the box lies mostly under numbers both engines read."""
    left, top, right, bottom = box
    marks = ink[top:bottom, left:right].astype(np.uint8)
    count, labels = cv2.connectedComponents(marks, connectivity=8)
    if count < 2:
        return False
    covered = np.zeros(marks.shape, dtype=bool)
    for found in agreed:
        x0, y0, x1, y1 = found.box
        covered[max(0, y0 - top - 2) : y1 - top + 2, max(0, x0 - left - 2) : x1 - left + 2] = True
    return all(covered[labels == label].mean() >= 0.5 for label in range(1, count))


def _shares_area(a: Box, b: Box) -> bool:
    """The boxes share at least a third of the smaller one's area."""
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return 3 * _intersection(a, b) >= max(1, smaller)


def _intersection(a: Box, b: Box) -> int:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return max(0, width) * max(0, height)
