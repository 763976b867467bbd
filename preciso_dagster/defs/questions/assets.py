"""`document_passages`: a document's confirmed text as searchable passages, and its check."""

from collections import Counter

import dagster as dg

from preciso_dagster.core.pages import DocumentPages
from preciso_dagster.core.questions.index import replace_passages
from preciso_dagster.core.questions.passages import Passage, passages_of
from preciso_dagster.defs.appdb import AppDatabaseResource
from preciso_dagster.defs.ingest.outputs import DOCUMENT_OUTPUTS
from preciso_dagster.defs.ingest.partitions import documents_partitions
from preciso_dagster.defs.review.assets import confirmed_pages


@dg.asset(
    partitions_def=documents_partitions,
    group_name="questions",
    kinds={"python"},
    owners=["team:questions"],
    ins={"confirmed": dg.AssetIn(key=confirmed_pages.key)},
    code_version="1",
    io_manager_key=DOCUMENT_OUTPUTS,
)
def document_passages(
    context: dg.AssetExecutionContext, confirmed: DocumentPages, app_db: AppDatabaseResource
) -> dg.Output[list[Passage]]:
    """Passages of the confirmed pages (reviewers' corrections in) with document, page, lines,
    boxes and each number's state; they replace the document's passages in the search index."""
    return index_document(app_db, context.partition_key, confirmed)


def index_document(
    app_db: AppDatabaseResource, document_id: str, confirmed: DocumentPages
) -> dg.Output[list[Passage]]:
    passages = passages_of(document_id, confirmed.pages)
    with app_db.session() as session:
        replace_passages(session, document_id, passages)
    numbers = [n for passage in passages for n in passage.numbers]
    return dg.Output(
        passages,
        metadata={
            "passages": len(passages),
            "numbers": len(numbers),
            "unverified_numbers": sum(not n.verified for n in numbers),
        },
    )


def passages_result(passages: list[Passage], confirmed: DocumentPages) -> dg.AssetCheckResult:
    """Every number of the confirmed text is in exactly one passage, in the same state."""
    expected = Counter(
        (page.index, n.raw, n.value)
        for page in confirmed.pages
        for n in page.numbers
        if n.kind == "number" and n.span
    )
    indexed = Counter((p.page_index, n.raw, n.value) for p in passages for n in p.numbers)
    missing, extra = expected - indexed, indexed - expected
    return dg.AssetCheckResult(
        passed=not missing and not extra,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "numbers": sum(expected.values()),
            "missing": dg.MetadataValue.json([list(k) for k in list(missing)[:10]]),
            "extra": dg.MetadataValue.json([list(k) for k in list(extra)[:10]]),
        },
    )


@dg.asset_check(
    asset=document_passages,
    blocking=True,
    partitions_def=documents_partitions,
    additional_ins={"confirmed": dg.AssetIn(key=confirmed_pages.key)},
)
def passages_keep_numbers(
    document_passages: list[Passage], confirmed: DocumentPages
) -> dg.AssetCheckResult:
    """Search never loses a number: each one of the confirmed text is in one passage."""
    return passages_result(document_passages, confirmed)
