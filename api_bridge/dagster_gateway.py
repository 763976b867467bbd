"""Everything the bridge asks of Dagster, through its GraphQL API."""

from __future__ import annotations

from typing import Any

import httpx
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from preciso_dagster.errors import DagsterUnavailableError
from preciso_dagster.tracking.submissions import RunSpec

LOCATION_NAME = "preciso"
REPOSITORY_NAME = "__repository__"
TIMEOUT_SECONDS = 10

_ADD_PARTITION = """
mutation AddPartition($selector: RepositorySelector!, $name: String!, $key: String!) {
  addDynamicPartition(repositorySelector: $selector, partitionsDefName: $name, partitionKey: $key) {
    __typename
    ... on PythonError { message }
    ... on UnauthorizedError { message }
  }
}
"""


_RUNS_FOR_JOB = """
query RunsForJob($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    __typename
    ... on Runs { results { runId status } }
    ... on PythonError { message }
  }
}
"""

_REEXECUTE = """
mutation Reexecute($parentRunId: String!) {
  launchRunReexecution(
    reexecutionParams: {parentRunId: $parentRunId, strategy: FROM_FAILURE}
  ) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""

_SENSOR_STATUS = """
query SensorStatus($selector: SensorSelector!) {
  sensorOrError(sensorSelector: $selector) {
    __typename
    ... on Sensor { sensorState { status } }
  }
}
"""
REPOSITORY_SELECTOR = {"repositoryLocationName": LOCATION_NAME, "repositoryName": REPOSITORY_NAME}


class DagsterGateway:
    """Submits runs tagged with their job id and checks that Dagster answers."""

    def __init__(self, host: str, port: int) -> None:
        self.url = f"http://{host}:{port}/graphql"
        self._client = DagsterGraphQLClient(host, port_number=port, timeout=TIMEOUT_SECONDS)

    def ping(self) -> None:
        """Raise DagsterUnavailableError unless the webserver answers a GraphQL query."""
        self._graphql("{ version }")

    def add_partition(self, partitions_def: str, key: str) -> None:
        """Add a dynamic partition; adding one that exists is harmless."""
        result = self._graphql(
            _ADD_PARTITION,
            {
                "selector": REPOSITORY_SELECTOR,
                "name": partitions_def,
                "key": key,
            },
        )["addDynamicPartition"]
        if result["__typename"] not in (
            "AddDynamicPartitionSuccess",
            "DuplicateDynamicPartitionError",
        ):
            raise DagsterUnavailableError(f"adding partition {key!r} failed: {result}")

    def submit(self, spec: RunSpec, tags: dict[str, str]) -> str:
        """Launch the run (queued by Dagster's coordinator) and return its run id."""
        run_tags = dict(tags)
        if spec.partition_key is not None:
            self.add_partition("documents", spec.partition_key)
            run_tags["dagster/partition"] = spec.partition_key
        try:
            return self._client.submit_job_execution(
                spec.job_name,
                repository_location_name=LOCATION_NAME,
                repository_name=REPOSITORY_NAME,
                run_config=spec.run_config,
                tags=run_tags,
            )
        except (DagsterGraphQLClientError, OSError) as error:
            raise DagsterUnavailableError(f"Dagster refused the run: {error}") from error

    def runs_for_job(self, job_id: str) -> list[str]:
        """Run ids already tagged with this job id (so a resubmission never makes a second run)."""
        result = self._graphql(
            _RUNS_FOR_JOB, {"filter": {"tags": [{"key": "preciso/job_id", "value": job_id}]}}
        )["runsOrError"]
        if result["__typename"] != "Runs":
            raise DagsterUnavailableError(f"listing runs failed: {result}")
        return [run["runId"] for run in result["results"]]

    def reexecute_from_failure(self, run_id: str) -> str:
        """Launch a re-execution of `run_id` from its failed steps; returns the new run id."""
        result = self._graphql(_REEXECUTE, {"parentRunId": run_id})["launchRunReexecution"]
        if result["__typename"] != "LaunchRunSuccess":
            raise DagsterUnavailableError(f"re-execution of {run_id} refused: {result}")
        return result["run"]["runId"]

    def terminate(self, run_id: str) -> None:
        """Ask Dagster to terminate a queued or running run."""
        try:
            self._client.terminate_run(run_id)
        except (DagsterGraphQLClientError, OSError) as error:
            raise DagsterUnavailableError(f"terminating {run_id} failed: {error}") from error

    def sensor_status(self, sensor_name: str) -> str:
        """RUNNING or STOPPED as Dagster says; DagsterUnavailableError if it cannot say."""
        selector = {**REPOSITORY_SELECTOR, "sensorName": sensor_name}
        result = self._graphql(_SENSOR_STATUS, {"selector": selector})["sensorOrError"]
        if result["__typename"] != "Sensor":
            raise DagsterUnavailableError(f"sensor {sensor_name}: {result['__typename']}")
        return result["sensorState"]["status"]

    def _graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = httpx.post(
                self.url,
                json={"query": query, "variables": variables or {}},
                timeout=TIMEOUT_SECONDS,
            )
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise DagsterUnavailableError(f"Dagster GraphQL at {self.url}: {error}") from error
        if body.get("errors"):
            raise DagsterUnavailableError(f"Dagster GraphQL error: {body['errors'][0]}")
        return body["data"]
