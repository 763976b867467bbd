"""Request and response models; routes never return ORM objects."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from preciso_dagster.core.appdb.models import (
    ApprovalState,
    DocumentStatus,
    JobSource,
    JobStatus,
    ReviewItem,
    ReviewStatus,
)
from preciso_dagster.core.appdb.storable import RowId, StorableText
from preciso_dagster.core.pages import PageRecord
from preciso_dagster.core.questions.answers import Answer
from preciso_dagster.core.tracking.submissions import (
    JOB_TYPES,
    MAX_PER_CLASS,
    MAX_TRAINING_EXAMPLE_IDS,
    DocumentId,
    JobType,
)
from preciso_dagster.core.training.selection import DEFAULT_BUDGET_SECONDS, MAX_BUDGET_SECONDS


class JobRequest(BaseModel):
    """What every branch of `JobCreate` has."""

    model_config = ConfigDict(extra="forbid")
    job_type: str
    params: BaseModel


def _job_request(job: JobType) -> type[JobRequest]:
    """The body of `POST /api/v1/jobs` for one job type: its name and its params model."""
    defaults = not any(field.is_required() for field in job.params.model_fields.values())
    tag: Any = Literal[job.name]
    return create_model(
        "".join(part.title() for part in job.name.split("_")) + "JobCreate",
        __base__=JobRequest,
        __doc__=f"A `{job.name}` job: runs `{job.dagster_job}`. {job.params.__doc__}",
        job_type=(tag, ...),
        params=(job.params, Field(default_factory=job.params) if defaults else ...),
    )


if TYPE_CHECKING:
    JobCreate = JobRequest
else:  # one branch per registered job type, told apart by `job_type` (OpenAPI shows each)
    JobCreate = Annotated[
        Union[tuple(_job_request(job) for job in JOB_TYPES.values())],  # noqa: UP007
        Field(discriminator="job_type"),
    ]


class JobSummary(BaseModel):
    """A job in a list: everything but its params (which can be large); see the job detail."""

    model_config = ConfigDict(from_attributes=True)

    job_id: uuid.UUID
    job_type: str
    status: JobStatus
    dagster_run_id: str | None
    attempts: int
    source: JobSource
    requested_by: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobPublic(JobSummary):
    """One job in full: its params and, for jobs over documents, their outcomes."""

    params: dict[str, Any]
    documents: DocumentRollup | None = Field(
        default=None, description="Per-document outcomes, for jobs that cover documents"
    )


class DocumentRollup(BaseModel):
    """Each document once, with its outcome in the latest attempt that reached it."""

    total: int
    succeeded: int
    needs_review: int
    failed: int
    pending: int


class JobsPublic(BaseModel):
    items: list[JobSummary]
    total: int
    offset: int
    limit: int


class DocumentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    document_id: str
    sha256: str
    filename: str
    size_bytes: int
    detected_format: str | None
    format_mismatch: str | None
    status: DocumentStatus
    failure_reason: str | None
    page_count: int | None
    pages: list[PageRecord] | None
    created_at: datetime
    updated_at: datetime


class DocumentSubmitted(BaseModel):
    document_id: str
    job_id: uuid.UUID | None
    status: DocumentStatus
    duplicate: bool


class Problem(BaseModel):
    """Every error body: a message a person can act on."""

    detail: str


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, str]


class FlagPublic(BaseModel):
    name: str
    enabled: bool
    default: bool
    description: str


class ReviewItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    review_item_id: int
    document_id: str
    page_index: int
    kind: Literal["number", "unread_region"]
    box: list[int] | None
    raw: str
    readings: dict[str, Any]
    reason: str
    crop_url: str | None  # GET it with the same token; the server's paths are never shown
    status: ReviewStatus
    value: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, item: ReviewItem) -> ReviewItemPublic:
        crop_url = f"/api/v1/review-items/{item.review_item_id}/crop" if item.crop_path else None
        return cls.model_validate({**_columns(item), "crop_url": crop_url})


class ReviewItemsPublic(BaseModel):
    items: list[ReviewItemPublic]
    total: int
    offset: int
    limit: int


class ReviewDecisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject", "correct"]
    value: StorableText | None = Field(default=None, max_length=255)


class ApprovalCreate(BaseModel):
    """Approve examples by id, or every proposed example of whole documents."""

    model_config = ConfigDict(extra="forbid")

    example_ids: list[RowId] = Field(default_factory=list, max_length=10000)
    document_ids: list[StorableText] = Field(default_factory=list, max_length=1000)
    corrections: dict[RowId, StorableText] = Field(
        default_factory=dict, description="example_id -> concept, for reviewed corrections"
    )


class ApprovalsPublic(BaseModel):
    approved: int
    approval_ids: list[int]
    example_ids: list[int]
    needs_concept: list[int] = Field(
        default_factory=list,
        description="Examples of the approved documents left proposed: they have no concept",
    )


class TrainingExamplePublic(BaseModel):
    """A proposed or decided line item: its label, amounts, concept and where it came from."""

    model_config = ConfigDict(from_attributes=True)

    example_id: int
    document_id: str
    page_index: int
    label: str
    amount: str
    columns: list[dict[str, Any]]
    box: list[float] | None
    proposed_concept: str
    concept: str | None
    quality: float
    approval_state: ApprovalState


class TrainingExamplesPublic(BaseModel):
    items: list[TrainingExamplePublic]
    total: int
    offset: int
    limit: int


class ModelVersionPublic(BaseModel):
    version: int
    run_id: str | None
    created_at: int | None
    metrics: dict[str, float]
    dataset_version: str | None
    serving: bool
    gate: Literal["passed", "failed"] | None = Field(
        default=None, description="The promotion gate's verdict (None: not judged)"
    )
    gate_reasons: str | None = None


class ServingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    force: bool = Field(
        default=False, description="Serve a version that failed the promotion gate (audited)"
    )


class ServingChangePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    change_id: int
    action: str
    from_version: int | None
    to_version: int
    changed_by: str
    created_at: datetime


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    labels: list[str] = Field(min_length=1, max_length=1000)


class PredictResponse(BaseModel):
    model_version: int
    concepts: list[str]


def _columns(row: Any) -> dict[str, Any]:
    """A mapped row's column values by name."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


