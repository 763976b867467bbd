"""Ink no engine read: agreement between engines cannot see what both of them skip.

Every character-sized mark on an OCR'd page must lie under a word some engine read. Marks that
do not (rotated margin microtext, a cell both engines skipped, the second "1" of "11" both
engines read as "1") are found here. Ruled lines are not text: they are found here too, and
taken off the page before OCR, since Tesseract garbles bordered tables it reads perfectly
without their lines.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

from preciso_dagster.boxes import union_of
from preciso_dagster.ingest.ocr_engines import Box

INK_LEVEL = 128  # grey levels below this are ink
RULE_MIN_LENGTH = 0.04  # of the page's width (or height): shorter strokes are glyphs
WORD_PADDING = 2  # pixels around a read word that still count as read
# A mark is character-sized when its height is at least MIN_GLYPH of the page's text height
# (dots, commas and dashes are smaller and carry no digit) and no side is over MAX_GLYPH.
MIN_GLYPH, MAX_GLYPH = 0.5, 3.0
MIN_PIXELS = 4  # marks smaller than this on their longer side count only as lone specks
MIN_SPECK = 2  # a decimal point at 200 DPI is 2-3 pixels
MIN_SMALL = 3  # marks smaller than a character that together make small print
SOLID = 0.7  # share of a mark's box that is ink above which it is a filled shape


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
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, horizontal) | cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, vertical
    )
    return cv2.dilate(rules, np.ones((3, 3), np.uint8)).astype(bool)


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
    ink = np.asarray(image.convert("L")) < INK_LEVEL
    ink &= ~rule_mask(image)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), 8)
    read = np.zeros(ink.shape, dtype=bool)
    for left, top, right, bottom in read_boxes:
        read[
            max(0, top - WORD_PADDING) : bottom + WORD_PADDING,
            max(0, left - WORD_PADDING) : right + WORD_PADDING,
        ] = True
    marks, small = [], []
    for label in range(1, count):
        left, top, width, height, area = (int(v) for v in stats[label])
        size = max(width, height)
        if size < MIN_SPECK or size > MAX_GLYPH * text_height:
            continue
        if area > SOLID * width * height and width > MIN_GLYPH * text_height:
            continue  # a filled box (a shaded header cell), not a stroke of a character
        pixels = labels[top : top + height, left : left + width] == label
        if read[top : top + height, left : left + width][pixels].mean() > 0.5:
            continue
        box = (left, top, left + width, top + height)
        # Character height, not length: a dash or a rule stub is long and flat.
        (marks if height >= MIN_GLYPH * text_height else small).append(box)
    # Marks smaller than a character (a dot, a comma, a speck) alone carry no number; many
    # of them together are small print: rotated margin microtext, a footnote in 3 pt.
    clustered = _grouped(
        [box for box in small if max(box[2] - box[0], box[3] - box[1]) >= MIN_PIXELS],
        text_height // 2,
    )
    microtext = [box for box in clustered if _count_in(box, small) >= MIN_SMALL]
    specks = [box for box in small if not any(_count_in(region, [box]) for region in microtext)]
    return UnreadInk(_grouped(marks + microtext, text_height), specks)


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
