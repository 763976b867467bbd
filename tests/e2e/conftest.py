"""One real stack per backend for the whole run: dagster-webserver, dagster-daemon, the API
bridge and MLflow, shared by every end-to-end test of that backend.

Tests that share it look only at what they made (their documents, jobs, model versions), never
at totals. A test whose behaviour does not depend on the database backend runs on SQLite only
(`SQLITE_ONLY`); the outbox, idempotency, concurrency and fault tests run on both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api_bridge.dagster_gateway import REPOSITORY_SELECTOR, DagsterGateway
from preciso_dagster.cli.supervisor import Stack, stack_on_free_ports
from tests.conftest import (
    BACKENDS,
    POSTGRES_URL,
    REPO_ROOT,
    drop_postgres_database,
    fresh_postgres_database,
)

# Scenarios shared by test modules report their failed asserts as tests do.
pytest.register_assert_rewrite("tests.e2e.run_worker_faults")

TOKENS = {
    "e2e-operator": "operator",
    "e2e-admin": "admin",
    "e2e-reviewer": "reviewer",
    "e2e-viewer": "viewer",
}
OPERATOR = {"Authorization": "Bearer e2e-operator"}
# For a module whose behaviour is the same on either database: its tests take the SQLite stack.
SQLITE_ONLY = pytest.mark.parametrize("running_stack", ["sqlite"], indirect=True)


SENSOR_TICKS = """
query SensorTicks($selector: SensorSelector!) {
  sensorOrError(sensorSelector: $selector) {
    ... on Sensor { sensorState { ticks(limit: 10) { timestamp status runKeys skipReason } } }
  }
}
"""


class RunningStack:
    """The started stack and an HTTP client for its bridge."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.settings = stack.settings
        self.api = httpx.Client(
            base_url=f"http://127.0.0.1:{self.settings.api_port}", headers=OPERATOR, timeout=30
        )

    def gateway(self) -> DagsterGateway:
        return DagsterGateway("127.0.0.1", self.settings.web_port)

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 300, every: float = 0.5
    ) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(every)
        raise AssertionError(f"condition not met within {timeout}s; logs in {self.stack.log_dir}")

    def sensor_ticks(self, sensor_name: str, after: float) -> list[dict]:
        """The ticks of `sensor_name` that started after `after` (epoch seconds), oldest first,
        including one still running."""
        selector = {**REPOSITORY_SELECTOR, "sensorName": sensor_name}
        body = httpx.post(
            f"http://127.0.0.1:{self.settings.web_port}/graphql",
            json={"query": SENSOR_TICKS, "variables": {"selector": selector}},
            timeout=30,
        ).json()
        ticks = body["data"]["sensorOrError"]["sensorState"]["ticks"]
        return sorted((t for t in ticks if t["timestamp"] > after), key=lambda t: t["timestamp"])

    def wait_for_sensor_tick(self, sensor_name: str, after: float, timeout: float = 120) -> dict:
        """The first finished tick of `sensor_name` that started after `after` (epoch
        seconds): the sensor has looked at everything that happened before it."""

        def ticked() -> dict | None:
            done = [t for t in self.sensor_ticks(sensor_name, after) if t["status"] != "STARTED"]
            return done[0] if done else None

        return self.wait_for(ticked, timeout, every=1)

    def wait_for_job(self, job_id: str, statuses: set[str], timeout: float = 300) -> dict:
        def reached() -> dict | None:
            job = self.api.get(f"/api/v1/jobs/{job_id}").json()
            return job if job["status"] in statuses else None

        return self.wait_for(reached, timeout)


@pytest.fixture(scope="session", params=BACKENDS)
def running_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    var_dir: Path = tmp_path_factory.mktemp("stack") / "var"
    created: list[str] = []
    overrides: dict[str, Any] = {}
    if request.param == "postgres":
        assert POSTGRES_URL
        app_url, dagster_url = (
            fresh_postgres_database(POSTGRES_URL),
            fresh_postgres_database(POSTGRES_URL),
        )
        created += [app_url, dagster_url]
        overrides = {"database_url": app_url, "dagster_postgres_url": dagster_url}
    stack = stack_on_free_ports(
        var_dir, REPO_ROOT, api_tokens=TOKENS, flag_async_heavy_rag=True, **overrides
    )
    stack.start(timeout=240)
    try:
        yield RunningStack(stack)
    finally:
        stack.stop()
        for url in created:
            drop_postgres_database(POSTGRES_URL or "", url)
