"""`preciso stack`: the whole local stack in the foreground until Ctrl-C."""

import signal
import time
from pathlib import Path

import typer


def run_stack(
    workspace: Path = typer.Option(Path("workspace.yaml"), help="Dagster workspace file"),
    instance_config: Path = typer.Option(Path("dagster.yaml"), help="Instance config template"),
    mlflow: bool = typer.Option(True, help="Also start the MLflow UI"),
) -> None:
    """Start dagster-webserver, dagster-daemon, the API bridge and MLflow; Ctrl-C stops them all."""
    from preciso_dagster.cli.supervisor import Stack
    from preciso_dagster.core.settings import get_settings

    settings = get_settings()
    stack = Stack(
        settings,
        workspace.resolve(),
        instance_config.resolve(),
        settings.var_dir / "log",
        with_mlflow=mlflow,
    )
    started = time.monotonic()
    typer.echo("starting the stack (logs in var/log/) ...")
    stack.start()
    host = "http://127.0.0.1"
    lines = [
        f"ready in {time.monotonic() - started:.1f}s",
        f"  Dagster UI   {host}:{settings.web_port}",
        f"  API bridge   {host}:{settings.api_port}   (OpenAPI: {host}:{settings.api_port}/docs)",
    ]
    if mlflow:
        lines.append(f"  MLflow UI    {host}:{settings.mlflow_port}")
    lines.append(f"  Drop files into {settings.inbox_dir}/ to extract them.")
    if stack.admin_token:
        lines.append(f"  Admin API token (kept in {settings.api_token_file}): {stack.admin_token}")
    lines.append("Ctrl-C stops everything.")
    typer.echo("\n".join(lines))

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Explicit handlers: a shell may start us with SIGINT ignored (for example in background).
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            time.sleep(1)
            dead = [s for s in stack.services if s.process and s.process.poll() is not None]
            if any(not s.restartable for s in dead):
                names = ", ".join(s.name for s in dead)
                typer.echo(f"{names} stopped unexpectedly; stopping the rest", err=True)
                break
            for service in dead:  # a Celery worker: its unfinished step went back to the queue
                typer.echo(f"{service.name} stopped unexpectedly; starting it again", err=True)
                stack.relaunch(service.name)
    except KeyboardInterrupt:
        typer.echo("stopping ...")
    finally:
        # A second Ctrl-C must not cut the shutdown short and leave orphans behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        typer.echo("stopped.")


def write_worker_config() -> None:
    """Write the Celery worker config (`PRECISO_CELERY_*`) into DAGSTER_HOME and print its
    path, for `dagster-celery worker start --config-yaml` on a host `preciso stack` does not
    run (deploy/compose.yaml)."""
    from preciso_dagster.cli.supervisor import write_celery_worker_config
    from preciso_dagster.core.settings import get_settings

    typer.echo(write_celery_worker_config(get_settings()))
