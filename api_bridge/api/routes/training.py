"""Approvals that feed training, and the training data analytics."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api_bridge.deps import ReviewerDep, SessionDep, ViewerDep
from api_bridge.schemas import (
    ApprovalCreate,
    ApprovalsPublic,
    RecommendRequest,
    TrainerRecommendation,
    TrainingExamplePublic,
    TrainingExamplesPublic,
)
from preciso_dagster.core.appdb.models import ApprovalState
from preciso_dagster.core.appdb.storable import MAX_ROW_ID, StorableText
from preciso_dagster.core.training.dataset import (
    DatasetSelection,
    analytics,
    approve,
    list_examples,
    select_dataset,
)
from preciso_dagster.core.training.selection import recommend

router = APIRouter(prefix="/api/v1", tags=["training"])


@router.post("/approvals", status_code=status.HTTP_201_CREATED, response_model=ApprovalsPublic)
def create_approvals(
    body: ApprovalCreate, session: SessionDep, principal: ReviewerDep
) -> ApprovalsPublic:
    """Approve examples or whole documents (audited); approval_sensor may then start training."""
    outcome = approve(
        session,
        approved_by=principal.name,
        example_ids=body.example_ids,
        document_ids=body.document_ids,
        corrections=body.corrections,
    )
    session.commit()
    return ApprovalsPublic(
        approved=len(outcome.approvals),
        approval_ids=[a.approval_id for a in outcome.approvals],
        example_ids=[a.example_id for a in outcome.approvals],
        needs_concept=outcome.needs_concept,
    )


@router.get("/training/examples", response_model=TrainingExamplesPublic)
def read_training_examples(
    session: SessionDep,
    _: ViewerDep,
    document_id: Annotated[StorableText | None, Query(max_length=64)] = None,
    status: Annotated[ApprovalState | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> TrainingExamplesPublic:
    """Line items proposed for training, with their proposed concept, amounts and state."""
    rows, total = list_examples(
        session, document_id=document_id, state=status, offset=offset, limit=limit
    )
    return TrainingExamplesPublic(
        items=[TrainingExamplePublic.model_validate(row) for row in rows],
        total=total,
        offset=offset,
        limit=limit,
    )


@router.get("/training/analytics")
def training_analytics(session: SessionDep, _: ViewerDep) -> dict[str, Any]:
    """Quality distribution, class balance, under-represented classes, recommendations."""
    return analytics(session)


@router.post("/training/recommend", response_model=TrainerRecommendation)
def recommend_trainer(
    body: RecommendRequest, session: SessionDep, _: ViewerDep
) -> TrainerRecommendation:
    """The trainer the selector would choose for the approved examples (or a selection of
    them) within the time budget: the rule that fired, its reasons, the alternatives, the
    estimated training time, and what is missing when the data cannot train yet."""
    selection = DatasetSelection(body.min_quality, body.max_per_class, tuple(body.example_ids))
    snapshot = select_dataset(session, selection)
    profile = snapshot.profile()
    choice = recommend(profile, body.budget_seconds)
    return TrainerRecommendation.model_validate(
        {**asdict(choice), "dataset_version": snapshot.version, "profile": asdict(profile)}
    )
