"""The FastAPI application: `uvicorn api_bridge.main:app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api_bridge.api.main import api_router
from api_bridge.auth import TokenBook
from api_bridge.body_limits import BodyLimitMiddleware
from api_bridge.console.app import install_console
from api_bridge.dagster_gateway import DagsterGateway
from api_bridge.errors import install_error_handlers
from api_bridge.metrics import install_metrics
from api_bridge.services.outbox import OutboxSubmitter
from preciso_dagster.core.log_setup import configure_logging
from preciso_dagster.core.settings import Settings, get_settings
from preciso_dagster.core.training.registry import ModelRegistry
from preciso_dagster.core.training.serving import ServingModelCache


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for `settings` (the process settings by default)."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    gateway = DagsterGateway(settings.dagster_graphql_host, settings.web_port)
    outbox = OutboxSubmitter(settings.database_url, gateway)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        outbox.start()
        yield
        outbox.stop()

    app = FastAPI(
        title="Preciso API bridge",
        version="0.1.0",
        description="Submits Dagster runs and mirrors them as pipeline jobs.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.tokens = TokenBook.for_settings(settings)
    app.state.gateway = gateway
    app.state.outbox = outbox
    app.state.registry = ModelRegistry.for_settings(settings)
    app.state.serving_models = ServingModelCache()
    install_error_handlers(app)
    install_metrics(app)
    app.include_router(api_router)
    install_console(app, settings)
    app.add_middleware(BodyLimitMiddleware, settings=settings, tokens=app.state.tokens)
    return app


app = create_app()
