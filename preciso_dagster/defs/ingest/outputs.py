"""Per-document asset outputs as JSON files, shared by single-document runs and batches.

One file per asset and document (`<base_dir>/<asset>/<document_id>.json`), written atomically.
A batch run writes the same files a single-document run would, so any document can be
re-run, re-checked or re-executed from failure on its own in the UI.

Outputs are typed (pydantic records such as `DocumentPages`, or plain typed lists): each is
written as JSON and read back as the type the consuming asset or check declares, validated.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import TypeAdapter
from pydantic_core import to_json

DOCUMENT_OUTPUTS = "document_outputs"  # the resource key of the IO manager below


class DocumentOutputsIOManager(dg.ConfigurableIOManager):
    """Stores each document partition's output as readable JSON under `base_dir`."""

    base_dir: str

    def path(self, asset_name: str, document_id: str) -> Path:
        return Path(self.base_dir) / asset_name / f"{document_id}.json"

    def write(self, asset_name: str, document_id: str, value: Any) -> None:
        path = self.path(asset_name, document_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".json.partial")
        partial.write_bytes(to_json(value))
        os.replace(partial, path)

    def read(self, asset_name: str, document_id: str, as_type: Any = Any) -> Any:
        """The stored output validated as `as_type`; a Failure if it was never materialised."""
        path = self.path(asset_name, document_id)
        if not path.exists():
            raise dg.Failure(
                f"no stored {asset_name} for {document_id}: materialise it first",
                allow_retries=False,
            )
        return TypeAdapter(as_type).validate_json(path.read_bytes())

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        self.write(context.asset_key.path[-1], context.partition_key, obj)

    def load_input(self, context: dg.InputContext) -> Any:
        return self.read(
            context.asset_key.path[-1], context.partition_key, context.dagster_type.typing_type
        )
