"""Bulk arrivals: batch runs report every document on its own partition, with rollups."""

from __future__ import annotations

import os
import time
import uuid

import dagster as dg
import pytest
from pydantic import ValidationError

from preciso_dagster.core.appdb.models import Document, DocumentOutcome, JobSource, RunDocument
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.pages import DocumentPages
from preciso_dagster.core.settings import Settings
from preciso_dagster.core.tracking.jobs import attach_run, create_job
from preciso_dagster.core.tracking.rollups import document_rollup, record_outcome
from preciso_dagster.definitions import defs
from preciso_dagster.defs.ingest.assets import document_pages
from preciso_dagster.defs.ingest.outputs import DocumentOutputsIOManager
from preciso_dagster.defs.numeric.assets import normalized_text
from preciso_dagster.defs.numeric.checks import normalized_text_keeps_numbers, numbers_verified
from preciso_dagster.defs.pipeline.batch import ocr_batch_job
from preciso_dagster.defs.pipeline.inbox_sensor import document_inbox_sensor
from preciso_dagster.defs.pipeline.jobs import ocr_extraction_job
from preciso_dagster.defs.pipeline.steps import DOCUMENT_STEPS
from preciso_dagster.defs.resources import resources_for
from preciso_dagster.defs.review.assets import confirmed_pages
from tests import fixtures
from tests.conftest import register


def _batch_config(document_ids: list[str]) -> dict[str, object]:
    return {"ops": {"extract_document_batch": {"config": {"document_ids": document_ids}}}}


def test_batch_run_reports_each_document_on_its_own_partition(settings: Settings) -> None:
    good = register(settings, fixtures.text_pdf(), "report.pdf")
    office = register(settings, fixtures.docx_bytes(), "balance.docx")
    locked = register(settings, fixtures.encrypted_pdf(), "locked.pdf")
    resources = resources_for(settings)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", [good, office, locked])
        result = ocr_batch_job.execute_in_process(
            run_config=_batch_config([good, locked, office]),
            resources=resources,
            instance=instance,
        )
        assert result.success  # a bad document fails alone; the batch goes on
        materialized = {
            (e.asset_key.to_user_string(), e.partition)
            for e in result.asset_materializations_for_node("extract_document_batch")
        }
        assert materialized == {
            (asset, document)
            for asset in (
                "document_pages",
                "confirmed_pages",
                "normalized_text",
                "document_passages",
                "line_item_candidates",
            )
            for document in (good, office)
        }
        checks = [
            e.event_specific_data
            for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION"
        ]
        assert {(c.check_name, c.partition, c.passed) for c in checks} == {
            (name, document, True)
            for name in (
                "numbers_verified",
                "numbers_settled",
                "normalized_text_keeps_numbers",
                "passages_keep_numbers",
                "candidate_amounts_match_pages",
            )
            for document in (good, office)
        }
        # Any one document can be re-checked alone: the partitioned job reads the batch's outputs.
        single = dg.materialize(
            [
                document_pages,
                confirmed_pages,
                normalized_text,
                numbers_verified,
                normalized_text_keeps_numbers,
            ],
            selection=dg.AssetSelection.assets(normalized_text),
            partition_key=office,
            resources=resources,
            instance=instance,
        )
        assert single.success
        (recheck,) = single.get_asset_check_evaluations()
        assert (recheck.check_name, recheck.partition, recheck.passed) == (
            "normalized_text_keeps_numbers",
            office,
            True,
        )
    with session_scope(settings.database_url) as session:
        outcomes = {r.document_id: (r.outcome, r.reason) for r in session.query(RunDocument)}
        assert outcomes[good] == (DocumentOutcome.SUCCEEDED, None)
        assert outcomes[office] == (DocumentOutcome.SUCCEEDED, None)
        assert outcomes[locked][0] == DocumentOutcome.FAILED
        assert "encrypted" in (outcomes[locked][1] or "")
        assert session.get(Document, locked).status.value == "failed"  # type: ignore[union-attr]
    stored = DocumentOutputsIOManager(base_dir=str(settings.var_dir / "outputs"))
    assert stored.read("document_pages", good, DocumentPages).pages[0].engine == "text_layer"
    with pytest.raises(ValidationError):  # read as what it is not: refused, never half-read
        stored.read("document_pages", good, list[str])


