"""Everything the bridge asks of Dagster, through its GraphQL API."""

from __future__ import annotations

from typing import Any

import httpx

from preciso_dagster.core.errors import DagsterUnavailableError, SubmissionRefusedError
from preciso_dagster.core.tracking.submissions import RunSpec

LOCATION_NAME = "preciso"
REPOSITORY_NAME = "__repository__"
TIMEOUT_SECONDS = 10
REASON_CHARS = 2000  # a refusal's reason is stored and logged: keep it bounded

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

_LAUNCH_RUN = """
mutation LaunchRun($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PipelineNotFoundError { message }
    ... on InvalidSubsetError { message }
    ... on RunConflict { message }
    ... on ConflictingExecutionParamsError { message }
    ... on PresetNotFoundError { message }
    ... on UnauthorizedError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on InvalidOutputError { stepKey invalidOutputName }
  }
}
"""

_TERMINATE_RUN = """
mutation TerminateRun($runId: String!) {
  terminateRun(runId: $runId) {
    __typename
    ... on TerminateRunFailure { message }
    ... on RunNotFoundError { runId }
    ... on PythonError { message }
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
        """Launch the run (queued by Dagster's coordinator) and return its run id.

        Raises DagsterUnavailableError when Dagster cannot be reached (worth retrying), and
        SubmissionRefusedError when it answers but refuses this run (never worth retrying).
        """
        run_tags = dict(tags)
        if spec.partition_key is not None:
            self.add_partition("documents", spec.partition_key)
            run_tags["dagster/partition"] = spec.partition_key
        params = {
            "selector": {**REPOSITORY_SELECTOR, "pipelineName": spec.job_name},
            "runConfigData": spec.run_config,
            "mode": "default",
            "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in run_tags.items()]},
        }
        result = self._graphql(_LAUNCH_RUN, {"executionParams": params})["launchRun"]
        if result["__typename"] == "LaunchRunSuccess":
            return result["run"]["runId"]
        reason = result.get("message") or "; ".join(e["message"] for e in result.get("errors", []))
        raise SubmissionRefusedError(
            f"Dagster refused the run ({result['__typename']}): {reason or result}"[:REASON_CHARS]
        )

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
        result = self._graphql(_TERMINATE_RUN, {"runId": run_id})["terminateRun"]
        if result["__typename"] != "TerminateRunSuccess":
            raise DagsterUnavailableError(f"terminating {run_id} failed: {result}")

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
