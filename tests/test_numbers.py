"""Number extraction and normalisation: separators, locales, signs, scales, CJK units, kinds."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preciso_dagster.core.numeric.numbers import (
    DecimalConvention,
    NumberKind,
    convention_for,
    extract_numbers,
)


def values(text: str, locale: str | None = None) -> list[Decimal | None]:
    return [token.value for token in extract_numbers(text, locale)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234,567.89", "1234567.89"),
        ("1.234.567,89", "1234567.89"),
        ("1'234'567.50", "1234567.50"),
        ("1\u2009234\u2009567,5", "1234567.5"),
        ("1\u00a0234,50 €", "1234.50"),
        ("$1,234.5", "1234.5"),
        ("1,234.56 USD", "1234.56"),
        ("KRW 1,000,000", "1000000"),
        ("€ 12,50", "12.50"),
        ("¥12,000", "12000"),
        ("₩5,000", "5000"),
        ("£3.5bn", "3500000000"),
        ("１，２３４．５６", "1234.56"),
    ],
)
def test_separators_currency_and_width(text: str, expected: str) -> None:
    (token,) = extract_numbers(text)
    assert token.value == Decimal(expected)
    assert token.raw == text.strip() or text.startswith(token.raw) or token.raw in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(3,210)", "-3210"),
        ("-3,210", "-3210"),
        ("3,210-", "-3210"),
        ("△3,210", "-3210"),
        ("▲120", "-120"),
        ("−45.5", "-45.5"),
        ("+7", "7"),
    ],
)
def test_negatives(text: str, expected: str) -> None:
    assert values(text) == [Decimal(expected)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[4.0-10.0]", ["4.0", "10.0"]),
        ("0-0.06", ["0", "0.06"]),
        ("1,234-5,678", ["1234", "5678"]),
        ("5%-10%", ["5", "10"]),
        ("12 -5", ["12", "-5"]),
        ("$-5", ["-5"]),
        ("1,234-", ["-1234"]),
    ],
)
def test_a_dash_between_two_numbers_is_a_range_not_a_minus(text: str, expected: list[str]) -> None:
    assert values(text) == [Decimal(value) for value in expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 thousand", "12000"),
        ("1.2 million", "1200000"),
        ("3bn", "3000000000"),
        ("4.5 mn", "4500000"),
        ("10k", "10000"),
        ("2 billion", "2000000000"),
        ("3천", "3000"),
        ("5만", "50000"),
        ("3억", "300000000"),
        ("2조", "2000000000000"),
        ("1조 2,345억", "1234500000000"),
        ("7千", "7000"),
        ("8万", "80000"),
        ("9億", "900000000"),
        ("1兆", "1000000000000"),
        ("5千万", "50000000"),
        ("12억 3,400만 원", "1234000000"),
    ],
)
def test_scale_words_and_cjk_units(text: str, expected: str) -> None:
    assert values(text) == [Decimal(expected)]


def test_a_scale_letter_after_a_space_is_just_a_letter() -> None:
    assert values("a 123 b 456") == [Decimal(123), Decimal(456)]


def test_percentages_are_their_own_kind() -> None:
    (token,) = extract_numbers("margin 12.5%")
    assert token.kind == NumberKind.PERCENT and token.value == Decimal("12.5")


@pytest.mark.parametrize(
    ("text", "locale", "expected", "ambiguous"),
    [
        ("1,234", "en_US", "1234", False),
        ("1,234", "de_DE", "1.234", False),
        ("1.234", "en", "1.234", False),
        ("1.234", "de", "1234", False),
        ("1,234", None, "1234", True),
        ("1.234", None, "1234", True),
        ("1,234 and 5.50", None, "1234", False),  # the document writes decimals with a point
        ("1.234 and 5,50", None, "1234", False),  # ... or with a comma
        ("12 345", "fr_FR", "12345", False),
    ],
)
def test_locale_and_document_usage_decide_ambiguous_separators(
    text: str, locale: str | None, expected: str, ambiguous: bool
) -> None:
    token = extract_numbers(text, locale)[0]
    assert token.value == Decimal(expected)
    assert token.ambiguous is ambiguous
    if ambiguous:
        assert set(token.alternatives) == {Decimal("1234"), Decimal("1.234")}


def test_plain_spaces_do_not_group_digits_outside_space_locales() -> None:
    assert values("page 12 345", "en_US") == [Decimal(12), Decimal(345)]
    assert values("page 1,234,567 12 345") == [Decimal(1234567), Decimal(12), Decimal(345)]


@pytest.mark.parametrize("text", ["1 200 000 $", "page 12 345", "1 200 000"])
def test_spaces_between_digit_groups_are_ambiguous_when_the_text_does_not_say(text: str) -> None:
    # Seen on a French page: "1 200 000 $" became three verified numbers, 1, 200 and 000.
    (token,) = [t for t in extract_numbers(text)]
    assert token.ambiguous and " " in token.raw


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Total 1 200 000,50 € et 35 000,00 €", [Decimal("1200000.50"), Decimal("35000.00")]),
        ("Montant 1\u00a0200\u00a0000 $", [Decimal(1200000)]),
    ],
)
def test_a_text_that_groups_with_spaces_reads_space_grouped_numbers_whole(
    text: str, expected: list[Decimal]
) -> None:
    tokens = extract_numbers(text)
    assert [t.value for t in tokens] == expected
    assert not any(t.ambiguous for t in tokens)


def test_one_misread_mark_does_not_unsettle_a_page_that_groups_with_spaces() -> None:
    # Seen on a generated French statement: "3 975,19" OCR read as "3.975,19" made every
    # "76 316,81" of the page ambiguous (87% of its numbers in review).
    page = "76 316,81\n12 497,83\n6 159,24\n3.975,19\n95 218,97"
    assert convention_for(page) == DecimalConvention(",", True)
    assert convention_for("76 316,81\n3.975,19").space_groups is None  # one against one
    assert convention_for(page.replace(" ", ".").replace("3.975", "3 975")).space_groups is False


def test_one_misread_mark_does_not_unsettle_a_page_that_writes_decimals_with_points() -> None:
    # Seen on a corpus table never tuned on: 39 decimals such as "99.2" and one "0.0" OCR
    # read as "0,0" made every "1,590" on the page ambiguous (18.56% of its numbers in review).
    page = "18391\t4348\t22,739\n99.2\t100.0\t99.3\n99.4\t92.0\t91.5\n0,0\t1,590\t349"
    assert convention_for(page).decimal_mark == "."
    assert [t.ambiguous for t in extract_numbers(page) if t.raw == "1,590"] == [False]
    mirrored = "18391\t4348\t22.739\n99,2\t100,0\t99,3\n99,4\t92,0\t91,5\n0.0\t1.590\t349"
    assert convention_for(mirrored).decimal_mark == ","
    assert convention_for("99.2\t100.0\n0,0\t1,590").decimal_mark is None  # two against one


@pytest.mark.parametrize(
    ("ledger", "mark"),
    [
        # Seen on a generated ledger put through a scanner (seed 2027): each date counted as a
        # decimal point against each amount's comma, so the page had no decimal mark and every
        # date and amount RapidOCR ran together ("09.07.20218.275,44") went to review.
        ("09.07.2021 8.275,44\n16.07.2021 2.544,09\n04.08.2021 9.742,98", ","),
        ("09.07.20218.275,44\n16.07.20212.544,09\n04.08.20219.742,98", ","),
        ("07/09/2021 8,275.44\n07/16/2021 2,544.09\n2021.08.04 9,742.98", "."),
        ("Version 1.2.3, build 2021.08.04", None),  # no number's decimals at all
        ("3.14159 and 2.5", "."),
    ],
)
def test_dates_and_run_on_digits_are_no_evidence_of_the_decimal_mark(
    ledger: str, mark: str | None
) -> None:
    assert convention_for(ledger).decimal_mark == mark


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Dividend per share W2,034", Decimal(2034)),
        ("Cash S1,234.50", Decimal("1234.50")),
        ("Fees E1.234,56", Decimal("1234.56")),
        ("Deposit C12,500", Decimal(12500)),
        ("Price Y991,809", Decimal(991809)),
        ("Rent #9,682,280", Decimal(9682280)),
    ],
)
def test_a_currency_sign_misread_as_a_letter_keeps_its_amount(text: str, value: Decimal) -> None:
    (token,) = extract_numbers(text, "de" if "E1.234" in text else "en")
    assert token.kind == NumberKind.AMOUNT and token.value == value
    assert token.key == f"amount:{value.normalize():f}"


def test_a_letter_before_bare_digits_is_listed_and_doubtful() -> None:
    (token,) = extract_numbers("Balance S100")
    assert token.raw == "S100" and token.doubtful and token.value is None
    assert not extract_numbers("Form W-2 line 12a")[0].doubtful


def test_a_decimal_part_ends_the_number_before_a_space() -> None:
    # Seen on a German page: "681.503,00 938.484,35" became "681.503" and "00 938.484,35".
    assert values("681.503,00 938.484,35") == [Decimal("681503.00"), Decimal("938484.35")]


def test_marks_running_through_a_misfit_group_stay_one_malformed_token() -> None:
    # Two amount columns read as one box: never two guessed numbers, never a value asserted.
    (token,) = extract_numbers("74,715,29738,871,700")
    assert token.malformed and token.raw == "74,715,29738,871,700"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2024-03-31", "date:2024-03-31"),
        ("31/03/2024", "date:2024-03-31"),
        ("2024年3月31日", "date:2024-03-31"),
        ("2024년 3월 31일", "date:2024-03-31"),
        ("March 31, 2024", "date:2024-03-31"),
        ("31 Mar 2024", "date:2024-03-31"),
        ("3/31/2024", "date:2024-03-31"),
        ("03.31.2024", "date:2024-03-31"),
        ("12/31/15", "date:0015-12-31"),
        ("31.12.15", "date:0015-12-31"),
        ("3/21", "date:0000-03-21"),
        ("9:30", "time:09:30"),
        ("19:19:05", "time:19:19:05"),
    ],
)
def test_dates_are_kept_apart_from_amounts(text: str, key: str) -> None:
    (token,) = extract_numbers(text)
    assert token.kind == NumberKind.DATE and token.key == key and token.value is None


def test_a_range_or_a_slash_that_is_no_date_stays_numbers() -> None:
    assert [t.raw for t in extract_numbers("pages 3-21")] == ["3", "21"]
    assert [t.raw for t in extract_numbers("1/2/3")] == ["1", "2", "3"]
    assert [t.raw for t in extract_numbers("13/45")] == ["13", "45"]
    assert [t.raw for t in extract_numbers("a 3 1/2 inch disk")] == ["3", "1", "2"]
    assert [t.raw for t in extract_numbers("12 3/4%")] == ["12", "3", "4%"]
    assert [t.raw for t in extract_numbers("AIRFARE 3/21 3/24")] == ["3/21", "3/24"]


def test_a_dash_beside_another_number_is_read_as_beside_its_digits() -> None:
    # A skewed scan's "(818) 708-8131TELEX": the dash before the code is no trailing minus.
    tokens = extract_numbers("(818) 708-8131TELEX")
    assert [(t.raw, t.value) for t in tokens[1:]] == [("708", Decimal("708")), ("8131TELEX", None)]
    # "19- 2024-03-31": a trailing minus or a range's dash, as before a plain number.
    (minus, _) = extract_numbers("19- 2024-03-31")
    assert minus.raw == "19-" and minus.ambiguous


@pytest.mark.parametrize("date", ["31.03.2024", "03.31.2024", "31/03/2024", "2024-03-31", "9:30"])
def test_an_amount_right_after_a_date_is_listed(date: str) -> None:
    tokens = extract_numbers(f"TAXI {date} 12.00 (4.50)")
    assert [(t.raw, t.value) for t in tokens[1:]] == [
        ("12.00", Decimal("12.00")),
        ("(4.50)", Decimal("-4.50")),
    ]


def test_years_and_identifiers_compare_as_exact_tokens() -> None:
    tokens = extract_numbers("FY2024 invoice INV-2024-00123 account 123-456-789 year 2023")
    kinds = [(t.raw, t.kind) for t in tokens]
    assert kinds == [
        ("FY2024", NumberKind.YEAR),
        ("INV-2024-00123", NumberKind.IDENTIFIER),
        ("123-456-789", NumberKind.IDENTIFIER),
        ("2023", NumberKind.YEAR),
    ]
    assert tokens[1].key == "identifier:INV-2024-00123"


def test_units_after_a_number_do_not_make_it_an_identifier() -> None:
    tokens = extract_numbers("11435.7KG penalty 668730.23")
    assert [(t.raw, t.kind) for t in tokens] == [
        ("11435.7", NumberKind.AMOUNT),
        ("668730.23", NumberKind.AMOUNT),
    ]


def test_spans_index_the_original_text() -> None:
    text = "Net (１,２３４) and $5"
    for token in extract_numbers(text):
        assert text[token.span[0] : token.span[1]] == token.raw


@pytest.mark.parametrize(
    ("text", "malformed"),
    [
        ("37.499.96", True),  # "37,499.96" with its comma misread: no convention writes this
        ("1,234,56", True),
        ("1234,567,890", True),
        ("1,234,567", False),
        ("1.234.567,89", False),
        ("12.50", False),
        ("1,234", False),
    ],
)
def test_separators_no_convention_writes_mark_a_number_malformed(
    text: str, malformed: bool
) -> None:
    (token,) = extract_numbers(text)
    assert token.malformed is malformed


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3.566.437.23", "3566437.23"),  # "3.566.437,23" with its comma read as a point
        ("37.499.96", "37499.96"),
        ("1,234,56", "1234.56"),
        ("12,345,6", "12345.6"),
        # No groups of thousands before the last mark: its digits, grouped, as before.
        ("1234,567,89", "123456789"),
        ("1,23,456", "123456"),
    ],
)
def test_a_misread_decimal_mark_after_groups_of_thousands_keeps_its_plain_value(
    text: str, value: str
) -> None:
    # Every convention puts the decimal mark before the last one or two digits, so the value
    # is plain; the token stays malformed, never verified on its own.
    (token,) = extract_numbers(text)
    assert token.malformed and token.value == Decimal(value)


@pytest.mark.parametrize(
    ("text", "mark", "plain"),
    [
        ("59'622,335", ".", "59622.335"),  # the "," after an apostrophe: a misread ","?
        ("1.234,567", ".", "1234.567"),
        ("1,234.567", ",", "1234.567"),
        ("1,234.56", ".", "1234.56"),  # the page's own decimal mark: plain
        ("1.234,56", ".", "1234.56"),  # two digits after the last mark: no group
        ("1'234.567", ".", "1234.567"),
    ],
)
def test_three_digits_after_a_second_kind_of_mark_that_is_not_the_page_decimal_are_ambiguous(
    text: str, mark: str, plain: str
) -> None:
    # Seen on a scanned three-column statement in DejaVu Sans ExtraLight (`numeric_bench
    # --font`, seed 103): "59,622,335" on a page of decimal points, read "59'622,335" by
    # Tesseract and "59,622.335" by RapidOCR. The last of two kinds of mark was taken for the
    # decimal mark, whatever the page's: both were 59622.335, and it was verified, wrong.
    (token,) = extract_numbers(text, convention=DecimalConvention(mark))
    ambiguous = mark != text[-4] and text[-4] in ".," and text[-3:].isdigit()
    assert token.ambiguous == ambiguous
    assert token.value == Decimal(plain) or Decimal(plain) in token.alternatives
    if ambiguous:
        grouped = Decimal(text.replace("'", "").replace(",", "").replace(".", ""))
        assert grouped in token.alternatives


def test_a_decimal_with_a_space_after_its_mark_is_ambiguous() -> None:
    # A Chinese lab report sets "[0. 4-8. 0]": 0.4 to 8.0, or the numbers 0, 4, 8 and 0.
    tokens = extract_numbers("[0. 4-8. 0]")
    assert [t.raw for t in tokens] == ["0. 4", "8. 0"]
    assert all(t.ambiguous for t in tokens)


def test_a_comma_and_a_space_on_a_page_whose_decimals_are_points_make_a_list() -> None:
    point = DecimalConvention(".")
    assert [t.value for t in extract_numbers("pages 24, 25", convention=point)] == [24, 25]
    assert extract_numbers("1, 234", convention=point)[0].ambiguous  # a group OCR spaced?
    assert extract_numbers("24, 25", convention=DecimalConvention(","))[0].ambiguous
    assert extract_numbers("24, 25")[0].ambiguous  # the page does not say


# Pieces of pages as OCR and text layers give them, to be run together in any order.
PAGE_PIECES = (
    *("12.00", "1,234.56", "(4.50)", "-7", "0", "00", "0.4", "12,5", "1.234,56", "1'234.50"),
    *("31.03.2024", "03/21/2024", "3/21", "12/31/15", "2024-03-31", "2024年3月31日", "9:30"),
    *("INV-22", "FY2024", "2024", "#12", "A1", "No.", "21st", "10k", "3bn", "1.2 million"),
    *("1 200 000", "12 345", "12%", "5%-10%", "1.8-6.3", "1-2", "1/2", "13/45", "7/6", "3½"),
    *("$12", "€ 3,40", "₩2,034", "W2,034", "USD", "Revenue", "g/L", "x", "(", ",", "..."),
)


@settings(max_examples=3000, deadline=None)
@given(
    pieces=st.lists(
        st.tuples(st.sampled_from(PAGE_PIECES), st.sampled_from(["", " ", "  ", "\t", "\n"])),
        min_size=1,
        max_size=6,
    ),
    locale=st.sampled_from([None, "en", "fr", "de"]),
)
def test_no_digit_is_left_outside_every_listed_number(
    pieces: list[tuple[str, str]], locale: str | None
) -> None:
    # Whatever runs into what ("31.03.2024 12.00", "A10.4", "W2,0343/21"), each digit of the
    # text lies in some listed number: it may be in doubt, but never dropped.
    text = "".join(piece + joint for piece, joint in pieces)
    covered = bytearray(len(text))
    for token in extract_numbers(text, locale):
        covered[token.span[0] : token.span[1]] = b"\x01" * (token.span[1] - token.span[0])
    assert [c for i, c in enumerate(text) if c.isdigit() and not covered[i]] == [], text
