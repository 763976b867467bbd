"""The app database as a Dagster resource."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from sqlalchemy.orm import Session

from preciso_dagster.core.appdb.session import session_scope


class AppDatabaseResource(dg.ConfigurableResource):
    """Sessions on the Preciso app database (pipeline_jobs, documents, review items)."""

    url: str

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.url) as session:
            yield session
