"""The outbox thread against a Dagster that refuses connections (nothing listens on its port)."""

from __future__ import annotations

import time

from sqlalchemy import select

from api_bridge.dagster_gateway import DagsterGateway
from api_bridge.services.jobs import submit_job
from api_bridge.services.outbox import OutboxSubmitter, submit_pending
from preciso_dagster.cli.supervisor import free_port
from preciso_dagster.core.appdb.models import JobStatus, PipelineJob
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.errors import SubmissionRefusedError
from preciso_dagster.core.settings import Settings
from preciso_dagster.core.tracking.run_tags import JOB_ID_TAG
from preciso_dagster.core.tracking.submissions import RunSpec
from tests.conftest import known_documents


class CountingGateway(DagsterGateway):
    """The real gateway, counting the GraphQL calls the outbox makes."""

    calls = 0

    def runs_for_job(self, job_id: str) -> list[str]:
        self.calls += 1
        return super().runs_for_job(job_id)


def test_new_jobs_do_not_cut_the_backoff_short_while_dagster_is_down(settings: Settings) -> None:
    gateway = CountingGateway("127.0.0.1", free_port())
    known_documents(settings, [f"doc-{number}" for number in range(20)])
    outbox = OutboxSubmitter(settings.database_url, gateway)
    outbox.start()
    try:
        for number in range(20):
            with session_scope(settings.database_url) as session:
                submit_job(
                    session,
                    job_type="ocr_extraction",
                    params={"document_id": f"doc-{number}"},
                    requested_by="test",
                )
            outbox.wake()
            time.sleep(0.02)
        time.sleep(0.2)
        assert gateway.calls == 1  # the first wake found Dagster down; the rest waited
    finally:
        outbox.stop()
    with session_scope(settings.database_url) as session:
        statuses = set(session.scalars(select(PipelineJob.status)).all())
    assert statuses == {JobStatus.PENDING}  # nothing lost, nothing failed


class RefusingGateway(DagsterGateway):
    """Dagster's two answers to a launch: a refusal for the first job (as the real webserver
    gives for a config it rejects; see test_faults), a run for every other."""

    def __init__(self, refused_job_id: str) -> None:
        super().__init__("127.0.0.1", free_port())
        self.refused_job_id = refused_job_id

    def runs_for_job(self, job_id: str) -> list[str]:
        return []

    def submit(self, spec: RunSpec, tags: dict[str, str]) -> str:
        if tags[JOB_ID_TAG] == self.refused_job_id:
            raise SubmissionRefusedError("Dagster refused the run (RunConfigValidationInvalid)")
        return f"run-for-{tags[JOB_ID_TAG]}"


def test_a_refused_job_fails_with_its_reason_and_never_blocks_the_next(settings: Settings) -> None:
    known_documents(settings, ["doc-1"])
    with session_scope(settings.database_url) as session:
        refused, _ = submit_job(session, job_type="training", params={}, requested_by="test")
        good, _ = submit_job(
            session, job_type="ocr_extraction", params={"document_id": "doc-1"}, requested_by="t"
        )
        refused_id, good_id = refused.job_id, good.job_id
    sent = submit_pending(settings.database_url, RefusingGateway(str(refused_id)))
    assert sent == 1
    with session_scope(settings.database_url) as session:
        refused_job = session.get(PipelineJob, refused_id)
        good_job = session.get(PipelineJob, good_id)
        assert refused_job and good_job
        assert refused_job.status == JobStatus.FAILED
        assert "RunConfigValidationInvalid" in (refused_job.error or "")
        assert (good_job.status, good_job.dagster_run_id) == (
            JobStatus.QUEUED,
            f"run-for-{good_id}",
        )
