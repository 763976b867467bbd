"""The training data manager: proposing examples, approvals, dataset selection and versions."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from preciso_dagster.core.appdb.models import (
    Approval,
    ApprovalState,
    Document,
    DocumentStatus,
    TrainingExample,
)
from preciso_dagster.core.errors import InvalidRequestError, NotFoundError
from preciso_dagster.core.pages import Box, PageRecord
from preciso_dagster.core.training.line_items import page_line_items
from preciso_dagster.core.training.selection import (
    DEFAULT_BUDGET_SECONDS,
    DatasetProfile,
    recommend,
)
from preciso_dagster.core.training.taxonomy import UNKNOWN, concepts, propose_concept

# Only documents in these states may feed training; a rejected document never does.
TRAINABLE_DOCUMENT_STATUSES = (DocumentStatus.EXTRACTED, DocumentStatus.APPROVED)
UNDER_REPRESENTED_SHARE = 0.5  # a class with under half the mean count per class
CONFIDENCE_WEIGHT, VERIFIED_WEIGHT, REVIEWER_WEIGHT = 0.5, 0.3, 0.2


@dataclass(frozen=True)
class DatasetSelection:
    """Filters that pick the training set; `example_ids` pins an explicit batch."""

    min_quality: float = 0.0
    max_per_class: int = 0  # 0: no cap
    example_ids: tuple[int, ...] = ()


class DatasetExample(BaseModel):
    """One approved example as the trainer sees it, with where it came from."""

    example_id: int
    label: str
    concept: str
    document_id: str
    page_index: int
    span: tuple[int, int]
    quality: float


class DatasetSnapshot(BaseModel):
    """The approved examples a training run uses; `version` is their content hash."""

    version: str
    examples: list[DatasetExample] = Field(default_factory=list)

    def profile(self) -> DatasetProfile:
        """What the trainer selector looks at."""
        return DatasetProfile.of(
            [e.label for e in self.examples], [e.concept for e in self.examples]
        )

    @property
    def class_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(e.concept for e in self.examples).items()))

    def manifest(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "size": len(self.examples),
            "class_counts": self.class_counts,
            "example_ids": [e.example_id for e in self.examples],
        }


class CandidateColumn(BaseModel):
    header: str | None
    amount: str  # an exact decimal, as text
    raw: str
    box: Box | None


class LineItemCandidate(BaseModel):
    """A label-and-amounts line of a confirmed page, proposed as a training example."""

    page: int
    label: str
    amount: str  # the first column's
    columns: list[CandidateColumn]
    concept: str


def quality_score(page: PageRecord, reviewed: bool) -> float:
    """Extraction confidence, numeric verification and reviewer action, weighted 0.5/0.3/0.2."""
    confidence = page.confidence or 0.0
    verified = all(n.verified for n in page.numbers)
    return round(
        CONFIDENCE_WEIGHT * confidence + VERIFIED_WEIGHT * verified + REVIEWER_WEIGHT * reviewed, 3
    )


def propose_examples(
    session: Session, document_id: str, pages: list[PageRecord]
) -> list[LineItemCandidate]:
    """Replace a document's still-proposed examples with fresh candidates from its pages."""
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"document {document_id} not found")
    session.query(TrainingExample).filter(
        TrainingExample.document_id == document_id,
        TrainingExample.approval_state == ApprovalState.PROPOSED,
    ).delete()
    reviewed = document.status == DocumentStatus.APPROVED
    candidates = []
    for page in pages:
        for item in page_line_items(page):
            columns = [
                CandidateColumn(
                    header=cell.header, amount=str(cell.amount), raw=cell.raw, box=cell.box
                )
                for cell in item.columns
            ]
            example = TrainingExample(
                document_id=document_id,
                page_index=page.index,
                span_start=item.span[0],
                span_end=item.span[1],
                label=item.label[:512],
                amount=str(item.amount),
                columns=[column.model_dump(mode="json") for column in columns],
                box=list(item.box) if item.box else None,
                proposed_concept=propose_concept(item.label),
                quality=quality_score(page, reviewed),
            )
            session.add(example)
            candidates.append(
                LineItemCandidate(
                    page=page.index,
                    label=example.label,
                    amount=example.amount,
                    columns=columns,
                    concept=example.proposed_concept,
                )
            )
    return candidates


@dataclass
class ApprovalOutcome:
    """What an approval did: the audited approvals, and the examples of approved documents
    left proposed because they have no concept yet (a person must give one)."""

    approvals: list[Approval] = field(default_factory=list)
    needs_concept: list[int] = field(default_factory=list)


