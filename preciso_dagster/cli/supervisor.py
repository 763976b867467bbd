"""Running the local stack: webserver, daemon, API bridge and MLflow, stopped together.

`make run` and the end-to-end tests both use this, so what the tests start is what operators run.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from preciso_dagster.core.appdb.migrate import create_postgres_database_if_missing, upgrade
from preciso_dagster.core.celery_workers import live_workers
from preciso_dagster.core.errors import BrokerUnavailableError
from preciso_dagster.core.flags import FLAGS
from preciso_dagster.core.settings import Settings
from preciso_dagster.defs.execution import celery_executor_config

STOP_GRACE_SECONDS = 20


@dataclass
class Service:
    name: str
    command: list[str]
    ready_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    restartable: bool = False  # started again when it dies, instead of stopping the stack
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None


def write_instance_config(settings: Settings, template: Path) -> Path:
    """Put dagster.yaml into DAGSTER_HOME, switched to dagster-postgres when a URL is set."""
    assert settings.dagster_home is not None
    config = yaml.safe_load(template.read_text())
    if settings.dagster_postgres_url is not None:
        config["storage"] = {"postgres": {"postgres_url": {"env": "PRECISO_DAGSTER_POSTGRES_URL"}}}
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    target = settings.dagster_home / "dagster.yaml"
    target.write_text(
        "# Written by `preciso stack` from the repository's dagster.yaml; edit that one.\n"
        + yaml.safe_dump(config, sort_keys=False)
    )
    return target


def ensure_api_token(settings: Settings) -> str | None:
    """With no PRECISO_API_TOKENS, make (once) a random admin token in var/api-token."""
    if settings.api_tokens:
        return None
    token_file = settings.api_token_file
    if not token_file.exists():
        token_file.parent.mkdir(parents=True, exist_ok=True)
        token_file.write_text(secrets.token_urlsafe(32) + "\n")
        token_file.chmod(0o600)
    return token_file.read_text().strip()


def child_environment(settings: Settings, admin_token: str | None) -> dict[str, str]:
    """The resolved settings as environment, so every process agrees on every path and URL."""
    assert settings.dagster_home and settings.storage_dir and settings.inbox_dir
    env = dict(os.environ)
    env.update(
        {
            "DAGSTER_HOME": str(settings.dagster_home),
            "PRECISO_VAR_DIR": str(settings.var_dir),
            "PRECISO_DATABASE_URL": settings.database_url,
            "PRECISO_STORAGE_DIR": str(settings.storage_dir),
            "PRECISO_INBOX_DIR": str(settings.inbox_dir),
            "PRECISO_MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
            "PRECISO_WEB_PORT": str(settings.web_port),
            "PRECISO_API_PORT": str(settings.api_port),
            "PRECISO_MLFLOW_PORT": str(settings.mlflow_port),
            "PRECISO_OCR_BATCH_THRESHOLD": str(settings.ocr_batch_threshold),
            "PRECISO_OCR_BATCH_SIZE": str(settings.ocr_batch_size),
            "PRECISO_PROFILE": settings.profile,
            "PRECISO_CELERY_WORKERS": str(settings.celery_workers),
            "PRECISO_CELERY_BROKER_URL": settings.celery_broker_url,
            "PRECISO_CELERY_BACKEND_URL": settings.celery_backend_url,
        }
    )
    env.update({f"PRECISO_{flag.setting.upper()}": str(flag.enabled(settings)) for flag in FLAGS})
    tokens = settings.api_tokens or ({admin_token: "admin"} if admin_token else {})
    env["PRECISO_API_TOKENS"] = json.dumps(tokens)
    if settings.dagster_postgres_url is not None:
        env["PRECISO_DAGSTER_POSTGRES_URL"] = settings.dagster_postgres_url.get_secret_value()
    return env


def services_for(settings: Settings, workspace: Path, with_mlflow: bool) -> list[Service]:
    bin_dir = Path(sys.executable).parent
    host = "127.0.0.1"
    # Dagster's processes (and the runs they start) yield the CPU to the bridge's requests.
    nice = ["nice", "-n", str(settings.dagster_niceness)] if settings.dagster_niceness else []
    services = [
        Service(
            "webserver",
            [
                *nice,
                str(bin_dir / "dagster-webserver"),
                "-w",
                str(workspace),
                "-h",
                host,
                "-p",
                str(settings.web_port),
            ],
            f"http://{host}:{settings.web_port}/server_info",
        ),
        Service(
            "daemon",
            [*nice, str(bin_dir / "dagster-daemon"), "run", "-w", str(workspace)],
            "",
        ),
        Service(
            "api",
            [
                str(bin_dir / "uvicorn"),
                "api_bridge.main:app",
                "--host",
                host,
                "--port",
                str(settings.api_port),
                "--no-access-log",
            ],
            f"http://{host}:{settings.api_port}/healthz",
        ),
    ]
    if settings.profile == "celery":
        services += celery_worker_services(settings, nice)
    if with_mlflow:
        services.append(
            Service(
                "mlflow",
                [
                    str(bin_dir / "mlflow"),
                    "server",
                    "--host",
                    host,
                    "--port",
                    str(settings.mlflow_port),
                    "--backend-store-uri",
                    settings.mlflow_tracking_uri,
                    "--default-artifact-root",
                    str(settings.var_dir / "mlartifacts"),
                    "--workers",
                    "1",
                ],
                f"http://{host}:{settings.mlflow_port}/health",
                # The job runner forks seven workers we do not use; two cores cannot spare them.
                extra_env={"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
            )
        )
    return services


def write_celery_worker_config(settings: Settings) -> Path:
    """The celery executor's config, as `dagster-celery worker start -y` reads it."""
    assert settings.dagster_home is not None
    target = settings.dagster_home / "celery-worker.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    config = {"execution": {"config": celery_executor_config(settings)}}
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


