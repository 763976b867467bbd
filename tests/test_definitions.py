"""The code location loads, and its assets and sensors work in process with test instances."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
from dagster._core.storage.dagster_run import DagsterRun

from preciso_dagster.core.appdb.models import (
    Document,
    DocumentStatus,
    JobSource,
    JobStatus,
    PipelineJob,
    ReviewItem,
)
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.settings import Settings
from preciso_dagster.definitions import defs
from preciso_dagster.defs.ingest.assets import document_pages
from preciso_dagster.defs.numeric.assets import normalized_text
from preciso_dagster.defs.numeric.checks import normalized_text_keeps_numbers, numbers_verified
from preciso_dagster.defs.pipeline.inbox_sensor import document_inbox_sensor
from preciso_dagster.defs.resources import resources_for
from preciso_dagster.defs.review.assets import confirmed_pages, numbers_settled
from preciso_dagster.defs.tracking.run_observer import backfill_progress
from preciso_dagster.defs.tracking.sensors import pipeline_jobs_mirror_sensor
from tests import fixtures
from tests.conftest import register


def test_definitions_load_with_the_named_jobs() -> None:
    repository = defs.get_repository_def()
    for job_name in ("ocr_extraction_job", "numeric_check_job"):
        assert repository.has_job(job_name)
    assert {s.name for s in repository.sensor_defs} >= {
        "document_inbox_sensor",
        "pipeline_jobs_mirror_sensor",
    }
    for asset in repository.asset_graph.assets_defs:
        for key in asset.keys:
            assert asset.descriptions_by_key.get(key), f"{key} has no description"
            assert asset.group_names_by_key[key] != "default"


EXTRACTION = [
    document_pages,
    confirmed_pages,
    normalized_text,
    numbers_verified,
    numbers_settled,
    normalized_text_keeps_numbers,
]


def test_document_pages_materializes_with_provenance(settings: Settings) -> None:
    document_id = register(settings, fixtures.text_pdf(), "report.pdf")
    with dg.instance_for_test() as instance:
        # A second partition must not leak into this partition's checks.
        instance.add_dynamic_partitions("documents", ["doc-other", document_id])
        result = dg.materialize(
            EXTRACTION,
            partition_key=document_id,
            resources=resources_for(settings),
            instance=instance,
        )
        assert result.success
        checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
        assert checks == {
            "numbers_verified": True,
            "numbers_settled": True,
            "normalized_text_keeps_numbers": True,
        }
        (materialization,) = result.asset_materializations_for_node("document_pages")
        assert materialization.metadata["engines"].data == {"text_layer": 1}
        assert "accepted" in materialization.metadata["provenance"].value
    with session_scope(settings.database_url) as session:
        document = session.get(Document, document_id)
        assert document and document.status == DocumentStatus.EXTRACTED
        assert document.pages and document.pages[0].engine == "text_layer"


def test_an_unreadable_number_becomes_exactly_one_review_item_and_blocks(
    settings: Settings,
) -> None:
    document_id = register(settings, fixtures.damaged_number_scan(), "damaged.pdf")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", [document_id])
        result = dg.materialize(
            EXTRACTION,
            partition_key=document_id,
            resources=resources_for(settings),
            instance=instance,
            raise_on_error=False,
        )
        assert not result.success
        (evaluation,) = result.get_asset_check_evaluations()
        assert evaluation.check_name == "numbers_verified" and not evaluation.passed
        assert evaluation.metadata["unverified"].value == 1
        assert not result.asset_materializations_for_node("normalized_text")
    with session_scope(settings.database_url) as session:
        document = session.get(Document, document_id)
        assert document and document.status == DocumentStatus.NEEDS_REVIEW
        (item,) = session.query(ReviewItem).all()
        assert (item.page_index, item.status.value) == (0, "open")
        assert item.box and item.readings["tesseract"] != item.readings["rapidocr"]
        assert item.crop_path and Path(item.crop_path).read_bytes().startswith(b"\x89PNG")


def test_a_bad_document_fails_once_with_its_reason(settings: Settings) -> None:
    document_id = register(settings, fixtures.encrypted_pdf(), "locked.pdf")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", [document_id])
        result = dg.materialize(
            [document_pages],
            partition_key=document_id,
            resources=resources_for(settings),
            instance=instance,
            raise_on_error=False,
        )
        assert not result.success
        retries = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
        assert retries == []
    with session_scope(settings.database_url) as session:
        document = session.get(Document, document_id)
        assert document and document.status == DocumentStatus.FAILED
        assert "encrypted" in (document.failure_reason or "")


def test_inbox_sensor_requests_one_run_per_document_and_never_twice(settings: Settings) -> None:
    assert settings.inbox_dir
    settings.inbox_dir.mkdir(parents=True)
    report = fixtures.text_pdf()
    (settings.inbox_dir / "a.pdf").write_bytes(report)
    (settings.inbox_dir / "copy-of-a.pdf").write_bytes(report)
    (settings.inbox_dir / "empty.pdf").write_bytes(b"")
    (settings.inbox_dir / "still-copying.pdf").write_bytes(b"%PDF-1.7 half")
    for path in settings.inbox_dir.iterdir():
        if path.name != "still-copying.pdf":
            os.utime(path, (time.time() - 60, time.time() - 60))
    # Written a moment ago whenever the sensor looks, however slow the machine (a loaded CI
    # run once took longer than the 2 s settle time, and the half-copied file was taken).
    os.utime(settings.inbox_dir / "still-copying.pdf", (time.time() + 3600, time.time() + 3600))
    resources = resources_for(settings)
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources=resources)
        result = document_inbox_sensor(context)
        assert isinstance(result, dg.SensorResult)
        keys = {request.run_key for request in result.run_requests or []}
        assert len(keys) == 1  # two copies of the same bytes: one document, one run key
        remaining = sorted(p.name for p in settings.inbox_dir.iterdir())
        assert remaining == [".ingested", "still-copying.pdf"]
        again = document_inbox_sensor(
            dg.build_sensor_context(instance=instance, resources=resources)
        )
        assert isinstance(again, dg.SkipReason)
    with session_scope(settings.database_url) as session:
        statuses = sorted(d.status.value for d in session.query(Document).all())
        assert statuses == ["failed", "received"]


@pytest.mark.parametrize("outcome", ["success", "failure"])
def test_mirror_sensor_records_runs_launched_anywhere(settings: Settings, outcome: str) -> None:
    @dg.op
    def work() -> None:
        if outcome == "failure":
            raise RuntimeError("engine exploded")

    @dg.job(name="training_job")
    def launched_from_the_ui() -> None:
        work()

    with dg.instance_for_test() as instance:
        result = launched_from_the_ui.execute_in_process(instance=instance, raise_on_error=False)
        context = dg.build_sensor_context(instance=instance, resources=resources_for(settings))
        pipeline_jobs_mirror_sensor(context)
        assert context.cursor
    with session_scope(settings.database_url) as session:
        (job,) = session.query(PipelineJob).all()
        assert job.dagster_run_id == result.run_id and job.source == JobSource.UI
        if outcome == "success":
            assert job.status == JobStatus.SUCCEEDED
        else:
            assert job.status == JobStatus.FAILED
            assert "engine exploded" in (job.error or "")


def test_workspace_and_instance_files_exist() -> None:
    root = Path(__file__).resolve().parents[1]
    assert (root / "workspace.yaml").exists() and (root / "dagster.yaml").exists()


def add_backfill(
    instance: dg.DagsterInstance, status: str, partitions: list[str], succeeded: list[str]
) -> None:
    """A job backfill over `partitions` whose runs for `succeeded` have ended well."""
    instance.add_backfill(
        PartitionBackfill(
            backfill_id="bf",
            status=BulkActionStatus(status),
            from_failure=False,
            tags={},
            backfill_timestamp=time.time(),
            partition_set_origin=None,
            partition_names=partitions,
            reexecution_steps=None,
            asset_selection=None,
        )
    )
    for partition in succeeded:
        instance.add_run(
            DagsterRun(
                job_name="ocr_extraction_job",
                run_id=f"run-{partition}",
                status=dg.DagsterRunStatus.SUCCESS,
                tags={"dagster/backfill": "bf", "dagster/partition": partition},
            )
        )


@pytest.mark.parametrize(
    ("status", "succeeded", "expected"),
    [
        ("REQUESTED", ["a"], JobStatus.RUNNING),  # still launching b and c
        ("COMPLETED_SUCCESS", ["a", "b", "c"], JobStatus.SUCCEEDED),
        ("CANCELED", ["a"], JobStatus.CANCELED),
        ("COMPLETED_FAILED", ["a", "b"], JobStatus.FAILED),  # c never launched
    ],
)
def test_backfill_progress(status: str, succeeded: list[str], expected: JobStatus) -> None:
    with dg.instance_for_test() as instance:
        add_backfill(instance, status, ["a", "b", "c"], succeeded)
        progress = backfill_progress(instance, "bf")
    assert progress.status == expected and progress.partitions == 3
    assert progress.run_ids == {f"run-{partition}" for partition in succeeded}
    if expected == JobStatus.FAILED:
        assert progress.error == "1 of 3 partitions never launched (backfill COMPLETED_FAILED)"


def test_mirror_sensor_finishes_a_backfill_canceled_with_no_run_changing(
    settings: Settings,
) -> None:
    with dg.instance_for_test() as instance:
        add_backfill(instance, "REQUESTED", ["a", "b", "c"], ["a"])
        resources = resources_for(settings)
        first = dg.build_sensor_context(instance=instance, resources=resources)
        pipeline_jobs_mirror_sensor(first)
        with session_scope(settings.database_url) as session:
            (job,) = session.query(PipelineJob).all()
            assert job.source == JobSource.BACKFILL and job.status == JobStatus.RUNNING
        backfill = instance.get_backfill("bf")
        assert backfill is not None
        instance.update_backfill(backfill.with_status(BulkActionStatus.CANCELED))
        cursor = dg.build_sensor_context(
            instance=instance, resources=resources, cursor=first.cursor
        )
        pipeline_jobs_mirror_sensor(cursor)  # no run changed since the first tick
    with session_scope(settings.database_url) as session:
        (job,) = session.query(PipelineJob).all()
        assert job.status == JobStatus.CANCELED and job.attempts == 1
