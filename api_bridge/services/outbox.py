"""The outbox: jobs recorded while Dagster was unreachable are sent when it answers again."""

from __future__ import annotations

import threading
import uuid

import structlog
from sqlalchemy import select

from api_bridge.dagster_gateway import DagsterGateway
from preciso_dagster.core.appdb.models import JobStatus, PipelineJob
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.errors import (
    DagsterUnavailableError,
    InvalidRequestError,
    SubmissionRefusedError,
)
from preciso_dagster.core.tracking.jobs import attach_run, set_status
from preciso_dagster.core.tracking.run_tags import JOB_ID_TAG, SOURCE_TAG
from preciso_dagster.core.tracking.submissions import run_spec_for

log = structlog.get_logger(__name__)
CLAIM_BATCH = 20
MIN_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS = 0.5, 30.0


def submit_pending(database_url: str, gateway: DagsterGateway) -> int:
    """Send a batch of pending jobs; raises DagsterUnavailableError when Dagster is still down.

    Each claim holds a row lock (FOR UPDATE SKIP LOCKED on PostgreSQL) so two bridges never send
    the same job, and a run already tagged with the job id is attached instead of resubmitted.
    """
    sent = 0
    with session_scope(database_url) as session:
        jobs = session.scalars(
            select(PipelineJob)
            .where(PipelineJob.status == JobStatus.PENDING)
            .order_by(PipelineJob.created_at)
            .limit(CLAIM_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for job in jobs:
            existing = gateway.runs_for_job(str(job.job_id))
            if existing:
                run_id = existing[-1]
            else:
                try:
                    spec = run_spec_for(job.job_type, job.params)
                    run_id = gateway.submit(spec, {JOB_ID_TAG: str(job.job_id), SOURCE_TAG: "api"})
                except (InvalidRequestError, SubmissionRefusedError) as error:
                    # This job can never run; it must not hold up the jobs behind it.
                    set_status(session, job, JobStatus.FAILED, error=str(error))
                    session.commit()
                    log.warning("pending job refused", job_id=str(job.job_id), reason=str(error))
                    continue
            attach_run(session, job, run_id)
            set_status(session, job, JobStatus.QUEUED)
            session.commit()  # one job at a time: a crash never loses a recorded run id
            sent += 1
            log.info("pending job submitted", job_id=str(job.job_id), dagster_run_id=run_id)
    return sent


class OutboxSubmitter:
    """A background thread that drains pending jobs, backing off while Dagster is down."""

    def __init__(self, database_url: str, gateway: DagsterGateway) -> None:
        self.database_url = database_url
        self.gateway = gateway
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def wake(self, _job_id: uuid.UUID | None = None) -> None:
        """A new pending job: try now, unless Dagster was down at the last try."""
        self._wake.set()

    def _run(self) -> None:
        backoff = MIN_BACKOFF_SECONDS
        while not self._stop.is_set():
            dagster_down = False
            try:
                sent = submit_pending(self.database_url, self.gateway)
                backoff = MIN_BACKOFF_SECONDS if sent else min(backoff * 2, MAX_BACKOFF_SECONDS)
            except DagsterUnavailableError as error:
                log.warning("outbox waiting for Dagster", reason=str(error), retry_in=backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                dagster_down = True
            except Exception:  # a database hiccup must not kill the thread
                log.exception("outbox sweep failed")
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            # While Dagster is down, new jobs wait out the backoff: waking for each one would
            # turn every submission into one more refused call, competing with the requests.
            (self._stop if dagster_down else self._wake).wait(backoff)
            self._wake.clear()
