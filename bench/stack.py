"""A real stack (webserver, daemon, API bridge) on free ports in a temporary folder."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from preciso_dagster.cli.supervisor import Stack, stack_on_free_ports

REPO_ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def running_stack(**settings_overrides: Any) -> Iterator[Stack]:
    """Start the stack, yield it, and stop every process on the way out."""
    with tempfile.TemporaryDirectory() as folder:
        stack = stack_on_free_ports(Path(folder) / "var", REPO_ROOT, **settings_overrides)
        stack.start(timeout=240)
        try:
            yield stack
        finally:
            stack.stop()


def database_overrides(app_db_url: str | None, dagster_postgres_url: str | None) -> dict[str, str]:
    """Settings for PostgreSQL storage, from the bench's command-line options."""
    overrides = {}
    if app_db_url:
        overrides["database_url"] = app_db_url
    if dagster_postgres_url:
        overrides["dagster_postgres_url"] = dagster_postgres_url
    return overrides
