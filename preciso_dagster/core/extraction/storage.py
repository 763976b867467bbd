"""Content-addressed storage for originals: written once, read-only after, never deleted."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from preciso_dagster.core.errors import NotFoundError


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def document_id_for(sha256: str) -> str:
    """Document ids derive from content, so every arrival path agrees without a lookup."""
    return f"doc-{sha256[:24]}"


@dataclass(frozen=True)
class StoredOriginal:
    sha256: str
    document_id: str
    path: Path
    newly_stored: bool


class DocumentStore:
    """Originals under `<root>/originals/<sha[:2]>/<sha>`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        return self.root / "originals" / sha256[:2] / sha256

    def store(self, content: bytes) -> StoredOriginal:
        """Store `content` unless it is already there; the write is atomic."""
        sha256 = sha256_of(content)
        path = self.path_for(sha256)
        if path.exists():
            return StoredOriginal(sha256, document_id_for(sha256), path, newly_stored=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp_name, 0o444)
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return StoredOriginal(sha256, document_id_for(sha256), path, newly_stored=True)

    def save_crop(self, document_id: str, name: str, png: bytes) -> Path:
        """Keep an image crop a reviewer needs to see (derived data, not an original)."""
        path = self.root / "review_crops" / document_id / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        return path

    def read(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        if not path.exists():
            raise NotFoundError(f"original {sha256} is not in the document store")
        return path.read_bytes()
