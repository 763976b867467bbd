"""Request and response models; routes never return ORM objects."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from preciso_dagster.appdb.models import DocumentStatus, JobSource, JobStatus, ReviewStatus


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    job_type: str = Field(description="ocr_extraction, numeric_check or training", max_length=64)
    params: dict[str, Any] = Field(default_factory=dict)


class JobPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    job_id: uuid.UUID
    job_type: str
    status: JobStatus
    dagster_run_id: str | None
    attempts: int
    source: JobSource
    requested_by: str | None
    params: dict[str, Any]
    error: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobsPublic(BaseModel):
    items: list[JobPublic]
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
    pages: list[dict[str, Any]] | None
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
    box: list[int] | None
    raw: str
    readings: dict[str, Any]
    reason: str
    crop_path: str | None
    status: ReviewStatus
    value: str | None
    created_at: datetime
    updated_at: datetime


class ReviewItemsPublic(BaseModel):
    items: list[ReviewItemPublic]
    total: int
    offset: int
    limit: int


class ReviewDecisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject", "correct"]
    value: str | None = Field(default=None, max_length=255)
