"""Approvals that feed training, and the training data analytics."""

from typing import Any

from fastapi import APIRouter, status

from api_bridge.deps import ReviewerDep, SessionDep, ViewerDep
from api_bridge.schemas import ApprovalCreate, ApprovalsPublic
from preciso_dagster.training.dataset import analytics, approve

router = APIRouter(prefix="/api/v1", tags=["training"])


@router.post("/approvals", status_code=status.HTTP_201_CREATED, response_model=ApprovalsPublic)
def create_approvals(
    body: ApprovalCreate, session: SessionDep, principal: ReviewerDep
) -> ApprovalsPublic:
    """Approve examples or whole documents (audited); approval_sensor may then start training."""
    approvals = approve(
        session,
        approved_by=principal.name,
        example_ids=body.example_ids,
        document_ids=body.document_ids,
        corrections=body.corrections,
    )
    session.commit()
    return ApprovalsPublic(
        approved=len(approvals),
        approval_ids=[a.approval_id for a in approvals],
        example_ids=[a.example_id for a in approvals],
    )


@router.get("/training/analytics")
def training_analytics(session: SessionDep, _: ViewerDep) -> dict[str, Any]:
    """Quality distribution, class balance, under-represented classes, recommendations."""
    return analytics(session)
