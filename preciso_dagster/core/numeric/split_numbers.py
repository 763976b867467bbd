"""Numbers both engines broke at a grouping mark: "3.725" and "579" for "3.725.579".

A monospaced face sets a point or apostrophe in a cell of its own, a digit wide, so the gap
after it looks like a space and both engines may end a word there. Each piece then agrees
with itself and is "verified", and 3,725,579 is gone with nobody asked. Numbers that one
word of ink holds (`through_marks`) are pieces of one number: a crop of the word is read
again, and only when every engine reads one number made of exactly their digits are they
joined and verified; otherwise no piece is verified or asserts a value.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import pairwise, permutations

import numpy as np
from PIL import Image

from preciso_dagster.core.boxes import union_of
from preciso_dagster.core.engines import Box, OcrEngine
from preciso_dagster.core.numeric.coverage import through_marks
from preciso_dagster.core.numeric.numbers import DecimalConvention, NumberToken
from preciso_dagster.core.numeric.verification import (
    CROP_SCALE,
    NUMBER,
    PageNumber,
    crop,
    mostly_inside,
    number_value,
    ocr_tokens,
    token_doubt,
    upscaled,
)

# How far along its line, in line heights, a number looks for pieces of its own word.
NEIGHBOUR_REACH = 2
OVERLAP = 0.25  # of the narrower box: pieces of one number stand side by side
_NO_WORD = re.compile(r"[^\w]*")  # spaces and marks, no digit or letter
_LIST_BREAK = re.compile(r"\s*([,.;'’]?)\s+")  # "24, 25", "80186 16": a space, a mark before
_DIGIT_RUN = re.compile(r"\d+")


def one_word_chains(ink: np.ndarray, numbers: list[PageNumber]) -> list[list[PageNumber]]:
    """Numbers that one word of ink holds, carried on through its marks (`through_marks`),
    left to right: "3.725" and "579" of "3.725.579". `ink`: the page's `faint_ink`."""
    placed = sorted(
        (n for n in numbers if n.kind == NUMBER and n.box is not None), key=lambda n: _box(n)[0]
    )
    lefts = [_box(n)[0] for n in placed]
    chains: list[list[PageNumber]] = []
    taken: set[int] = set()
    for number in placed:
        box = _box(number)
        if id(number) in taken:
            continue
        height = box[3] - box[1]
        near = placed[
            bisect_left(lefts, box[0] - NEIGHBOUR_REACH * height) : bisect_left(
                lefts, box[2] + NEIGHBOUR_REACH * height
            )
        ]
        if not any(n is not number and _same_row(box, _box(n)) for n in near):
            continue  # alone on its stretch of line: nothing to be a piece of
        word = through_marks(ink, box)
        chain = [n for n in near if _same_row(box, _box(n)) and mostly_inside(_box(n), word)]
        if len(chain) > 1 and _side_by_side(chain):
            chains.append(chain)
            taken.update(id(n) for n in chain)
    return chains


def _side_by_side(chain: list[PageNumber]) -> bool:
    """Each piece boxed beside the next, not over it: boxes that overlap were drawn from a
    reading of the whole line ("0.1" and "0.6" of "[0.1-0.6]"), and do not place pieces."""
    boxes = [_box(piece) for piece in chain]
    return all(
        min(a[2], b[2]) - max(a[0], b[0]) <= OVERLAP * min(a[2] - a[0], b[2] - b[0])
        for a, b in pairwise(boxes)
    )


def join_split_numbers(
    image: Image.Image,
    ink: np.ndarray,
    text: str,
    numbers: list[PageNumber],
    engines: dict[str, OcrEngine],
    convention: DecimalConvention,
) -> tuple[int, str]:
    """Each chain of `one_word_chains` ("1.234" "567" "890"), read again on a crop of all of
    it: joined into one verified number when every engine reads the same one number there,
    holding all the pieces' digits in order (the other pieces leave `numbers`); otherwise
    every piece goes to review without a value. `text` is the page text the spans point into.
    Returns how many were joined, and the text with the pieces set apart in it blanked (the
    joined number's own span is rewritten by `corrected_text`)."""
    chains = one_word_chains(ink, numbers)
    if not chains:
        return 0, text
    readers = {name: engine for name, engine in engines.items() if hasattr(engine, "read_crops")}
    boxes = [union_of([_box(piece) for piece in chain]) for chain in chains]
    crops = [upscaled(crop(image, box, padding=6), CROP_SCALE) for box in boxes]
    crop_texts = {name: engine.read_crops(crops) for name, engine in readers.items()}
    joined = 0
    for index, (chain, box) in enumerate(zip(chains, boxes, strict=True)):
        readings = {f"{name}@crop": texts[index] for name, texts in crop_texts.items()}
        token = _one_number(list(readings.values()), convention)
        spans = [piece.span for piece in chain if piece.span is not None]
        if (
            len(readers) >= 2
            and token is not None
            and _holds_pieces(_digits(token.raw), [_digits(piece.raw) for piece in chain])
            and len(spans) == len(chain)
        ):
            carrier = min(chain, key=lambda piece: piece.span or (0, 0))
            if _contiguous(text, spans):
                carrier.span = (spans[0][0], spans[-1][1])
            else:  # the engine set the pieces apart ("12\n44\n9,731." for "9,731.12")
                for start, end in spans:
                    if (start, end) != carrier.span:
                        text = text[:start] + " " * (end - start) + text[end:]
            carrier.readings.update(readings)
            carrier.raw, carrier.value, carrier.box = token.raw, number_value(token), box
            carrier.verified, carrier.reason = True, None
            gone = {id(piece) for piece in chain if piece is not carrier}
            numbers[:] = [n for n in numbers if id(n) not in gone]
            joined += 1
            continue
        if len(readers) >= 2 and _read_apart(list(readings.values()), chain, convention):
            for piece in chain:  # "24, 25": a list, which the crops read as one too
                piece.readings.update(readings)
            continue
        pieces = " + ".join(repr(piece.raw) for piece in chain)
        for piece in chain:
            piece.readings.update(readings)
            piece.box, piece.verified, piece.value = box, False, None
            piece.reason = f"a grouping mark joins {pieces}: one number read in pieces?"
    return joined, text


