"""Verifying every number an OCR engine read with an independent second reading of the page.

A number is verified only when the second reading of the same region has the same value.
Anything else becomes a review item with both readings, so no wrong number passes silently.
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import reduce

import numpy as np
from PIL import Image

from preciso_dagster.core.boxes import union_of, upright
from preciso_dagster.core.engines import Box, OcrEngine, OcrLine, OcrResult
from preciso_dagster.core.numeric.coverage import (
    DIGIT_SHARE,
    beside,
    glyph_columns,
    mark_in_own_cell,
    misleading_ink,
    through_marks,
    unread_marks,
)
from preciso_dagster.core.numeric.figure_cells import FigureCells
from preciso_dagster.core.numeric.numbers import (
    CURRENCY_SYMBOLS,
    DecimalConvention,
    NumberKind,
    NumberToken,
    convention_for,
    decimal_mark_shown,
    extract_numbers,
)
from preciso_dagster.core.pages import NumberRecord

RESCALE_FACTOR = 1.5
MARK_SHARE = 0.45  # a point or comma is at most this share of a digit's height
MARK_WIDTH = 1.5  # and at most this many times as wide as it is tall (a dash is wider)
MIN_OVERLAP = 0.5
CROP_SCALE = 2
# A word whose box runs down through words of this many lines of a reading is a column read
# downwards, not a word.
ACROSS_LINES = 3
_DIGIT_SPACE = re.compile(r"(?<=\d) (?=\d)")
_PLAIN_DIGITS = re.compile(r"[\d.,'’]+")  # digits and the marks that group them, nothing else
_NUMBER_WRITING = re.compile(r"\d+(?:[.,]\d+)*")  # digits and the marks between them
_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z]{2,})")
_SPACED_MARK = re.compile(r"\d{1,3}[.,] \d+")  # "3. 9": a decimal or two numbers
# No character is wider than this many times its word box's height (a "W" is about 0.8).
MAX_CHARACTER_WIDTH = 2.0
# Marks that numbers and words are written with; others ("~<*") are no text's own.
_NEGATIVE = re.compile(r"^[(\-−–]|-$")  # a leading minus or bracket, or a trailing minus
_VALUELESS_SIGNS = "#" + CURRENCY_SYMBOLS  # before digits, a sign that is no part of the value
_PLAIN_MARKS = frozenset(".,:;-+%()[]/'’\"$€£¥₩#&!?")
# A word of these alone ("o", "l|") is more likely a digit misread than a word: it does not
# count as reading the ink under it.
_DIGIT_LOOKALIKE = re.compile(r"[oOlI|()[\]{}!/\\]{1,3}")
_BRACKET = re.compile(r"[()[\]{}]")


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

    def to_record(self) -> NumberRecord:
        return NumberRecord(
            kind=self.kind,
            raw=self.raw,
            value=self.value,
            span=self.span,
            box=self.box,
            verified=self.verified,
            readings=self.readings,
            reason=self.reason,
        )


def text_numbers(text: str) -> list[PageNumber]:
    """Numbers of a text-layer or native page: the text is the source, so all are verified
    (an ambiguous one, "1 200 000" where the text does not show its grouping, has no value)."""
    return [
        PageNumber(t.raw, number_value(t), t.span, None, True, {"text": t.raw})
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
    """One convention for the whole page: a line alone ("12 345") cannot show it. A writing
    one reading has with a space after its mark, another without ("24, 25" and "24,25"), is a
    list one engine ran together, and no decimal: it would make every "110,000" of an English
    page 110. When all the readings together leave the decimal mark open, the numbers every
    reading wrote alike decide it if they show it plainly (`decimal_mark_shown`): one engine's
    fragments of a scan ("88,79" and "482" of "88,790,482") are no decimals."""
    texts = [reading.text for reading in readings]
    spaced = {written.replace(" ", "") for text in texts for written in _SPACED_MARK.findall(text)}
    pooled = convention_for(
        "\n".join(
            _NUMBER_WRITING.sub(lambda written: "" if written[0] in spaced else written[0], text)
            for text in texts
        )
    )
    if pooled.decimal_mark is not None or len(readings) < 2:
        return pooled
    written = [Counter(_NUMBER_WRITING.findall(text)) for text in texts]
    alike = reduce(operator.and_, written)
    return replace(pooled, decimal_mark=decimal_mark_shown(" ".join(alike.elements())))


def ocr_tokens(
    text: str, convention: DecimalConvention, split_decimals: bool = False
) -> list[NumberToken]:
    """The numbers of an OCR line; a run-on of two grouped amounts ("74,715,29738,871,700",
    two columns read as one box) is split where the grouping forces it, else left malformed.
    With `split_decimals`, a run-on of decimal amounts is split as their decimal places
    suggest (`_split_decimal_run_on`): only for the primary reading, whose pieces must then
    match numbers the other reading read apart, so no reading confirms its own guess."""
    tokens = []
    for token in extract_numbers(text, convention=convention):
        pieces = None
        if token.malformed:
            pieces = _split_run_on(token.raw) or (
                _split_decimal_run_on(token.raw, convention.decimal_mark)
                if split_decimals
                else None
            )
        if not pieces:
            tokens.append(token)
            continue
        position = token.span[0]
        for piece in pieces:
            tokens += extract_numbers(piece, convention=convention, offset=position)
            position += len(piece)
    return tokens


def _ran_into_next_word(raw: str, following: str, other: str) -> bool:
    """`other` holds `raw` run into the word after it, with no other digits ("4YearRate" or
    "Rateson4year" where one engine read "4 Year" or "4 year"): both engines read the same
    digits and the same word after them; only the space between differs (RapidOCR drops
    spaces in small print, and may drop a sign that leaves the value as it is with it:
    "298949LINNUR" for "#298949 LINN UR")."""
    word = _NEXT_WORD.match(following)
    return (
        word is not None
        and _digits(other) == _digits(raw)
        and (raw.lstrip(_VALUELESS_SIGNS) + word.group(1)).lower() in other.lower()
    )


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


def _split_decimal_run_on(raw: str, mark: str | None) -> list[str] | None:
    """ "5.057.297,793.426.054,03" -> ["5.057.297,79", "3.426.054,03"]: amounts of one row
    are written to the same decimal places, which the last one shows, so each ends that many
    digits after its decimal mark. None when the pieces are not all grouped amounts of those
    places. That is a guess ("1,234.5" and "612,345.67" run on alike), which another reading
    must confirm piece by piece."""
    if mark not in (".", ","):
        return None
    places = len(raw) - raw.rfind(mark) - 1
    group = re.escape("," if mark == "." else ".")
    amount = rf"\d{{1,3}}(?:{group}\d{{3}})*{re.escape(mark)}\d{{{places}}}"
    if places == 0 or not re.fullmatch(rf"(?:{amount}){{2,}}", raw):
        return None
    pieces = re.findall(amount, raw)
    return pieces if "".join(pieces) == raw else None


def verify_numbers(
    primary_engine: str,
    primary: OcrResult,
    secondary_engine: str,
    secondary: OcrResult,
    convention: DecimalConvention | None = None,
) -> list[PageNumber]:
    """Check each number the primary engine read against what the second reading has at the
    same place on the page (its own box, not just its line: a table row holds many numbers).

    Numbers only the second reading saw are review items too: the first engine may have
    dropped them, and a dropped number must not pass silently.
    """
    convention = convention or page_convention(primary, secondary)
    seconds = _without_double_reads(
        [
            [
                (token, line.box_of(*span))
                for token, span in _confirming_tokens(line.text, convention)
            ]
            for line in secondary.lines
        ]
    )
    unused = set(range(len(seconds)))
    lines = [_PrimaryLine(line, convention, seconds) for line in primary.lines]
    # Agreements first, page-wide: a line read twice ("9" over "6.09%") must not hand the
    # second reading's number to the wrong one of its readings.
    for read in lines:
        for position, token in enumerate(read.tokens):
            match = next(
                (
                    i
                    for i in read.nearby[position]
                    if i in unused and seconds[i][0].key == token.key
                ),
                None,
            )
            if match is not None:
                read.matches[position] = match
                unused.discard(match)
    numbers: list[PageNumber] = []
    counterparts: dict[int, int] = {}  # a number's id: the second reading's number it took
    offset = 0
    for read in lines:
        line, tokens, boxes, nearby, matches = (
            read.line,
            read.tokens,
            read.boxes,
            read.nearby,
            read.matches,
        )
        line_numbers: list[PageNumber] = []
        agreed: list[bool] = []
        for position, token in enumerate(tokens):
            match = matches.get(position)
            other = match
            if other is None:
                others = [i for i in nearby[position] if i in unused]
                other = min(
                    others, key=lambda i: _distance(seconds[i][1], boxes[position]), default=None
                )
                if other is not None:
                    unused.discard(other)
            seen = other
            if other is None:  # more digits read here, as part of a token another number took?
                seen = next(
                    (
                        i
                        for i in nearby[position]
                        if mostly_inside(boxes[position], seconds[i][1])
                        and _reads_more(seconds[i][0].raw, token.raw)
                    ),
                    None,
                )
            other_raw = seconds[seen][0].raw if seen is not None else None
            if match is None and other is not None:
                following = line.text[token.span[1] :]
                if _ran_into_next_word(token.raw, following, seconds[other][0].raw):
                    match = other  # the same digits, the same word after them: only a space
            box = boxes[position]
            if match is None and seen is not None:
                # The crop shows what both engines saw: "268" alone cannot settle a "268" the
                # other engine read as the end of "2,987,268", nor "7,605,515" one it read
                # as "17,605" and ".515" (a thin "1" Tesseract dropped). Only pieces over the
                # number itself: one merely near it ("2224" after "13") would crowd the crop.
                pieces = [seconds[i][1] for i in nearby[position] if _across(seconds[i][1], box)]
                box = union_of([box, seconds[seen][1], *pieces])
            reason = token_doubt(token)
            if match is None:
                reason = (
                    f"{secondary_engine} read {other_raw!r} here"
                    if other_raw
                    else f"{secondary_engine} found no number in this region"
                )
            agreed.append(match is not None)
            number = PageNumber(
                token.raw,
                number_value(token),
                (offset + token.span[0], offset + token.span[1]),
                box,
                reason is None,
                {primary_engine: token.raw, secondary_engine: other_raw},
                reason,
            )
            line_numbers.append(number)
            if other is not None:
                counterparts[id(number)] = other
        numbers.extend(_merge_adjacent_disagreements(line_numbers, agreed, line.text, offset))
        offset += len(line.text) + 1  # lines are joined with "\n"
    readings_words = [
        [word.box for line in reading.lines for word in line.words]
        for reading in (primary, secondary)
    ]
    verified = [n for n in numbers if n.verified and n.box is not None]
    verified_boxes = box_array(n.box for n in verified if n.box is not None)
    dropped = [
        n
        for n in numbers
        if _a_second_reading_of(n, verified, verified_boxes)
        or any(_read_across_lines(n, words) for words in readings_words)
    ]
    numbers = [n for n in numbers if not any(n is d for d in dropped)]
    # What the second reading had where a dropped number stood is listed on its own again.
    unused.update(counterparts[id(n)] for n in dropped if id(n) in counterparts)
    primary_boxes = [number.box for number in numbers if number.box is not None]
    for index in sorted(unused):
        token, box = seconds[index]
        if any(mostly_inside(box, other) for other in primary_boxes):
            continue  # part of a number the primary engine read here ("2019" of a date)
        numbers.append(
            PageNumber(
                token.raw,
                number_value(token),
                None,
                box,
                False,
                {primary_engine: None, secondary_engine: token.raw},
                f"only {secondary_engine} read a number here; {primary_engine} did not",
            )
        )
    return numbers


def _without_double_reads(
    lines: list[list[tuple[NumberToken, Box]]],
) -> list[tuple[NumberToken, Box]]:
    """The numbers of the second reading's lines, less those it read twice: RapidOCR can
    detect a piece of a line again as a line of its own ("6" over the end of "17.6"). Lines
    of one row never overlap, so a number whose box shares a quarter of its width, on its
    row, with a number of another line that holds its digits and more is that number's ink
    read again, and a person asked about the longer one sees it; confirmed by its crop
    alone, it was verified where no such number is printed. (Within a line, numbers' boxes
    are estimated from character places and may overlap: "0" and "0.06" of "0-0.06".)"""
    found = [(line, token, box) for line, tokens in enumerate(lines) for token, box in tokens]
    boxes = box_array(box for _, _, box in found)
    return [
        (token, box)
        for line, token, box in found
        if not any(
            found[index][0] != line and _reads_more(found[index][1].raw, token.raw)
            for index in np.flatnonzero(_overlapping_on_its_row(boxes, box))
        )
    ]


def _overlapping_on_its_row(boxes: np.ndarray, box: Box, share: float = 0.25) -> np.ndarray:
    """Each row of `boxes` is on `box`'s row and shares some width with it, at least `share`
    of the narrower one's."""
    shared_width = np.minimum(boxes[:, 2], box[2]) - np.maximum(boxes[:, 0], box[0])
    widths = np.minimum(boxes[:, 2] - boxes[:, 0], box[2] - box[0])
    return np.asarray(
        _on_its_row(boxes, box) & (shared_width > 0) & (shared_width >= share * widths)
    )


