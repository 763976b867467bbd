"""A scan's slight skew, found and taken off before the engines read it.

A page fed a degree askew still reads word by word, but its lines drift across a table: a
row's label and its amounts no longer share a band, and crops cut through neighbours. The
skew is the small turn that makes the page's lines of ink most level (their row profile
sharpest); extraction turns the page by it, after the quarter turns of orientation, and
records it, so a page's image can be turned the same way again to match its boxes.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from preciso_dagster.core.engines import Box
from preciso_dagster.core.numeric.coverage import INK_LEVEL

MAX_SKEW = 5.0  # degrees either way; more is a page put in crooked, not a scanner's skew
COARSE_STEP = 0.25
FINE_STEP = 0.05
MIN_SKEW = 0.15  # degrees: less drifts under a third of a line across a page at 200 DPI
PROFILE_WIDTH = 1000  # pixels the page is shrunk to for the search
MIN_INKED_ROWS = 8  # a page with fewer rows of ink has no lines to level
MIN_GAIN = 1.05  # the best turn must sharpen the profile this much over none


def page_skew(image: Image.Image) -> float:
    """Degrees to turn the page anticlockwise to level its lines (0.0 when it is level or
    holds too few lines to tell), to FINE_STEP."""
    grey = np.asarray(image.convert("L"))
    scale = min(1.0, PROFILE_WIDTH / grey.shape[1])
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = (grey < INK_LEVEL).astype(np.float32)
    if np.count_nonzero(ink.any(axis=1)) < MIN_INKED_ROWS:
        return 0.0
    level = _sharpness(ink, 0.0)
    coarse = _best_turn(ink, np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, COARSE_STEP))
    # A sparse page's coarse optimum can sit a step off the true one.
    near = 2 * COARSE_STEP
    fine = _best_turn(ink, np.arange(coarse - near, coarse + near + 1e-9, FINE_STEP))
    if abs(fine) < MIN_SKEW or _sharpness(ink, fine) < MIN_GAIN * level:
        return 0.0
    return round(fine, 2)


def page_as_read(image: Image.Image, rotation: int, skew: float) -> Image.Image:
    """The page as extraction read it: turned clockwise by `rotation` (quarter turns), then
    anticlockwise by `skew` degrees on white. Boxes recorded for the page are in this image."""
    if rotation:
        image = image.rotate(-rotation, expand=True)
    if skew:
        image = image.rotate(
            skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=_paper(image)
        )
    return image


def box_turned(
    box: Box, size: tuple[int, int], turned_size: tuple[int, int], degrees: float
) -> Box:
    """Where a box of an image of `size` lands once the image is turned anticlockwise by
    `degrees` about its centre onto a canvas of `turned_size`: the box around its corners."""
    radians = math.radians(degrees)
    cos, sin = math.cos(radians), math.sin(radians)
    left, top, right, bottom = box
    xs, ys = [], []
    for x, y in ((left, top), (right, top), (left, bottom), (right, bottom)):
        dx, dy = x - size[0] / 2, y - size[1] / 2
        xs.append(turned_size[0] / 2 + dx * cos + dy * sin)
        ys.append(turned_size[1] / 2 - dx * sin + dy * cos)
    return (round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys)))


def _best_turn(ink: np.ndarray, angles: np.ndarray) -> float:
    """The angle whose turn gives the sharpest profile; the smallest turn on a tie."""
    scored = [(-_sharpness(ink, float(angle)), abs(float(angle)), float(angle)) for angle in angles]
    return min(scored)[2]


def _sharpness(ink: np.ndarray, degrees: float) -> float:
    """How sharply the ink turned by `degrees` falls into rows: the sum of squared steps
    between neighbouring rows' ink."""
    height, width = ink.shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    turned = cv2.warpAffine(ink, turn, (width, height), flags=cv2.INTER_NEAREST)
    profile = turned.sum(axis=1)
    return float(np.sum(np.diff(profile) ** 2))


def _paper(image: Image.Image) -> int:
    """The page's paper shade, for the corners a turn uncovers (white would frame a grey
    scan in edges)."""
    return int(np.median(np.asarray(image.convert("L"))[::8, ::8]))
