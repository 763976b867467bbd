"""SQLAlchemy models for the app database; change them only together with a migration."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, Integer, String, Text, TypeDecorator, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from preciso_dagster.core.pages import PAGE_LIST, PageRecord


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored and returned in UTC; SQLite forgets the zone, so it is put back."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StoredPages(TypeDecorator[list[PageRecord]]):
    """A document's pages as typed records, kept as JSON: records are checked on the way in
    and on the way out, so no reader meets a dict of unknown shape."""

    impl = JSON
    cache_ok = True

    def process_bind_param(
        self, value: Sequence[PageRecord | dict[str, Any]] | None, dialect: Any
    ) -> list[dict[str, Any]] | None:
        if value is None:
            return None
        return [page.model_dump(mode="json") for page in PAGE_LIST.validate_python(value)]

    def process_result_value(self, value: Any, dialect: Any) -> list[PageRecord] | None:
        return None if value is None else PAGE_LIST.validate_python(value)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UtcDateTime}


class JobStatus(enum.StrEnum):
    """Lifecycle of a pipeline job; the terminal ones never change again except by a retry."""

    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    # Extraction stopped because numbers wait for a person: a business outcome, not a failure.
    # When review settles, the pipeline continues and the job moves on as a new attempt.
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"
    CANCELED = "canceled"
    DEAD_LETTER = "dead_letter"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset(
    {
        JobStatus.SUCCEEDED,
        JobStatus.NEEDS_REVIEW,
        JobStatus.FAILED,
        JobStatus.CANCELED,
        JobStatus.DEAD_LETTER,
    }
)


class JobSource(enum.StrEnum):
    """Who launched the work behind a job."""

    API = "api"
    UI = "ui"
    SENSOR = "sensor"
    SCHEDULE = "schedule"
    BACKFILL = "backfill"


def _enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


class PipelineJob(Base):
    """One unit of work the product can follow by `job_id`, mirrored from its Dagster runs."""

    __tablename__ = "pipeline_jobs"

    job_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    job_type: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[JobStatus] = mapped_column(
        _enum_column(JobStatus, "job_status"), index=True, default=JobStatus.PENDING
    )
    dagster_run_id: Mapped[str | None] = mapped_column(String(64), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    source: Mapped[JobSource] = mapped_column(_enum_column(JobSource, "job_source"))
    requested_by: Mapped[str | None] = mapped_column(String(255))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    events: Mapped[list[PipelineJobEvent]] = relationship(
        back_populates="job", order_by="PipelineJobEvent.event_id"
    )


class PipelineJobEvent(Base):
    """Append-only history: one row per status change or Dagster run attached to a job."""

    __tablename__ = "pipeline_job_events"

    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pipeline_jobs.job_id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[JobStatus | None] = mapped_column(_enum_column(JobStatus, "job_status"))
    dagster_run_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    job: Mapped[PipelineJob] = relationship(back_populates="events")


class DocumentStatus(enum.StrEnum):
    """Where a document stands between arrival and training."""

    RECEIVED = "received"
    EXTRACTED = "extracted"
    NEEDS_REVIEW = "needs_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    FAILED = "failed"


class Document(Base):
    """An original stored content-addressed; the file itself is never modified."""

    __tablename__ = "documents"

    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer)
    detected_format: Mapped[str | None] = mapped_column(String(32))
    format_mismatch: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[DocumentStatus] = mapped_column(
        _enum_column(DocumentStatus, "document_status"), default=DocumentStatus.RECEIVED
    )
    failure_reason: Mapped[str | None] = mapped_column(Text)
    page_count: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[list[PageRecord] | None] = mapped_column(StoredPages)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DocumentOutcome(enum.StrEnum):
    """What a run did with one document."""

    SUCCEEDED = "succeeded"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"


class RunDocument(Base):
    """One document's outcome in one Dagster run: the rows behind a job's document rollup."""

    __tablename__ = "run_documents"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReviewStatus(enum.StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    CORRECTED = "corrected"


class ReviewItem(Base):
    """A number no second reading confirmed (kind `number`), or ink no engine read (kind
    `unread_region`), waiting for a person: where it is and the readings."""

    __tablename__ = "review_items"

    review_item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.document_id"), index=True)
    page_index: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="number", server_default="number")
    box: Mapped[list[int] | None] = mapped_column(JSON)
    raw: Mapped[str] = mapped_column(String(255))
    readings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str] = mapped_column(Text)
    crop_path: Mapped[str | None] = mapped_column(String(512))
    status: Mapped[ReviewStatus] = mapped_column(
        _enum_column(ReviewStatus, "review_status"), index=True, default=ReviewStatus.OPEN
    )
    value: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReviewDecision(Base):
    """Audit of every review decision: who, when, and the value before and after."""

    __tablename__ = "review_decisions"

    decision_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_item_id: Mapped[int] = mapped_column(
        ForeignKey("review_items.review_item_id"), index=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(255))
    value_before: Mapped[str | None] = mapped_column(String(255))
    value_after: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApprovalState(enum.StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class TrainingExample(Base):
    """A labelled line item proposed from a document, with provenance and a quality score."""

    __tablename__ = "training_examples"

    example_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.document_id"), index=True)
    page_index: Mapped[int] = mapped_column(Integer)
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(512))
    amount: Mapped[str] = mapped_column(String(64))  # a Decimal, kept as its exact string
    # Every amount of the row: [{"header": "2025", "amount": "1234.50", "raw": ..., "box": ...}]
    columns: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    box: Mapped[list[float] | None] = mapped_column(JSON)
    proposed_concept: Mapped[str] = mapped_column(String(64))
    concept: Mapped[str | None] = mapped_column(String(64))
    quality: Mapped[float] = mapped_column(default=0.0)
    approval_state: Mapped[ApprovalState] = mapped_column(
        _enum_column(ApprovalState, "approval_state"), index=True, default=ApprovalState.PROPOSED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Approval(Base):
    """Audit of approvals: who approved which example, and the concept before and after."""

    __tablename__ = "approvals"

    approval_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    example_id: Mapped[int] = mapped_column(ForeignKey("training_examples.example_id"), index=True)
    approved_by: Mapped[str] = mapped_column(String(255))
    concept_before: Mapped[str | None] = mapped_column(String(64))
    concept_after: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServingChange(Base):
    """Audit of the serving model (the MLflow `champion` alias): who, when, from and to."""

    __tablename__ = "serving_changes"

    change_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_name: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))  # promote | rollback | auto_promote
    from_version: Mapped[int | None] = mapped_column(Integer)
    to_version: Mapped[int] = mapped_column(Integer)
    changed_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoredPassage(Base):
    """A passage of a document's confirmed text as search finds it (`core/questions`).

    Full-text search reads `search_text` through SQLite FTS5 (`passages_fts`) or a PostgreSQL
    `tsvector` column with a GIN index; both are made by migration 0008, outside this model.
    """

    __tablename__ = "passages"

    passage_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.document_id"), index=True)
    page_index: Mapped[int] = mapped_column(Integer)
    line_start: Mapped[int] = mapped_column(Integer)
    search_text: Mapped[str] = mapped_column(Text)
    passage: Mapped[dict[str, Any]] = mapped_column(JSON)  # the Passage record


class StoredQuery(Base):
    """A question asked over `/api/v1/queries`: how it was run, and its answer once there."""

    __tablename__ = "queries"

    query_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    question: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)  # document_ids, top_k
    heavy: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16))  # pending | answered | failed
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pipeline_jobs.job_id"))
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