def celery_worker_services(settings: Settings, nice: list[str]) -> list[Service]:
    """N Celery workers (`celery` profile), one task at a time each. `dagster-celery` starts
    `celery` from PATH, so the virtualenv's bin goes first on it."""
    bin_dir = Path(sys.executable).parent
    assert settings.dagster_home is not None
    config = settings.dagster_home / "celery-worker.yaml"
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    return [
        Service(
            f"celery-worker-{number}",
            [
                *nice,
                str(bin_dir / "dagster-celery"),
                "worker",
                "start",
                "--app",
                "dagster_celery.app",
                "--config-yaml",
                str(config),
                "--name",
                f"preciso-worker-{number}",
                "--",
                "--concurrency=1",
            ],
            "",
            extra_env={"PATH": path},
            restartable=True,
        )
        for number in range(1, settings.celery_workers + 1)
    ]


@dataclass
class Stack:
    """The stack's processes, each in its own process group so a stop leaves no orphans."""

    settings: Settings
    workspace: Path
    instance_template: Path
    log_dir: Path
    with_mlflow: bool = True
    services: list[Service] = field(default_factory=list)
    admin_token: str | None = None
    _env: dict[str, str] = field(default_factory=dict, repr=False)

    def start(self, timeout: float = 180) -> None:
        """Migrate, configure the instance, start every service and wait until each answers."""
        if self.settings.profile != "default":
            assert self.settings.dagster_postgres_url is not None  # Settings refuses otherwise
            create_postgres_database_if_missing(self.settings.database_url)
            create_postgres_database_if_missing(
                self.settings.dagster_postgres_url.get_secret_value()
            )
        upgrade(self.settings.database_url)
        write_instance_config(self.settings, self.instance_template)
        if self.settings.profile == "celery":
            write_celery_worker_config(self.settings)
        assert self.settings.inbox_dir is not None
        self.settings.inbox_dir.mkdir(parents=True, exist_ok=True)
        self.admin_token = ensure_api_token(self.settings)
        env = child_environment(self.settings, self.admin_token)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        # Create or upgrade the instance's storage once, before several processes race to.
        subprocess.run(
            [str(Path(sys.executable).parent / "dagster"), "instance", "migrate"],
            env=env,
            check=True,
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
        self._env = env
        self.services = services_for(self.settings, self.workspace, self.with_mlflow)
        for service in self.services:
            self._launch(service)
        try:
            self.wait_until_ready(timeout)
            if self.settings.profile == "celery":
                self.wait_for_workers(self.settings.celery_workers, timeout)
        except BaseException:
            self.stop()
            raise

    def _launch(self, service: Service) -> None:
        service.log_path = self.log_dir / f"{service.name}.log"
        with service.log_path.open("ab") as log:
            service.process = subprocess.Popen(
                service.command,
                env={**self._env, **service.extra_env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.workspace.parent,
            )

    def restart(self, name: str, timeout: float = 120) -> None:
        """Start a service stopped with `stop_service` again and wait until it answers."""
        self.relaunch(name)
        self.wait_until_ready(timeout)

    def relaunch(self, name: str) -> None:
        """Start a stopped service again (and what is left of its process group first)."""
        service = self.service(name)
        _signal_group(service, signal.SIGKILL)
        self._launch(service)

    def stop_service(self, name: str) -> None:
        """Stop one service and its children (for fault tests), leaving the others running."""
        service = self.service(name)
        _signal_group(service, signal.SIGTERM)
        assert service.process is not None
        try:
            service.process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(service, signal.SIGKILL)
            service.process.wait()

    def wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        waiting = [service for service in self.services if service.ready_url]
        while waiting:
            for service in self.services:
                assert service.process is not None
                if service.process.poll() is not None:
                    raise RuntimeError(
                        f"{service.name} exited with {service.process.returncode}; "
                        f"see {service.log_path}"
                    )
            waiting = [service for service in waiting if not _answers(service.ready_url)]
            if waiting and time.monotonic() > deadline:
                names = ", ".join(service.name for service in waiting)
                raise TimeoutError(f"not ready after {timeout:.0f}s: {names}")
            time.sleep(0.5)

    def wait_for_workers(self, count: int, timeout: float) -> list[str]:
        """Wait until `count` Celery workers answer over the broker; their names."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                names = live_workers(self.settings.celery_broker_url)
            except BrokerUnavailableError:
                names = []
            if len(names) >= count:
                return names
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(names)} of {count} Celery workers answer: {names}")
            time.sleep(0.5)

    def stop(self) -> None:
        """SIGTERM every process group, then SIGKILL what is left after the grace period."""
        running = [s for s in self.services if s.process and s.process.poll() is None]
        for service in running:
            _signal_group(service, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for service in running:
            assert service.process is not None
            with contextlib.suppress(subprocess.TimeoutExpired):
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for service in self.services:
            _signal_group(service, signal.SIGKILL)  # stragglers: code servers, run workers
            if service.process:
                service.process.wait()

    def service(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)


def _signal_group(service: Service, sig: signal.Signals) -> None:
    if service.process is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(service.process.pid, sig)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stack_on_free_ports(var_dir: Path, repo_root: Path, **settings_overrides: Any) -> Stack:
    """A stack under `var_dir` on free ports, without the MLflow UI (for tests and benchmarks)."""
    settings = Settings(
        var_dir=var_dir,
        web_port=free_port(),
        api_port=free_port(),
        mlflow_port=free_port(),
        **settings_overrides,
    )
    return Stack(
        settings,
        repo_root / "workspace.yaml",
        repo_root / "dagster.yaml",
        var_dir / "log",
        with_mlflow=False,
    )
