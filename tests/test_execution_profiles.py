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
def test_a_scaled_out_profile_refuses_to_start_in_prod_without_postgresql(
    profile: str, tmp_path: Path
) -> None:
    prod = {"var_dir": tmp_path, "profile": profile, "env": "prod", "api_tokens": {"t": "admin"}}
    with pytest.raises(ValidationError, match="PRECISO_DAGSTER_POSTGRES_URL"):
        Settings(**prod)
    with pytest.raises(ValidationError, match="PRECISO_DATABASE_URL"):
        Settings(**prod, dagster_postgres_url="postgresql://x@db/d")


def test_outside_prod_a_scaled_out_profile_uses_the_local_postgresql_server(
    tmp_path: Path,
) -> None:
    settings = Settings(
        var_dir=tmp_path, profile="celery", local_postgres_url="postgresql://me:pw@pg:5433/x"
    )
    assert settings.database_url == "postgresql://me:pw@pg:5433/preciso"
    assert settings.dagster_postgres_url is not None
    assert settings.dagster_postgres_url.get_secret_value() == (
        "postgresql://me:pw@pg:5433/preciso_dagster"
    )
    given = Settings(var_dir=tmp_path, profile="celery", **POSTGRES)
    assert given.database_url == POSTGRES["database_url"]
    assert Settings(var_dir=tmp_path).database_url.startswith("sqlite")  # default: unchanged


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
