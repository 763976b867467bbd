"""`preciso db`: create, inspect, migrate and (in dev only) reset the app database."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

import typer

from preciso_dagster.cli.exit_codes import ERROR, NO_DATABASE, exit_code_for
from preciso_dagster.core.errors import DevModeOnlyError

if TYPE_CHECKING:
    from preciso_dagster.core.settings import Settings

app = typer.Typer(help="The app database (PRECISO_DATABASE_URL).", no_args_is_help=True)


def get_settings() -> Settings:
    """The settings, read when a command runs (pydantic-settings costs a tenth of a second)."""
    from preciso_dagster.core.settings import get_settings as read_settings

    return read_settings()


def _migrate() -> ModuleType:
    """Alembic and SQLAlchemy, imported only by the commands that use them."""
    from preciso_dagster.core.appdb import migrate

    return migrate


def _safe_url() -> str:
    from sqlalchemy import make_url

    return make_url(get_settings().database_url).render_as_string(hide_password=True)


@app.command()
def init() -> None:
    """Create the database schema (the same as migrate on an empty database)."""
    migrate = _migrate()
    migrate.upgrade(get_settings().database_url)
    typer.echo(f"initialised {_safe_url()} at revision {migrate.head_revision()}")


@app.command("migrate")
def migrate_command(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Apply Alembic migrations up to REVISION."""
    migrate = _migrate()
    migrate.upgrade(get_settings().database_url, revision)
    typer.echo(f"{_safe_url()} is at {migrate.current_revision(get_settings().database_url)}")


@app.command()
def status() -> None:
    """Show the database, its revision and the newest revision available."""
    from sqlalchemy.exc import OperationalError

    migrate = _migrate()
    if migrate.sqlite_file_missing(get_settings().database_url):
        typer.echo(f"{_safe_url()} does not exist yet: `preciso db init` creates it", err=True)
        raise typer.Exit(NO_DATABASE)
    try:
        current = migrate.current_revision(get_settings().database_url)
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0]
        typer.echo(f"{_safe_url()} cannot be opened: {reason}", err=True)
        raise typer.Exit(ERROR) from None
    head = migrate.head_revision()
    state = "up to date" if current == head else "needs `preciso db migrate`"
    typer.echo(f"database: {_safe_url()}\ncurrent:  {current}\nhead:     {head}\nstate:    {state}")


@app.command()
def reset(yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation")) -> None:
    """Drop every table and migrate again. Dev mode only."""
    settings = get_settings()
    if settings.env != "dev":
        error = DevModeOnlyError(
            f"refused: reset only runs with PRECISO_ENV=dev (now {settings.env})"
        )
        typer.echo(str(error), err=True)
        raise typer.Exit(exit_code_for(error))
    if not yes:
        typer.confirm(f"Drop all data in {_safe_url()}?", abort=True)
    migrate = _migrate()
    migrate.drop_everything(settings.database_url)
    migrate.upgrade(settings.database_url)
    typer.echo(f"reset {_safe_url()} to {migrate.head_revision()}")