def test_inbox_sensor_batches_bulk_arrivals_and_never_twice(settings: Settings) -> None:
    assert settings.inbox_dir
    settings.inbox_dir.mkdir(parents=True)
    for number in range(7):
        lines = [f"Statement {number}", f"Revenue {number},234.56"]
        (settings.inbox_dir / f"r{number}.pdf").write_bytes(fixtures.text_pdf(lines))
    (settings.inbox_dir / "empty.pdf").write_bytes(b"")
    for path in settings.inbox_dir.iterdir():
        os.utime(path, (time.time() - 60, time.time() - 60))
    resources = resources_for(settings.model_copy(update={"ocr_batch_size": 3}))
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources=resources)
        result = document_inbox_sensor(context)
        assert isinstance(result, dg.SensorResult)
        requests = result.run_requests or []
        assert [r.job_name for r in requests] == ["ocr_batch_job"] * 3
        sizes = [
            len(r.run_config["ops"]["extract_document_batch"]["config"]["document_ids"])
            for r in requests
        ]
        assert sizes == [3, 3, 1] and [r.tags["preciso/documents"] for r in requests] == [
            "3",
            "3",
            "1",
        ]
        assert len({r.run_key for r in requests}) == 3
        (partitions,) = result.dynamic_partitions_requests or []
        assert len(partitions.partition_keys) == 7  # type: ignore[union-attr]
        again = document_inbox_sensor(
            dg.build_sensor_context(instance=instance, resources=resources)
        )
        assert isinstance(again, dg.SkipReason)


def test_rollup_counts_each_document_once_through_retries(settings: Settings) -> None:
    app_db = resources_for(settings)["app_db"]
    with session_scope(settings.database_url) as session:
        job = create_job(
            session,
            job_type="ocr_batch",
            params={"document_ids": ["d1", "d2", "d3", "d4"]},
            source=JobSource.API,
            job_id=uuid.uuid4(),
        )
        attach_run(session, job, "run-1")
        job_id = job.job_id
    with app_db.session() as session:
        record_outcome(session, "run-1", "d1", DocumentOutcome.SUCCEEDED, None)
        record_outcome(session, "run-1", "d2", DocumentOutcome.FAILED, "engine crashed")
        record_outcome(session, "run-1", "d3", DocumentOutcome.NEEDS_REVIEW, "check failed")
        record_outcome(session, "other-run", "d4", DocumentOutcome.FAILED, "not this job's run")
    with session_scope(settings.database_url) as session:
        job = session.get(type(job), job_id)
        assert document_rollup(session, job) == {
            "total": 4,
            "succeeded": 1,
            "needs_review": 1,
            "failed": 1,
            "pending": 1,
        }
        attach_run(session, job, "run-2")  # the retry reprocesses d2 and reaches d4
    with app_db.session() as session:
        record_outcome(session, "run-2", "d2", DocumentOutcome.SUCCEEDED, None)
        record_outcome(session, "run-2", "d4", DocumentOutcome.SUCCEEDED, None)
    with session_scope(settings.database_url) as session:
        job = session.get(type(job), job_id)
        assert document_rollup(session, job) == {
            "total": 4,
            "succeeded": 3,
            "needs_review": 1,
            "failed": 0,
            "pending": 0,
        }


def test_the_batch_job_and_the_one_document_job_run_the_same_steps(settings: Settings) -> None:
    document = register(settings, fixtures.text_pdf(), "report.pdf")
    resources = resources_for(settings)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", [document])
        batch = ocr_batch_job.execute_in_process(
            run_config=_batch_config([document]), resources=resources, instance=instance
        )
        single_job = defs.resolve_job_def(ocr_extraction_job.name)
        single = single_job.execute_in_process(
            partition_key=document, resources=resources, instance=instance
        )

    def steps(result: dg.ExecuteInProcessResult) -> tuple[list[str], list[str]]:
        materialized = {
            e.event_specific_data.materialization.asset_key.to_user_string()
            for e in result.all_events
            if e.event_type_value == "ASSET_MATERIALIZATION"
        }
        checked = {
            e.event_specific_data.check_name
            for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION"
        }
        return sorted(materialized), sorted(checked)

    expected = (
        sorted(step.asset.key.to_user_string() for step in DOCUMENT_STEPS),
        sorted(step.check.check_key.name for step in DOCUMENT_STEPS),
    )
    assert batch.success and single.success
    assert steps(batch) == steps(single) == expected
