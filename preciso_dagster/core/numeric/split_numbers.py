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
from dataclasses import replace
from itertools import pairwise, permutations

import numpy as np
from PIL import Image

from preciso_dagster.core.boxes import union_of
from preciso_dagster.core.engines import COLUMN_GAP, Box, OcrEngine
from preciso_dagster.core.numeric.coverage import through_marks
from preciso_dagster.core.numeric.figure_cells import FigureCells
from preciso_dagster.core.numeric.numbers import DecimalConvention, NumberToken, only_spaces_group
from preciso_dagster.core.numeric.verification import (
    CROP_SCALE,
    NUMBER,
    PageNumber,
    clear_on_its_crop,
    crop,
    digits_box,
    mostly_inside,
    mostly_inside_each,
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
_RANGE_DASH = re.compile(r"\s*[-–]\s*")
_DIGIT_RUN = re.compile(r"\d+")
_MARKS = re.compile(r"[.,'’]")
_MARKS_OR_SPACES = re.compile(r"[.,'’]|(?<=\d) (?=\d)")
_LETTER = re.compile(r"[^\W\d_]")
# A space-grouped number's pieces: an integer (its sign before it), then groups of three
# digits, the last of them perhaps with decimals.
_GROUP_HEAD = re.compile(r"[-−(]?\d{1,3}(?: \d{3})*")
_GROUP_TAIL = re.compile(r"\d{3}(?:[.,]\d+)?\)?")


def one_word_chains(ink: np.ndarray, numbers: list[PageNumber]) -> list[list[PageNumber]]:
    """Numbers that one word of ink holds, carried on through its marks (`through_marks`),
    left to right: "3.725" and "579" of "3.725.579". `ink`: the page's `faint_ink`."""
    placed, lefts = _by_left_edge(numbers)
    chains: list[list[PageNumber]] = []
    taken: set[int] = set()
    for number in placed:
        box = _box(number)
        if id(number) in taken:
            continue
        reach = NEIGHBOUR_REACH * (box[3] - box[1])
        near = _starting_within(placed, lefts, box[0] - reach, box[2] + reach)
        if not any(n is not number and _same_row(box, _box(n)) for n in near):
            continue  # alone on its stretch of line: nothing to be a piece of
        word = through_marks(ink, box)
        chain = [n for n in near if _same_row(box, _box(n)) and mostly_inside(digits_box(n), word)]
        if len(chain) > 1 and _side_by_side(chain):
            chains.append(chain)
            taken.update(id(n) for n in chain)
    return chains


def space_grouped_chains(
    numbers: list[PageNumber], convention: DecimalConvention
) -> list[list[PageNumber]]:
    """On a page that groups digits with spaces, or does not show whether it does: numbers
    read apart on one row, each next one a group of three digits a word gap (less than a
    column gap) after an integer. "13", "152" and "459,95" of "13 152 459,95" set in a
    monospaced face came back as three lines from both engines, each verified, all wrong.
    One number read in pieces, or numbers side by side: the crops decide."""
    if convention.space_groups is False:
        return []
    placed, lefts = _by_left_edge(numbers)
    following: dict[int, PageNumber] = {}
    for number in placed:
        box = _box(number)
        if not _GROUP_HEAD.fullmatch(number.raw):
            continue
        near = _starting_within(placed, lefts, box[2], _word_gap_reach(box))
        after = [n for n in near if _same_row(box, _box(n)) and _GROUP_TAIL.fullmatch(n.raw)]
        if after:
            following[id(number)] = min(after, key=lambda n: _box(n)[0])
    heads = {id(n) for n in following.values()}
    chains = []
    for number in placed:
        if id(number) in heads or id(number) not in following:
            continue
        chain = [number]
        while id(chain[-1]) in following:
            chain.append(following[id(chain[-1])])
        chains.append(chain)
    return chains


def _word_gap_reach(box: Box) -> float:
    """How far right of `box` the next word of its line may start: a wider gap is a column's."""
    return box[2] + COLUMN_GAP * (box[3] - box[1])


def _by_left_edge(numbers: list[PageNumber]) -> tuple[list[PageNumber], list[float]]:
    """The page's placed numbers, left edge first, and their left edges."""
    placed = sorted(
        (n for n in numbers if n.kind == NUMBER and n.box is not None), key=lambda n: _box(n)[0]
    )
    return placed, [_box(n)[0] for n in placed]


def _starting_within(
    placed: list[PageNumber], lefts: list[float], start: float, end: float
) -> list[PageNumber]:
    """The numbers of `_by_left_edge` whose left edge lies from `start` up to `end`."""
    return placed[bisect_left(lefts, start) : bisect_left(lefts, end)]


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
    cells: FigureCells,
    text: str,
    numbers: list[PageNumber],
    engines: dict[str, OcrEngine],
    convention: DecimalConvention,
) -> tuple[int, str]:
    """Pieces of what may be one number, each group read again on one crop of all of it:
    the chains of `one_word_chains` ("1.234" "567" "890"), and the numbers that a disputed
    number's box holds (`_run_together`: Tesseract's "9,731." and "12", or "80186" and "16",
    where RapidOCR read "9,731.12" or "8018616"). A group is joined into one verified number
    when every engine reads the same one number there, holding all the pieces' digits (the
    other pieces leave `numbers`), a run-together group only when a mark stood where it was
    split. It stays apart, verified, when every engine reads the pieces themselves apart
    (`_read_apart`). Otherwise a chain's pieces go to review without a value; a run-together
    group's stay disputed, and a piece agreed on its own goes to review with it where one of
    its page readings ran on into the piece (`_unsettled_with`). `text` is the page text
    the spans point into. Returns how many numbers were settled, and the text with the pieces
    set apart in it blanked (the joined number's own span is rewritten by `corrected_text`)."""
    readers = {name: engine for name, engine in engines.items() if hasattr(engine, "read_crops")}
    chains = one_word_chains(cells.ink, numbers)
    in_chains = {id(piece) for chain in chains for piece in chain}
    for chain in space_grouped_chains(numbers, convention):
        if not any(id(piece) in in_chains for piece in chain):
            chains.append(chain)
            in_chains.update(id(piece) for piece in chain)
    run_together = [] if len(readers) < 2 else _run_together(numbers, in_chains)
    groups = [(chain, True) for chain in chains] + [(group, False) for group in run_together]
    if not groups:
        return 0, text
    boxes = [union_of([_box(piece) for piece in group]) for group, _ in groups]
    crops = [upscaled(crop(image, box, padding=6), CROP_SCALE) for box in boxes]
    crop_texts = {name: engine.read_crops(crops) for name, engine in readers.items()}
    crop_readings = [
        {
            f"{name}@crop": cells.closed_crop_reading(box, texts[index])
            for name, texts in crop_texts.items()
        }
        for index, box in enumerate(boxes)
    ]
    convention = _grouping_the_crops_show(convention, text, crop_readings)
    settled = 0
    for (group, is_chain), box, readings in zip(groups, boxes, crop_readings, strict=True):
        for piece in group:
            piece.readings.update(readings)
        token = _one_number(list(readings.values()), convention)
        spans = [piece.span for piece in group if piece.span is not None]
        if (
            len(readers) >= 2
            and token is not None
            and _holds_pieces(_digits(token.raw), [_digits(piece.raw) for piece in group])
            and spans
            and (is_chain or _lost_a_mark(token.raw, group, convention))
            and not (is_chain and _overlapped(group, numbers))
        ):
            carrier = min(
                (piece for piece in group if piece.span is not None),
                key=lambda piece: piece.span or (0, 0),
            )
            text = _joined(text, carrier, spans, token, box)
            gone = {id(piece) for piece in group if piece is not carrier}
            numbers[:] = [n for n in numbers if id(n) not in gone]
            settled += 1
        elif len(readers) >= 2 and (
            apart := _read_apart(list(readings.values()), group, convention)
        ):
            for piece, token in zip(_left_to_right(group), apart, strict=True):  # "[31.2-102.2]"
                settled += not piece.verified
                if piece.value != number_value(token):
                    piece.raw, piece.value = token.raw, number_value(token)
                piece.verified, piece.reason = True, None
        elif is_chain:
            pieces = " + ".join(repr(piece.raw) for piece in group)
            for piece in group:
                piece.box, piece.verified, piece.value = box, False, None
                piece.reason = f"a grouping mark joins {pieces}: one number read in pieces?"
        else:
            _unsettled_with(group)
    return settled, text


