"""The console over HTTP (no browser): sign-in, CSRF, roles, and every page with real data."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api_bridge.main import create_app
from preciso_dagster.appdb.models import (
    Document,
    DocumentStatus,
    ReviewDecision,
    ReviewItem,
    TrainingExample,
)
from preciso_dagster.appdb.session import session_scope
from preciso_dagster.ingest.registration import register_document
from preciso_dagster.ingest.storage import DocumentStore
from preciso_dagster.review.items import replace_open_items
from preciso_dagster.settings import Settings
from tests import fixtures
from tests.conftest import document_with_examples

PAGES = ("/ui/review", "/ui/documents", "/ui/training", "/ui/models", "/ui/jobs")


def _item(raw: str, kind: str = "number", reason: str = "engines disagree") -> dict:
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
        page = {
            "index": 0,
            "engine": "tesseract",
            "text": "Revenue 1,250\nCash 75",
            "confidence": 0.91,
            "dpi": 200,
            "rotation": 0,
            "attempts": [{"engine": "text_layer", "accepted": False, "reason": "no text layer"}],
            "numbers": [{**_item("1,250"), "verified": True}, {**_item("75"), "verified": False}],
            "review_items": [_item("75"), _item("", "unread_region", "ink no engine read")],
        }
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


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def sign_in(client: TestClient, token: str) -> str:
    """Sign in; the CSRF token the pages carry."""
    response = client.post("/ui/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303
    page = client.get("/ui/review")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def test_sign_in_gives_a_strict_http_only_expiring_cookie(client: TestClient) -> None:
    assert (
        client.get("/ui/review", follow_redirects=False).headers["location"].startswith("/ui/login")
    )
    refused = client.post("/ui/login", data={"token": "nope"})
    assert refused.status_code == 401 and "not known" in refused.text
    response = client.post("/ui/login", data={"token": "viewer-token"}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=28800" in cookie
    assert "viewer-token" not in cookie
    for path in PAGES:
        assert client.get(path).status_code == 200, path


def test_a_forged_cookie_or_a_post_without_csrf_is_refused(
    client: TestClient, scanned_document: str, settings: Settings
) -> None:
    client.cookies.set("preciso_console", "forged.value.here", path="/ui")
    assert client.get("/ui/review", follow_redirects=False).status_code == 303
    client.cookies.clear()
    csrf = sign_in(client, "reviewer-token")
    with session_scope(settings.database_url) as session:
        item_id = session.scalars(select(ReviewItem.review_item_id)).first()
    forged = client.post(f"/ui/review/{item_id}/decision", data={"decision": "approve"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    wrong = client.post(
        f"/ui/review/{item_id}/decision", data={"decision": "approve", "csrf_token": "x" + csrf}
    )
    assert wrong.status_code == 403
    with session_scope(settings.database_url) as session:
        assert not session.scalars(select(ReviewDecision)).all()


def test_a_viewer_sees_no_state_changing_button_and_the_server_refuses_anyway(
    client: TestClient, scanned_document: str, settings: Settings
) -> None:
    csrf = sign_in(client, "viewer-token")
    for path in PAGES:
        page = client.get(path).text
        for hook in (
            "review-approve",
            "review-reject",
            "review-correct",
            "model-promote",
            "model-rollback",
            "job-retry",
            "job-cancel",
            "training-launch",
        ):
            assert f'data-testid="{hook}"' not in page, (path, hook)
    with session_scope(settings.database_url) as session:
        item_id = session.scalars(select(ReviewItem.review_item_id)).first()
    refused = client.post(
        f"/ui/review/{item_id}/decision", data={"decision": "approve", "csrf_token": csrf}
    )
    assert refused.status_code == 403 and "reviewer" in refused.text
    assert client.post("/ui/models/rollback", data={"csrf_token": csrf}).status_code == 403
    assert client.post("/ui/training/batch", data={"csrf_token": csrf}).status_code == 403


def test_the_queue_filters_counts_and_decides_one_item_at_a_time(
    client: TestClient, scanned_document: str, settings: Settings
) -> None:
    csrf = sign_in(client, "reviewer-token")
    queue = client.get("/ui/review").text
    assert 'data-testid="review-open-count">2<' in queue and "scan.pdf" in queue
    assert 'data-testid="review-approve"' in queue and "engines disagree" in queue
    unread = client.get("/ui/review?kind=unread_region").text
    assert "ink no engine read" in unread and "Item 1 of 1" in unread
    crop_url = re.search(r'data-testid="review-crop"[^>]*src="([^"]+)"', queue).group(1)  # type: ignore[union-attr]
    assert client.get(crop_url).content.startswith(b"\x89PNG")
    page_url = re.search(r'class="page-image" src="([^"]+)"', queue).group(1)  # type: ignore[union-attr]
    assert client.get(page_url.replace("&amp;", "&")).content.startswith(b"\x89PNG")
    item_id = re.search(r'data-item-id="(\d+)"', queue).group(1)  # type: ignore[union-attr]
    corrected = client.post(
        f"/ui/review/{item_id}/decision",
        data={"decision": "correct", "value": "76", "csrf_token": csrf, "position": "0"},
    )
    assert corrected.status_code == 200 and "Item 1 of 1" in corrected.text
    with session_scope(settings.database_url) as session:
        (decision,) = session.scalars(select(ReviewDecision)).all()
        assert (decision.decision, decision.value_before, decision.value_after) == (
            "correct",
            "75",
            "76",
        )
        assert decision.decided_by.startswith("reviewer:")


def test_document_viewer_shows_the_image_provenance_and_items(
    client: TestClient, scanned_document: str
) -> None:
    sign_in(client, "viewer-token")
    listing = client.get("/ui/documents?status=needs_review").text
    assert 'data-testid="document-row"' in listing and "scan.pdf" in listing
    assert "scan.pdf" not in client.get("/ui/documents?status=approved").text
    viewer = client.get(f"/ui/documents/{scanned_document}").text
    assert 'data-testid="page-image"' in viewer and "no text layer" in viewer
    assert "Revenue 1,250" in viewer and "ink no engine read" in viewer
    image = client.get(f"/ui/documents/{scanned_document}/pages/0.png")
    assert image.headers["content-type"] == "image/png"
    assert client.get(f"/ui/documents/{scanned_document}/pages/3.png").status_code == 404
    assert client.get("/ui/documents/nope").status_code == 404


def test_whole_document_approval_returns_lines_without_a_concept(
    client: TestClient, settings: Settings
) -> None:
    text = "Revenue 1,000\nIncome before tax 300\nFinance costs 20\nCash 55"
    document_id = document_with_examples(settings, text, DocumentStatus.EXTRACTED)
    reviewer = {"Authorization": "Bearer reviewer-token"}
    listed = client.get(
        f"/api/v1/training/examples?document_id={document_id}&status=proposed",
        headers=reviewer,
    ).json()
    assert listed["total"] == len(listed["items"]) >= 3
    unknown = [e["example_id"] for e in listed["items"] if e["proposed_concept"] == "unknown"]
    assert unknown and len(unknown) < listed["total"], listed["items"]
    approved = client.post(
        "/api/v1/approvals", headers=reviewer, json={"document_ids": [document_id]}
    )
    assert approved.status_code == 201
    assert approved.json()["needs_concept"] == unknown
    assert approved.json()["approved"] == listed["total"] - len(unknown)
    with session_scope(settings.database_url) as session:
        states = {e.example_id: e.approval_state for e in session.scalars(select(TrainingExample))}
        assert all(states[i] == "proposed" for i in unknown)
