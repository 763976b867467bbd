"""Ink no engine read: agreement between engines cannot see what both of them skip.

Every character-sized mark on an OCR'd page must lie under a word some engine read. Marks that
do not (rotated margin microtext, a cell both engines skipped, the second "1" of "11" both
engines read as "1") are found here. Ruled lines are not text: they are found here too, and
taken off the page before OCR, since Tesseract garbles bordered tables it reads perfectly
without their lines.
"""

from __future__ import annotations

from itertools import pairwise
from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

from preciso_dagster.core.boxes import union_of
from preciso_dagster.core.engines import Box

INK_LEVEL = 128  # grey levels below this are ink
# Below this, a pixel is at least faint ink: the thin top of a small "0" in a light font
# must not split it into two glyphs when digits are told apart.
FAINT_INK_LEVEL = 200
MARK_EDGE_LEVEL = 170  # a mark of ink nobody read takes in its edges down to this level
# Small print's strokes may have only a core this dark, their edges down to FAINT_INK_LEVEL.
FAINT_CORE_LEVEL = 180
RULE_MIN_LENGTH = 0.04  # of the page's width (or height): shorter strokes are glyphs
# A dashed rule: at least MIN_DASHES dashes no thicker than DASH_THICKNESS of the page height.
MIN_DASHES, DASH_THICKNESS = 5, 0.002
WORD_PADDING = 2  # pixels around a read word that still count as read
# A mark is character-sized when its height is at least MIN_GLYPH of the page's text height
# (dots, commas and dashes are smaller and carry no digit) and no side is over MAX_GLYPH.
MIN_GLYPH, MAX_GLYPH = 0.5, 3.0
MIN_PIXELS = 4  # marks smaller than this on their longer side count only as lone specks
MIN_SPECK = 2  # a decimal point at 200 DPI is 2-3 pixels
MIN_SMALL = 3  # marks smaller than a character that together make small print
RUN_FILL = 0.4  # share of its box a run of small glyphs blurred into one piece fills, at least
SOLID = 0.7  # share of a mark's box that is ink above which it is a filled shape
# A tick box: at least MIN_FRAME pixels a side, each side this share inked, and inside it only
# ink this near (a share of the box) to a diagonal, the cross of a ticked box.
MIN_FRAME, FRAME_SIDE, DIAGONAL = 8, 0.9, 0.12
# Glyphs at least this share of a number's typical glyph height are digits (not a comma or
# point); a digit is about this share of its height wide; digits this many median pitches
# apart have a space between them (a tabular digit's pitch is about 0.55 em, a space adds
# about 0.28 em: 1.5 pitches; measured 1.0-1.1 without).
DIGIT_SHARE, DIGIT_WIDTH, SPACE_PITCH = 0.6, 0.75, 1.3
# A thin stroke (at most STROKE_WIDTH of the digits' height wide) this many digit heights tall
# is a rule, not a digit (brackets and parentheses reach about 1.3); so is one whose height is
# within SHORT_STROKE of theirs (a "1" is as tall as they are; a comma or point at most half).
STROKE_HEIGHT, STROKE_WIDTH, SHORT_STROKE = 1.6, 0.3, (0.55, 0.85)
# A decimal mark is midway between its digits when the farther is at most this many times
# as far as the nearer (a space after the mark makes it 2 or more).
MARK_SYMMETRY = 1.4


