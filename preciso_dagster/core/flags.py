"""Every behaviour flag, its default and what it does; values come from PRECISO_FLAG_* settings."""

from __future__ import annotations

from dataclasses import dataclass

from preciso_dagster.core.settings import Settings


@dataclass(frozen=True)
class Flag:
    name: str
    description: str

    @property
    def setting(self) -> str:
        return f"flag_{self.name}"

    def default(self) -> bool:
        return bool(Settings.model_fields[self.setting].default)

    def enabled(self, settings: Settings) -> bool:
        return bool(getattr(settings, self.setting))


FLAGS: tuple[Flag, ...] = (
    Flag(
        "async_heavy_rag",
        "Run heavy questions (aggregates, many documents, a large top_k) as rag_query_job in "
        "Dagster: POST /api/v1/queries answers 202 with a job id. Off: they run synchronously "
        "under PRECISO_RAG_SYNC_TIME_LIMIT_SECONDS and say so.",
    ),
    Flag(
        "auto_promote_models",
        "Promote a newly trained model to serving when it beats the champion on macro-F1. "
        "Risky: off by default, promotion is a human decision.",
    ),
    Flag(
        "auto_training",
        "Let approval_sensor start training_job when enough new approvals arrive.",
    ),
    Flag(
        "verify_ocr_numbers",
        "Re-read every OCR'd number with a second engine and send disagreements to review.",
    ),
)