def _grouping_the_crops_show(
    convention: DecimalConvention, text: str, crop_readings: list[dict[str, str]]
) -> DecimalConvention:
    """Space grouping the page's lines leave open, shown by its crops: "20", "498" and
    "668,27" of each amount set in a wide monospaced face came back as lines of their own
    from both engines, so no line shows how the page groups digits. When every engine reads
    at least MIN_DOMINANT crops alike as space-grouped amounts ("20 498 668,27"), and neither
    the page nor any crop groups digits with a mark, the page shows it as a text layer
    would: by its other numbers."""
    if convention.space_groups is not None:
        return convention
    agreed = [
        next(iter(r.values())) for r in crop_readings if len(r) > 1 and len(set(r.values())) == 1
    ]
    every_reading = [text, *(reading for r in crop_readings for reading in r.values())]
    if only_spaces_group("\n".join(agreed)) and only_spaces_group("\n".join(every_reading)):
        return replace(convention, space_groups=True)
    return convention


def _overlapped(chain: list[PageNumber], numbers: list[PageNumber]) -> bool:
    """Another number on the chain's row overlaps its box: a piece of the same number that
    the chain left out, boxed wide by a reading that ran it on ("120,18" of "40 460 120,18",
    boxed over "460" too by RapidOCR's "460120,18"). A crop of the chain alone reads "40 460"."""
    box = union_of([_box(piece) for piece in chain])
    return any(
        n.kind == NUMBER
        and n.box is not None
        and all(n is not piece for piece in chain)
        and _same_row(box, n.box)
        and n.box[0] < box[2]
        and box[0] < n.box[2]
        for n in numbers
    )


