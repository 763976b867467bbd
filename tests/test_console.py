"""The console over HTTP (no browser): sign-in, CSRF, roles, and every page with real data."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api_bridge.main import create_app
from preciso_dagster.core.appdb.models import (
    DocumentStatus,
    ReviewDecision,
    ReviewItem,
    TrainingExample,
)
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.review.items import decide
from preciso_dagster.core.settings import Settings
from tests.conftest import STATE_CHANGING_HOOKS, document_with_examples

PAGES = ("/ui/review", "/ui/documents", "/ui/training", "/ui/models", "/ui/jobs")


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
        for hook in STATE_CHANGING_HOOKS:
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


def test_export_is_refused_while_review_is_open_then_carries_every_state(
    client: TestClient, scanned_document: str, settings: Settings
) -> None:
    viewer = {"Authorization": "Bearer viewer-token"}
    url = f"/api/v1/documents/{scanned_document}/export"
    refused = client.get(url, headers=viewer)
    assert refused.status_code == 409 and "2 review items" in refused.json()["detail"]
    with session_scope(settings.database_url) as session:
        number, region = session.scalars(select(ReviewItem).order_by(ReviewItem.review_item_id))
        decide(session, number.review_item_id, "correct", "76", "reviewer:t")
        decide(session, region.review_item_id, "approve", None, "reviewer:t")
    exported = client.get(url, headers=viewer).json()
    (page,) = exported["pages"]
    assert [(n["raw"], n["state"], n["read_as"]) for n in page["numbers"]] == [
        ("1,250.00", "verified", None),
        ("76", "corrected", "75"),
        ("", "confirmed", None),
    ]
    assert page["text"] == "Revenue 1,250.00\nCash 76"
    items = {item["label"]: item["columns"][0] for item in exported["line_items"]}
    assert items["Cash"]["amount"] == "76" and items["Cash"]["state"] == "corrected"
    assert items["Revenue"]["amount"] == "1250.00" and items["Revenue"]["state"] == "verified"
    rows = list(csv.reader(io.StringIO(client.get(f"{url}?format=csv", headers=viewer).text)))
    assert rows[0] == ["page", "label", "header", "amount", "raw", "state", "box"]
    assert ["0", "Cash", "", "76", "76", "corrected", ""] in rows
    xlsx = client.get(f"{url}?format=xlsx", headers=viewer)
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["line_items", "numbers", "pages"]
    assert ("76", "corrected") in [
        (r[3], r[5]) for r in workbook["line_items"].iter_rows(values_only=True)
    ]
    assert client.get(f"{url}?format=pdf", headers=viewer).status_code == 422
    sign_in(client, "viewer-token")
    assert (
        f"/ui/documents/{scanned_document}/export.csv"
        in client.get(f"/ui/documents/{scanned_document}").text
    )
    console_csv = client.get(f"/ui/documents/{scanned_document}/export.csv")
    assert console_csv.headers["content-disposition"].endswith('.csv"')
