"""A blocking check on training candidates: every amount is a number of its page, unchanged."""

from decimal import Decimal

import dagster as dg

from preciso_dagster.core.numeric.numbers import extract_numbers
from preciso_dagster.core.pages import DocumentPages
from preciso_dagster.core.training.dataset import LineItemCandidate
from preciso_dagster.defs.ingest.partitions import documents_partitions
from preciso_dagster.defs.review.assets import confirmed_pages
from preciso_dagster.defs.training.assets import line_item_candidates


@dg.asset_check(
    asset=line_item_candidates,
    blocking=True,
    partitions_def=documents_partitions,
    additional_ins={"pages": dg.AssetIn(key=confirmed_pages.key)},
)
def candidate_amounts_match_pages(
    line_item_candidates: list[LineItemCandidate], pages: DocumentPages
) -> dg.AssetCheckResult:
    """Each candidate's amounts (every column) equal numbers read on its page (no digit lost
    in parsing)."""
    return candidate_amounts_result(line_item_candidates, pages)


def candidate_amounts_result(
    line_item_candidates: list[LineItemCandidate], pages: DocumentPages
) -> dg.AssetCheckResult:
    values_by_page = {
        page.index: {t.value for t in extract_numbers(page.text) if t.value is not None}
        for page in pages.pages
    }
    wrong = [
        c.model_dump(mode="json")
        for c in line_item_candidates
        if any(
            Decimal(amount) not in values_by_page.get(c.page, set())
            for amount in [c.amount, *(column.amount for column in c.columns)]
        )
    ]
    return dg.AssetCheckResult(
        passed=not wrong,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "candidates": len(line_item_candidates),
            "mismatched": len(wrong),
            "first_mismatches": dg.MetadataValue.json(wrong[:10]),
        },
    )
