"""Light print on a dark fill: a header band of white text, a shaded total row.

The ruled-line and coverage checks take ink to be dark on light. On a dark band, the band is
the ink and the white letters are holes in it: the band's full rows were taken off as rules,
leaving the letters in pieces, and each piece became ink nobody read. So every dark filled area
that holds light print is turned negative first, its fill white and its print dark, as it
would be printed on a light page; engines and checks then read it like any other print.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from preciso_dagster.core.numeric.coverage import INK_LEVEL

# A dark area is a fill, not a glyph or a rule, when it is at least this share of the page's
# longer side tall, three times that wide, and fills this share of its outline.
MIN_SIDE, MIN_FILL = 0.01, 0.6
# It holds light print when the light holes inside it are at least this many, covering
# between these shares of it (a filled shape holds none; a photo's highlights are few).
MIN_HOLES, HOLE_SHARE = 3, (0.01, 0.45)


def with_light_print_darkened(image: Image.Image) -> Image.Image:
    """`image` with every dark fill that holds light print turned negative (see the module's
    doc), its fill stretched to white; the same image back when it has none."""
    gray = np.asarray(image.convert("L"))
    ink = (gray < INK_LEVEL).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    side = MIN_SIDE * max(gray.shape)
    turned: np.ndarray | None = None
    for label in range(1, count):
        x, y, width, height, area = (int(v) for v in stats[label])
        if height < side or width < 3 * side:
            continue
        fill = labels[y : y + height, x : x + width] == label
        outline = _filled_outline(fill)
        if area < MIN_FILL * int(outline.sum()) or not _holds_light_print(outline & ~fill):
            continue
        if turned is None:
            turned = gray.astype(np.float32)
        level = float(np.median(gray[y : y + height, x : x + width][fill]))
        patch = turned[y : y + height, x : x + width]
        negative = np.clip((255.0 - patch) * 255.0 / max(1.0, 255.0 - level), 0, 255)
        patch[outline] = negative[outline]
    if turned is None:
        return image
    return Image.fromarray(turned.astype(np.uint8))


def _filled_outline(fill: np.ndarray) -> np.ndarray:
    """The area inside the outer edge of `fill`, its holes included."""
    contours, _ = cv2.findContours(fill.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    outline = np.zeros(fill.shape, np.uint8)
    cv2.drawContours(outline, contours, -1, 1, thickness=cv2.FILLED)
    return outline.astype(bool)


def _holds_light_print(holes: np.ndarray) -> bool:
    share = float(holes.mean()) if holes.size else 0.0
    if not HOLE_SHARE[0] <= share <= HOLE_SHARE[1]:
        return False
    count, _ = cv2.connectedComponents(holes.astype(np.uint8), connectivity=8)
    return count - 1 >= MIN_HOLES
