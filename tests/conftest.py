"""Shared fixtures: app databases on SQLite and (when configured) PostgreSQL, and test settings."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from preciso_dagster.core.appdb.migrate import upgrade
from preciso_dagster.core.appdb.models import Document, DocumentStatus
from preciso_dagster.core.appdb.session import engine_for, session_scope
from preciso_dagster.core.extraction.registration import register_document
from preciso_dagster.core.extraction.storage import DocumentStore
from preciso_dagster.core.pages import NumberRecord, PageRecord
from preciso_dagster.core.review.items import replace_open_items
from preciso_dagster.core.settings import Settings
from preciso_dagster.core.training.dataset import propose_examples
from tests import fixtures

POSTGRES_URL = os.environ.get("PRECISO_TEST_POSTGRES_URL")
REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT.parent / "shared" / "corpus" / "pdf"


def fresh_postgres_database(base_url: str) -> str:
    """Create an empty database on the server behind `base_url` and return its URL."""
    name = f"preciso_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(base_url: str, url: str) -> None:
    engine_for(url).dispose()
    name = make_url(url).database
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgres",
        id="postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES_URL, reason="PRECISO_TEST_POSTGRES_URL is not set"),
        ],
    ),
]

# Console buttons that change state: a viewer must never see any of them.
STATE_CHANGING_HOOKS = (
    "review-approve",
    "review-reject",
    "review-correct",
    "model-promote",
    "model-rollback",
    "job-retry",
    "job-cancel",
    "training-launch",
)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty app database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
        upgrade(url)
        yield url
        engine_for(url).dispose()
        return
    assert POSTGRES_URL
    url = fresh_postgres_database(POSTGRES_URL)
    try:
        upgrade(url)
        yield url
    finally:
        drop_postgres_database(POSTGRES_URL, url)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for one test, everything under its own temporary folder."""
    return Settings(
        var_dir=tmp_path / "var",
        database_url=database_url,
        api_tokens={
            "viewer-token": "viewer",
            "operator-token": "operator",
            "reviewer-token": "reviewer",
            "admin-token": "admin",
        },
        web_port=1,  # nothing listens there: Dagster is "down" unless a test starts it
    )


def register(settings: Settings, content: bytes, name: str) -> str:
    """Store and register a document as the inbox or the API would; its document id."""
    assert settings.storage_dir
    with session_scope(settings.database_url) as session:
        return register_document(
            session, DocumentStore(settings.storage_dir), content, name
        ).document_id


def known_documents(settings: Settings, document_ids: list[str]) -> None:
    """Bare document rows with these ids, for tests of jobs over documents (unknown ones are
    refused)."""
    with session_scope(settings.database_url) as session:
        for document_id in document_ids:
            digest = uuid.uuid5(uuid.NAMESPACE_URL, document_id).hex * 2
            session.add(
                Document(document_id=document_id, sha256=digest, filename="t.txt", size_bytes=1)
            )


def document_with_examples(settings: Settings, text: str, status: DocumentStatus) -> str:
    """A one-page text document in `status`, with its line items proposed for training."""
    document_id = register(settings, text.encode(), "fs.txt")
    with session_scope(settings.database_url) as session:
        document = session.get(Document, document_id)
        assert document
        document.status = status
        page = PageRecord(
            index=0, text=text, confidence=1.0, numbers=[NumberRecord(raw="1", verified=True)]
        )
        propose_examples(session, document_id, [page])
    return document_id


def corpus_file(name: str) -> Path:
    """A file from ../shared/corpus, or a skip when the corpus is absent."""
    path = CORPUS_DIR / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


def review_number(raw: str, kind: str = "number", reason: str = "engines disagree") -> dict:
    return {
        "raw": raw,
        "value": raw,
        "kind": kind,
        "box": [40, 40, 160, 80],
        "span": [0, len(raw)],
        "readings": {"tesseract": raw, "rapidocr": raw[::-1]},
        "reason": reason,
    }


@pytest.fixture
def scanned_document(settings: Settings) -> str:
    """A scanned PDF with two open items (two reasons, two kinds) and a crop for each."""
    assert settings.storage_dir
    store = DocumentStore(settings.storage_dir)
    crop = fixtures.image_bytes(fixtures.page_image(fixtures.text_pdf()), "png")
    with session_scope(settings.database_url) as session:
        scan = register_document(session, store, fixtures.scanned_pdf(), "scan.pdf")
        session.flush()
        document = session.get(Document, scan.document_id)
        assert document
        page = PageRecord.model_validate(
            {
                "index": 0,
                "engine": "tesseract",
                "text": "Revenue 1,250.00\nCash 75",
                "confidence": 0.91,
                "dpi": 200,
                "rotation": 0,
                "attempts": [
                    {"engine": "text_layer", "accepted": False, "reason": "no text layer"}
                ],
                "numbers": [
                    {**review_number("1,250.00"), "verified": True},
                    {**review_number("75"), "verified": False},
                    {**review_number("", "unread_region", "ink no engine read"), "verified": False},
                ],
                "review_items": [
                    review_number("75"),
                    review_number("", "unread_region", "ink no engine read"),
                ],
            }
        )
        document.pages = [page]
        document.detected_format = "pdf"
        document.status = DocumentStatus.NEEDS_REVIEW
        replace_open_items(
            session,
            scan.document_id,
            [page],
            lambda index, n: str(store.save_crop(scan.document_id, f"p{index}-n{n}", crop)),
        )
        return scan.document_id