def rule_mask(image: Image.Image) -> np.ndarray:
    """Pixels of long horizontal and vertical strokes: table borders and underlines."""
    ink = (np.asarray(image.convert("L")) < INK_LEVEL).astype(np.uint8)
    height, width = ink.shape
    horizontal = cv2.getStructuringElement(
        cv2.MORPH_RECT, (max(20, int(width * RULE_MIN_LENGTH)), 1)
    )
    vertical = cv2.getStructuringElement(
        cv2.MORPH_RECT, (1, max(20, int(height * RULE_MIN_LENGTH)))
    )
    # A rule drawn cell by cell may step a pixel aside at a crossing: widened by a pixel either
    # side first, it runs on, and the stub left after the step is a rule too, not a "1".
    across = np.asarray(cv2.dilate(ink, np.ones((3, 1), np.uint8)))
    along = np.asarray(cv2.dilate(ink, np.ones((1, 3), np.uint8)))
    level = np.asarray(cv2.morphologyEx(across, cv2.MORPH_OPEN, horizontal), np.uint8) & ink
    level |= _dashed_rules(ink)
    upright = np.asarray(cv2.morphologyEx(along, cv2.MORPH_OPEN, vertical), np.uint8) & ink
    rules = level | upright | _stubs(ink, level, upright)
    return cv2.dilate(rules, np.ones((3, 3), np.uint8)).astype(bool)


def _stubs(ink: np.ndarray, level: np.ndarray, upright: np.ndarray) -> np.ndarray:
    """Pixels of strokes left over once the rules are found that belong to the ruling:
    - the dash that meets a vertical rule: joined to the rule, it is no dash of its own, and
      once the rule is gone it is left as a flat stub on its dashed rule's line, which would
      read as a lost minus beside the next number;
    - the side of a box too short to be a rule itself (a form's field, a table's short row)
      running from one rule to another: left, it is a "1" beside the amount in the box."""
    kernel = np.ones((3, 3), np.uint8)
    left = ink & (np.asarray(cv2.dilate(level | upright, kernel), np.uint8) == 0)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(left, connectivity=8)
    thin = max(2, round(ink.shape[0] * DASH_THICKNESS))
    near = np.ones((5, 5), np.uint8)
    beside_upright = np.asarray(cv2.dilate(upright, near)) > 0
    beside_level = np.asarray(cv2.dilate(level, near)) > 0
    rule_rows = np.asarray(cv2.dilate(level, np.ones((3, 1), np.uint8)).any(axis=1))
    stubs = np.zeros(count, bool)
    for label in range(1, count):
        x, y, width, height = (int(v) for v in stats[label, :4])
        own = labels[y : y + height, x : x + width] == label
        if height <= thin and width >= 2 * height and rule_rows[y : y + height].any():
            stubs[label] = bool(beside_upright[y : y + height, x : x + width][own].any())
        elif width <= thin and height >= 3 * width:  # a side between two level rules
            ends = beside_level[y : y + height, x : x + width] & own
            stubs[label] = bool(ends[:width].any() and ends[-width:].any())
        elif height <= thin and width >= 3 * height:  # a side between two upright rules
            ends = beside_upright[y : y + height, x : x + width] & own
            stubs[label] = bool(ends[:, :height].any() and ends[:, -height:].any())
    return np.asarray(stubs[labels] & (labels > 0), np.uint8)