def settle_run_together(
    image: Image.Image,
    numbers: list[PageNumber],
    engines: dict[str, OcrEngine],
    convention: DecimalConvention,
) -> int:
    """Numbers the primary engine read apart and the other as one ("80186" and "16", where
    RapidOCR read "8018616"): the disputed number's crop holds the others, so no crop of it
    alone settles it. A crop of all of them is read again; when every engine reads them apart,
    each as it was, with nothing between that could join them (`_read_apart`: no three-digit
    group after a space or a grouping mark), all of them are verified. Returns how many."""
    readers = {name: engine for name, engine in engines.items() if hasattr(engine, "read_crops")}
    groups = _run_together(numbers) if len(readers) >= 2 else []
    if not groups:
        return 0
    boxes = [union_of([_box(n) for n in group]) for group in groups]
    crops = [upscaled(crop(image, box, padding=6), CROP_SCALE) for box in boxes]
    crop_texts = {name: engine.read_crops(crops) for name, engine in readers.items()}
    settled = 0
    for index, group in enumerate(groups):
        readings = {f"{name}@crop": texts[index] for name, texts in crop_texts.items()}
        if not _read_apart(list(readings.values()), group, convention):
            continue
        for number in group:
            settled += not number.verified
            number.readings.update(readings)
            number.verified, number.reason = True, None
    return settled


def _run_together(numbers: list[PageNumber]) -> list[list[PageNumber]]:
    """Each disputed number whose box holds other numbers of the page, with them, in the
    order of the page text."""
    placed = [n for n in numbers if n.kind == NUMBER and n.box is not None and n.span is not None]
    groups: list[list[PageNumber]] = []
    taken: set[int] = set()
    for number in placed:
        if number.verified or number.value is None or id(number) in taken:
            continue
        group = [n for n in placed if n is number or mostly_inside(_box(n), _box(number))]
        if len(group) > 1 and not any(id(n) in taken for n in group):
            groups.append(sorted(group, key=lambda n: n.span or (0, 0)))
            taken.update(id(n) for n in group)
    return groups


def _contiguous(text: str, spans: list[tuple[int, int]]) -> bool:
    """The pieces follow one another in the page text with only marks or spaces between (what
    the engine made of the grouping marks: "-904\\n- 798")."""
    return all(a[1] <= b[0] and _NO_WORD.fullmatch(text[a[1] : b[0]]) for a, b in pairwise(spans))


def _read_apart(
    readings: list[str], chain: list[PageNumber], convention: DecimalConvention
) -> bool:
    """Every crop reads exactly the pieces, each one clear, set apart by a space (a mark may
    stand before it) that cannot join them: before anything but a three-digit group ("24, 25"
    is a list, "1, 234" or "2,987 268" might be one number), never after the page's decimal
    mark ("9,731. 12")."""
    if convention.decimal_mark is None:
        return False
    values = [piece.value for piece in chain]
    for reading in readings:
        tokens = ocr_tokens(reading, convention)
        if [number_value(t) for t in tokens] != values or any(map(token_doubt, tokens)):
            return False
        for before, after in pairwise(tokens):
            mark = _LIST_BREAK.fullmatch(reading[before.span[1] : after.span[0]])
            if mark is None or mark.group(1) == convention.decimal_mark:
                return False
            if len(next(iter(_DIGIT_RUN.findall(after.raw)), "")) == 3:
                return False
    return True


def _one_number(readings: list[str], convention: DecimalConvention) -> NumberToken | None:
    """The one clear number every reading holds, if they all hold the same one."""
    tokens = [ocr_tokens(reading, convention) for reading in readings]
    if not tokens or any(len(found) != 1 or token_doubt(found[0]) for found in tokens):
        return None
    if len({found[0].key for found in tokens}) != 1:
        return None
    return tokens[0][0]


def _box(number: PageNumber) -> Box:
    assert number.box is not None
    return number.box


def _same_row(a: Box, b: Box) -> bool:
    smaller = min(a[3] - a[1], b[3] - b[1])
    return min(a[3], b[3]) - max(a[1], b[1]) >= smaller / 2


def _holds_pieces(digits: str, pieces: list[str]) -> bool:
    """Every digit of the pieces is in `digits`, piece after piece in some order (an engine
    may box the cents of "9,731.12" before the rest): the pieces may have lost a digit
    ("-634" and "303" read for "3.634.303"), never added one."""
    for order in permutations(pieces):
        remaining = iter(digits)
        if all(digit in remaining for digit in "".join(order)):
            return True
    return False


def _digits(raw: str) -> str:
    return re.sub(r"\D", "", raw)
