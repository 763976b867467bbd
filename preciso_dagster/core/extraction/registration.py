"""Registering an arriving file: store the original first, then record the document once."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from preciso_dagster.core.appdb.models import Document, DocumentStatus
from preciso_dagster.core.errors import BadDocumentError
from preciso_dagster.core.extraction.formats import detect_format
from preciso_dagster.core.extraction.storage import DocumentStore

MAX_FILENAME_LENGTH = 255
NAME_PROBLEM = "filename"  # how every refusal of a name starts


@dataclass(frozen=True)
class Registration:
    document_id: str
    sha256: str
    is_new: bool
    status: DocumentStatus
    failure_reason: str | None


def validate_filename(filename: str) -> str:
    """The name as given, or BadDocumentError when it could escape a folder or hide characters."""
    if not filename or filename in (".", ".."):
        raise BadDocumentError("filename is empty")
    if "/" in filename or "\\" in filename:
        raise BadDocumentError("filename must not contain path separators")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in filename):
        raise BadDocumentError("filename must not contain control characters")
    if len(filename) > MAX_FILENAME_LENGTH:
        raise BadDocumentError(f"filename is longer than {MAX_FILENAME_LENGTH} characters")
    return filename


def register_document(
    session: Session, store: DocumentStore, content: bytes, filename: str
) -> Registration:
    """Store `content` and record it; the same bytes always give the same document."""
    stored = store.store(content)
    existing = session.get(Document, stored.document_id)
    if existing is not None:
        if _refused_for_its_name(existing) and _judge(existing, content, filename):
            return _registration(existing, is_new=True)  # the same bytes, now under a good name
        return _registration(existing, is_new=False)
    document = Document(
        document_id=stored.document_id,
        sha256=stored.sha256,
        size_bytes=len(content),
    )
    _judge(document, content, filename)
    try:
        with session.begin_nested():
            session.add(document)
    except IntegrityError:
        # Another arrival of the same bytes won the race; theirs is the record.
        winner = session.get(Document, stored.document_id, populate_existing=True)
        assert winner is not None
        return _registration(winner, is_new=False)
    return _registration(document, is_new=True)


def _judge(document: Document, content: bytes, filename: str) -> bool:
    """Name and detect the document; False (and status failed, with the reason) when the
    name or the content is refused."""
    document.filename = filename[:MAX_FILENAME_LENGTH]
    try:
        validate_filename(filename)
        detected = detect_format(content, filename)
    except BadDocumentError as error:
        document.status = DocumentStatus.FAILED
        document.failure_reason = str(error)
        return False
    document.detected_format = detected.format
    document.format_mismatch = detected.mismatch
    document.status = DocumentStatus.RECEIVED
    document.failure_reason = None
    return True


def _refused_for_its_name(document: Document) -> bool:
    """Only the name was wrong: a later arrival under another name is judged again."""
    return document.status == DocumentStatus.FAILED and (document.failure_reason or "").startswith(
        NAME_PROBLEM
    )


def _registration(document: Document, *, is_new: bool) -> Registration:
    return Registration(
        document.document_id, document.sha256, is_new, document.status, document.failure_reason
    )
