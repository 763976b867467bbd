"""DOCUMENT_STEPS: the per-document chain, listed once for every job that runs it.

Each step is an asset, its blocking check, and the two plain functions the batch job calls
to compute that asset and judge that check for one document. The one-document jobs select
the same assets, so a new asset or check is added here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from preciso_dagster.defs.appdb import AppDatabaseResource
from preciso_dagster.defs.ingest.assets import document_pages, extract_pages
from preciso_dagster.defs.ingest.resources import DocumentStoreResource, ExtractionResource
from preciso_dagster.defs.numeric.assets import normalize_pages, normalized_text
from preciso_dagster.defs.numeric.checks import (
    normalization_result,
    normalized_text_keeps_numbers,
    numbers_verified,
    pages_numbers_result,
)
from preciso_dagster.defs.questions.assets import (
    document_passages,
    index_document,
    passages_keep_numbers,
    passages_result,
)
from preciso_dagster.defs.review.assets import (
    confirm_document,
    confirmed_pages,
    numbers_settled,
    pages_settled_result,
)
from preciso_dagster.defs.training.assets import line_item_candidates, propose_candidates
from preciso_dagster.defs.training.checks import (
    candidate_amounts_match_pages,
    candidate_amounts_result,
)


@dataclass
class DocumentRun:
    """One document going through the chain in a batch: its resources and outputs so far."""

    document_id: str
    app_db: AppDatabaseResource
    document_store: DocumentStoreResource
    extraction: ExtractionResource
    outputs: dict[str, Any] = field(default_factory=dict)  # by asset name

    def __getitem__(self, asset: dg.AssetsDefinition) -> Any:
        return self.outputs[asset.key.path[-1]]

    def __setitem__(self, asset: dg.AssetsDefinition, value: Any) -> None:
        self.outputs[asset.key.path[-1]] = value


@dataclass(frozen=True)
class DocumentStep:
    asset: dg.AssetsDefinition
    check: dg.AssetChecksDefinition
    compute: Callable[[DocumentRun], dg.Output[Any]]
    judge: Callable[[DocumentRun], dg.AssetCheckResult]


DOCUMENT_STEPS = (
    DocumentStep(
        document_pages,
        numbers_verified,
        lambda run: extract_pages(run.app_db, run.document_store, run.extraction, run.document_id),
        lambda run: pages_numbers_result(run[document_pages]),
    ),
    DocumentStep(
        confirmed_pages,
        numbers_settled,
        lambda run: confirm_document(run.app_db, run.document_id, run[document_pages]),
        lambda run: pages_settled_result(run[confirmed_pages]),
    ),
    DocumentStep(
        normalized_text,
        normalized_text_keeps_numbers,
        lambda run: normalize_pages(run[confirmed_pages]),
        lambda run: normalization_result(run[confirmed_pages], run[normalized_text]),
    ),
    DocumentStep(
        document_passages,
        passages_keep_numbers,
        lambda run: index_document(run.app_db, run.document_id, run[confirmed_pages]),
        lambda run: passages_result(run[document_passages], run[confirmed_pages]),
    ),
    DocumentStep(
        line_item_candidates,
        candidate_amounts_match_pages,
        lambda run: propose_candidates(run.app_db, run.document_id, run[confirmed_pages]),
        lambda run: candidate_amounts_result(run[line_item_candidates], run[confirmed_pages]),
    ),
)
DOCUMENT_ASSETS = [step.asset for step in DOCUMENT_STEPS]