def _on_its_row(boxes: np.ndarray, box: Box) -> np.ndarray:
    """Each row of `boxes` shares half the shorter one's height with `box`."""
    shared_height = np.minimum(boxes[:, 3], box[3]) - np.maximum(boxes[:, 1], box[1])
    heights = np.minimum(boxes[:, 3] - boxes[:, 1], box[3] - box[1])
    return np.asarray(2 * shared_height >= heights)


def _a_second_reading_of(
    number: PageNumber, verified: list[PageNumber], verified_boxes: np.ndarray
) -> bool:
    """The primary engine read this ink twice, on two lines ("9" and "6.09%" over one
    "6.09%"): `number` is unverified, and a verified number in the same place (each box
    mostly inside the other, `verified_boxes` being theirs) holds all its digits and more.
    One ink holds one number."""
    if number.verified or number.box is None:
        return False
    here = np.flatnonzero(same_place_each(verified_boxes, number.box))
    return any(_reads_more(verified[index].raw, number.raw) for index in here)


def _read_across_lines(number: PageNumber, words: list[Box]) -> bool:
    """An unverified number whose box runs down through words of ACROSS_LINES or more lines
    of a reading, one under another, each word inside it from top to bottom and running on
    past it sideways: the engine read a column of the lines' first letters downwards as one
    word ("QO000g0000" over a column of "Layoff" and "Closure"). That ink is those words.
    (Words read on a line of print set sideways lie inside its box; a number whose box
    reaches into the rows above and below holds none of their words from top to bottom.)"""
    if number.verified or number.box is None:
        return False
    left, top, right, bottom = number.box
    crossed = sorted(
        ((box[1] + box[3]) / 2, box[3] - box[1])
        for box in words
        if box[0] < right
        and left < box[2]
        and top <= box[1]
        and box[3] <= bottom
        and not mostly_inside(box, number.box)
    )
    lines, last = 0, None
    for centre, height in crossed:  # a line more for each word half a height below the last
        if last is None or centre - last > height / 2:
            lines, last = lines + 1, centre
    return lines >= ACROSS_LINES


