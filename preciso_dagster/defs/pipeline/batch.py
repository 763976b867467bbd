"""`ocr_batch_job`: many documents in one run, each with its own outcome, outputs and checks.

A Dagster run costs seconds of fixed overhead, so when many documents arrive at once the inbox
sensor groups them into batches. Each document goes through the same functions as
`ocr_extraction_job`, writes the same per-partition outputs, and reports its materialisations
and check results against its own partition, so the asset catalog shows every document as if
it had had its own run, and any one of them can be re-run alone from the UI. A failed check
stops that document there, as a blocking check would, and the batch goes on.
"""

from collections import Counter
from typing import Any

import dagster as dg
from pydantic import Field

from preciso_dagster.core.appdb.models import DocumentOutcome
from preciso_dagster.core.errors import BadDocumentError, NotFoundError
from preciso_dagster.core.tracking.rollups import record_outcome
from preciso_dagster.core.tracking.submissions import JOB_TYPES
from preciso_dagster.defs.appdb import AppDatabaseResource
from preciso_dagster.defs.ingest.assets import document_pages
from preciso_dagster.defs.ingest.outputs import DocumentOutputsIOManager
from preciso_dagster.defs.ingest.resources import DocumentStoreResource, ExtractionResource
from preciso_dagster.defs.pipeline.steps import DOCUMENT_STEPS, DocumentRun
from preciso_dagster.defs.retries import TRANSIENT_RETRY_POLICY


class DocumentBatchConfig(dg.Config):
    """The documents (partition keys) this run extracts and checks."""

    document_ids: list[str] = Field(min_length=1)


@dg.op(retry_policy=TRANSIENT_RETRY_POLICY)
def extract_document_batch(
    context: dg.OpExecutionContext,
    config: DocumentBatchConfig,
    app_db: AppDatabaseResource,
    document_store: DocumentStoreResource,
    extraction: ExtractionResource,
    document_outputs: dg.ResourceParam[DocumentOutputsIOManager],
) -> dict[str, int]:
    """Extract, check, normalise and propose candidates for each document of the batch."""
    batch = DocumentSteps(context, app_db, document_store, extraction, document_outputs)
    counts: Counter[str] = Counter()
    for document_id in config.document_ids:
        outcome, reason = batch.run(document_id)
        with app_db.session() as session:
            record_outcome(session, context.run_id, document_id, outcome, reason)
        counts[outcome.value] += 1
        if reason:
            context.log.warning(f"{document_id}: {outcome}: {reason}")
    context.add_output_metadata({"documents": len(config.document_ids), **counts})
    return dict(counts)


class DocumentSteps:
    """The chain of `ocr_extraction_job` (DOCUMENT_STEPS), reported partition by partition."""

    def __init__(
        self,
        context: dg.OpExecutionContext,
        app_db: AppDatabaseResource,
        document_store: DocumentStoreResource,
        extraction: ExtractionResource,
        outputs: DocumentOutputsIOManager,
    ) -> None:
        self.context = context
        self.app_db = app_db
        self.document_store = document_store
        self.extraction = extraction
        self.outputs = outputs

    def run(self, document_id: str) -> tuple[DocumentOutcome, str | None]:
        run = DocumentRun(document_id, self.app_db, self.document_store, self.extraction)
        for step in DOCUMENT_STEPS:
            try:
                output = step.compute(run)
            except (BadDocumentError, NotFoundError) as error:
                return DocumentOutcome.FAILED, str(error)
            run[step.asset] = output.value
            failed = self._report(document_id, step.asset, output, step.check, step.judge(run))
            if failed:
                return DocumentOutcome.NEEDS_REVIEW, failed
        if any(page.needs_review for page in run[document_pages].pages):
            return DocumentOutcome.NEEDS_REVIEW, "a page needs review"
        return DocumentOutcome.SUCCEEDED, None

    def _report(
        self,
        document_id: str,
        asset: dg.AssetsDefinition,
        output: dg.Output[Any],
        check: dg.AssetChecksDefinition,
        result: dg.AssetCheckResult,
    ) -> str | None:
        """Store the output, report it and its check on the partition; the failure, if any."""
        self.outputs.write(asset.key.path[-1], document_id, output.value)
        self.context.log_event(
            dg.AssetMaterialization(
                asset_key=asset.key, partition=document_id, metadata=output.metadata
            )
        )
        check_key = check.check_key
        # log_event records check evaluations; its type hint does not list them yet.
        self.context.log_event(
            dg.AssetCheckEvaluation(  # type: ignore[arg-type]
                asset_key=check_key.asset_key,
                check_name=check_key.name,
                passed=result.passed,
                metadata=result.metadata,
                severity=result.severity,
                description=result.description,
                blocking=True,
                partition=document_id,
            )
        )
        if result.passed:
            return None
        return f"check {check_key.name} failed" + (
            f": {result.description}" if result.description else ""
        )


@dg.job(name=JOB_TYPES["ocr_batch"].dagster_job, tags=JOB_TYPES["ocr_batch"].tags)
def ocr_batch_job() -> None:
    """Extract and check a batch of documents in one run; each keeps its own outcome."""
    extract_document_batch()