class QueryCreate(BaseModel):
    """A question over the verified documents (all of them, or `document_ids`).

    `mode`: `auto` runs heavy questions (aggregates, more than 20 documents, `top_k` over 20)
    as async jobs when `PRECISO_FLAG_ASYNC_HEAVY_RAG` is on, and everything else at once;
    `sync` always answers at once; `async` always records a job (when the flag is on)."""

    model_config = ConfigDict(extra="forbid")
    question: StorableText = Field(min_length=1, max_length=2000)
    document_ids: list[DocumentId] | None = Field(default=None, min_length=1, max_length=500)
    top_k: int = Field(default=5, ge=1, le=200)
    mode: Literal["auto", "sync", "async"] = "auto"


class QueryPublic(BaseModel):
    """A question and its answer: `answered` with the answer, or `pending` with the job that
    answers it (read it again at `GET /api/v1/queries/{query_id}`), or `failed` with why."""

    query_id: uuid.UUID
    question: str
    status: Literal["pending", "answered", "failed"]
    heavy: bool
    mode: Literal["sync", "async"]
    job_id: uuid.UUID | None
    answer: Answer | None
    error: str | None
    notes: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


class RecommendRequest(BaseModel):
    """The dataset (approved examples, as a training job would select them) and the budget."""

    model_config = ConfigDict(extra="forbid")
    budget_seconds: float = Field(default=DEFAULT_BUDGET_SECONDS, gt=0, le=MAX_BUDGET_SECONDS)
    min_quality: float = Field(default=0.0, ge=0, le=1)
    max_per_class: int = Field(default=0, ge=0, le=MAX_PER_CLASS)
    example_ids: list[RowId] = Field(default_factory=list, max_length=MAX_TRAINING_EXAMPLE_IDS)


class DatasetProfilePublic(BaseModel):
    examples: int
    classes: int
    smallest_class: int
    korean_share: float


class TrainerRecommendation(BaseModel):
    """The selector's choice: `rule` names the decision-table row (docs/training.md)."""

    trainer: str
    rule: str
    reasons: list[str]
    alternatives: list[str]
    estimated_seconds: float
    can_train: bool
    missing: list[str]
    dataset_version: str
    profile: DatasetProfilePublic