class _PrimaryLine:
    """A line of the primary reading: its numbers, their boxes, the second reading's numbers
    at the same place as each, and which of those agree with it (filled in by the caller)."""

    def __init__(
        self,
        line: OcrLine,
        convention: DecimalConvention,
        seconds: list[tuple[NumberToken, Box]],
    ) -> None:
        self.line = line
        self.tokens = ocr_tokens(line.text, convention, split_decimals=True)
        self.boxes = [line.box_of(*token.span) for token in self.tokens]
        in_band = [
            i for i, (_, box) in enumerate(seconds) if box[1] < line.box[3] and line.box[1] < box[3]
        ]
        self.nearby = [
            [i for i in in_band if _same_place(seconds[i][1], box)] for box in self.boxes
        ]
        self.matches: dict[int, int] = {}


def _confirming_tokens(
    text: str, convention: DecimalConvention
) -> list[tuple[NumberToken, tuple[int, int]]]:
    """The second reading's numbers, each with its span in `text`. On a page that groups
    digits with spaces, spaces between digits are dropped first, so "20303 435,68" can confirm
    "20 303 435,68"."""
    if not convention.space_groups:
        return [(token, token.span) for token in ocr_tokens(text, convention)]
    origin = [i for i in range(len(text)) if not _DIGIT_SPACE.match(text, i)]
    collapsed = "".join(text[i] for i in origin)
    return [
        (token, (origin[token.span[0]], origin[token.span[1] - 1] + 1))
        for token in ocr_tokens(collapsed, convention)
    ]


