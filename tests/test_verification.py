"""Number verification against a second reading: what counts as verified, and what does not."""

from preciso_dagster.core.engines import OcrLine, OcrResult, OcrWord
from preciso_dagster.core.numeric.numbers import convention_for
from preciso_dagster.core.numeric.verification import page_convention, verify_numbers

BOX = (100, 200, 700, 230)


def _reading(text: str) -> OcrResult:
    return OcrResult((OcrLine(text, BOX, 0.95),))


def test_two_readings_that_agree_verify_the_number() -> None:
    (number,) = verify_numbers(
        "tesseract", _reading("Net income 37,499.96"), "rapidocr", _reading("Net income 37499.96")
    )
    assert number.verified and number.value == "37499.96"


def test_a_disagreement_is_a_review_item_with_both_readings() -> None:
    (number,) = verify_numbers(
        "tesseract", _reading("Net income 37,499.96"), "rapidocr", _reading("Net income 37,489.96")
    )
    assert not number.verified
    assert number.readings == {"tesseract": "37,499.96", "rapidocr": "37,489.96"}


def test_the_same_misread_by_both_engines_is_never_verified() -> None:
    # Seen on a real Senate expenditure page: both engines read "37,499.96" as "37.499.96".
    (number,) = verify_numbers(
        "tesseract", _reading("DIRECTOR 37.499.96"), "rapidocr", _reading("DIRECTOR 37.499.96")
    )
    assert not number.verified
    assert "fit no convention" in (number.reason or "")


def test_a_reading_whose_decimal_comma_came_out_a_point_agrees_with_a_clean_one() -> None:
    # Seen on a decimal-comma statement scanned at 150 DPI: RapidOCR read "8.264.577,32" as
    # "8.264.577.32", and 3 of 28 amounts went to review. The value is plain either way; the
    # misread reading confirms the clean one, and is not verified when it is the only one.
    convention = convention_for("1.234,56 7.890,12")
    clean, misread = _reading("Total 8.264.577,32"), _reading("Total 8.264.577.32")
    (number,) = verify_numbers("tesseract", clean, "rapidocr", misread, convention)
    assert (number.verified, number.value) == (True, "8264577.32")
    (number,) = verify_numbers("rapidocr", misread, "tesseract", clean, convention)
    assert not number.verified and "fit no convention" in (number.reason or "")


def test_a_number_box_comes_from_its_word_box_when_the_engine_gives_one() -> None:
    words = (OcrWord(0, 5, (100, 200, 180, 230)), OcrWord(6, 15, (600, 200, 700, 230)))
    line = OcrLine("Idaho 1,944,000", BOX, 0.9, words)
    (number,) = verify_numbers(
        "tesseract", OcrResult((line,)), "rapidocr", _reading("Idaho 1,944,000")
    )
    assert number.verified and number.box == (600, 200, 700, 230)


def test_a_line_read_twice_gives_its_agreed_number_once() -> None:
    # Seen on an unseen corpus page: Tesseract put "9" and "6.09%" on two lines over one
    # printed "6.09%". The "9" took RapidOCR's "6.09%" as its counterpart, and both of
    # Tesseract's numbers went to review: 8 review items for 4 numbers both engines read alike.
    primary = OcrResult(
        (
            OcrLine("9", (788, 272, 853, 300), 0.9),
            OcrLine("6.09%", (789, 277, 857, 296), 0.9),
        )
    )
    secondary = OcrResult((OcrLine("6.09%", (790, 276, 856, 297), 0.9),))
    (number,) = verify_numbers("tesseract", primary, "rapidocr", secondary)
    assert (number.raw, number.verified, number.span) == ("6.09%", True, (2, 7))


def test_a_number_inside_another_on_the_same_line_is_not_a_second_reading() -> None:
    # "2019" under a verified date, or a short number beside a long one, stays listed.
    primary = OcrResult((OcrLine("12 1,250.00", (100, 200, 400, 230), 0.9),))
    secondary = OcrResult((OcrLine("17 1,250.00", (100, 200, 400, 230), 0.9),))
    numbers = verify_numbers("tesseract", primary, "rapidocr", secondary)
    assert [(n.raw, n.verified) for n in numbers] == [("12", False), ("1,250.00", True)]


def test_a_column_of_first_letters_read_downwards_is_no_number() -> None:
    # Seen on an unseen corpus report: Tesseract read the first letters of a column of
    # "Layoff" and "Closure" as one word down the page, "QO000g0000", besides reading each
    # word; every page of the report sent one or two such "numbers" to review.
    rows = [
        OcrLine(
            f"{word} 1{row}",
            (1688, 100 + 37 * row, 1900, 128 + 37 * row),
            0.9,
            (
                OcrWord(0, len(word), (1688, 100 + 37 * row, 1790, 128 + 37 * row)),
                OcrWord(len(word) + 1, len(word) + 3, (1850, 100 + 37 * row, 1900, 128 + 37 * row)),
            ),
        )
        for row, word in enumerate(["Layoff", "Closure", "Layoff", "Layoff", "Closure"])
    ]
    down = OcrLine(
        "QO000g0000", (1688, 100, 1706, 276), 0.5, (OcrWord(0, 10, (1688, 100, 1706, 276)),)
    )
    numbers = verify_numbers(
        "tesseract", OcrResult((*rows, down)), "rapidocr", OcrResult(tuple(rows))
    )
    assert [(n.raw, n.verified) for n in numbers] == [(f"1{row}", True) for row in range(5)]


