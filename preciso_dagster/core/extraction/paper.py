"""A scan's paper made white before its ink is judged.

The numeric checks tell ink from paper by fixed grey levels, as a rendered page shows them.
A scanner's or camera's paper is grey, often unevenly lit, and speckled by sensor noise: at
those levels the speckles become faint ink, and a digit's ink no longer measures true. The
paper's own shade, found around the print, is divided out (the paper turns white and the ink
keeps its contrast), so speckles no longer pass for faint ink. What is ink already stays as
dark as scanned. A page whose paper is mostly white already is left exactly as it is.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from preciso_dagster.core.numeric.coverage import INK_LEVEL

WHITE = 250  # paper mostly at least this light is white already
SHRINK = 8  # the paper's shade is found on the page shrunk this many times
PRINT_REACH = 9  # shrunk pixels around each point searched for its paper (past the print)
DARK_FILL = 40  # grey levels under the page's usual paper: a dark fill or picture, not paper


def with_paper_white(image: Image.Image) -> Image.Image:
    """The page with its paper's shade divided out of all but its ink, or the page itself when
    its paper is white."""
    grey = np.asarray(image.convert("L"))
    paper = _paper_shade(grey)
    if paper is None:
        return image
    levelled = np.clip(grey.astype(np.float32) * 255.0 / paper, 0, 255).astype(np.uint8)
    # Ink stays exactly as dark as scanned: lightened, the faint strokes of tiny print would
    # drop under the ink level, and ink nobody read must still be seen (the coverage check).
    return Image.fromarray(np.where(grey < INK_LEVEL, grey, levelled))


def _paper_shade(grey: np.ndarray) -> np.ndarray | None:
    """The paper's shade at every pixel: the lightest grey near each point of the page shrunk
    (print is darker than its paper), smoothed and grown back to the page's size. The usual
    paper is what the margins show (a fill rarely reaches them). Where the shade is far darker
    than that, a dark fill or a picture stands there, and the usual paper is taken instead:
    the fill keeps its shade and its light print. None when the usual paper is white."""
    height, width = grey.shape
    small = cv2.resize(
        grey,
        (max(1, width // SHRINK), max(1, height // SHRINK)),
        interpolation=cv2.INTER_AREA,
    )
    kernel = np.ones((PRINT_REACH, PRINT_REACH), np.uint8)
    lightest = cv2.medianBlur(cv2.dilate(small, kernel), 5)
    rim = max(1, min(lightest.shape) // 10)
    margins = np.concatenate(
        [
            lightest[:rim].ravel(),
            lightest[-rim:].ravel(),
            lightest[:, :rim].ravel(),
            lightest[:, -rim:].ravel(),
        ]
    )
    usual = int(np.median(margins))
    if usual >= WHITE:
        return None
    lightest[lightest < usual - DARK_FILL] = usual
    grown = cv2.resize(lightest, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.maximum(grown.astype(np.float32), 1.0)
