"""Resources for document storage and the extraction engines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field, PrivateAttr

from preciso_dagster.core.extraction.extraction import (
    ExtractedDocument,
    ExtractionConfig,
    default_engines,
    extract_document,
)
from preciso_dagster.core.extraction.storage import DocumentStore


class DocumentStoreResource(dg.ConfigurableResource):
    """Content-addressed originals on the local file system."""

    root: str

    def store(self) -> DocumentStore:
        return DocumentStore(Path(self.root))


class ExtractionResource(dg.ConfigurableResource):
    """The engine fallback order and its limits; engines load once per process."""

    engine_order: list[str] = Field(default_factory=lambda: list(ExtractionConfig.engine_order))
    dpi: int = ExtractionConfig.dpi
    min_ocr_confidence: float = ExtractionConfig.min_ocr_confidence
    max_pdf_pages: int = ExtractionConfig.max_pdf_pages
    verify_numbers: bool = ExtractionConfig.verify_numbers
    straighten_skew: bool = ExtractionConfig.straighten_skew

    _engines: dict[str, Any] | None = PrivateAttr(default=None)

    def extraction_config(self) -> ExtractionConfig:
        return ExtractionConfig(
            engine_order=tuple(self.engine_order),
            dpi=self.dpi,
            min_ocr_confidence=self.min_ocr_confidence,
            max_pdf_pages=self.max_pdf_pages,
            verify_numbers=self.verify_numbers,
            straighten_skew=self.straighten_skew,
        )

    def extract(self, content: bytes, filename: str) -> ExtractedDocument:
        config = self.extraction_config()
        if self._engines is None:
            self._engines = default_engines(config)
        return extract_document(content, filename, config, self._engines)