def token_doubt(token: NumberToken) -> str | None:
    """Why a number cannot be verified whatever the engines agree on, if it cannot."""
    if token.malformed:
        return (
            f"both engines read {token.raw!r}, whose separators fit no convention "
            "(a misread mark, or two numbers run together?)"
        )
    if token.doubtful:
        return (
            f"{token.raw!r} stands beside letters: an identifier, a misread letter, or an "
            "amount whose currency sign was misread"
        )
    if token.ambiguous:
        return (
            f"{token.raw!r} can be read more than one way: the page does not show how it "
            "groups digits or marks decimals"
        )
    return None


def clear_on_its_crop(token: NumberToken) -> bool:
    """A crop's reading of a number says what it is: not in doubt, and no trailing minus. A
    trailing minus is a minus only by what follows it ("5-" of "12.5-36.5", a range's dash),
    and what follows lies outside the crop."""
    return token_doubt(token) is None and token.raw[-1] != "-"


def confirm_disputed(
    image: Image.Image,
    cells: FigureCells,
    numbers: list[PageNumber],
    engines: dict[str, OcrEngine],
    convention: DecimalConvention,
) -> int:
    """A third reading of each disputed number: its crop at twice the scale, read again by
    every engine. The number is verified when the crop readings agree with each other on one
    number and two different engines have read that number (on the crop or on the page).
    When that outvotes what the primary engine read, `raw` takes the agreed writing and the
    caller corrects the page text (`corrected_text`). A number outside the page text that
    every crop reads as one same word is no number, and leaves the list
    (`_a_word_on_every_crop`). `cells`: the page's figures, measured in its ink
    (`figure_cells`). Returns how many were confirmed."""
    ink = cells.ink
    # Each crop shows the whole number, carried on through its marks ("3.725" of "3.725.579").
    crop_boxes = {
        id(number): through_marks(ink, number.box)
        for number in numbers
        if not number.verified and number.kind == NUMBER and number.box is not None
    }
    placed = [n for n in numbers if n.kind == NUMBER and n.box is not None]
    placed_digits = box_array(digits_box(n) for n in placed)
    disputed = [
        number
        for number in numbers
        if id(number) in crop_boxes
        and _single_reading_is_clear(number, convention)
        and not _crop_holds_another_number(number, crop_boxes[id(number)], placed, placed_digits)
    ]
    readers = {name: engine for name, engine in engines.items() if hasattr(engine, "read_crops")}
    if not disputed or not readers:
        return 0
    crops = [
        upscaled(crop(image, crop_boxes[id(number)], padding=6), CROP_SCALE) for number in disputed
    ]
    crop_texts = {name: engine.read_crops(crops) for name, engine in readers.items()}
    confirmed = 0
    words = []
    for index, number in enumerate(disputed):
        if _a_word_on_every_crop(number, [texts[index] for texts in crop_texts.values()]):
            words.append(number)
            continue
        crop_keys: dict[str, NumberToken] = {}
        for name, texts in crop_texts.items():
            reading = cells.closed_crop_reading(crop_boxes[id(number)], texts[index])
            found = ocr_tokens(reading, convention)
            if len(found) == 1 and clear_on_its_crop(found[0]):
                crop_keys[name] = found[0]
        if len({token.key for token in crop_keys.values()}) != 1:
            continue  # the crops disagree too, or nobody read one clear number: a person decides
        token = next(iter(crop_keys.values()))
        page_readers = {
            name
            for name, raw in number.readings.items()
            if raw and [t.key for t in extract_numbers(raw, convention=convention)] == [token.key]
        }
        for name, crop_token in crop_keys.items():
            number.readings[f"{name}@crop"] = crop_token.raw
        if _only_marks_differ(token, number.readings.values(), convention):
            continue  # "30,801" on the page, "30.801" on both crops: a mark's shape decides
        if _sign_outside_crop(token, number.readings.values(), convention):
            continue  # "-92.437,84" on the page, "92.437,84" on both crops: a person decides
        if _letter_against_digits(token, number.readings.values()):
            continue  # "196" on the page, "96T" on both crops: a digit read as a letter?
        if len(set(crop_keys) | page_readers) < 2:
            continue
        primary, primary_raw = next(iter(number.readings.items()))
        if primary_raw is not None and primary not in page_readers:
            # Every other reading outvotes the primary one: its text is corrected (the lines
            # as the engine read them stay in the provenance), unless it read more or less
            # than this one number.
            if number.span is None or len(crop_keys) < 2:
                continue
            number.raw = token.raw
        number.value = number_value(token)
        number.verified, number.reason = True, None
        confirmed += 1
    numbers[:] = [n for n in numbers if not any(n is word for word in words)]
    return confirmed


