"""Verifying every number an OCR engine read with an independent second reading of the page.

A number is verified only when the second reading of the same region has the same value.
Anything else becomes a review item with both readings, so no wrong number passes silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from preciso_dagster.ingest.ocr_engines import OcrEngine, OcrResult
from preciso_dagster.numeric.numbers import NumberToken, extract_numbers

RESCALE_FACTOR = 1.5
MIN_OVERLAP = 0.5


@dataclass
class PageNumber:
    """One number on a page: how it was read, where, and whether a second reading agreed."""

    raw: str
    value: str | None
    span: tuple[int, int] | None  # in the page text; None when the page text lacks it
    box: tuple[int, int, int, int] | None
    verified: bool
    readings: dict[str, str | None] = field(default_factory=dict)
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "value": self.value,
            "span": list(self.span) if self.span else None,
            "box": list(self.box) if self.box else None,
            "verified": self.verified,
            "readings": self.readings,
            "reason": self.reason,
        }


def text_numbers(text: str) -> list[PageNumber]:
    """Numbers of a text-layer or native page: the text is the source, so all are verified."""
    return [
        PageNumber(t.raw, _value(t), t.span, None, True, {"text": t.raw})
        for t in extract_numbers(text)
    ]


def second_reading(
    image: Image.Image, primary: str, engines: dict[str, OcrEngine], order: Sequence[str]
) -> tuple[str, OcrResult]:
    """Read the page again with the next available engine, or the same one at another scale."""
    for name in order:
        engine = engines.get(name)
        if name != primary and engine is not None and engine.availability() is None:
            return name, engine.read(image)
    engine = engines[primary]
    size = (int(image.width * RESCALE_FACTOR), int(image.height * RESCALE_FACTOR))
    result = engine.read(image.resize(size, Image.Resampling.LANCZOS))
    lines = tuple(line.scaled(RESCALE_FACTOR) for line in result.lines)
    return f"{primary}@x{RESCALE_FACTOR}", OcrResult(lines)


def verify_numbers(
    primary_engine: str, primary: OcrResult, secondary_engine: str, secondary: OcrResult
) -> list[PageNumber]:
    """Check each number of each primary line against the secondary lines over the same region.

    Numbers only the second reading saw are review items too: the first engine may have
    dropped them, and a dropped number must not pass silently.
    """
    second_tokens = [(line, extract_numbers(line.text)) for line in secondary.lines]
    unused = {id(token) for _, tokens in second_tokens for token in tokens}
    numbers: list[PageNumber] = []
    offset = 0
    for line in primary.lines:
        candidates = [
            token
            for second_line, tokens in second_tokens
            if _overlap(line.box, second_line.box) >= MIN_OVERLAP
            for token in tokens
            if id(token) in unused
        ]
        line_numbers: list[PageNumber] = []
        for token in extract_numbers(line.text):
            span = (offset + token.span[0], offset + token.span[1])
            match = next((c for c in candidates if c.key == token.key), None)
            other = match or _closest(token, candidates)
            if other is not None:
                candidates.remove(other)
                unused.discard(id(other))
            readings = {primary_engine: token.raw, secondary_engine: other.raw if other else None}
            reason = None
            if match is None:
                reason = (
                    f"{secondary_engine} read {other.raw!r} here"
                    if other
                    else f"{secondary_engine} found no number in this region"
                )
            elif token.malformed:
                reason = (
                    f"both engines read {token.raw!r}, whose separators fit no convention "
                    "(a misread mark?)"
                )
            line_numbers.append(
                PageNumber(
                    token.raw,
                    _value(token),
                    span,
                    line.box_of(*token.span),
                    reason is None,
                    readings,
                    reason,
                )
            )
        numbers.extend(_merge_adjacent_disagreements(line_numbers, line.text, offset))
        offset += len(line.text) + 1  # lines are joined with "\n"
    for second_line, tokens in second_tokens:
        for token in tokens:
            if id(token) in unused:
                numbers.append(
                    PageNumber(
                        token.raw,
                        _value(token),
                        None,
                        second_line.box_of(*token.span),
                        False,
                        {primary_engine: None, secondary_engine: token.raw},
                        f"only {secondary_engine} read a number here; {primary_engine} did not",
                    )
                )
    return numbers


def _merge_adjacent_disagreements(
    numbers: list[PageNumber], line_text: str, offset: int
) -> list[PageNumber]:
    """One review item per damaged region: "777;778.88" split in two by one engine is one."""
    merged: list[PageNumber] = []
    for number in numbers:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and not previous.verified
            and not number.verified
            and previous.span
            and number.span
            and number.span[0] - previous.span[1] <= 1
        ):
            span = (previous.span[0], number.span[1])
            raw = line_text[span[0] - offset : span[1] - offset]
            readings = {
                engine: " ".join(
                    dict.fromkeys(
                        r for r in (previous.readings.get(engine), number.readings.get(engine)) if r
                    )
                )
                or None
                for engine in previous.readings
            }
            readings[next(iter(previous.readings))] = raw
            assert previous.box and number.box  # primary numbers always carry their line's box
            box = (
                min(previous.box[0], number.box[0]),
                min(previous.box[1], number.box[1]),
                max(previous.box[2], number.box[2]),
                max(previous.box[3], number.box[3]),
            )
            merged[-1] = PageNumber(
                raw, None, span, box, False, readings, "the readings disagree over this region"
            )
            continue
        merged.append(number)
    return merged


def crop(image: Image.Image, box: tuple[int, int, int, int], padding: int = 8) -> Image.Image:
    left, top, right, bottom = box
    return image.crop(
        (
            max(0, left - padding),
            max(0, top - padding),
            min(image.width, right + padding),
            min(image.height, bottom + padding),
        )
    )


def _value(token: NumberToken) -> str | None:
    return str(token.value) if token.value is not None else None


def _closest(token: NumberToken, candidates: list[NumberToken]) -> NumberToken | None:
    """The candidate most likely to be another reading of `token`: nearest in length."""
    return min(candidates, key=lambda c: abs(len(c.mantissa) - len(token.mantissa)), default=None)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Vertical overlap of two line boxes relative to the smaller height, if they meet at all."""
    if a[2] < b[0] or b[2] < a[0]:
        return 0.0
    intersection = min(a[3], b[3]) - max(a[1], b[1])
    smaller = min(a[3] - a[1], b[3] - b[1])
    return max(0.0, intersection / smaller) if smaller > 0 else 0.0