def _dashed_rules(ink: np.ndarray) -> np.ndarray:
    """Pixels of dashed horizontal rules: thin dashes on one line, each near the next, running
    as far as a rule does. Left on the page, Tesseract reads them and the digits between them
    as one garbled word ("tst~<<ts~<<SS*")."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    thin = max(2, round(ink.shape[0] * DASH_THICKNESS))
    dashes = sorted(
        (int(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] // 2), int(i))
        for i in range(1, count)
        if stats[i, cv2.CC_STAT_HEIGHT] <= thin
        and stats[i, cv2.CC_STAT_WIDTH] >= 2 * stats[i, cv2.CC_STAT_HEIGHT]
    )
    rows: dict[int, list[int]] = {}
    for middle, label in dashes:  # one row per line of dashes, a pixel or two either way
        row = next((r for r in (middle - 1, middle, middle + 1) if r in rows), middle)
        rows.setdefault(row, []).append(label)
    dashed = np.zeros(len(stats), bool)
    for labels_in_row in rows.values():
        for run in _dash_runs(stats, sorted(labels_in_row, key=lambda i: stats[i, 0])):
            start, end = stats[run[0], 0], stats[run[-1], 0] + stats[run[-1], 2]
            if len(run) >= MIN_DASHES and end - start >= RULE_MIN_LENGTH * ink.shape[1]:
                dashed[run] = True
    return np.asarray(dashed[labels] & (labels > 0), np.uint8)


def _dash_runs(stats: np.ndarray, labels: list[int]) -> list[list[int]]:
    """Dashes left to right, cut where a gap is wider than three dashes."""
    runs: list[list[int]] = []
    for label in labels:
        if runs:
            last = runs[-1][-1]
            gap = stats[label, 0] - (stats[last, 0] + stats[last, 2])
            if gap <= 3 * max(stats[last, 2], stats[label, 2]):
                runs[-1].append(label)
                continue
        runs.append([label])
    return runs


def without_rules(image: Image.Image) -> tuple[Image.Image, int]:
    """The page with its ruled lines whitened, and how many pixels that changed (0: no rules,
    the same image back)."""
    mask = rule_mask(image)
    removed = int(mask.sum())
    if not removed:
        return image, 0
    pixels = np.asarray(image.convert("L")).copy()
    pixels[mask] = 255
    return Image.fromarray(pixels), removed


class UnreadInk(NamedTuple):
    regions: list[Box]  # character-sized marks and small print, grouped, in reading order
    specks: list[Box]  # lone marks smaller than a character: a dot, a comma, a minus sign


def unread_marks(image: Image.Image, read_boxes: list[Box], text_height: int) -> UnreadInk:
    """Ink under no read word: regions of character-sized marks (closer than a text height on
    the same line are one region) and of small print, and the lone specks left over."""
    grey = np.asarray(image.convert("L"))
    rules = rule_mask(image)
    read = np.zeros(grey.shape, dtype=bool)
    for left, top, right, bottom in read_boxes:
        read[
            max(0, top - WORD_PADDING) : bottom + WORD_PADDING,
            max(0, left - WORD_PADDING) : right + WORD_PADDING,
        ] = True
    # A mark is all the ink around a dark core, its faint edges too: the strokes of tiny
    # print a scan has blurred are mostly faint, a few pixels of each dark, and marks of dark
    # pixels alone would be specks. Faint ink with no dark core (a light fill) is no mark.
    marks: list[Box] = []
    small: list[Box] = []
    for box in _unread_components(
        grey < MARK_EDGE_LEVEL, grey < INK_LEVEL, rules, read, text_height
    ):
        # Character height, not length: a dash or a rule stub is long and flat.
        (marks if box[3] - box[1] >= MIN_GLYPH * text_height else small).append(box)
    # A scan blurs 3 pt print in a thin face to light grey strokes, few or none of whose
    # pixels reach INK_LEVEL: the pieces of ink around a fainter core are small print too,
    # never marks, and each stands for the specks the first pass saw of it.
    taken = np.zeros(grey.shape, dtype=bool)
    for left, top, right, bottom in marks:
        taken[top:bottom, left:right] = True
    faint_pixels = grey < FAINT_INK_LEVEL
    faint = _unread_components(
        faint_pixels, grey < FAINT_CORE_LEVEL, rules, read, text_height, taken
    )
    small = [box for box in small if not any(_count_in(piece, [box]) for piece in faint)] + faint
    # Marks smaller than a character (a dot, a comma, a speck) alone carry no number; many
    # of them together are small print: rotated margin microtext, a footnote in 3 pt.
    clustered = _grouped(
        [box for box in small if max(box[2] - box[0], box[3] - box[1]) >= MIN_PIXELS],
        text_height // 2,
    )
    # A cluster thinner than a glyph of the smallest print is a rule the scan broke into
    # dashes (a form's faint signature line at 150 DPI, 3 px tall) or a dotted leader.
    microtext = [
        box
        for box in clustered
        if min(box[2] - box[0], box[3] - box[1]) >= MIN_PIXELS
        and _glyphs_in(box, small, text_height, faint_pixels) >= MIN_SMALL
    ]
    specks = [box for box in small if not any(_count_in(region, [box]) for region in microtext)]
    return UnreadInk(_grouped(marks + microtext, text_height), specks)


def _unread_components(
    ink: np.ndarray,
    core: np.ndarray,
    rules: np.ndarray,
    read: np.ndarray,
    text_height: int,
    without: np.ndarray | None = None,
) -> list[Box]:
    """The boxes of the pieces of `ink` off the rules that hold a pixel of `core` (and none of
    `without`), mostly off the `read` words, of a glyph's size at most, and no filled box or
    tick box."""
    ink = ink & ~rules
    # OpenCV's stubs accept no uint8 array here, though uint8 is what it takes.
    count, labels, stats, _ = cv2.connectedComponentsWithStats(  # type: ignore[call-overload]
        ink.astype(np.uint8), 8
    )
    cored = np.zeros(count, dtype=bool)
    cored[np.unique(labels[ink & core])] = True
    if without is not None:
        cored[np.unique(labels[ink & without])] = False
    boxes = []
    for label in np.flatnonzero(cored[1:]) + 1:
        left, top, width, height, area = (int(v) for v in stats[label])
        size = max(width, height)
        if size < MIN_SPECK or size > MAX_GLYPH * text_height:
            continue
        if area > SOLID * width * height and width > MIN_GLYPH * text_height:
            continue  # a filled box (a shaded header cell), not a stroke of a character
        pixels = labels[top : top + height, left : left + width] == label
        if read[top : top + height, left : left + width][pixels].mean() > 0.5:
            continue
        if _a_tick_box(pixels):
            continue
        boxes.append((left, top, left + width, top + height))
    return boxes


def _a_tick_box(pixels: np.ndarray) -> bool:
    """A drawn square or rectangle, empty or crossed (a form's tick box): ink along all four
    sides of its box, square-cornered as no glyph's outline is, and inside nothing but its
    diagonals."""
    height, width = pixels.shape
    if min(height, width) < MIN_FRAME:
        return False
    sides = [pixels[:2].any(axis=0), pixels[-2:].any(axis=0)]
    sides += [pixels[:, :2].any(axis=1), pixels[:, -2:].any(axis=1)]
    if any(np.mean(side) < FRAME_SIDE for side in sides):
        return False
    inset_y, inset_x = max(3, height // 6), max(3, width // 6)
    rows, columns = np.nonzero(pixels[inset_y:-inset_y, inset_x:-inset_x])
    if not len(rows):
        return True
    down, across = (rows + inset_y) / height, (columns + inset_x) / width
    on_diagonal = (np.abs(down - across) < DIAGONAL) | (np.abs(down + across - 1) < DIAGONAL)
    return bool(on_diagonal.mean() >= FRAME_SIDE)


def _glyphs_in(region: Box, pieces: list[Box], text_height: int, faint: np.ndarray) -> int:
    """How many glyphs of small print the pieces inside `region` stand for: one each, but a
    long piece at least half a text height long, as thick as a glyph is tall, that its faint
    ink mostly fills is a run of glyphs a scan blurred into one (a 3 pt code of five digits in
    two pieces), about one glyph per its width. A stroke of a signature's curve fills a fifth
    of its box; a rule's stub is one or two pixels thick."""
    glyphs = 0
    for left, top, right, bottom in pieces:
        if not _count_in(region, [(left, top, right, bottom)]):
            continue
        long, short = sorted((right - left, bottom - top), reverse=True)
        run = (
            long >= MIN_GLYPH * text_height
            and short >= MIN_PIXELS  # a rule's stub is a pixel or two thick
            and faint[top:bottom, left:right].mean() >= RUN_FILL
        )
        glyphs += long // max(1, short) if run else 1
    return glyphs


def _count_in(region: Box, boxes: list[Box]) -> int:
    return sum(
        1
        for box in boxes
        if region[0] <= box[0]
        and region[1] <= box[1]
        and box[2] <= region[2]
        and box[3] <= region[3]
    )


def _grouped(marks: list[Box], gap: int) -> list[Box]:
    """Merge marks whose boxes come within `gap` of each other, until none do."""
    boxes = sorted(marks, key=lambda box: (box[1], box[0]))
    merged = True
    while merged:
        merged = False
        result: list[Box] = []
        for box in boxes:
            for index, other in enumerate(result):
                if near(box, other, gap):
                    result[index] = union_of([box, other])
                    merged = True
                    break
            else:
                result.append(box)
        boxes = result
    return sorted(boxes, key=lambda box: (box[1], box[0]))


def near(a: Box, b: Box, gap: int) -> bool:
    """The boxes come within `gap` pixels of each other in both directions."""
    return a[0] - gap < b[2] and b[0] - gap < a[2] and a[1] - gap < b[3] and b[1] - gap < a[3]


def beside(a: Box, b: Box, gap: int) -> bool:
    """On the same line (half the smaller height overlaps) and within `gap` pixels across."""
    smaller = min(a[3] - a[1], b[3] - b[1])
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return overlap >= smaller / 2 and a[0] - gap < b[2] and b[0] - gap < a[2]


def faint_ink(image: Image.Image) -> np.ndarray:
    """Where the page has ink, faint strokes included: what the digit checks look at."""
    return np.asarray(image.convert("L")) < FAINT_INK_LEVEL


def misleading_ink(ink: np.ndarray, box: Box, raw: str) -> str | None:
    """Why the ink of a number every engine read as `raw` may not say that, if it may: a thin
    stroke of no digit's height where `raw` has a 1 (a table rule read as "1": taller than the
    digits, or cut short by the cell's border; a real "1" is as tall as the other digits, a
    point or comma much shorter), or a space no engine read ("41 181" read "41181"; judged
    only where the box holds as many digits as `raw`). Where the box holds one run of ink per
    character of `raw`, only the runs in a 1's place are judged: a comma that noise under it
    lengthened is the comma it was read as."""
    runs = glyph_columns(ink, box)
    broad = [height for first, last, height in runs if last - first + 1 > STROKE_WIDTH * height]
    if not broad:
        return None
    digit_height = max(broad)
    glyphs = raw.replace(" ", "")
    in_ones_place = (
        [run for run, glyph in zip(runs, glyphs, strict=True) if glyph == "1"]
        if len(runs) == len(glyphs)
        else runs
    )
    for first, last, height in in_ones_place:
        share = height / digit_height
        thin = last - first + 1 <= STROKE_WIDTH * digit_height
        stroke = share >= STROKE_HEIGHT or SHORT_STROKE[0] <= share <= SHORT_STROKE[1]
        if thin and stroke and "1" in raw:
            return "a thin stroke of no digit's height stands in it (a table rule read as a 1?)"
    typical = float(np.median([height for _, _, height in runs]))
    if _hidden_space(runs, typical, sum(map(str.isdigit, raw))):
        return "its digits stand a space apart where no engine read one (two numbers?)"
    return None


def _hidden_space(runs: list[tuple[int, int, int]], typical: float, expected: int) -> bool:
    """Digits advance by a constant pitch in nearly every font, so the distances between
    neighbouring digit centres are compared with their median. A run of ink wider than a
    digit is that many touching digits; a comma or point between two digits is a run of its
    own and breaks the pair. Needs four digits or more to judge: at small sizes a pixel of
    rounding is a large share of one pitch."""
    digits = [
        (centre, index)
        for index, run in enumerate(runs)
        if run[2] >= DIGIT_SHARE * typical
        for centre in digit_centres(run)
    ]
    if len(digits) < 4 or len(digits) != expected:
        return False
    pitches = [b[0] - a[0] for a, b in pairwise(digits)]
    pitch = float(np.median(pitches))
    return any(
        b[1] - a[1] == 1 and distance >= SPACE_PITCH * pitch
        for (a, b), distance in zip(pairwise(digits), pitches, strict=True)
    )


def mark_in_own_cell(ink: np.ndarray, box: Box) -> bool:
    """The decimal mark of "3. 9" stands midway between its digits, as a monospaced font sets
    "3.9": the space OCR read is the mark's own cell, not a space. A real space after the mark
    leaves it nearer the digit before (twice as near or more, in any font)."""
    runs = glyph_columns(ink, box)
    if len(runs) < 3:
        return False
    typical = float(np.median([height for _, _, height in runs]))
    low = [height < DIGIT_SHARE * typical for _, _, height in runs]
    marks = [i for i in range(1, len(runs) - 1) if low[i] and not low[i - 1] and not low[i + 1]]
    if len(marks) != 1:
        return False
    index = marks[0]
    before, after = digit_centres(runs[index - 1])[-1], digit_centres(runs[index + 1])[0]
    mark = (runs[index][0] + runs[index][1]) / 2
    near, far = sorted((mark - before, after - mark))
    return near > 0 and far <= MARK_SYMMETRY * near


def through_marks(ink: np.ndarray, box: Box) -> Box:
    """`box` widened along its line across each point, comma or apostrophe that carries the
    number on ("3.725" of "3.725.579" whose points a monospaced face set in cells of their
    own, the engines reading only a piece): a crop of the piece alone reads the piece, and
    would confirm it. Neither a space nor a range's dash is crossed; a sign is taken in."""
    left, top, right, bottom = (int(v) for v in box)
    own = ink[max(0, top) : bottom, max(0, left) : right]
    bands = true_runs(np.asarray(own.any(axis=1)))
    if not bands:
        return box
    first_row, last_row = max(bands, key=lambda band: own[band[0] : band[1] + 1].sum())
    band = ink[max(0, top) + first_row : max(0, top) + last_row + 1]
    extents = [
        (start, end, rows[0], rows[-1])
        for start, end in true_runs(np.asarray(band.any(axis=0)))
        if len(rows := np.flatnonzero(band[:, start : end + 1].any(axis=1)))
    ]
    tallest = max(bottom - top for _, _, top, bottom in extents)
    digits = [(top, bottom) for _, _, top, bottom in extents if bottom - top >= 0.6 * tallest]
    digit_top = float(np.median([top for top, _ in digits]))
    zone = float(np.median([bottom for _, bottom in digits])) - digit_top + 1
    runs = [
        _Glyph(start, end, _glyph_kind(top - digit_top, bottom - digit_top, zone))
        for start, end, top, bottom in extents
    ]
    inside = [i for i, glyph in enumerate(runs) if glyph.start < right and glyph.end >= left]
    if not inside:
        return box
    # Digits advance by a constant pitch: the number's own gaps between digits say how far
    # its next glyph may stand (a monospaced face leaves wider gaps than a proportional one).
    gaps = [
        b.start - a.end
        for a, b in pairwise(runs[i] for i in inside)
        if a.kind == DIGIT and b.kind == DIGIT
    ]
    digit_gap = float(max(gaps, default=0))
    reach = (max(0.4 * zone, 1.5 * digit_gap), max(0.6 * zone, 1.6 * digit_gap))
    first = _carried(runs, inside[0], -1, reach)
    last = _carried(runs, inside[-1], 1, reach)
    # The glyphs crossed on each side that widened, from the number's own edge glyph on.
    crossed = runs[first : inside[0] + 1] if first < inside[0] else []
    crossed += runs[inside[-1] : last + 1] if last > inside[-1] else []
    if not any(glyph.kind == MARK for glyph in crossed):
        return box  # no mark carries it on: the number is what was read (a sign alone is not)
    return (min(left, runs[first].start), top, max(right, runs[last].end + 1), bottom)


class _Glyph(NamedTuple):
    start: int
    end: int
    kind: str  # MARK (point, comma, apostrophe), DASH (mid-height: minus, hyphen) or DIGIT


MARK, DASH, DIGIT = "mark", "dash", "digit"
GROUP_GLYPHS = 3  # the most glyphs a grouping mark carries a number on to ("1,234")


def _glyph_kind(top: float, bottom: float, zone: float) -> str:
    """Under half the digits' height, a glyph is a mark low or high among the digits (point,
    comma, apostrophe), else a dash across their middle. `top`, `bottom`: its rows, from the
    digits' top; `zone`: the digits' height."""
    if bottom - top + 1 >= 0.45 * zone:
        return DIGIT
    return MARK if top >= 0.6 * zone or bottom <= 0.4 * zone else DASH


def _carried(runs: list[_Glyph], index: int, step: int, reach: tuple[float, float]) -> int:
    """The last glyph the number reaches from `index` going `step` way: the next one, when it
    is within `reach` (the first figure; the second beside a mark; a word space is wider). It
    goes on only from a mark at its edge or beside it: a letter beside it ends it ("to32").
    A mark carries the number on only to a group of at most three glyphs after it (letters
    run together on a skewed line are no group); a dash ends it, taken in as a sign when no
    digit follows it, left out when one does (the dash of a range, "0.1-0.6")."""

    def near(a: _Glyph, b: _Glyph) -> bool:
        gap = b.start - a.end if step > 0 else a.start - b.end
        return gap <= reach[MARK in (a.kind, b.kind)]

    def beyond(position: int) -> _Glyph | None:
        return runs[position + step] if 0 <= position + step < len(runs) else None

    beside = beyond(index)
    if runs[index].kind != MARK and (beside is None or beside.kind == DIGIT):
        return index
    before_mark, group = index, 0
    while (following := beyond(index)) is not None and near(runs[index], following):
        after = beyond(index + step)
        carried_on = after is not None and after.kind == DIGIT and near(following, after)
        if following.kind == MARK and not carried_on:
            break
        if following.kind == DASH:
            return index if carried_on else index + step
        if following.kind == MARK:
            before_mark, group = index, 0
        elif (group := group + 1) > GROUP_GLYPHS:
            return before_mark
        index += step
    return index


def digit_centres(run: tuple[int, int, int]) -> list[float]:
    """The centres of the digits in one run of ink (touching digits make one run)."""
    first, last, height = run
    width = last - first + 1
    count = max(1, round(width / (DIGIT_WIDTH * height)))
    return [first + (k + 0.5) * width / count for k in range(count)]


def glyph_columns(ink: np.ndarray, box: Box) -> list[tuple[int, int, int]]:
    """Runs of inked columns inside `box`, left to right: first column, last, ink height. Only
    the band of rows that holds most ink counts: a loose box takes in slivers of the lines
    above and below, which blank rows set apart (a rule across the box joins them all)."""
    left, top, right, bottom = (int(v) for v in box)
    cells = ink[max(0, top) : bottom, max(0, left) : right]
    bands = true_runs(np.asarray(cells.any(axis=1)))
    if not bands:
        return []
    first_row, last_row = max(bands, key=lambda band: cells[band[0] : band[1] + 1].sum())
    cells = cells[first_row : last_row + 1]
    glyphs = []
    for start, end in true_runs(np.asarray(cells.any(axis=0))):
        rows = np.flatnonzero(cells[:, start : end + 1].any(axis=1))
        glyphs.append((start, end, int(rows[-1] - rows[0] + 1)))
    return glyphs


def true_runs(marked: np.ndarray) -> list[tuple[int, int]]:
    """The runs of True in a row of booleans: first and last index of each."""
    indices = np.flatnonzero(marked)
    if len(indices) == 0:
        return []
    breaks = np.flatnonzero(np.diff(indices) > 1)
    starts = [indices[0], *indices[breaks + 1]]
    ends = [*indices[breaks], indices[-1]]
    return [(int(start), int(end)) for start, end in zip(starts, ends, strict=True)]