def _letter_against_digits(token: NumberToken, readings: Iterable[str | None]) -> bool:
    """The crops agree on an identifier ("96T", an italic "196") where a reading of the page
    has no letter there: digits beside a letter are not verified in doubt. A currency sign
    read as a letter ("W2,034") is an amount, and stays one; a reference of digits alone
    ("#298949") has no letter to doubt."""
    if token.kind is not NumberKind.IDENTIFIER or not any(c.isalpha() for c in token.raw):
        return False
    return any(raw and not any(c.isalpha() for c in raw) for raw in readings)


def _a_word_on_every_crop(number: PageNumber, crop_texts: list[str]) -> bool:
    """Only the secondary engine read a number here, outside the page text ("7/6" where the
    primary read the unit "g/L"), and every engine reads the same word, without a digit, on the
    enlarged crop: two engines agree there is no number, as they must to verify one."""
    words = {re.sub(r"\s", "", text).casefold() for text in crop_texts}
    if number.span is not None or len(crop_texts) < 2 or len(words) != 1:
        return False
    word = words.pop()  # two letters at least: a word, not one glyph read as a letter
    return sum(c.isalpha() for c in word) >= 2 and not any(c.isdigit() for c in word)


def marks_in_their_own_cell(
    ink: np.ndarray, numbers: list[PageNumber], convention: DecimalConvention
) -> int:
    """A number two engines read alike but for a space after its mark ("3. 9" and "3.9"), whose
    mark stands midway between its digits in the ink (`mark_in_own_cell`), is "3.9" set in a
    monospaced font: it is verified with that value, and the page text loses the space.
    Returns how many were settled. `ink`: the page's `faint_ink`."""
    settled = 0
    for number in numbers:
        if number.verified or number.kind != NUMBER or number.box is None:
            continue
        readings = [raw for raw in number.readings.values() if raw]
        if not any(_SPACED_MARK.fullmatch(raw) for raw in readings):
            continue
        engines = {name.split("@")[0] for name, raw in number.readings.items() if raw}
        written = {re.sub(r"\s", "", raw) for raw in readings}
        if len(engines) < 2 or len(written) != 1:
            continue
        tokens = extract_numbers(written.pop(), convention=convention)
        if len(tokens) != 1 or token_doubt(tokens[0]) is not None:
            continue
        if mark_in_own_cell(ink, number.box):
            number.raw, number.value = tokens[0].raw, number_value(tokens[0])
            number.verified, number.reason = True, None
            settled += 1
    return settled


def corrected_text(text: str, numbers: list[PageNumber]) -> str:
    """The page text with each number whose `raw` differs from the text at its span replaced
    by `raw`; the spans of the numbers are moved to match."""
    shift = 0
    pieces, position = [], 0
    spanned = [(number.span, number) for number in numbers if number.span is not None]
    for (start, end), number in sorted(spanned, key=lambda pair: pair[0]):
        if text[start:end] != number.raw and number.kind == NUMBER:
            pieces += [text[position:start], number.raw]
            position = end
            number.span = (start + shift, start + shift + len(number.raw))
            shift += len(number.raw) - (end - start)
        else:
            number.span = (start + shift, end + shift)
    return "".join(pieces) + text[position:]


def _only_marks_differ(
    token: NumberToken, readings: Iterable[str | None], convention: DecimalConvention
) -> bool:
    """A reading has the same digits as `token` but another value: they differ in a point or
    a comma only (30,801 against 30.801), which is a thousandfold and exactly what an enlarged
    crop misreads: no crop settles that."""
    return any(
        other.key != token.key
        and other.kind == token.kind  # "bar1" is a word with a digit in it, not a mark dispute
        and _digits(other.raw) == _digits(token.raw)
        and _negative(other.raw) == _negative(token.raw)  # a sign is the crop's to settle
        for raw in readings
        if raw
        for other in extract_numbers(raw, convention=convention)
    )


def _sign_outside_crop(
    token: NumberToken, readings: Iterable[str | None], convention: DecimalConvention
) -> bool:
    """A reading has `token`'s digits with a minus the crops did not read. A minus set in a
    cell of its own stands apart from the digits, outside a crop of the digits (the primary
    engine's box, without it): a crop that shows no sign cannot say there is none."""
    return not token.negative and any(
        other.negative and _digits(other.raw) == _digits(token.raw)
        for raw in readings
        if raw
        for other in extract_numbers(raw, convention=convention)
    )


def _negative(raw: str) -> bool:
    return bool(_NEGATIVE.search(raw.strip()))


