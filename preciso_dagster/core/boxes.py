"""Rectangles on a page: (left, top, right, bottom), in image pixels or PDF points."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

Coordinate = TypeVar("Coordinate", int, float)
UPRIGHT = 2.0  # a box this many times taller than wide holds print set sideways


def upright(box: tuple[Coordinate, Coordinate, Coordinate, Coordinate]) -> bool:
    """The box stands upright: print set sideways (margin microtext, a turned header)."""
    return box[3] - box[1] > UPRIGHT * (box[2] - box[0])


def union_of(
    boxes: Sequence[tuple[Coordinate, Coordinate, Coordinate, Coordinate]],
) -> tuple[Coordinate, Coordinate, Coordinate, Coordinate]:
    """The smallest box holding all of `boxes`."""
    return (
        min(box[0] for box in boxes),
        min(box[1] for box in boxes),
        max(box[2] for box in boxes),
        max(box[3] for box in boxes),
    )
