"""The outbox thread against a Dagster that refuses connections (nothing listens on its port)."""

from __future__ import annotations

import time

from sqlalchemy import select

from api_bridge.dagster_gateway import DagsterGateway
from api_bridge.services.jobs import submit_job
from api_bridge.services.outbox import OutboxSubmitter
from preciso_dagster.appdb.models import JobStatus, PipelineJob
from preciso_dagster.appdb.session import session_scope
from preciso_dagster.settings import Settings
from preciso_dagster.stack import free_port


class CountingGateway(DagsterGateway):
    """The real gateway, counting the GraphQL calls the outbox makes."""

    calls = 0

    def runs_for_job(self, job_id: str) -> list[str]:
        self.calls += 1
        return super().runs_for_job(job_id)


def test_new_jobs_do_not_cut_the_backoff_short_while_dagster_is_down(settings: Settings) -> None:
    gateway = CountingGateway("127.0.0.1", free_port())
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