def _joined(
    text: str, carrier: PageNumber, spans: list[tuple[int, int]], token: NumberToken, box: Box
) -> str:
    """`carrier`, the first piece in the page text, made the one verified number `token`; the
    page text with the other pieces (`spans`) blanked when they do not follow it."""
    if _contiguous(text, spans):
        carrier.span = (spans[0][0], spans[-1][1])
    else:  # the engine set the pieces apart ("12\n44\n9,731." for "9,731.12")
        for start, end in spans:
            if (start, end) != carrier.span:
                text = text[:start] + " " * (end - start) + text[end:]
    carrier.raw, carrier.value, carrier.box = token.raw, number_value(token), box
    carrier.verified, carrier.reason = True, None
    return text


def _unsettled_with(group: list[PageNumber]) -> None:
    """A run-together group left disputed: a piece agreed on its own goes to review with the
    disputed number where a reading of that number ran its digits on into the piece's ("72 €"
    verified inside RapidOCR's "32310,72", Tesseract's "32 310"). Without such a reading the
    disputed number's box merely spans the piece (a line-wide box) and the piece stands."""
    disputed = next(piece for piece in group if not piece.verified)
    longer = [  # page readings only: a crop of the group holds the piece whatever it is
        _digits(raw)
        for engine, raw in disputed.readings.items()
        if raw and "@" not in engine and raw != disputed.raw
    ]
    for piece in group:
        if piece.verified and any(
            len(digits) > len(_digits(disputed.raw))
            and _holds_pieces(digits, [_digits(disputed.raw), _digits(piece.raw)])
            for digits in longer
        ):
            piece.verified = False
            piece.reason = f"read inside {disputed.raw!r}, which another reading runs on"


def _run_together(numbers: list[PageNumber], taken: set[int]) -> list[list[PageNumber]]:
    """Each disputed number whose box holds other numbers of the page, with them, in the
    order of the page text; none of `taken` (ids)."""
    placed = [n for n in numbers if n.kind == NUMBER and n.box is not None and n.span is not None]
    groups: list[list[PageNumber]] = []
    taken = set(taken)
    for number in placed:
        if number.verified or number.value is None or id(number) in taken:
            continue
        group = [n for n in placed if n is number or mostly_inside(digits_box(n), _box(number))]
        if len(group) > 1 and not any(id(n) in taken for n in group):
            groups.append(sorted(group, key=lambda n: n.span or (0, 0)))
            taken.update(id(n) for n in group)
    return groups


def _lost_a_mark(joined: str, group: list[PageNumber], convention: DecimalConvention) -> bool:
    """The one number has more marks than its pieces together: the engine that read it in
    pieces split it at a mark ("9,731." and "12" of "9,731.12"), not at a space it saw. On a
    page whose spaces group digits, a space between digits is such a mark ("20", "498" and
    "668,27" of "20 498 668,27") when the pieces stand a word gap apart, not a column's."""
    boxes = [_box(piece) for piece in _left_to_right(group)]
    spaced = all(b[0] < _word_gap_reach(a) for a, b in pairwise(boxes))
    marks = _MARKS_OR_SPACES if convention.space_groups and spaced else _MARKS
    return len(marks.findall(joined)) > sum(len(marks.findall(piece.raw)) for piece in group)


def _contiguous(text: str, spans: list[tuple[int, int]]) -> bool:
    """The pieces follow one another in the page text with only marks or spaces between (what
    the engine made of the grouping marks: "-904\\n- 798")."""
    return all(a[1] <= b[0] and _NO_WORD.fullmatch(text[a[1] : b[0]]) for a, b in pairwise(spans))


