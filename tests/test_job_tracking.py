"""pipeline_jobs: creation, status changes, mirroring of runs from every source, event history."""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlalchemy import func, select

from preciso_dagster.core.appdb.models import (
    Document,
    DocumentStatus,
    JobSource,
    JobStatus,
    PipelineJob,
    PipelineJobEvent,
)
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.settings import Settings
from preciso_dagster.core.tracking.error_wording import plain_error
from preciso_dagster.core.tracking.jobs import (
    BackfillProgress,
    RunObservation,
    backfill_job_id,
    create_job,
    list_jobs,
    mirror_run,
)
from preciso_dagster.core.tracking.run_tags import JOB_ID_TAG, PARTITION_TAG, ROOT_RUN_TAG
from tests.conftest import register


def events(url: str, job_id: uuid.UUID) -> list[tuple[str, str | None, str | None]]:
    with session_scope(url) as session:
        rows = session.scalars(
            select(PipelineJobEvent)
            .where(PipelineJobEvent.job_id == job_id)
            .order_by(PipelineJobEvent.event_id)
        )
        return [(e.kind, e.status.value if e.status else None, e.dagster_run_id) for e in rows]


def test_api_job_follows_its_tagged_run_to_success(database_url: str) -> None:
    with session_scope(database_url) as session:
        job = create_job(
            session,
            job_type="ocr_extraction",
            params={"document_id": "d"},
            source=JobSource.API,
            requested_by="operator:x",
        )
        job_id = job.job_id
    tags = {JOB_ID_TAG: str(job_id)}
    for status in ("QUEUED", "STARTED", "SUCCESS"):
        with session_scope(database_url) as session:
            mirror_run(session, RunObservation("run-1", "ocr_extraction_job", status, tags))
    with session_scope(database_url) as session:
        job = session.get(PipelineJob, job_id)
        assert job is not None
        assert (job.status, job.dagster_run_id, job.attempts) == (JobStatus.SUCCEEDED, "run-1", 1)
        assert job.started_at is not None and job.finished_at is not None
        assert job.created_at.tzinfo is not None
    assert events(database_url, job_id) == [
        ("created", "pending", None),
        ("run_attached", None, "run-1"),
        ("status", "queued", "run-1"),
        ("status", "running", "run-1"),
        ("status", "succeeded", "run-1"),
    ]


def test_mirroring_the_same_state_twice_writes_nothing_new(database_url: str) -> None:
    run = RunObservation("run-9", "ocr_extraction_job", "SUCCESS", {"dagster/sensor_name": "s"})
    with session_scope(database_url) as session:
        job_id = mirror_run(session, run).job_id
    with session_scope(database_url) as session:
        mirror_run(session, run)
    assert [kind for kind, _, _ in events(database_url, job_id)] == [
        "created",
        "run_attached",
        "status",
    ]


def test_runs_without_a_job_tag_get_a_job_with_their_source(database_url: str) -> None:
    cases = {
        "r-ui": ({}, JobSource.UI),
        "r-sensor": ({"dagster/sensor_name": "document_inbox_sensor"}, JobSource.SENSOR),
        "r-schedule": ({"dagster/schedule_name": "nightly"}, JobSource.SCHEDULE),
        "r-backfill": (
            {"dagster/backfill": "abc", "dagster/partition": "doc-1"},
            JobSource.BACKFILL,
        ),
    }
    with session_scope(database_url) as session:
        for run_id, (tags, _) in cases.items():
            mirror_run(session, RunObservation(run_id, "ocr_extraction_job", "STARTED", tags))
    with session_scope(database_url) as session:
        for run_id, (_, source) in cases.items():
            job = session.scalar(select(PipelineJob).where(PipelineJob.dagster_run_id == run_id))
            assert job is not None and job.source == source
            assert job.job_type == "ocr_extraction" and job.status == JobStatus.RUNNING
        backfilled = session.scalar(
            select(PipelineJob).where(PipelineJob.dagster_run_id == "r-backfill")
        )
        assert backfilled is not None and backfilled.params == {"backfill_id": "abc"}


def test_a_retry_of_a_sensor_run_is_an_attempt_of_the_sensor_job(database_url: str) -> None:
    sensor = {"dagster/sensor_name": "approval_sensor"}
    with session_scope(database_url) as session:
        first = mirror_run(session, RunObservation("run-a", "training_job", "FAILURE", sensor))
        job_id = first.job_id
    retry_tags = {**sensor, ROOT_RUN_TAG: "run-a", "dagster/parent_run_id": "run-a"}
    with session_scope(database_url) as session:
        retried = mirror_run(
            session, RunObservation("run-b", "training_job", "SUCCESS", retry_tags)
        )
        assert (retried.job_id, retried.attempts, retried.status) == (
            job_id,
            2,
            JobStatus.SUCCEEDED,
        )
        assert session.scalar(select(func.count()).select_from(PipelineJob)) == 1


def test_a_retry_run_is_a_new_attempt_of_the_same_job(database_url: str) -> None:
    job_id = uuid.uuid4()
    tags = {JOB_ID_TAG: str(job_id)}
    with session_scope(database_url) as session:
        mirror_run(session, RunObservation("first", "training_job", "QUEUED", tags))
        mirror_run(session, RunObservation("second", "training_job", "STARTED", tags))
    with session_scope(database_url) as session:
        # The sweep reads the first run again; an earlier attempt must not take the job back.
        mirror_run(session, RunObservation("first", "training_job", "QUEUED", tags))
        mirror_run(
            session,
            RunObservation(
                "second", "training_job", "FAILURE", tags, error="boom", retries_exhausted=True
            ),
        )
    with session_scope(database_url) as session:
        job = session.get(PipelineJob, job_id)
        assert job is not None
        assert (job.attempts, job.dagster_run_id, job.status) == (
            2,
            "second",
            JobStatus.DEAD_LETTER,
        )
        assert job.error == "boom"


