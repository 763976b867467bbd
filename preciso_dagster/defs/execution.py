"""Where a run's steps execute: in the run's own process, on Celery workers, or in K8s Jobs.

The default profile runs every step in the run worker's process: one code location import per
run, which two cores can afford. The `celery` profile (`PRECISO_PROFILE=celery`) hands each
step to Dagster's own Celery executor (dagster-celery) over RabbitMQ, so steps of many runs
spread over workers on many hosts. Runs are still launched, queued, monitored and retried by
the daemon as in the default profile; only their steps move. The `kubernetes` profile is for
Dagster's Helm chart, whose K8sRunLauncher makes each run a Job (deploy/helm-values.yaml).
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from preciso_dagster.core.settings import Settings

# A task is acknowledged when its step is done, not when a worker takes it: a worker killed
# mid-step leaves its message unacknowledged, and RabbitMQ hands it to another worker when the
# dead worker's connection closes. A pool child that dies is rejected back to the queue too.
# One task at a time per worker process, so no step waits behind another on a busy worker.
CELERY_APP_CONFIG: dict[str, Any] = {
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "worker_prefetch_multiplier": 1,
    "broker_connection_retry_on_startup": True,
}


def celery_executor_config(settings: Settings) -> dict[str, Any]:
    """The celery executor's config block: the same for the executor and every worker
    (`dagster-celery worker start -y`), so both sides agree on broker, backend and acks."""
    return {
        "broker": settings.celery_broker_url,
        "backend": settings.celery_backend_url,
        "config_source": dict(CELERY_APP_CONFIG),
    }


def executor_for(settings: Settings) -> dg.ExecutorDefinition:
    """The executor every job of the code location uses in this profile."""
    if settings.profile == "celery":
        from dagster_celery import celery_executor

        return celery_executor.configured(celery_executor_config(settings), name="celery")
    if settings.profile == "kubernetes":
        # Each step in a Kubernetes Job of its own, with the run's image and the env and
        # volumes the K8sRunLauncher gives the run (deploy/helm-values.yaml).
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor
    # One process per run: every step in a new process would re-import the code location
    # (seconds each on two cores). Outputs still go to the persistent filesystem IO manager,
    # so a failed run can be re-executed from failure.
    return dg.in_process_executor