def test_a_number_only_the_second_reading_has_is_listed_for_review() -> None:
    primary = OcrResult((OcrLine("Oakland Closure", (10, 100, 300, 128), 0.9),))
    secondary = OcrResult((OcrLine("Oakland 202 Closure", (10, 100, 300, 128), 0.9),))
    (number,) = verify_numbers("tesseract", primary, "rapidocr", secondary)
    assert (number.raw, number.verified, number.span) == ("202", False, None)
    assert number.readings == {"tesseract": None, "rapidocr": "202"}


def test_a_run_on_number_in_a_tight_table_is_not_a_column_read_downwards() -> None:
    # Seen on the nics table: Tesseract ran "14,847" and "254" together; its box, widened to
    # RapidOCR's "14,847", reached 2 px into the rows above and below, and the first rule for
    # columns read downwards took it for one, and "14,847" was lost silently.
    primary = OcrResult(
        (OcrLine("14,847,254", (531, 584, 644, 598), 0.9, (OcrWord(0, 10, (531, 584, 644, 598)),)),)
    )
    cells = [
        ("8,702", (537, 562, 572, 582)),
        ("376", (610, 562, 644, 582)),
        ("14,847", (527, 580, 575, 603)),
        ("9,031", (530, 601, 575, 622)),
        ("1,151", (600, 601, 644, 622)),
    ]
    secondary = OcrResult(
        tuple(OcrLine(text, box, 0.9, (OcrWord(0, len(text), box),)) for text, box in cells)
    )
    numbers = verify_numbers("tesseract", primary, "rapidocr", secondary)
    assert [(n.raw, n.verified) for n in numbers if n.span is not None] == [("14,847,254", False)]


def test_one_engines_fragments_of_grouped_amounts_leave_the_decimal_mark_to_the_rest() -> None:
    # Seen on a generated two-column statement put through a scanner (seed 2027): RapidOCR
    # broke "88,790,482" into "88,79" and "482", and its fragments, counted as decimal
    # commas, left the page without a decimal mark: every amount it read in pieces was
    # doubtful, not re-read, and sent to review (7 of 26).
    whole = "\n".join(f"{a}\t{b}" for a, b in _GROUPED)
    pieces = "\n".join(f"{a[:5]} {a[6:]}\t{b}" for a, b in _GROUPED)
    assert convention_for(whole + "\n" + pieces).decimal_mark is None
    assert page_convention(_reading(whole), _reading(pieces)).decimal_mark == "."
    # What the readings write alike must show the mark plainly, three times at least.
    few = "88,790,482\t88,79\n12,971,560\t12,97\n41,90\t23,44"
    assert page_convention(_reading(whole), _reading(few)).decimal_mark is None


def test_a_list_one_engine_read_without_its_space_is_no_decimal_comma() -> None:
    # Seen on a real scan, skewed and rotated (the corpus's rotated_skew): RapidOCR read
    # "at 24, 25, or 30 frames" as "24,25", a decimal comma to a page with no other decimal,
    # and "110,000" was verified as 110 (two engines agreed on its writing, not its value).
    tesseract = _reading("holds over 110,000 notes\nat 24, 25, or 30 frames per second")
    rapidocr = _reading("holds over 110,000 notes\nat 24,25, or 30 frames per second")
    assert convention_for(tesseract.text + "\n" + rapidocr.text).decimal_mark == ","
    assert page_convention(tesseract, rapidocr).decimal_mark == "."
    numbers = verify_numbers("tesseract", tesseract, "rapidocr", rapidocr)
    assert [(n.raw, n.value, n.verified) for n in numbers if n.raw == "110,000"] == [
        ("110,000", "110000", True)
    ]


_GROUPED = [
    ("88,790,482", "30,988,719"),
    ("12,971,560", "12,187,495"),
    ("41,907,631", "66,602,938"),
    ("23,445,120", "10,004,377"),
]


def test_a_disputed_number_is_boxed_over_every_piece_the_other_reading_has_there() -> None:
    # Seen on a scanned two-column statement in DejaVu Sans ExtraLight (`numeric_bench
    # --font`, seed 103): Tesseract dropped the thin "1" of "17,605,515"; RapidOCR read
    # "17,605" and ".515". The box took in ".515" only, so the crop read again left the "1"
    # out, both crops read "7,605,515", and it was verified, wrong.
    words = (OcrWord(0, 10, (278, 749, 427, 776)), OcrWord(11, 20, (1047, 749, 1183, 773)))
    primary = OcrResult((OcrLine("Borrowings 7,605,515", (278, 749, 1183, 776), 0.9, words),))
    secondary = OcrResult(
        (
            OcrLine("Borrowings", (278, 743, 427, 774), 0.9),
            OcrLine("17,605", (1005, 743, 1110, 774), 0.9),
            OcrLine(".515", (1112, 746, 1183, 771), 0.9),
        )
    )
    convention = convention_for("1,234.56")
    (number,) = verify_numbers("tesseract", primary, "rapidocr", secondary, convention)
    assert not number.verified and number.box is not None
    assert number.box[0] <= 1005 and number.box[2] >= 1183  # the crop shows the "1"
