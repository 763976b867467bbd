"""All routers of the bridge."""

from fastapi import APIRouter

from api_bridge.api.routes import (
    documents,
    flags,
    health,
    jobs,
    models,
    queries,
    review,
    training,
)

api_router = APIRouter()
for module in (health, jobs, documents, review, training, models, flags, queries):
    api_router.include_router(module.router)
