"""Comparison: reformatting passes; every change of a number fails and is classified."""

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preciso_dagster.core.numeric.compare import Alteration, compare_texts


def _grouped(digits: str, separator: str) -> str:
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return separator.join(groups)


def render(value: Decimal, style: str) -> str:
    """`value` (two decimals) written in one of several harmless styles."""
    negative = value < 0
    whole, fraction = f"{abs(value):.2f}".split(".")
    body = {
        "en": f"{_grouped(whole, ',')}.{fraction}",
        "plain": f"{whole}.{fraction}",
        "swiss": f"{_grouped(whole, chr(39))}.{fraction}",
        "thin": f"{_grouped(whole, chr(0x2009))}.{fraction}",
        "usd-before": f"$ {_grouped(whole, ',')}.{fraction}",
        "usd-after": f"{_grouped(whole, ',')}.{fraction} USD",
        "fullwidth": "".join(
            chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in f"{_grouped(whole, ',')}.{fraction}"
        ),
    }[style]
    if not negative:
        return body
    return f"({body})" if style in ("en", "swiss", "fullwidth") else f"-{body}"


amounts = st.lists(
    st.decimals(
        min_value=Decimal("-999999999.99"), max_value=Decimal("999999999.99"), places=2
    ).filter(lambda d: d != 0),
    min_size=1,
    max_size=12,
)
styles = st.sampled_from(["en", "plain", "swiss", "thin", "usd-before", "usd-after", "fullwidth"])


def statement(values: list[Decimal], styles_used: list[str]) -> str:
    return "\n".join(
        f"Line item {chr(65 + i % 26)}: {render(v, s)}"
        for i, (v, s) in enumerate(zip(values, styles_used, strict=True))
    )


@settings(max_examples=300, deadline=None)
@given(values=amounts, data=st.data())
def test_harmless_reformatting_never_fails(values: list[Decimal], data: st.DataObject) -> None:
    source = statement(values, ["en"] * len(values))
    output = statement(values, [data.draw(styles) for _ in values])
    result = compare_texts(source, output)
    assert result.passed, result.to_dict()


def _mutations(text: str, start: int, end: int) -> dict[str, str]:
    """Every kind of damage to the number at text[start:end] (written in the 'en' style)."""
    number = text[start:end]
    digit_positions = [i for i, c in enumerate(number) if c.isdigit()]
    out: dict[str, str] = {}
    first = digit_positions[0]
    out["substitution"] = number[:first] + str((int(number[first]) + 1) % 10) + number[first + 1 :]
    for a, b in itertools.pairwise(digit_positions):
        if b == a + 1 and number[a] != number[b]:
            out["transposition"] = number[:a] + number[b] + number[a] + number[b + 1 :]
            break
    plain = number.replace(",", "").strip("()")
    whole, fraction = plain.split(".")
    out["decimal_shift"] = f"{whole}{fraction[0]}.{fraction[1]}"
    if number.startswith("("):
        out["sign_loss"] = number.strip("()")
    out["dropped_number"] = ""
    return {kind: text[:start] + damaged + text[end:] for kind, damaged in out.items()}


@settings(max_examples=200, deadline=None)
@given(values=amounts, data=st.data())
def test_every_change_to_a_number_fails(values: list[Decimal], data: st.DataObject) -> None:
    source = statement(values, ["en"] * len(values))
    target = data.draw(st.integers(0, len(values) - 1))
    line_start = source.index(
        f"Line item {chr(65 + target % 26)}: ",
        sum(len(line) + 1 for line in source.split("\n")[:target]),
    )
    start = source.index(": ", line_start) + 2
    end = source.find("\n", start)
    end = len(source) if end == -1 else end
    for kind, damaged in _mutations(source, start, end).items():
        result = compare_texts(source, damaged)
        assert not result.passed, (kind, source, damaged)


@pytest.mark.parametrize(
    ("source", "output", "alteration"),
    [
        ("Revenue 1,234,567.89", "Revenue 1,234,567.98", Alteration.TRANSPOSITION),
        ("Revenue 1,234,567.89", "Revenue 1,234,561.89", Alteration.DIGIT_SUBSTITUTION),
        ("Revenue 1,234,567.89", "Revenue 12,345,678.9", Alteration.DECIMAL_SHIFT),
        ("Loss (3,210)", "Loss 3,210", Alteration.SIGN_FLIP),
        ("Sales 1.2 million", "Sales 1.2 billion", Alteration.SCALE_CHANGE),
        ("Cash 45,670", "Cash 4,570", Alteration.DROPPED_DIGIT),
    ],
)
def test_alterations_are_classified(source: str, output: str, alteration: Alteration) -> None:
    result = compare_texts(source, output, locale="en")
    (altered,) = result.altered
    assert altered.alteration == alteration
    assert source[altered.source.span[0] : altered.source.span[1]] == altered.source.raw
    assert output[altered.output.span[0] : altered.output.span[1]] == altered.output.raw


def test_missing_and_added_carry_positions() -> None:
    result = compare_texts("A 100.50 B 200.75", "A 100.50 C 9")
    assert [t.raw for t in result.missing] == ["200.75"]
    assert [t.raw for t in result.added] == ["9"]
    assert result.missing[0].span == (11, 17)


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ("1,200,000", "1.2 million"),
        ("3 billion won", "3bn won"),
        ("$5", "5 USD"),
        ("1조 2,345억", "1,234,500,000,000"),
        ("12%", "12 %"),
        ("2024-03-31", "31/03/2024"),
    ],
)
def test_equivalent_spellings_pass(source: str, output: str) -> None:
    assert compare_texts(source, output).passed


def test_ambiguous_numbers_are_reported_not_guessed() -> None:
    result = compare_texts("Total 1,234", "Total: 1,234")
    assert result.passed
    assert [t.raw for t in result.ambiguous] == ["1,234", "1,234"]
    assert not compare_texts("Total 1,234", "Total 1,243").passed


def test_identical_lines_are_skipped_but_still_count_as_present() -> None:
    source = "A 1.50\nB 2.75\nC 3.00"
    result = compare_texts(source, "A 1.50\nB 2.75\nC 3.01")
    assert result.identical_lines == 2 and result.source_count == 1
    assert [(a.source.raw, a.source.span) for a in result.altered] == [("3.00", (16, 20))]
    assert not compare_texts(source, "A 1.50\nC 3.00").passed  # a dropped line still fails
