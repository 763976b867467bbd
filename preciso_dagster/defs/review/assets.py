"""`confirmed_pages`: the extracted pages with the reviewers' decisions laid over them."""

import dagster as dg

from preciso_dagster.core.pages import DocumentPages
from preciso_dagster.core.review.overlay import SETTLED_STATES, decisions_for
from preciso_dagster.core.review.overlay import confirmed_pages as overlay
from preciso_dagster.defs.appdb import AppDatabaseResource
from preciso_dagster.defs.ingest.assets import document_pages
from preciso_dagster.defs.ingest.outputs import DOCUMENT_OUTPUTS
from preciso_dagster.defs.ingest.partitions import documents_partitions


@dg.asset(
    partitions_def=documents_partitions,
    group_name="review",
    kinds={"python"},
    owners=["team:review"],
    ins={"extracted": dg.AssetIn(key=document_pages.key)},
    code_version="1",
    io_manager_key=DOCUMENT_OUTPUTS,
)
def confirmed_pages(
    context: dg.AssetExecutionContext, extracted: DocumentPages, app_db: AppDatabaseResource
) -> dg.Output[DocumentPages]:
    """Pages with each number's state (verified, confirmed, corrected, rejected, open) and
    corrected values in the text; the extraction itself is never changed."""
    return confirm_document(app_db, context.partition_key, extracted)


def confirm_document(
    app_db: AppDatabaseResource, document_id: str, extracted: DocumentPages
) -> dg.Output[DocumentPages]:
    with app_db.session() as session:
        decisions = decisions_for(session, document_id)
    pages = overlay(extracted.pages, decisions)
    states = [str(n.state) for page in pages for n in page.numbers]
    return dg.Output(
        extracted.model_copy(update={"pages": pages}),
        metadata={state: states.count(state) for state in sorted(set(states))}
        | {"decisions": len(decisions)},
    )


def pages_settled_result(confirmed: DocumentPages) -> dg.AssetCheckResult:
    """Passed when every number is verified, confirmed or corrected (none open or rejected)."""
    unsettled = [
        (page.index, n.raw, n.state)
        for page in confirmed.pages
        for n in page.numbers
        if n.state not in SETTLED_STATES
    ]
    return dg.AssetCheckResult(
        passed=not unsettled,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None if not unsettled else f"{len(unsettled)} numbers are open or rejected",
        metadata={"unsettled": len(unsettled), "first": dg.MetadataValue.json(unsettled[:10])},
    )


@dg.asset_check(asset=confirmed_pages, blocking=True, partitions_def=documents_partitions)
def numbers_settled(confirmed_pages: DocumentPages) -> dg.AssetCheckResult:
    """Nothing downstream uses a number that is open or was rejected by a reviewer."""
    return pages_settled_result(confirmed_pages)