def _read_apart(
    readings: list[str], group: list[PageNumber], convention: DecimalConvention
) -> list[NumberToken] | None:
    """What every crop reads alike, when it is as many clear numbers as the group's pieces,
    each either the piece's own value or one an engine read there on the page (Tesseract's
    "02.2" where RapidOCR read "102.2"), each set apart from the next in a way that cannot
    join them: a range's dash ("[31.2-102.2]"), or a space (a mark may stand before it)
    before anything but a three-digit group ("24, 25" is a list, "1, 234" or "2,987 268"
    might be one number), never after the page's decimal mark ("9,731. 12")."""
    if convention.decimal_mark is None:
        return None
    read = [ocr_tokens(reading, convention) for reading in readings]
    if not read or any(
        len(tokens) != len(group) or any(map(token_doubt, tokens)) for tokens in read
    ):
        return None
    if len({tuple(token.key for token in tokens) for tokens in read}) != 1:
        return None
    for reading, tokens in zip(readings, read, strict=True):
        for before, after in pairwise(tokens):
            between = reading[before.span[1] : after.span[0]]
            if _RANGE_DASH.fullmatch(between):
                continue
            mark = _LIST_BREAK.fullmatch(between)
            if mark is None or mark.group(1) == convention.decimal_mark:
                return None
            if len(next(iter(_DIGIT_RUN.findall(after.raw)), "")) == 3:
                return None
    agreed = read[0]
    for piece, token in zip(_left_to_right(group), agreed, strict=True):
        if piece.value != number_value(token) and not _read_on_page(piece, token, convention):
            return None
        if piece.value != number_value(token) and piece.span is None:
            return None  # the page text could not be corrected
    return agreed


def _left_to_right(group: list[PageNumber]) -> list[PageNumber]:
    return sorted(group, key=lambda piece: (_box(piece)[0], piece.span or (0, 0)))


def _read_on_page(piece: PageNumber, token: NumberToken, convention: DecimalConvention) -> bool:
    """An engine's reading of the page at `piece` is `token` alone."""
    return any(
        [found.key for found in ocr_tokens(raw, convention)] == [token.key]
        for name, raw in piece.readings.items()
        if raw and not name.endswith("@crop")
    )


def _one_number(readings: list[str], convention: DecimalConvention) -> NumberToken | None:
    """The one clear number every crop reading holds (`clear_on_its_crop`), if they all hold
    the same one."""
    tokens = [ocr_tokens(reading, convention) for reading in readings]
    if not tokens or any(len(found) != 1 or not clear_on_its_crop(found[0]) for found in tokens):
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
    may box the cents of "9,731.12" before the rest), or each piece whole within it where the
    engines' pieces overlap ("-859" and "9.056" of "5.859.056"): the pieces may have lost a
    digit ("-634" and "303" read for "3.634.303"), never added one."""
    if len(digits) > max(map(len, pieces)) and all(piece in digits for piece in pieces):
        return True
    for order in permutations(pieces):
        remaining = iter(digits)
        if all(digit in remaining for digit in "".join(order)):
            return True
    return False


def _digits(raw: str) -> str:
    return re.sub(r"\D", "", raw)


def with_joined_words(
    words: list[tuple[str, tuple[float, float, float, float]]], numbers: list[PageNumber]
) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The page's words with the words of each joined number made one word of it ("57,842."
    and "27" become "57,842.27"; so does a word that lost digits the crops read, "17,647."
    for "17,647.61"), so that rows rebuilt from the words read the number whole.
    Words of digits and marks are replaced only when the number, itself without letters,
    holds all their digits (`_holds_pieces`): words of other numbers, and of dates, stay."""
    boxes, plain = _word_arrays(words)
    for number in numbers:
        if not number.verified or number.kind != NUMBER or number.box is None:
            continue
        if _LETTER.search(number.raw):
            continue  # a date ("9 April 2019"): its words are not pieces of it
        inside = np.flatnonzero(plain & mostly_inside_each(boxes, number.box)).tolist()
        pieces = [_digits(words[i][0]) for i in inside if _DIGIT_RUN.search(words[i][0])]
        digits = _digits(number.raw)
        if not pieces or pieces == [digits] or not _holds_pieces(digits, pieces):
            continue  # no word of it, its one word already reads it, or words of others
        left, top, right, bottom = (float(v) for v in number.box)
        joined = (number.raw, (left, top, right, bottom))
        words = [
            joined if i == inside[0] else w for i, w in enumerate(words) if i not in inside[1:]
        ]
        boxes, plain = _word_arrays(words)
    return words


def _word_arrays(
    words: list[tuple[str, tuple[float, float, float, float]]],
) -> tuple[np.ndarray, np.ndarray]:
    """The words' boxes in whole pixels (one row each), and which words hold no letter."""
    boxes = np.array([box for _, box in words], dtype=float).reshape(-1, 4).astype(int)
    plain = np.array([not _LETTER.search(text) for text, _ in words], dtype=bool)
    return boxes, plain