def test_list_jobs_filters_and_pages(database_url: str) -> None:
    with session_scope(database_url) as session:
        for index in range(5):
            job = create_job(
                session,
                job_type="ocr_extraction" if index % 2 else "training",
                params={},
                source=JobSource.API,
            )
            if index == 0:
                job.status = JobStatus.FAILED
    with session_scope(database_url) as session:
        page, total = list_jobs(session, job_type="training", limit=1)
        assert total == 3 and len(page) == 1
        failed, total_failed = list_jobs(session, status=JobStatus.FAILED)
        assert total_failed == 1 and failed[0].job_type == "training"


def test_run_specs_for_each_job_type() -> None:
    from preciso_dagster.core.tracking.submissions import run_spec_for

    assert run_spec_for("ocr_extraction", {"document_id": "d"}).partition_key == "d"
    assert run_spec_for("numeric_check", {"document_id": "d"}).job_name == "numeric_check_job"
    training = run_spec_for("training", {"example_ids": [3]})
    assert training.run_config["ops"]["training_dataset"]["config"]["example_ids"] == [3]


def test_a_finished_run_records_the_mirror_lag(database_url: str) -> None:
    from datetime import timedelta

    from preciso_dagster.core.appdb.models import utcnow

    ended = utcnow() - timedelta(seconds=3)
    run = RunObservation("r-lag", "ocr_extraction_job", "SUCCESS", {}, end_time=ended)
    with session_scope(database_url) as session:
        job_id = mirror_run(session, run).job_id
    with session_scope(database_url) as session:
        (event,) = session.scalars(
            select(PipelineJobEvent).where(
                PipelineJobEvent.job_id == job_id, PipelineJobEvent.kind == "status"
            )
        )
        assert 3 <= event.detail["mirror_lag_seconds"] < 30


def test_runs_of_one_backfill_are_attempts_of_one_job_whichever_ends_last(
    database_url: str,
) -> None:
    tags = {"dagster/backfill": "bf-1"}
    running = BackfillProgress("bf-1", JobStatus.RUNNING, partitions=2)
    failed = BackfillProgress("bf-1", JobStatus.FAILED, partitions=2, error="1 of 2 failed")
    observations = [
        RunObservation("a", "ocr_extraction_job", "STARTED", tags, backfill=running),
        RunObservation("b", "ocr_extraction_job", "STARTED", tags, backfill=running),
        RunObservation("b", "ocr_extraction_job", "SUCCESS", tags, backfill=running),
        # The older run ends last: its update still moves the job, which is the backfill's.
        RunObservation("a", "ocr_extraction_job", "FAILURE", tags, backfill=failed),
    ]
    for observation in observations:
        with session_scope(database_url) as session:
            mirror_run(session, observation)
    with session_scope(database_url) as session:
        (job,) = session.scalars(select(PipelineJob)).all()
        assert job.job_id == backfill_job_id("bf-1")
        assert job.source == JobSource.BACKFILL and job.attempts == 2
        assert job.status == JobStatus.FAILED and job.error == "1 of 2 failed"
        assert job.params == {"backfill_id": "bf-1", "documents": 2}


def _document_in(settings: Settings, status: DocumentStatus) -> str:
    document_id = register(settings, f"Cash {status.value}".encode(), "doc.txt")
    with session_scope(settings.database_url) as session:
        document = session.get(Document, document_id)
        assert document
        document.status = status
    return document_id


def test_a_run_stopped_for_review_ends_its_job_needs_review_not_failed(
    settings: Settings,
) -> None:
    url = settings.database_url
    waiting = _document_in(settings, DocumentStatus.APPROVED)  # reviewed since: still the same
    broken = _document_in(settings, DocumentStatus.FAILED)
    review_error = "check numbers_verified: 31 numbers need review"
    damaged = "document_pages: x.pdf: pymupdf.mupdf.FzErrorSyntax: code=8: invalid key in dict"
    outcomes = {}
    for document_id, error in ((waiting, review_error), (broken, damaged)):
        tags = {PARTITION_TAG: document_id}
        with session_scope(url) as session:
            run = RunObservation(f"run-{document_id[:8]}", "ocr_extraction_job", "FAILURE", tags)
            job = mirror_run(session, replace(run, error=error))
            outcomes[document_id] = (job.status, job.error, job.events[-1].detail)
    status, error, detail = outcomes[waiting]
    assert status == JobStatus.NEEDS_REVIEW and status.is_terminal
    assert error == "numbers waiting for a reviewer: 31"
    assert detail["library_error"] == review_error
    status, error, detail = outcomes[broken]
    assert status == JobStatus.FAILED
    assert error == "the PDF is damaged: its structure cannot be read"
    assert "FzErrorSyntax" in detail["library_error"]


def test_errors_no_rule_knows_keep_their_words() -> None:
    assert plain_error("document_pages: disk full") == "document_pages: disk full"
    assert plain_error(None) is None


def test_the_job_type_registry_names_the_code_locations_jobs_and_queues() -> None:
    from preciso_dagster.core.tracking.submissions import JOB_TYPES, job_type_for
    from preciso_dagster.definitions import defs

    for job_type in JOB_TYPES.values():
        job = defs.resolve_job_def(job_type.dagster_job)
        assert job.tags.get("preciso/queue") == job_type.queue, job_type.name
        assert job_type_for(job_type.dagster_job) == job_type.name
    assert job_type_for("review_continuation_job") == "review_continuation"
