"""Profiles: where steps run (in the run's process, on Celery workers, in Kubernetes Jobs)."""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml
from pydantic import ValidationError

from preciso_dagster.cli.supervisor import celery_worker_services, write_celery_worker_config
from preciso_dagster.core.settings import Settings
from preciso_dagster.defs.execution import CELERY_APP_CONFIG, executor_for

POSTGRES = {
    "database_url": "postgresql+psycopg2://preciso@db/preciso",
    "dagster_postgres_url": "postgresql+psycopg2://preciso@db/dagster",
}


@pytest.mark.parametrize("profile", ["celery", "kubernetes"])
def test_a_scaled_out_profile_refuses_to_start_without_postgresql(
    profile: str, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="PRECISO_DAGSTER_POSTGRES_URL"):
        Settings(var_dir=tmp_path, profile=profile)
    with pytest.raises(ValidationError, match="PRECISO_DATABASE_URL"):
        Settings(var_dir=tmp_path, profile=profile, dagster_postgres_url="postgresql://x@db/d")


def test_each_profile_gives_every_job_its_executor(tmp_path: Path) -> None:
    assert executor_for(Settings(var_dir=tmp_path)) is dg.in_process_executor
    celery = executor_for(
        Settings(var_dir=tmp_path, profile="celery", celery_broker_url="pyamqp://b//", **POSTGRES)
    )
    assert celery.name == "celery"
    assert executor_for(Settings(var_dir=tmp_path, profile="kubernetes", **POSTGRES)).name == "k8s"


def test_workers_share_the_executors_config_and_find_celery_on_path(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, profile="celery", celery_workers=3, **POSTGRES)
    config = write_celery_worker_config(settings).read_text()
    assert "task_acks_late: true" in config and settings.celery_broker_url in config
    source = yaml.safe_load(config)["execution"]["config"]["config_source"]
    assert source == CELERY_APP_CONFIG
    workers = celery_worker_services(settings, nice=[])
    assert [w.name for w in workers] == [f"celery-worker-{n}" for n in (1, 2, 3)]
    for worker in workers:
        assert worker.restartable and worker.command[-1] == "--concurrency=1"
        assert worker.extra_env["PATH"].startswith(str(Path(sys.executable).parent))
