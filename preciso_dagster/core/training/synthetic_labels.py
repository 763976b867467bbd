"""Generated line-item labels with known concepts, for tests, benchmarks and a demo stack.

Labels mix known phrases, phrases the rules do not know, typos, numbering, notes and Korean
spacing, so a learned model has something to learn beyond the rules baseline.
"""

from __future__ import annotations

import random

from preciso_dagster.core.training.taxonomy import concept_phrases

EXTRA_PHRASES = {
    "revenue": [
        "income from sales",
        "sales revenue",
        "revenue from contracts with customers",
        "영업 수익 합계",
    ],
    "cost_of_sales": ["cost of products sold", "direct costs", "매출 원가 합계"],
    "gross_profit": ["gross income", "gross result", "총 이익"],
    "operating_expenses": ["opex", "selling and admin expenses", "판매 관리비"],
    "operating_income": ["operating result", "profit from operations", "영업 손익"],
    "net_income": ["profit attributable to owners", "net result", "당기 순손익"],
    "total_assets": ["assets total", "sum of assets", "자산 합계"],
    "total_liabilities": ["liabilities total", "sum of liabilities", "부채 합계"],
    "equity": ["net assets", "owners equity", "자본 합계"],
    "cash": ["cash at bank", "cash on hand", "현금 및 예금"],
    "accounts_receivable": ["receivables from customers", "debtors", "외상 매출금"],
    "inventory": ["stock on hand", "merchandise", "상품 재고"],
    "income_tax": ["tax expense", "current tax", "법인세 등"],
}
PREFIXES = ["", "", "", "Total ", "Consolidated ", "1. ", "(a) ", "II. ", "- "]
SUFFIXES = [
    "",
    "",
    "",
    " for the year",
    " (note 5)",
    " - continuing operations",
    " 2024",
    " (restated)",
    ":",
]


def _typo(label: str, rng: random.Random) -> str:
    if len(label) < 6 or rng.random() > 0.25:
        return label
    i = rng.randrange(1, len(label) - 2)
    return (
        label[:i] + label[i + 1] + label[i] + label[i + 2 :]
        if rng.random() < 0.5
        else (label[:i] + label[i + 1 :])
    )


def generated_labels(count: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """`count` (label, concept) pairs, balanced over concepts, the same for the same seed."""
    rng = random.Random(seed)
    names = sorted(concept_phrases())
    labels, concepts = [], []
    for index in range(count):
        concept = names[index % len(names)]
        phrases = list(concept_phrases()[concept]) + EXTRA_PHRASES.get(concept, [])
        phrase = rng.choice(phrases)
        if rng.random() < 0.3:
            phrase = phrase.title() if phrase.isascii() else phrase
        label = f"{rng.choice(PREFIXES)}{_typo(phrase, rng)}{rng.choice(SUFFIXES)}"
        labels.append(label.strip())
        concepts.append(concept)
    return labels, concepts
