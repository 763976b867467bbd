"""`document_inbox_sensor`: every settled file in the inbox becomes a document and a run."""

import dagster as dg

from preciso_dagster.appdb.models import DocumentStatus
from preciso_dagster.appdb.resource import AppDatabaseResource
from preciso_dagster.ingest.inbox import InboxResource
from preciso_dagster.ingest.jobs import ocr_extraction_job
from preciso_dagster.ingest.partitions import documents_partitions
from preciso_dagster.ingest.registration import register_document
from preciso_dagster.ingest.resources import DocumentStoreResource
from preciso_dagster.tracking.run_tags import SOURCE_TAG

FILES_PER_TICK = 200


@dg.sensor(
    job=ocr_extraction_job,
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def document_inbox_sensor(
    context: dg.SensorEvaluationContext,
    app_db: AppDatabaseResource,
    document_store: DocumentStoreResource,
    inbox: InboxResource,
) -> dg.SensorResult | dg.SkipReason:
    """Store and register inbox files, add their partitions, and request one run per document.

    The run key is the file's sha256, so a daemon restart or a second copy never runs twice.
    """
    files = inbox.ready_files(FILES_PER_TICK)
    if not files:
        return dg.SkipReason("inbox is empty")
    store = document_store.store()
    run_requests: list[dg.RunRequest] = []
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
            continue
        run_requests.append(
            dg.RunRequest(
                run_key=registration.sha256,
                partition_key=registration.document_id,
                tags={SOURCE_TAG: "sensor"},
            )
        )
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[
            documents_partitions.build_add_request(
                sorted({request.partition_key for request in run_requests if request.partition_key})
            )
        ],
    )
