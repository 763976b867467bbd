"""`preciso db`: create, inspect, migrate and (in dev only) reset the app database."""

import typer
from sqlalchemy import make_url

from preciso_dagster.appdb import migrate
from preciso_dagster.cli.exit_codes import exit_code_for
from preciso_dagster.errors import DevModeOnlyError
from preciso_dagster.settings import get_settings

app = typer.Typer(help="The app database (PRECISO_DATABASE_URL).", no_args_is_help=True)


def _safe_url() -> str:
    return make_url(get_settings().database_url).render_as_string(hide_password=True)


@app.command()
def init() -> None:
    """Create the database schema (the same as migrate on an empty database)."""
    migrate.upgrade(get_settings().database_url)
    typer.echo(f"initialised {_safe_url()} at revision {migrate.head_revision()}")


@app.command("migrate")
def migrate_command(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Apply Alembic migrations up to REVISION."""
    migrate.upgrade(get_settings().database_url, revision)
    typer.echo(f"{_safe_url()} is at {migrate.current_revision(get_settings().database_url)}")


@app.command()
def status() -> None:
    """Show the database, its revision and the newest revision available."""
    current = migrate.current_revision(get_settings().database_url)
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
    migrate.drop_everything(settings.database_url)
    migrate.upgrade(settings.database_url)
    typer.echo(f"reset {_safe_url()} to {migrate.head_revision()}")
