"""`preciso train`: choose a trainer for the approved examples, then train and register."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

from preciso_dagster.cli.exit_codes import BAD_INPUT, NO_DATABASE, REFUSED

if TYPE_CHECKING:
    from preciso_dagster.core.training.dataset import DatasetSnapshot
    from preciso_dagster.core.training.selection import Recommendation


def train(
    auto_select: bool = typer.Option(
        False, "--auto-select", help="Let the selector choose the trainer (docs/training.md)"
    ),
    trainer: str = typer.Option("", help="A trainer by name, instead of --auto-select"),
    budget: float = typer.Option(300.0, "--budget", min=1, help="Training time budget, seconds"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be trained"),
) -> None:
    """Train on every approved example and register an MLflow model version. Prints the
    trainer, the rule that chose it and why; exit 3 when the data cannot train yet."""
    from preciso_dagster.core.appdb.migrate import sqlite_file_missing
    from preciso_dagster.core.appdb.session import session_scope
    from preciso_dagster.core.settings import get_settings
    from preciso_dagster.core.training.dataset import DatasetSelection, select_dataset
    from preciso_dagster.core.training.selection import AUTO, choose
    from preciso_dagster.core.training.trainers import TRAINERS

    if auto_select == bool(trainer):
        typer.echo("error: give either --auto-select or --trainer NAME", err=True)
        raise typer.Exit(BAD_INPUT)
    if trainer and trainer not in TRAINERS:
        typer.echo(f"error: unknown trainer {trainer!r}; known: {', '.join(TRAINERS)}", err=True)
        raise typer.Exit(BAD_INPUT)
    settings = get_settings()
    if sqlite_file_missing(settings.database_url):
        typer.echo("the app database does not exist yet: `preciso db init` creates it", err=True)
        raise typer.Exit(NO_DATABASE)
    with session_scope(settings.database_url) as session:
        snapshot = select_dataset(session, DatasetSelection())
    profile = snapshot.profile()
    choice = choose(profile, trainer or AUTO, budget)
    typer.echo(f"dataset {snapshot.version}: {asdict(profile)}")
    typer.echo(f"trainer: {choice.trainer} (rule {choice.rule}, ~{choice.estimated_seconds} s)")
    for reason in choice.reasons:
        typer.echo(f"  because {reason}")
    if choice.alternatives:
        typer.echo(f"  alternatives: {', '.join(choice.alternatives)}")
    if not choice.can_train:
        raise typer.Exit(REFUSED)
    if dry_run:
        return
    _train(snapshot, choice, trainer or AUTO, budget)


def _train(
    snapshot: DatasetSnapshot, choice: Recommendation, requested: str, budget: float
) -> None:
    from preciso_dagster.core.settings import get_settings
    from preciso_dagster.core.training.registry import ModelRegistry
    from preciso_dagster.core.training.training_run import train_and_register

    version, trained = train_and_register(
        snapshot,
        choice,
        requested=requested,
        budget_seconds=budget,
        registry=ModelRegistry.for_settings(get_settings()),
        tags={"preciso/source": "cli"},  # no pipeline job: the CLI trains outside Dagster
        job_id=None,
    )
    typer.echo(
        f"registered version {version.model_version} (MLflow run {version.mlflow_run_id}): "
        f"macro-F1 {trained.metrics['macro_f1']:.3f}, trained in {trained.seconds:.1f} s"
    )