def _crop_holds_another_number(
    number: PageNumber, crop_box: Box, placed: list[PageNumber], placed_digits: np.ndarray
) -> bool:
    """Another number's digits (`placed_digits`, the `digits_box` of each of `placed`) lie in
    this one's crop: Tesseract's "2,987" and "268" where RapidOCR read "2,987,268". A crop
    reading of the whole would settle each part as the whole (the number twice, verified); a
    person, or `join_split_numbers`, joins them instead. So does another number whose box
    this one's overlaps on its row: RapidOCR read "179" and "4" of an italic "179. 4", the
    first boxed over the point, and a crop of it read "179" and left the "4" out."""
    assert number.box is not None
    inside = mostly_inside_each(placed_digits, crop_box)
    beneath = _overlapping_on_its_row(placed_digits, number.box, share=0)
    return any(placed[index] is not number for index in np.flatnonzero(inside | beneath))


def _single_reading_is_clear(number: PageNumber, convention: DecimalConvention) -> bool:
    """Each engine read at most one number here, none of them doubtful in itself, and none
    read these digits as part of a longer token of another kind (a "5" the other engine read
    as the end of "Dec-2015" is not clear; a "3" it ran into "3YearFixed" is)."""
    tokens = []
    for raw in number.readings.values():
        if raw is None:
            continue
        found = extract_numbers(raw, convention=convention)
        if len(found) != 1 or token_doubt(found[0]) is not None:
            return False
        tokens += found
    kinds = {token.kind for token in extract_numbers(number.raw, convention=convention)}
    return bool(tokens) and not any(
        token.kind not in kinds and _reads_more(token.raw, number.raw) for token in tokens
    )


