"""Ink no engine read: agreement between engines cannot see what both of them skip.

Every region of text-like ink on an OCR'd page must lie under a line some engine read. What
does not (rotated margin microtext, tiny print) becomes an `unread_region` review item with its
crop. Ruled lines are not text: they are found here too, and taken off the page before OCR,
since Tesseract garbles bordered tables it reads perfectly without their lines.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

Box = tuple[int, int, int, int]

INK_LEVEL = 128  # grey levels below this are ink
RULE_MIN_LENGTH = 0.04  # of the page's width (or height): shorter strokes are glyphs
LINE_PADDING = 4  # pixels around a read line that still count as read
# A character: at least this many pixels on its longer side, at most MAX_GLYPH.
MIN_GLYPH, MAX_GLYPH = 4, 120
MIN_GLYPHS = 3  # unread ink with fewer character-sized marks is a speck or a stroke
MIN_INK = 60  # pixels of ink in an unread region


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


def unread_regions(image: Image.Image, read_boxes: list[Box]) -> list[Box]:
    """Boxes of text-like ink that lies under no read line, largest first (deterministic)."""
    ink = np.asarray(image.convert("L")) < INK_LEVEL
    ink &= ~rule_mask(image)
    for left, top, right, bottom in read_boxes:
        ink[
            max(0, top - LINE_PADDING) : bottom + LINE_PADDING,
            max(0, left - LINE_PADDING) : right + LINE_PADDING,
        ] = False
    if ink.sum() < MIN_INK:
        return []
    marks = ink.astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(marks, connectivity=8)
    sizes = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    glyph_like = (sizes >= MIN_GLYPH) & (sizes <= MAX_GLYPH)
    glyph_like[0] = False  # the background
    glyphs = np.isin(labels, np.flatnonzero(glyph_like)).astype(np.uint8)
    # Glyphs a few pixels apart are one region (a word, a line of microtext, a column).
    joined = cv2.dilate(glyphs, np.ones((9, 9), np.uint8))
    count, regions, region_stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    found = []
    for region in range(1, count):
        left, top, width, height, _area = (int(v) for v in region_stats[region])
        inside = regions[top : top + height, left : left + width] == region
        glyph_labels = set(np.unique(labels[top : top + height, left : left + width][inside]))
        glyph_count = sum(1 for label in glyph_labels if label and glyph_like[label])
        ink_count = int(glyphs[top : top + height, left : left + width][inside].sum())
        if glyph_count >= MIN_GLYPHS and ink_count >= MIN_INK:
            found.append((left, top, left + width, top + height))
    return sorted(found, key=lambda box: (-(box[2] - box[0]) * (box[3] - box[1]), box))
