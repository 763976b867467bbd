"""Model versions and the one serving model: list, promote, roll back, predict."""

from fastapi import APIRouter, Request

from api_bridge.deps import AdminDep, SessionDep, ViewerDep
from api_bridge.schemas import (
    ModelVersionPublic,
    PredictRequest,
    PredictResponse,
    ServingChangePublic,
    ServingRequest,
)
from preciso_dagster.core.training.serving import promote, rollback

router = APIRouter(prefix="/api/v1/models", tags=["models"])


@router.get("", response_model=list[ModelVersionPublic])
def read_models(request: Request, _: ViewerDep) -> list[ModelVersionPublic]:
    """Registered versions, newest first, with metrics; `serving` marks the champion."""
    return [ModelVersionPublic(**v) for v in request.app.state.registry.versions()]


@router.post("/serving", response_model=ServingChangePublic)
def set_serving_model(
    body: ServingRequest, request: Request, session: SessionDep, principal: AdminDep
) -> ServingChangePublic:
    """Serve version N (MLflow alias `champion`); audited with who, when, from and to. A
    version that failed the promotion gate needs `force: true` (409 without it)."""
    change = promote(
        session, request.app.state.registry, body.version, principal.name, force=body.force
    )
    session.commit()
    return ServingChangePublic.model_validate(change)


@router.post("/rollback", response_model=ServingChangePublic)
def rollback_serving_model(
    request: Request, session: SessionDep, principal: AdminDep
) -> ServingChangePublic:
    """Serve the previous champion again."""
    change = rollback(session, request.app.state.registry, principal.name)
    session.commit()
    return ServingChangePublic.model_validate(change)


@router.post("/predict", response_model=PredictResponse)
def predict(body: PredictRequest, request: Request, _: ViewerDep) -> PredictResponse:
    """Concepts for line-item labels from the serving model."""
    version, concepts = request.app.state.serving_models.predict(
        request.app.state.registry, body.labels
    )
    return PredictResponse(model_version=version, concepts=concepts)
