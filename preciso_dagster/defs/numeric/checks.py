"""Blocking numeric checks: nothing downstream materialises from a page with a doubtful number."""

from typing import Any

import dagster as dg

from preciso_dagster.core.numeric.compare import compare_texts
from preciso_dagster.core.pages import DocumentPages
from preciso_dagster.defs.ingest.assets import document_pages
from preciso_dagster.defs.ingest.partitions import documents_partitions
from preciso_dagster.defs.numeric.assets import normalized_text
from preciso_dagster.defs.review.assets import confirmed_pages

FINDINGS_SHOWN = 10


def _findings_table(rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> dg.MetadataValue:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows[:FINDINGS_SHOWN]:
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in row) + " |")
    if len(rows) > FINDINGS_SHOWN:
        lines.append(f"\n... and {len(rows) - FINDINGS_SHOWN} more")
    return dg.MetadataValue.md("\n".join(lines))


@dg.asset_check(asset=document_pages, blocking=True, partitions_def=documents_partitions)
def numbers_verified(document_pages: DocumentPages) -> dg.AssetCheckResult:
    """Every number on every page is verified (text layer, or two OCR readings that agree)."""
    return pages_numbers_result(document_pages)


def pages_numbers_result(document_pages: DocumentPages) -> dg.AssetCheckResult:
    numbers = [(page.index, n) for page in document_pages.pages for n in page.numbers]
    unverified = [(index, n) for index, n in numbers if not n.verified]
    rows = [(index, n.raw, n.readings, n.box, n.reason) for index, n in unverified]
    return dg.AssetCheckResult(
        passed=not unverified,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None if not unverified else f"{len(unverified)} numbers need review",
        metadata={
            "numbers": len(numbers),
            "unverified": len(unverified),
            "findings": _findings_table(rows, ("page", "raw", "readings", "box", "reason")),
        },
    )


@dg.asset_check(
    asset=normalized_text,
    blocking=True,
    partitions_def=documents_partitions,
    additional_ins={"confirmed_pages": dg.AssetIn(key=confirmed_pages.key)},
)
def normalized_text_keeps_numbers(
    confirmed_pages: DocumentPages, normalized_text: list[str]
) -> dg.AssetCheckResult:
    """Normalisation changed no number of the confirmed pages: none missing, altered or added."""
    return normalization_result(confirmed_pages, normalized_text)


def normalization_result(
    document_pages: DocumentPages, normalized_text: list[str]
) -> dg.AssetCheckResult:
    rows: list[tuple[Any, ...]] = []
    checked = identical = 0
    for page, output in zip(document_pages.pages, normalized_text, strict=True):
        result = compare_texts(page.text, output)
        checked += result.source_count
        identical += result.identical_lines
        rows += [(page.index, "missing", t.raw, t.span, "") for t in result.missing]
        rows += [(page.index, "added", t.raw, t.span, "") for t in result.added]
        rows += [
            (
                page.index,
                "altered",
                a.source.raw,
                a.source.span,
                f"{a.output.raw} ({a.alteration})",
            )
            for a in result.altered
        ]
    return dg.AssetCheckResult(
        passed=not rows,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "numbers_compared": checked,
            "identical_lines": identical,
            "findings_count": len(rows),
            "findings": _findings_table(rows, ("page", "finding", "raw", "span", "output")),
        },
    )
