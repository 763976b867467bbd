"""Verifying every number an OCR engine read with an independent second reading of the page.

A number is verified only when the second reading of the same region has the same value.
Anything else becomes a review item with both readings, so no wrong number passes silently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from PIL import Image

from preciso_dagster.ingest.ocr_engines import OcrEngine, OcrResult
from preciso_dagster.numeric.numbers import (
    DecimalConvention,
    NumberToken,
    convention_for,
    extract_numbers,
)

RESCALE_FACTOR = 1.5
MIN_OVERLAP = 0.5
CROP_SCALE = 2
_DIGIT_SPACE = re.compile(r"(?<=\d) (?=\d)")


NUMBER = "number"
UNREAD_REGION = "unread_region"


@dataclass
class PageNumber:
    """One number on a page: how it was read, where, and whether a second reading agreed.

    `kind` is `unread_region` for ink that no engine read (no `raw`, no `value`): it goes to
    review like an unverified number, since what nobody read cannot be checked.
    """

    raw: str
    value: str | None
    span: tuple[int, int] | None  # in the page text; None when the page text lacks it
    box: tuple[int, int, int, int] | None
    verified: bool
    readings: dict[str, str | None] = field(default_factory=dict)
    reason: str | None = None
    kind: str = NUMBER

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "raw": self.raw,
            "value": self.value,
            "span": list(self.span) if self.span else None,
            "box": list(self.box) if self.box else None,
            "verified": self.verified,
            "readings": self.readings,
            "reason": self.reason,
        }


def text_numbers(text: str) -> list[PageNumber]:
    """Numbers of a text-layer or native page: the text is the source, so all are verified
    (an ambiguous one, "1 200 000" where the text does not show its grouping, has no value)."""
    return [
        PageNumber(t.raw, _value(t), t.span, None, True, {"text": t.raw})
        for t in extract_numbers(text)
    ]


def second_reading(
    image: Image.Image,
    primary: str,
    engines: dict[str, OcrEngine],
    order: Sequence[str],
    done: dict[str, OcrResult] | None = None,
) -> tuple[str, OcrResult]:
    """Read the page again with the next available engine, or the same one at another scale.
    A reading already `done` on this page (a rejected first attempt) is reused, not repeated."""
    for name in order:
        engine = engines.get(name)
        if name != primary and engine is not None and engine.availability() is None:
            if done and name in done:
                return name, done[name]
            return name, engine.read(image)
    engine = engines[primary]
    size = (int(image.width * RESCALE_FACTOR), int(image.height * RESCALE_FACTOR))
    result = engine.read(image.resize(size, Image.Resampling.LANCZOS))
    lines = tuple(line.scaled(RESCALE_FACTOR) for line in result.lines)
    return f"{primary}@x{RESCALE_FACTOR}", OcrResult(lines)


def page_convention(*readings: OcrResult) -> DecimalConvention:
    """One convention for the whole page: a line alone ("12 345") cannot show it."""
    return convention_for("\n".join(reading.text for reading in readings))


def ocr_tokens(text: str, convention: DecimalConvention) -> list[NumberToken]:
    """The numbers of an OCR line; a run-on of two grouped amounts ("74,715,29738,871,700",
    two columns read as one box) is split where the grouping forces it, else left malformed."""
    tokens = []
    for token in extract_numbers(text, convention=convention):
        pieces = _split_run_on(token.raw) if token.malformed else None
        if not pieces:
            tokens.append(token)
            continue
        position = token.span[0]
        for piece in pieces:
            tokens += extract_numbers(piece, convention=convention, offset=position)
            position += len(piece)
    return tokens


def _split_run_on(raw: str) -> list[str] | None:
    """ "74,715,29738,871,700" -> ["74,715,297", "38,871,700"]: after a grouping mark exactly
    three digits belong to the number, so a longer group starts the next one. None when the
    pieces are not all well-formed grouped integers (decimals leave the split undecidable)."""
    marks = set(re.findall(r"[,.]", raw))
    if len(marks) != 1 or not re.fullmatch(r"\d+(?:[,.]\d+)+", raw):
        return None
    (mark,) = marks
    groups = raw.split(mark)
    pieces, current = [], groups[0]
    for group in groups[1:]:
        if len(group) == 3:
            current += mark + group
        elif 3 < len(group) <= 6:
            pieces.append(current + mark + group[:3])
            current = group[3:]
        else:
            return None
    pieces.append(current)
    grouped = re.compile(rf"\d{{1,3}}(?:{re.escape(mark)}\d{{3}})+")
    if len(pieces) < 2 or not all(grouped.fullmatch(piece) for piece in pieces):
        return None
    return pieces


def verify_numbers(
    primary_engine: str,
    primary: OcrResult,
    secondary_engine: str,
    secondary: OcrResult,
    convention: DecimalConvention | None = None,
) -> list[PageNumber]:
    """Check each number of each primary line against the secondary lines over the same region.

    Numbers only the second reading saw are review items too: the first engine may have
    dropped them, and a dropped number must not pass silently.
    """
    convention = convention or page_convention(primary, secondary)
    # The second reading only confirms: its spaces never join digits unless the page groups
    # with spaces, so "20303 435,68" can confirm "20 303 435,68" on a French page.
    second_tokens = [(line, _confirming_tokens(line.text, convention)) for line in secondary.lines]
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
        for token in ocr_tokens(line.text, convention):
            span = (offset + token.span[0], offset + token.span[1])
            match = next((c for c in candidates if c.key == token.key), None)
            other = match or _closest(token, candidates)
            if other is not None:
                candidates.remove(other)
                unused.discard(id(other))
            readings = {primary_engine: token.raw, secondary_engine: other.raw if other else None}
            reason = _doubt(token)
            if match is None:
                reason = (
                    f"{secondary_engine} read {other.raw!r} here"
                    if other
                    else f"{secondary_engine} found no number in this region"
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


def _confirming_tokens(text: str, convention: DecimalConvention) -> list[NumberToken]:
    if convention.space_groups:
        return ocr_tokens(_DIGIT_SPACE.sub("", text), convention)
    return ocr_tokens(text, replace(convention, space_groups=False))


def _doubt(token: NumberToken) -> str | None:
    """Why a number cannot be verified whatever the engines agree on, if it cannot."""
    if token.malformed:
        return (
            f"both engines read {token.raw!r}, whose separators fit no convention "
            "(a misread mark, or two numbers run together?)"
        )
    if token.doubtful:
        return f"{token.raw!r} may be an identifier or an amount whose currency sign was misread"
    if token.ambiguous:
        return (
            f"{token.raw!r} can be read more than one way: the page does not show how it "
            "groups digits or marks decimals"
        )
    return None


def confirm_disputed(
    image: Image.Image,
    numbers: list[PageNumber],
    engines: dict[str, OcrEngine],
    convention: DecimalConvention,
) -> int:
    """A third reading of each disputed number's crop, at twice the scale, by the engine that
    missed or misread it. When it now reads what the other engine read, two engines agree and
    the number is verified. Returns how many were confirmed."""
    by_engine: dict[str, list[tuple[PageNumber, str]]] = {}
    for number in numbers:
        if number.verified or number.kind != NUMBER or number.box is None:
            continue
        read = {name: raw for name, raw in number.readings.items() if raw}
        if len(read) != 1 or len(number.readings) != 2:
            continue  # the engines disagree on what is there: a person decides
        ((reader, raw),) = read.items()
        checker = next(name for name in number.readings if name != reader)
        if checker in engines and hasattr(engines[checker], "read_crops"):
            by_engine.setdefault(checker, []).append((number, raw))
    confirmed = 0
    for checker, disputed in by_engine.items():
        crops = [
            _upscaled(crop(image, number.box, padding=6), CROP_SCALE) for number, _ in disputed
        ]
        for (number, raw), text in zip(disputed, engines[checker].read_crops(crops), strict=True):
            expected = extract_numbers(raw, convention=convention)
            found = ocr_tokens(text, convention)
            if (
                len(expected) == 1
                and len(found) == 1
                and found[0].key == expected[0].key
                and _doubt(expected[0]) is None
            ):
                number.readings[f"{checker}@crop"] = found[0].raw
                number.verified, number.reason = True, None
                confirmed += 1
    return confirmed


def _upscaled(image: Image.Image, factor: int) -> Image.Image:
    return image.resize((image.width * factor, image.height * factor), Image.Resampling.LANCZOS)


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
    """The value a number asserts: none for a token that could mean more than one thing."""
    if token.value is None or token.ambiguous or token.malformed or token.doubtful:
        return None
    return str(token.value)


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
