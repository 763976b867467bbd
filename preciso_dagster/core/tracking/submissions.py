"""What Dagster run each pipeline job type means: job name, partition and run config, validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from preciso_dagster.core.appdb.storable import DOCUMENT_ID_PATTERN, RowId
from preciso_dagster.core.errors import InvalidRequestError
from preciso_dagster.core.tracking.run_tags import JOB_TYPES

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
    """Batch training: an explicit dataset selection for the `training_dataset` asset."""

    model_config = ConfigDict(extra="forbid", strict=True)
    min_quality: float = Field(default=0.0, ge=0, le=1)
    max_per_class: int = Field(default=0, ge=0, le=MAX_PER_CLASS)
    example_ids: list[RowId] = Field(default_factory=list, max_length=MAX_TRAINING_EXAMPLE_IDS)


PARAMS_MODELS: dict[str, type[BaseModel]] = {
    "ocr_extraction": DocumentParams,
    "ocr_batch": BatchParams,
    "numeric_check": DocumentParams,
    "training": TrainingParams,
}


@dataclass(frozen=True)
class RunSpec:
    job_name: str
    partition_key: str | None = None
    run_config: dict[str, Any] = field(default_factory=dict)


def validated_params(job_type: str, params: dict[str, Any]) -> dict[str, Any]:
    """The params as their model reads them (what is stored); InvalidRequestError otherwise."""
    return _validated(job_type, params).model_dump(mode="json")


def run_spec_for(job_type: str, params: dict[str, Any]) -> RunSpec:
    """The Dagster run behind a job; InvalidRequestError for unknown types or bad params."""
    validated = _validated(job_type, params)
    if isinstance(validated, DocumentParams):
        return RunSpec(JOB_TYPES[job_type], partition_key=validated.document_id)
    if isinstance(validated, BatchParams):
        config = {"ops": {"extract_document_batch": {"config": validated.model_dump()}}}
        return RunSpec(JOB_TYPES[job_type], run_config=config)
    config = {"ops": {"training_dataset": {"config": validated.model_dump()}}}
    return RunSpec(JOB_TYPES[job_type], run_config=config)


def _validated(job_type: str, params: dict[str, Any]) -> BaseModel:
    if job_type not in JOB_TYPES:
        raise InvalidRequestError(
            f"unknown job_type {job_type!r}; known: {', '.join(sorted(JOB_TYPES))}"
        )
    try:
        validated = PARAMS_MODELS[job_type].model_validate(params)
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in error.errors()
        )
        raise InvalidRequestError(f"invalid params for {job_type}: {details}") from error
    return validated
