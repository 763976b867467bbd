"""Alembic driven from code, so the CLI and tests migrate without an alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url, text

from preciso_dagster.core.appdb.models import Base
from preciso_dagster.core.appdb.session import engine_for

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _ensure_sqlite_parent(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    _ensure_sqlite_parent(url)
    command.upgrade(alembic_config(url), revision)


def create_postgres_database_if_missing(url: str) -> None:
    """Create the PostgreSQL database `url` names when its server has none by that name."""
    parsed = make_url(url)
    if not parsed.database:
        raise ValueError(f"{parsed.render_as_string()} names no database")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": parsed.database},
            ).first()
            if exists is None:
                quoted = connection.dialect.identifier_preparer.quote(parsed.database)
                connection.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        admin.dispose()


def sqlite_file_missing(url: str) -> bool:
    """True for a SQLite URL whose file is not there yet (`preciso db init` creates it)."""
    parsed = make_url(url)
    return (
        parsed.get_backend_name() == "sqlite"
        and parsed.database not in (None, "", ":memory:")
        and not Path(parsed.database).exists()
    )


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine_for(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def drop_everything(url: str) -> None:
    """Drop every app table, the passage search index and Alembic's version table."""
    engine = engine_for(url)
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS passages_fts")
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
