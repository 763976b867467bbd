"""A deterministic line-item parser: a label followed by an amount, on one line of page text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from preciso_dagster.numeric.numbers import NumberKind, extract_numbers

MIN_LABEL_LETTERS = 3


@dataclass(frozen=True)
class LineItem:
    label: str
    amount: Decimal
    raw_amount: str
    span: tuple[int, int]  # the whole line in the page text


def parse_line_items(text: str) -> list[LineItem]:
    """Lines whose text starts with a label and ends with an amount (the first amount is used)."""
    items = []
    offset = 0
    for line in text.split("\n"):
        amounts = [t for t in extract_numbers(line) if t.kind == NumberKind.AMOUNT]
        if amounts and amounts[0].value is not None:
            label = line[: amounts[0].span[0]].strip(" \t:.-–")
            if sum(ch.isalpha() for ch in label) >= MIN_LABEL_LETTERS:
                label = re.sub(r"\s+", " ", label)
                items.append(
                    LineItem(label, amounts[0].value, amounts[0].raw, (offset, offset + len(line)))
                )
        offset += len(line) + 1
    return items
