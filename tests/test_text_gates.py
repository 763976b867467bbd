"""The text-layer quality gates on their own."""

import pytest

from preciso_dagster.core.extraction.text_gates import judge_text_layer


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("  \n ", "empty"),
        ("Revenue \ufffd\ufffd4", "U+FFFD"),
        ("(cid:12)(cid:7) Revenue", "cid"),
        ("Revenue \ue001\ue002\ue003 12 and more words here to dilute", "private-use"),
        ("··· ··,··· ·· ··", "symbol soup"),
        ("Revenue 1O0 2l5 3S4 net 12", "look-alikes"),
    ],
)
def test_bad_text_layers_are_rejected(text: str, reason: str) -> None:
    verdict = judge_text_layer(text)
    assert not verdict.accepted
    assert reason in verdict.reason


def test_clean_financial_text_passes() -> None:
    text = "Revenue 1,234,567.89\nCost of sales (456,789.01)\n매출액 1조 2,345억 원\nFY2024"
    assert judge_text_layer(text).accepted
