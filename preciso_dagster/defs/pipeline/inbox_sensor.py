"""`document_inbox_sensor`: every settled file in the inbox becomes a document and a run."""

import hashlib

import dagster as dg

from preciso_dagster.core.appdb.models import DocumentStatus
from preciso_dagster.core.extraction.registration import Registration, register_document
from preciso_dagster.core.tracking.run_tags import DOCUMENTS_TAG, SOURCE_TAG
from preciso_dagster.defs.appdb import AppDatabaseResource
from preciso_dagster.defs.ingest.inbox import InboxResource
from preciso_dagster.defs.ingest.partitions import documents_partitions
from preciso_dagster.defs.ingest.resources import DocumentStoreResource
from preciso_dagster.defs.pipeline.batch import ocr_batch_job
from preciso_dagster.defs.pipeline.jobs import ocr_extraction_job

FILES_PER_TICK = 200
SENSOR_TAGS = {SOURCE_TAG: "sensor"}


@dg.sensor(
    jobs=[ocr_extraction_job, ocr_batch_job],
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def document_inbox_sensor(
    context: dg.SensorEvaluationContext,
    app_db: AppDatabaseResource,
    document_store: DocumentStoreResource,
    inbox: InboxResource,
) -> dg.SensorResult | dg.SkipReason:
    """Store and register inbox files, add their partitions, and request their runs.

    A few documents get one `ocr_extraction_job` run each (run key: the sha256). When at least
    `batch_threshold` new documents arrive in one tick, they go in `ocr_batch_job` runs of up
    to `batch_size` (run key: a hash of the batch's sha256s). A daemon restart or a second
    copy of the same bytes never starts a document twice.
    """
    files = inbox.ready_files(FILES_PER_TICK)
    if not files:
        return dg.SkipReason("inbox is empty")
    store = document_store.store()
    new: list[Registration] = []
    unfinished: list[Registration] = []
    for inbox_file in files:
        content = inbox_file.path.read_bytes()
        with app_db.session() as session:
            registration = register_document(session, store, content, inbox_file.name)
        inbox.set_aside(inbox_file, registration.sha256)
        if registration.status == DocumentStatus.FAILED:
            context.log.warning(
                f"{inbox_file.name}: {registration.document_id} failed: "
                f"{registration.failure_reason}"
            )
        elif registration.is_new:
            new.append(registration)
        elif registration.status == DocumentStatus.RECEIVED:
            unfinished.append(registration)  # registered before, never run: its own run key
    singles = unfinished
    batches: list[list[Registration]] = []
    if len(new) >= inbox.batch_threshold:
        size = inbox.batch_size
        batches = [new[start : start + size] for start in range(0, len(new), size)]
    else:
        singles = unfinished + new
    run_requests = [
        dg.RunRequest(
            run_key=r.sha256,
            job_name=ocr_extraction_job.name,
            partition_key=r.document_id,
            tags=SENSOR_TAGS,
        )
        for r in singles
    ] + [batch_run_request(batch) for batch in batches]
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[
            documents_partitions.build_add_request(sorted({r.document_id for r in singles + new}))
        ],
    )


def batch_run_request(batch: list[Registration]) -> dg.RunRequest:
    """One `ocr_batch_job` run for `batch`, keyed by its documents' contents."""
    document_ids = [r.document_id for r in batch]
    run_key = (
        "batch-" + hashlib.sha256("".join(sorted(r.sha256 for r in batch)).encode()).hexdigest()
    )
    return dg.RunRequest(
        run_key=run_key,
        job_name=ocr_batch_job.name,
        run_config={"ops": {"extract_document_batch": {"config": {"document_ids": document_ids}}}},
        tags={**SENSOR_TAGS, DOCUMENTS_TAG: str(len(batch))},
    )
