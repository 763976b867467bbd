"""The job-type registry: for each pipeline job type, its Dagster job, params model, queue and
how validated params become a run (job name, partition, run config)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from preciso_dagster.core.appdb.storable import DOCUMENT_ID_PATTERN, RowId
from preciso_dagster.core.errors import InvalidRequestError
from preciso_dagster.core.tracking.run_tags import QUEUE_TAG
from preciso_dagster.core.training.selection import (
    DEFAULT_BUDGET_SECONDS,
    MAX_BUDGET_SECONDS,
    TrainerChoice,
)

MAX_BATCH_DOCUMENTS = 500
MAX_TRAINING_EXAMPLE_IDS = 10_000
MAX_PER_CLASS = 1_000_000
DocumentId = Annotated[str, Field(pattern=DOCUMENT_ID_PATTERN)]


class DocumentParams(BaseModel):
    """One registered document: extract it (ocr_extraction) or re-check it (numeric_check)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    document_id: DocumentId


class BatchParams(BaseModel):
    """Many registered documents in one run (ocr_batch); each keeps its own outcome."""

    model_config = ConfigDict(extra="forbid", strict=True)
    document_ids: list[DocumentId] = Field(min_length=1, max_length=MAX_BATCH_DOCUMENTS)


class TrainingParams(BaseModel):
    """Batch training: an explicit dataset selection for the `training_dataset` asset, and the
    trainer for `concept_model` (`auto`: the selector chooses within `budget_seconds`)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    min_quality: float = Field(default=0.0, ge=0, le=1)
    max_per_class: int = Field(default=0, ge=0, le=MAX_PER_CLASS)
    example_ids: list[RowId] = Field(default_factory=list, max_length=MAX_TRAINING_EXAMPLE_IDS)
    trainer: TrainerChoice = "auto"
    budget_seconds: float = Field(default=DEFAULT_BUDGET_SECONDS, gt=0, le=MAX_BUDGET_SECONDS)


class QueryParams(BaseModel):
    """A recorded question (`POST /api/v1/queries` records it) to answer in Dagster."""

    model_config = ConfigDict(extra="forbid", strict=True)
    query_id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class RunSpec:
    job_name: str
    partition_key: str | None = None
    run_config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JobType:
    """A pipeline job type: its Dagster job, its params and the run queue it waits in."""

    name: str
    dagster_job: str
    params: type[BaseModel]
    queue: str | None  # the `preciso/queue` tag value; None: no queue limit
    run_spec: Callable[[str, Any], RunSpec]  # (Dagster job, validated params) -> run

    @property
    def tags(self) -> dict[str, str]:
        return {QUEUE_TAG: self.queue} if self.queue else {}


def _partition_run(job_name: str, params: DocumentParams) -> RunSpec:
    return RunSpec(job_name, partition_key=params.document_id)


def _op_config_run(op: str) -> Callable[[str, BaseModel], RunSpec]:
    def run(job_name: str, params: BaseModel) -> RunSpec:
        return RunSpec(job_name, run_config={"ops": {op: {"config": params.model_dump()}}})

    return run


def _training_run(job_name: str, params: TrainingParams) -> RunSpec:
    selection = params.model_dump(exclude={"trainer", "budget_seconds"})
    choice = params.model_dump(include={"trainer", "budget_seconds"})
    return RunSpec(
        job_name,
        run_config={
            "ops": {"training_dataset": {"config": selection}, "concept_model": {"config": choice}}
        },
    )


JOB_TYPES: dict[str, JobType] = {
    job.name: job
    for job in (
        JobType("ocr_extraction", "ocr_extraction_job", DocumentParams, "ocr", _partition_run),
        JobType(
            "ocr_batch",
            "ocr_batch_job",
            BatchParams,
            "ocr",
            _op_config_run("extract_document_batch"),
        ),
        JobType("numeric_check", "numeric_check_job", DocumentParams, None, _partition_run),
        JobType("training", "training_job", TrainingParams, "training", _training_run),
        JobType(
            "rag_query", "rag_query_job", QueryParams, None, _op_config_run("answer_recorded_query")
        ),
    )
}


def job_type_for(dagster_job_name: str) -> str:
    """The pipeline job type of a Dagster job; a job outside the registry (launched from the UI)
    is named after its Dagster job (`review_continuation_job` -> `review_continuation`)."""
    known = next(
        (job.name for job in JOB_TYPES.values() if job.dagster_job == dagster_job_name), None
    )
    return known or dagster_job_name.removesuffix("_job")


def validated_params(job_type: str, params: dict[str, Any]) -> dict[str, Any]:
    """The params as their model reads them (what is stored); InvalidRequestError otherwise."""
    return _validated(job_type, params).model_dump(mode="json")


def run_spec_for(job_type: str, params: dict[str, Any]) -> RunSpec:
    """The Dagster run behind a job; InvalidRequestError for unknown types or bad params."""
    validated = _validated(job_type, params)  # refuses unknown types first
    job = JOB_TYPES[job_type]
    return job.run_spec(job.dagster_job, validated)


def _validated(job_type: str, params: dict[str, Any]) -> BaseModel:
    if job_type not in JOB_TYPES:
        raise InvalidRequestError(
            f"unknown job_type {job_type!r}; known: {', '.join(sorted(JOB_TYPES))}"
        )
    try:
        validated = JOB_TYPES[job_type].params.model_validate(params)
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in error.errors()
        )
        raise InvalidRequestError(f"invalid params for {job_type}: {details}") from error
    return validated