def approve(
    session: Session,
    *,
    approved_by: str,
    example_ids: list[int],
    document_ids: list[str],
    corrections: dict[int, str],
) -> ApprovalOutcome:
    """Approve examples (or every proposed example of whole documents), audited one by one.

    An example named by id must have a concept (proposed or corrected); a whole document
    approves the examples that have one and returns the others as `needs_concept`.
    """
    known = set(concepts())
    for example_id, concept in corrections.items():
        if concept not in known:
            raise InvalidRequestError(f"example {example_id}: unknown concept {concept!r}")
    query = select(TrainingExample).where(
        (TrainingExample.example_id.in_(example_ids))
        | (
            TrainingExample.document_id.in_(document_ids)
            & (TrainingExample.approval_state == ApprovalState.PROPOSED)
        )
    )
    examples = session.scalars(query.order_by(TrainingExample.example_id)).all()
    missing = set(example_ids) - {e.example_id for e in examples}
    if missing:
        raise NotFoundError(f"unknown example ids: {sorted(missing)}")
    outcome = ApprovalOutcome()
    for example in examples:
        document = session.get(Document, example.document_id)
        if document is None or document.status not in TRAINABLE_DOCUMENT_STATUSES:
            status = document.status if document else "missing"
            raise InvalidRequestError(
                f"example {example.example_id} comes from a document that is {status}"
            )
        concept = corrections.get(example.example_id, example.concept or example.proposed_concept)
        if concept == UNKNOWN:
            if example.example_id not in example_ids:
                outcome.needs_concept.append(example.example_id)
                continue
            raise InvalidRequestError(
                f"example {example.example_id} has no concept; send a correction"
            )
        approval = Approval(
            example_id=example.example_id,
            approved_by=approved_by,
            concept_before=example.concept or example.proposed_concept,
            concept_after=concept,
        )
        example.concept = concept
        example.approval_state = ApprovalState.APPROVED
        if document.status != DocumentStatus.APPROVED:  # else counted when it was proposed
            example.quality = round(min(1.0, example.quality + REVIEWER_WEIGHT), 3)
        session.add(approval)
        outcome.approvals.append(approval)
    session.flush()
    return outcome


def list_examples(
    session: Session,
    *,
    document_id: str | None,
    state: ApprovalState | None,
    offset: int,
    limit: int,
) -> tuple[list[TrainingExample], int]:
    """A page of examples in document and line order, and how many match."""
    query = select(TrainingExample)
    if document_id is not None:
        query = query.where(TrainingExample.document_id == document_id)
    if state is not None:
        query = query.where(TrainingExample.approval_state == state)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(TrainingExample.example_id).offset(offset).limit(limit)
    ).all()
    return list(rows), total


def select_dataset(session: Session, selection: DatasetSelection) -> DatasetSnapshot:
    """Approved examples from trainable documents, filtered, capped per class, versioned."""
    query = (
        select(TrainingExample)
        .join(Document, Document.document_id == TrainingExample.document_id)
        .where(
            TrainingExample.approval_state == ApprovalState.APPROVED,
            Document.status.in_(TRAINABLE_DOCUMENT_STATUSES),
            TrainingExample.quality >= selection.min_quality,
        )
        .order_by(TrainingExample.example_id)
    )
    if selection.example_ids:
        query = query.where(TrainingExample.example_id.in_(selection.example_ids))
    per_class: Counter[str] = Counter()
    examples = []
    for example in session.scalars(query):
        assert example.concept is not None
        if selection.max_per_class and per_class[example.concept] >= selection.max_per_class:
            continue
        per_class[example.concept] += 1
        examples.append(
            DatasetExample(
                example_id=example.example_id,
                label=example.label,
                concept=example.concept,
                document_id=example.document_id,
                page_index=example.page_index,
                span=(example.span_start, example.span_end),
                quality=example.quality,
            )
        )
    return DatasetSnapshot(version=dataset_version(examples), examples=examples)


def dataset_version(examples: list[DatasetExample]) -> str:
    """A content hash of the labelled set: the same examples and labels, the same version."""
    canonical = json.dumps(
        [[e.example_id, e.label, e.concept] for e in examples],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def latest_approval_id(session: Session) -> int:
    return session.scalar(select(func.max(Approval.approval_id))) or 0


def analytics(session: Session) -> dict[str, Any]:
    """Quality distribution, class balance, under-represented classes and what to do next."""
    snapshot = select_dataset(session, DatasetSelection())
    counts = snapshot.class_counts
    qualities = [e.quality for e in snapshot.examples]
    buckets = Counter(min(int(q * 10), 9) / 10 for q in qualities)
    proposed = (
        session.scalar(
            select(func.count()).where(TrainingExample.approval_state == ApprovalState.PROPOSED)
        )
        or 0
    )
    mean = (sum(counts.values()) / len(concepts())) if counts else 0
    under = sorted(
        c
        for c in concepts()
        if counts.get(c, 0) < UNDER_REPRESENTED_SHARE * mean or counts.get(c, 0) == 0
    )
    recommendations = []
    if under:
        recommendations.append(f"approve or correct more examples for: {', '.join(under)}")
    if proposed:
        recommendations.append(f"{proposed} proposed examples are waiting for review")
    low = sum(q < 0.6 for q in qualities)
    if low:
        recommendations.append(
            f"{low} approved examples have quality < 0.6; consider min_quality=0.6"
        )
    if counts and max(counts.values()) > 5 * max(1, min(counts.values())):
        recommendations.append("classes are imbalanced more than 5:1; set max_per_class")
    choice = recommend(snapshot.profile(), DEFAULT_BUDGET_SECONDS)
    if not choice.can_train:
        recommendations.insert(0, f"training waits for: {'; '.join(choice.missing)}")
    return {
        "can_train": choice.can_train,
        "missing": choice.missing,
        "recommended_trainer": choice.trainer,
        "selection_rule": choice.rule,
        "dataset_version": snapshot.version,
        "approved_examples": len(snapshot.examples),
        "proposed_examples": proposed,
        "class_balance": counts,
        "quality_distribution": {f"{k:.1f}-{k + 0.1:.1f}": v for k, v in sorted(buckets.items())},
        "under_represented": under,
        "recommendations": recommendations,
    }
