"""The local inbox folder: files dropped there are stored, registered and moved aside."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

INGESTED_DIR = ".ingested"


@dataclass(frozen=True)
class InboxFile:
    path: Path
    name: str


class InboxResource(dg.ConfigurableResource):
    """A folder watched by `document_inbox_sensor`; accepted files move to `.ingested/`."""

    path: str
    settle_seconds: float = 2.0
    batch_threshold: int = 4  # this many new documents in one tick are batched
    batch_size: int = 50  # documents per `ocr_batch_job` run

    def ready_files(self, limit: int) -> list[InboxFile]:
        """Files no longer being written (unchanged for `settle_seconds`), oldest name first."""
        inbox = Path(self.path)
        inbox.mkdir(parents=True, exist_ok=True)
        cutoff = time.time() - self.settle_seconds
        ready = []
        for path in sorted(inbox.iterdir()):
            if path.name.startswith(".") or not path.is_file() or path.is_symlink():
                continue
            if path.stat().st_mtime <= cutoff:
                ready.append(InboxFile(path, path.name))
            if len(ready) >= limit:
                break
        return ready

    def set_aside(self, inbox_file: InboxFile, sha256: str) -> None:
        """Move a stored file out of the way; the stored original is the copy of record."""
        target_dir = Path(self.path) / INGESTED_DIR
        target_dir.mkdir(exist_ok=True)
        inbox_file.path.replace(target_dir / f"{sha256[:12]}-{inbox_file.name}")
