"""The one serving model: promotion, rollback to the previous champion, and predictions."""

from __future__ import annotations

from collections.abc import Callable
from threading import Lock
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from preciso_dagster.core.appdb.models import ServingChange
from preciso_dagster.core.errors import ConflictError, NotFoundError
from preciso_dagster.core.training.registry import ModelRegistry
from preciso_dagster.core.training.taxonomy import concepts_by_rules
from preciso_dagster.core.training.trainers import predict_known_first


def champion_history(session: Session, model_name: str) -> list[int]:
    """Champions in order: a promotion pushes a version, a rollback pops the latest."""
    stack: list[int] = []
    changes = session.scalars(
        select(ServingChange)
        .where(ServingChange.model_name == model_name)
        .order_by(ServingChange.change_id)
    )
    for change in changes:
        if change.action == "rollback":
            stack.pop()
        else:
            stack.append(change.to_version)
    return stack


def promote(
    session: Session,
    registry: ModelRegistry,
    version: int,
    changed_by: str,
    action: str = "promote",
    force: bool = False,
) -> ServingChange:
    """Make `version` the serving model (the `champion` alias), audited. A version that failed
    the promotion gate is served only with `force`, and the audit row says `forced`."""
    found = next((v for v in registry.versions() if v["version"] == version), None)
    if found is None:
        raise NotFoundError(f"model version {version} is not registered")
    current = registry.serving_version()
    if current == version:
        raise ConflictError(f"version {version} is already serving")
    if found["gate"] == "failed":
        if not force:
            raise ConflictError(
                f"version {version} failed the promotion gate ({found['gate_reasons']}); "
                "promote it with force: true to serve it anyway"
            )
        action = f"{action}_forced"
    return _switch(session, registry, action, current, version, changed_by)


def rollback(session: Session, registry: ModelRegistry, changed_by: str) -> ServingChange:
    """Serve the previous champion again, audited."""
    history = champion_history(session, registry.model_name)
    if len(history) < 2:
        raise ConflictError("there is no previous champion to roll back to")
    current, previous = history[-1], history[-2]
    return _switch(session, registry, "rollback", current, previous, changed_by)


def _switch(
    session: Session,
    registry: ModelRegistry,
    action: str,
    from_version: int | None,
    to_version: int,
    changed_by: str,
) -> ServingChange:
    """Record the change first, then move the alias: an audit row never misses a switch."""
    change = ServingChange(
        model_name=registry.model_name,
        action=action,
        from_version=from_version,
        to_version=to_version,
        changed_by=changed_by,
    )
    session.add(change)
    session.flush()
    registry.set_serving(to_version)
    return change


class ServingModelCache:
    """Loaded models by version, so a prediction costs no reload until the champion changes."""

    def __init__(self) -> None:
        self._models: dict[int, Any] = {}
        self._lock = Lock()

    def predict(self, registry: ModelRegistry, labels: list[str]) -> tuple[int, list[str]]:
        version = registry.serving_version()
        if version is None:
            raise NotFoundError("no model is serving yet; promote a version first")
        with self._lock:
            if version not in self._models:
                self._models[version] = registry.load(version)
            model = self._models[version]
        return version, predict_known_first(model, labels)

    def labeller(self, registry: ModelRegistry) -> Callable[[list[str]], tuple[str, list[str]]]:
        """Concepts for labels by the serving model, or by the taxonomy rules while no model
        serves; the first item of the result says which."""

        def label(labels: list[str]) -> tuple[str, list[str]]:
            if registry.serving_version() is None:
                return concepts_by_rules(labels)
            version, concepts = self.predict(registry, labels)
            return f"model version {version}", concepts

        return label
