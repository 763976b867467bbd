"""Verified numbers the accepted engine skipped are written into the page text and words.

Seen on the corpus's WARN report (pages 1-5, never tuned on): Tesseract, the accepted engine,
skipped the column of employee counts. RapidOCR listed them and both engines' crops confirmed
them, so they were verified, but the page text and words lacked them and 0 of 43 rows came
out as line items.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from preciso_dagster.core.numeric.verification import PageNumber
from preciso_dagster.core.numeric.written_in import with_numbers_written_in
from preciso_dagster.core.training.line_items import rows_to_line_items, visual_rows

ROW_HEIGHT = 40


def _number(raw: str, box: tuple[int, int, int, int], span=None, verified=True) -> PageNumber:
    return PageNumber(raw, raw, span, box, verified, {"rapidocr": raw})


def _page(rows: list[list[tuple[str, int, bool]]]):
    """Words laid out in rows (word, left edge, skipped by the accepted engine); the text as
    that engine wrote it, one row per line; its numbers and the numbers it skipped."""
    text, words, numbers = "", [], []
    for row_index, row in enumerate(rows):
        top = 100 + ROW_HEIGHT * row_index
        line = []
        for word, left, skipped in row:
            box = (left, top, left + 12 * len(word), top + 20)
            if word[0].isdigit() and skipped:
                numbers.append(_number(word, box))
                continue
            start = len(text) + len(" ".join(line)) + (1 if line else 0)
            if word[0].isdigit():
                numbers.append(_number(word, box, (start, start + len(word))))
            line.append(word)
            words.append((word, tuple(float(v) for v in box)))
        text += " ".join(line) + "\n"
    return text, words, numbers


def test_a_skipped_column_is_written_after_the_word_to_its_left() -> None:
    read, skipped = False, True
    text, words, numbers = _page(
        [
            [("Oakland", 10, read), ("202", 200, skipped), ("Closure", 300, read)],
            [
                ("Temecula", 10, read),
                ("133", 200, skipped),
                ("Layoff", 300, read),
                ("17", 420, read),
            ],
        ]
    )
    new_text, new_words = with_numbers_written_in(text, words, numbers)
    assert new_text == "Oakland 202 Closure\nTemecula 133 Layoff 17\n"
    assert [word for word, _ in new_words] == [
        "Oakland", "202", "Closure", "Temecula", "133", "Layoff", "17",
    ]  # fmt: skip
    assert all(new_text[slice(*n.span)] == n.raw for n in numbers)


def test_a_number_first_on_its_line_goes_before_the_word_to_its_right() -> None:
    text, words, numbers = _page(
        [[("7", 10, True), ("Wire", 100, False), ("transfer", 160, False)]]
    )
    new_text, new_words = with_numbers_written_in(text, words, numbers)
    assert new_text == "7 Wire transfer\n"
    assert new_words[0] == ("7", (10.0, 100.0, 22.0, 120.0))


def test_sideways_print_and_numbers_alone_on_their_line_go_at_the_end() -> None:
    text, words, numbers = _page([[("Total", 10, False), ("12", 100, False)]])
    sideways = _number("80618", (900, 50, 915, 160))
    alone = _number("4", (400, 600, 412, 620))
    new_text, new_words = with_numbers_written_in(text, words, [*numbers, sideways, alone])
    assert new_text.splitlines() == ["Total 12", "", "80618", "4"]
    assert sideways.span is not None and new_text[slice(*sideways.span)] == "80618"
    assert [word for word, _ in new_words] == ["Total", "12", "80618", "4"]


def test_unverified_numbers_and_numbers_in_the_text_are_left_as_they_are() -> None:
    text, words, numbers = _page([[("Rent", 10, False), ("950", 100, False)]])
    doubtful = _number("5", (200, 100, 212, 120), verified=False)
    assert with_numbers_written_in(text, words, [*numbers, doubtful]) == (text, words)
    assert doubtful.span is None and numbers[0].span == (5, 8)


def test_a_tall_word_is_a_row_of_its_own_and_does_not_swallow_the_table() -> None:
    # RapidOCR read the first letters of a column of "Layoff"/"Closure" as one vertical word.
    words = [("Qooo0o0o0", (1688.0, 60.0, 1706.0, 400.0))]
    table = [("Oakland", "202"), ("Temecula", "133"), ("Irvine", "3")]
    for index, (label, count) in enumerate(table):
        top = 60.0 + 40 * index
        words += [(label, (10.0, top, 120.0, top + 22)), (count, (400.0, top, 440.0, top + 22))]
    rows = visual_rows(words, lambda word: word[1])
    assert [[word for word, _ in row] for row in rows] == [
        ["Oakland", "202"], ["Temecula", "133"], ["Irvine", "3"], ["Qooo0o0o0"],
    ]  # fmt: skip
    items = rows_to_line_items(words, "\n".join(word for word, _ in words))
    assert [(item.label, str(item.columns[0].amount)) for item in items] == [
        ("Oakland", "202"), ("Temecula", "133"), ("Irvine", "3"),
    ]  # fmt: skip


def test_a_heading_and_a_tall_boxed_amount_stay_in_their_rows() -> None:
    # Seen on the nics table: a title in large type, and first-column amounts Tesseract boxed
    # 31 px tall on 12 px rows, are no vertical print; set apart, they cost 40 of 57 rows.
    words = [
        ("NICS", (76.0, 76.0, 160.0, 108.0)),
        ("Checks", (170.0, 76.0, 300.0, 108.0)),
        ("Delaware", (121.0, 364.0, 186.0, 376.0)),
        ("204", (375.0, 355.0, 400.0, 386.0)),
        ("2,152", (452.0, 364.0, 490.0, 378.0)),
        ("Idaho", (121.0, 484.0, 160.0, 496.0)),
        ("1,944", (363.0, 475.0, 400.0, 506.0)),
    ]
    rows = visual_rows(words, lambda word: word[1])
    assert [[word for word, _ in row] for row in rows] == [
        ["NICS", "Checks"], ["Delaware", "204", "2,152"], ["Idaho", "1,944"],
    ]  # fmt: skip


LABELS = st.sampled_from(["Rent", "Wages", "Interest paid", "Oakland", "Fees"])
AMOUNTS = st.sampled_from(["202", "1,250.00", "(3,100)", "7", "98.6%", "12.5"])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(LABELS, st.lists(st.tuples(AMOUNTS, st.booleans()), min_size=1, max_size=4)),
        min_size=1,
        max_size=8,
    )
)
def test_a_page_with_skipped_numbers_written_in_reads_as_if_none_was_skipped(table) -> None:
    rows = [
        [(label, 10, False)] + [(raw, 300 + 150 * i, skip) for i, (raw, skip) in enumerate(cells)]
        for label, cells in table
    ]
    text, words, numbers = _page(rows)
    new_text, new_words = with_numbers_written_in(text, words, numbers)
    assert all(new_text[slice(*n.span)] == n.raw for n in numbers)
    cursor = 0
    for word, _ in new_words:  # the words are still in the text's order
        cursor = new_text.index(word, cursor) + len(word)
    read_whole = [[(word, left, False) for word, left, _ in row] for row in rows]
    whole_text, whole_words, _ = _page(read_whole)
    assert (new_text, [word for word, _ in new_words]) == (
        whole_text,
        [word for word, _ in whole_words],
    )
    assert rows_to_line_items(new_words, new_text) == rows_to_line_items(whole_words, whole_text)