def unread_ink(image: Image.Image, numbers: list[PageNumber], *readings: OcrResult) -> list[Box]:
    """Regions of ink no reading explains. Ink right beside a number (the second "1" of an
    "11" both engines read as "1") takes the number back to review, its box widened to show
    it; the other regions are returned, to become `unread_region` review items."""
    placed = [
        [
            (line.text[word.start : word.end], word.box)
            for line in reading.lines
            for word in line.words
        ]
        for reading in readings
    ]
    words: list[Box] = []
    lone_letters: list[Box] = []  # words of letters no other reading has in the same place
    for index, own in enumerate(placed):
        others = _by_text(word for i, ws in enumerate(placed) if i != index for word in ws)
        for text, box in own:
            if not _explains_its_ink(text, box, others):
                continue
            alone = _letters(text) and not _read_by_another(text, box, others)
            (lone_letters if alone else words).append(box)
    words += [line.box for reading in readings for line in reading.lines if not line.words]
    heights = sorted(box[3] - box[1] for box in words + lone_letters)
    if not heights:
        return []
    text_height = heights[len(heights) // 2]
    ink = unread_marks(image, words + lone_letters, text_height)
    sideways = _along_sideways_print(ink.regions, lone_letters, text_height)
    if sideways:
        kept = [box for box in lone_letters if box not in sideways]
        ink = unread_marks(image, words + kept, text_height)
    for speck in ink.specks:
        for number in numbers:
            if number.verified and _on_its_line(speck, number, text_height // 2):
                number.verified = False
                number.reason = (
                    "an unread mark beside this number was read by no engine "
                    "(a lost decimal point or sign?)"
                )
    regions = []
    for region in ink.regions:
        on_its_line = [n for n in numbers if _on_its_line(region, n, text_height // 2)]
        # Print longer than a glyph beside numbers already in review is print of its own (a
        # code beside a garbled reading of its neighbour): widened into their boxes, its
        # crop would show it only in part.
        if not any(n.verified for n in on_its_line) and (
            not on_its_line or max(region[2] - region[0], region[3] - region[1]) > text_height
        ):
            regions.append(region)
            continue
        for number in on_its_line:
            assert number.box is not None  # `_on_its_line` holds no unplaced number
            number.box = union_of([number.box, region])
            if number.verified:
                number.verified = False
                number.reason = "ink beside this number was read by no engine (a lost digit?)"
    return regions


def _on_its_line(mark: Box, number: PageNumber, gap: int) -> bool:
    """The mark lies `beside` the number on its line of print, turned level first when the
    number is set sideways (an upright box of two glyphs or more): a column of faint codes
    beside a column of dark ones is another line, not a lost digit of each dark code."""
    if number.box is None:
        return False
    if upright(number.box) and len(number.raw) > 1:
        return beside(_transposed(mark), _transposed(number.box), gap)
    return beside(mark, number.box, gap)


def _transposed(box: Box) -> Box:
    left, top, right, bottom = box
    return (top, left, bottom, right)


def _explains_its_ink(text: str, box: Box, others: dict[str, list[Box]]) -> bool:
    """A word of one reading explains the ink under it (`_reads_its_ink`), a lone bracket or
    a word of letters set sideways only where another reading has it too, in the same place.
    Tesseract reads a column of rotated codes the wrong way up as words ("rues" for "67183"):
    alone, such a word would hide the codes' ink from the coverage check."""
    if _BRACKET.fullmatch(text) or (upright(box) and _letters(text)):
        return _read_by_another(text, box, others)
    return _reads_its_ink(text, box)


def _letters(text: str) -> bool:
    """A word of two characters or more and no digit."""
    return len(text) > 1 and not any(map(str.isdigit, text))


def _along_sideways_print(regions: list[Box], lone_letters: list[Box], gap: int) -> list[Box]:
    """The words of letters one reading alone has that carry on a line of unread print set
    sideways: no wider than it, and less than `gap` above or below it or a word that does.
    Across two sideways columns of codes, Tesseract read "oe" and "at" in boxes hardly
    taller than wide (not upright), and they hid a code between two unread regions."""
    strips = [region for region in regions if upright(region)]
    along: list[Box] = []
    grown = True
    while grown:
        grown = False
        for box in lone_letters:
            if box in along:
                continue
            for index, strip in enumerate(strips):
                across = box[0] >= strip[0] - gap // 2 and box[2] <= strip[2] + gap // 2
                if across and box[1] - gap < strip[3] and strip[1] - gap < box[3]:
                    strips[index] = union_of([strip, box])
                    along.append(box)
                    grown = True
                    break
    return along


def _reads_its_ink(text: str, box: Box) -> bool:
    """A word that can stand for the ink under it. Not a digit look-alike ("l|"), nor a
    garbled reading of a ruled row: a third or more odd symbols ("tst~<<ts~<<SS*S;CS*S*D"
    over a dashed rule and the digits between its dashes), or wider than its characters
    could be."""
    if _DIGIT_LOOKALIKE.fullmatch(text):
        return False
    if len(text) >= 4 and 3 * sum(not c.isalnum() and c not in _PLAIN_MARKS for c in text) >= len(
        text
    ):
        return False
    return box[2] - box[0] <= MAX_CHARACTER_WIDTH * (box[3] - box[1]) * len(text)


def _read_by_another(text: str, box: Box, others: dict[str, list[Box]]) -> bool:
    """Another engine read `text` too, in the same place: two engines do not take a digit for
    the same bracket ("[" of "[ 16.0-38.0]"), nor digits for the same word. `others`: the
    other readings' word boxes by their text (`_by_text`)."""
    return any(mostly_inside(box, other_box) for other_box in others.get(text, ()))


def _by_text(words: Iterable[tuple[str, Box]]) -> dict[str, list[Box]]:
    boxes: dict[str, list[Box]] = {}
    for text, box in words:
        boxes.setdefault(text, []).append(box)
    return boxes


def misleading_ink_checked(cells: FigureCells, numbers: list[PageNumber]) -> None:
    """A verified number whose ink may not say what every engine read ("41 181" read "41181",
    "12. 5" read "12.5", a table rule read as a final "1") goes back to review without a
    value."""
    for number in numbers:
        if not number.verified or number.box is None:
            continue
        if not _PLAIN_DIGITS.fullmatch(number.raw):
            continue  # the ink of a date or a unit says nothing about the digits' pitch
        reason = misleading_ink(cells.ink, number.box, number.raw) or cells.space_after_mark(
            number.box, number.raw
        )
        if reason is not None:
            number.verified, number.value, number.reason = False, None, reason


def marks_between_checked(ink: np.ndarray, numbers: list[PageNumber], text: str) -> None:
    """Two numbers side by side on a row, one verified at least, a point or comma between
    their digits that no reading has ("294. 1" read "294" and "1" by RapidOCR, nothing by
    Tesseract, each piece confirmed by its crop; "56,423. 05" read "56,423" and "05" by both,
    in a monospaced face): one number and its decimal mark, or two numbers? Both go back to
    review without a value. A mark some reading has ("24, 25" of a list) was judged with
    the rest of that reading. `text`: the page text the numbers' spans point into."""
    placed = [n for n in numbers if n.box is not None and _PLAIN_DIGITS.fullmatch(n.raw)]
    boxes = box_array(n.box for n in placed if n.box is not None)
    for number in placed:
        assert number.box is not None
        left, top, right, bottom = number.box
        beside = np.flatnonzero(
            _on_its_row(boxes, number.box)
            & (2 * boxes[:, 0] > left + right)
            & (boxes[:, 0] - right <= bottom - top)
        )
        if len(beside) == 0:
            continue
        following = placed[min(beside, key=lambda index: boxes[index, 0])]
        assert following.box is not None
        if (
            (number.verified or following.verified)
            and _mark_between(ink, number.box, following.box)
            and not _mark_read_between(number, following, text)
        ):
            for piece in (number, following):
                piece.verified, piece.value = False, None
                piece.reason = (
                    f"a mark stands between {number.raw!r} and {following.raw!r} that no "
                    "reading has (one number with its decimal mark?)"
                )


def _mark_read_between(first: PageNumber, second: PageNumber, text: str) -> bool:
    """A reading of either number, or the page text from one to the other, has a point or
    comma between them."""
    between = re.compile(rf"{re.escape(first.raw)}\s*[.,]\s*{re.escape(second.raw)}")
    readings = [*first.readings.values(), *second.readings.values()]
    if first.span and second.span and first.span[1] <= second.span[0]:
        readings.append(text[first.span[0] : second.span[1]])
    return any(raw and between.search(raw) for raw in readings)


def _mark_between(ink: np.ndarray, first: Box, second: Box) -> bool:
    """A point or comma (a run of ink under MARK_SHARE of the digits' height, no wider than
    tall by much: a dash is a range's) between the last digit of `first` and the first of
    `second`."""
    span = (first[0], min(first[1], second[1]), second[2], max(first[3], second[3]))
    runs = glyph_columns(ink, span)
    if not runs:
        return False
    digit = max(height for _, _, height in runs)
    split = second[0] - span[0]
    digits = [run for run in runs if run[2] >= DIGIT_SHARE * digit]
    ends = [run[1] for run in digits if run[0] + run[1] < 2 * split]
    starts = [run[0] for run in digits if run[0] + run[1] >= 2 * split]
    if not ends or not starts:
        return False
    return any(
        max(ends) < first_column
        and last_column < min(starts)
        and height <= MARK_SHARE * digit
        and last_column - first_column + 1 <= MARK_WIDTH * height
        for first_column, last_column, height in runs
    )


def upscaled(image: Image.Image, factor: int) -> Image.Image:
    return image.resize((image.width * factor, image.height * factor), Image.Resampling.LANCZOS)


def _merge_adjacent_disagreements(
    numbers: list[PageNumber], agreed: list[bool], line_text: str, offset: int
) -> list[PageNumber]:
    """One review item per damaged region: "777;778.88" split in two by one engine is one.
    Only numbers the engines read differently merge: one both read alike ("4. 0" of
    "4. 0-10.0", doubtful only in itself) stays apart, to be settled on its own."""
    merged: list[PageNumber] = []
    previous_disputed = False  # a merged region stays disputed
    for number, alike in zip(numbers, agreed, strict=True):
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and not alike
            and previous_disputed
            and not previous.verified
            and not number.verified
            and previous.span
            and number.span
            and number.span[0] - previous.span[1] <= 1
            and not line_text[previous.span[1] - offset : number.span[0] - offset].isspace()
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
        previous_disputed = not alike
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


def _digits(raw: str) -> str:
    return re.sub(r"\D", "", raw)


def _reads_more(longer: str, shorter: str) -> bool:
    """`longer` holds the digits of `shorter` and more ("Dec-2015" over "5")."""
    return len(_digits(longer)) > len(_digits(shorter)) and _digits(shorter) in _digits(longer)


def number_value(token: NumberToken) -> str | None:
    """The value a number asserts: none for a token that could mean more than one thing."""
    if token.value is None or token.ambiguous or token.malformed or token.doubtful:
        return None
    return str(token.value)


def _across(a: Box, b: Box) -> bool:
    """The boxes share some width: one lies over the other, not merely beside it."""
    return min(a[2], b[2]) > max(a[0], b[0])


def _same_place(a: Box, b: Box) -> bool:
    """Two number boxes on the same line (half the smaller height overlaps) that meet, or
    nearly: within half a line height of each other."""
    smaller = min(a[3] - a[1], b[3] - b[1])
    vertical = min(a[3], b[3]) - max(a[1], b[1])
    if smaller <= 0 or vertical < MIN_OVERLAP * smaller:
        return False
    # Half the thinner side: a line height, or a line's width when it runs vertically.
    slack = min(smaller, a[2] - a[0], b[2] - b[0]) // 2
    return a[0] - slack < b[2] and b[0] - slack < a[2]


def digits_box(number: PageNumber) -> Box:
    """The share of a level number's box its digits take, by their place in its reading: the
    "72" of "72 €", boxed with its currency sign."""
    assert number.box is not None
    left, top, right, bottom = number.box
    digits = [index for index, char in enumerate(number.raw) if char.isdigit()]
    if not digits or bottom - top > right - left:
        return number.box
    width, length = right - left, len(number.raw)
    return (
        left + width * digits[0] // length,
        top,
        left + -(-width * (digits[-1] + 1) // length),
        bottom,
    )


def mostly_inside(a: Box, b: Box) -> bool:
    """At least half of box `a` lies inside box `b`."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    area = (a[2] - a[0]) * (a[3] - a[1])
    return width > 0 and height > 0 and 2 * width * height >= area


def box_array(boxes: Iterable[Box]) -> np.ndarray:
    """Boxes as the rows of an n x 4 array, for the checks below on a whole page at once."""
    return np.array(list(boxes), dtype=np.int64).reshape(-1, 4)


def mostly_inside_each(boxes: np.ndarray, box: Box) -> np.ndarray:
    """`mostly_inside(row, box)` for every row of `boxes` at once."""
    shared = _shared_areas(boxes, box)
    return np.asarray((shared > 0) & (2 * shared >= _areas(boxes)))


def same_place_each(boxes: np.ndarray, box: Box) -> np.ndarray:
    """Each row of `boxes` and `box` lie mostly inside each other: one ink, read twice."""
    shared = _shared_areas(boxes, box)
    own = (box[2] - box[0]) * (box[3] - box[1])
    return np.asarray((shared > 0) & (2 * shared >= _areas(boxes)) & (2 * shared >= own))


def _shared_areas(boxes: np.ndarray, box: Box) -> np.ndarray:
    width = np.minimum(boxes[:, 2], box[2]) - np.maximum(boxes[:, 0], box[0])
    height = np.minimum(boxes[:, 3], box[3]) - np.maximum(boxes[:, 1], box[1])
    return np.where((width > 0) & (height > 0), width * height, 0)


def _areas(boxes: np.ndarray) -> np.ndarray:
    return np.asarray((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))


def _distance(a: Box, b: Box) -> int:
    """Horizontal distance between box centres."""
    return abs((a[0] + a[2]) - (b[0] + b[2]))
