"""`/metrics` for Prometheus: jobs by status, dead letters, submission latency and mirror lag."""

from __future__ import annotations

import statistics
import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from sqlalchemy import func, select

from preciso_dagster.core.appdb.models import JobStatus, PipelineJob, PipelineJobEvent
from preciso_dagster.core.appdb.session import session_scope

LAG_SAMPLE = 200


def install_metrics(app: FastAPI) -> None:
    """Register the collectors on a registry of this app and serve them at /metrics."""
    registry = CollectorRegistry()
    jobs = Gauge("preciso_jobs", "Pipeline jobs by status", ["status"], registry=registry)
    dead_letters = Gauge("preciso_dead_letter_jobs", "Jobs in dead_letter", registry=registry)
    lag = Gauge(
        "preciso_mirror_lag_seconds",
        "Median seconds from run end to the job update (last 200 finished jobs)",
        registry=registry,
    )
    submission = Histogram(
        "preciso_submission_seconds",
        "POST /api/v1/jobs latency",
        registry=registry,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    )

    @app.middleware("http")
    async def time_submissions(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        if request.method == "POST" and request.url.path == "/api/v1/jobs":
            submission.observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        with session_scope(app.state.settings.database_url) as session:
            counts = dict(
                session.execute(
                    select(PipelineJob.status, func.count()).group_by(PipelineJob.status)
                ).all()
            )
            for member in JobStatus:
                jobs.labels(member.value).set(counts.get(member, 0))
            dead_letters.set(counts.get(JobStatus.DEAD_LETTER, 0))
            lags = [
                float(event.detail["mirror_lag_seconds"])
                for event in session.scalars(
                    select(PipelineJobEvent)
                    .where(PipelineJobEvent.kind == "status")
                    .order_by(PipelineJobEvent.event_id.desc())
                    .limit(LAG_SAMPLE * 3)
                )
                if "mirror_lag_seconds" in event.detail
            ][:LAG_SAMPLE]
            lag.set(statistics.median(lags) if lags else 0)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
