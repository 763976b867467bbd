"""Storing originals and registering documents: content-addressed, idempotent, never lost."""

import pytest

from preciso_dagster.core.appdb.models import DocumentStatus
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.errors import BadDocumentError
from preciso_dagster.core.extraction.registration import register_document, validate_filename
from preciso_dagster.core.extraction.storage import DocumentStore
from tests import fixtures


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a/b.pdf", "separators"),
        ("a\\b.pdf", "separators"),
        ("bell\x07.pdf", "control"),
        ("rtl\u202e.pdf", "control"),
        ("", "empty"),
        ("x" * 300, "longer"),
    ],
)
def test_unsafe_filenames_are_refused(name: str, message: str) -> None:
    with pytest.raises(BadDocumentError, match=message):
        validate_filename(name)


def test_same_bytes_register_once(database_url: str, tmp_path) -> None:
    store = DocumentStore(tmp_path / "store")
    content = fixtures.text_pdf()
    with session_scope(database_url) as session:
        first = register_document(session, store, content, "a.pdf")
    with session_scope(database_url) as session:
        second = register_document(session, store, content, "renamed.pdf")
    assert first.is_new and not second.is_new
    assert first.document_id == second.document_id == f"doc-{first.sha256[:24]}"
    original = store.path_for(first.sha256)
    assert original.read_bytes() == content
    assert not original.stat().st_mode & 0o222  # read-only


def test_control_characters_in_a_name_fail_the_document_but_keep_it(
    database_url: str, tmp_path
) -> None:
    store = DocumentStore(tmp_path / "store")
    with session_scope(database_url) as session:
        registration = register_document(session, store, b"Revenue 12", "bell\x07.txt")
    assert registration.status == DocumentStatus.FAILED
    assert "control characters" in (registration.failure_reason or "")
    assert store.read(registration.sha256) == b"Revenue 12"
