"""Review items through the API: listing, decisions, audit, and document settlement."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from api_bridge.main import create_app
from preciso_dagster.core.appdb.models import Document, DocumentStatus, ReviewDecision
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.extraction.registration import register_document
from preciso_dagster.core.extraction.storage import DocumentStore
from preciso_dagster.core.extraction.straighten import page_as_read
from preciso_dagster.core.pages import PageRecord
from preciso_dagster.core.review.items import replace_open_items
from preciso_dagster.core.settings import Settings
from tests import fixtures

REVIEWER = {"Authorization": "Bearer reviewer-token"}


def _number(raw: str) -> dict:
    return {
        "raw": raw,
        "value": raw,
        "box": [1, 2, 3, 4],
        "span": [0, len(raw)],
        "readings": {"tesseract": raw, "rapidocr": raw[::-1]},
        "reason": "disagree",
    }


@pytest.fixture
def document_with_items(settings: Settings) -> Iterator[tuple[TestClient, str]]:
    assert settings.storage_dir
    with session_scope(settings.database_url) as session:
        registration = register_document(
            session, DocumentStore(settings.storage_dir), b"Revenue 12 and 34", "r.txt"
        )
        session.flush()
        pages = [
            PageRecord.model_validate({"index": 0, "review_items": [_number("12"), _number("34")]})
        ]
        replace_open_items(session, registration.document_id, pages, lambda page, n: None)
    with TestClient(create_app(settings)) as client:
        yield client, registration.document_id


def test_decisions_are_audited_and_settle_the_document(
    document_with_items: tuple[TestClient, str], settings: Settings
) -> None:
    client, document_id = document_with_items
    items = client.get("/api/v1/review-items?status=open", headers=REVIEWER).json()
    assert items["total"] == 2
    first, second = (item["review_item_id"] for item in items["items"])
    approved = client.post(
        f"/api/v1/review-items/{first}/decision", headers=REVIEWER, json={"decision": "approve"}
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    corrected = client.post(
        f"/api/v1/review-items/{second}/decision",
        headers=REVIEWER,
        json={"decision": "correct", "value": "43"},
    )
    assert corrected.json()["value"] == "43"
    again = client.post(
        f"/api/v1/review-items/{second}/decision", headers=REVIEWER, json={"decision": "approve"}
    )
    assert again.status_code == 409
    with session_scope(settings.database_url) as session:
        document = session.get(Document, document_id)
        assert document and document.status == DocumentStatus.APPROVED
        audit = session.scalars(select(ReviewDecision).order_by(ReviewDecision.decision_id)).all()
        assert [(a.decision, a.value_before, a.value_after) for a in audit] == [
            ("approve", "12", "12"),
            ("correct", "34", "43"),
        ]
        assert all(a.decided_by.startswith("reviewer:") and a.created_at for a in audit)


def test_one_rejection_rejects_the_document(
    document_with_items: tuple[TestClient, str], settings: Settings
) -> None:
    client, document_id = document_with_items
    for item in client.get("/api/v1/review-items", headers=REVIEWER).json()["items"]:
        client.post(
            f"/api/v1/review-items/{item['review_item_id']}/decision",
            headers=REVIEWER,
            json={"decision": "reject"},
        )
    with session_scope(settings.database_url) as session:
        document = session.get(Document, document_id)
        assert document and document.status == DocumentStatus.REJECTED


def test_decisions_need_the_reviewer_role_and_a_value_to_correct(
    document_with_items: tuple[TestClient, str],
) -> None:
    client, _ = document_with_items
    item_id = client.get("/api/v1/review-items", headers=REVIEWER).json()["items"][0][
        "review_item_id"
    ]
    operator = {"Authorization": "Bearer operator-token"}
    assert (
        client.post(
            f"/api/v1/review-items/{item_id}/decision",
            headers=operator,
            json={"decision": "approve"},
        ).status_code
        == 403
    )
    missing_value = client.post(
        f"/api/v1/review-items/{item_id}/decision", headers=REVIEWER, json={"decision": "correct"}
    )
    assert missing_value.status_code == 422
    assert (
        client.post(
            "/api/v1/review-items/999/decision", headers=REVIEWER, json={"decision": "approve"}
        ).status_code
        == 404
    )


def test_crops_and_page_images_are_served_over_http_and_no_path_is_shown(
    settings: Settings,
) -> None:
    assert settings.storage_dir
    store = DocumentStore(settings.storage_dir)
    png = fixtures.image_bytes(fixtures.page_image(fixtures.text_pdf()), "png")
    with session_scope(settings.database_url) as session:
        scan = register_document(session, store, fixtures.scanned_pdf(), "scan.pdf")
        text = register_document(session, store, b"Revenue 12 and 34", "r.txt")
        session.flush()
        document = session.get(Document, scan.document_id)
        assert document
        document.pages = [{"index": 0, "dpi": 200, "rotation": 0}]
        office_document = session.get(Document, text.document_id)
        assert office_document
        office_document.pages = [{"index": 0}]
        pages = [PageRecord.model_validate({"index": 0, "review_items": [_number("12")]})]
        crop = store.save_crop(scan.document_id, "p0-n0", png)
        replace_open_items(session, scan.document_id, pages, lambda page, n: str(crop))
    with TestClient(create_app(settings)) as client:
        listing = client.get("/api/v1/review-items?status=open", headers=REVIEWER)
        (item,) = listing.json()["items"]
        assert str(settings.storage_dir) not in listing.text and "crop_path" not in item
        assert item["crop_url"] == f"/api/v1/review-items/{item['review_item_id']}/crop"
        assert client.get(item["crop_url"]).status_code == 401
        served = client.get(item["crop_url"], headers=REVIEWER)
        assert served.headers["content-type"] == "image/png" and served.content == png
        image = client.get(f"/api/v1/documents/{scan.document_id}/pages/0/image", headers=REVIEWER)
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
        missing = client.get(
            f"/api/v1/documents/{scan.document_id}/pages/1/image", headers=REVIEWER
        )
        assert missing.status_code == 404
        office = client.get(f"/api/v1/documents/{text.document_id}/pages/0/image", headers=REVIEWER)
        assert office.status_code == 404 and "no image" in office.text
    # A page extraction levelled is served turned by the skew it recorded, as its boxes are.
    with session_scope(settings.database_url) as session:
        document = session.get(Document, scan.document_id)
        assert document
        document.pages = [{"index": 0, "dpi": 200, "rotation": 0, "skew": 1.5}]
    with TestClient(create_app(settings)) as client:
        level = client.get(f"/api/v1/documents/{scan.document_id}/pages/0/image", headers=REVIEWER)
    as_scanned = Image.open(io.BytesIO(image.content))
    assert Image.open(io.BytesIO(level.content)).size == page_as_read(as_scanned, 0, 1.5).size
    assert page_as_read(as_scanned, 0, 1.5).size != as_scanned.size
