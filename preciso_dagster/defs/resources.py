"""The resource set for this environment, built from settings; secrets stay behind EnvVar."""

from __future__ import annotations

from typing import Any

import dagster as dg

from preciso_dagster.core.settings import Settings
from preciso_dagster.core.training.registry import ModelRegistry
from preciso_dagster.defs.appdb import AppDatabaseResource
from preciso_dagster.defs.ingest.inbox import InboxResource
from preciso_dagster.defs.ingest.outputs import DOCUMENT_OUTPUTS, DocumentOutputsIOManager
from preciso_dagster.defs.ingest.resources import DocumentStoreResource, ExtractionResource
from preciso_dagster.defs.questions.jobs import AnswerWriterResource
from preciso_dagster.defs.training.sensors import ApprovalPolicyResource


def resources_for(settings: Settings) -> dict[str, Any]:
    """Every resource the code location uses, configured for `settings`."""
    return {
        # A URL from the environment may carry a password, so it goes through EnvVar and the UI
        # hides it; the derived default (a SQLite file under var/) has nothing to hide.
        "app_db": AppDatabaseResource(
            url=dg.EnvVar("PRECISO_DATABASE_URL")
            if settings.database_url_given
            else settings.database_url
        ),
        "document_store": DocumentStoreResource(root=str(settings.storage_dir)),
        DOCUMENT_OUTPUTS: DocumentOutputsIOManager(base_dir=str(settings.var_dir / "outputs")),
        "inbox": InboxResource(
            path=str(settings.inbox_dir),
            batch_threshold=settings.ocr_batch_threshold,
            batch_size=settings.ocr_batch_size,
        ),
        "extraction": ExtractionResource(
            engine_order=list(settings.engine_order),
            dpi=settings.ocr_dpi,
            max_pdf_pages=settings.max_pdf_pages,
            verify_numbers=settings.flag_verify_ocr_numbers,
        ),
        "mlflow_registry": ModelRegistry.for_settings(settings),
        "answer_writer": AnswerWriterResource(writer=settings.answer_writer),
        "approval_policy": ApprovalPolicyResource(
            enabled=settings.flag_auto_training,
            min_new_approvals=settings.training_min_new_approvals,
        ),
    }
