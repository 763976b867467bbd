"""The API bridge with a real database and Dagster down (nothing listens on its port)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api_bridge.auth import TokenBook
from api_bridge.main import create_app
from preciso_dagster.core.appdb.models import Document, DocumentStatus
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.settings import Settings
from tests import fixtures
from tests.conftest import known_documents

OPERATOR = {"Authorization": "Bearer operator-token"}
VIEWER = {"Authorization": "Bearer viewer-token"}


# Documents the job tests name; jobs over unknown documents are refused with 404.
KNOWN_DOCUMENTS = ("d", "e", "d0", "d1", "d2", "doc-1")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    known_documents(settings, list(KNOWN_DOCUMENTS))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_healthz_needs_no_token(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_says_why_it_is_not_ready(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["dagster"].startswith("unavailable")


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic b3BlcmF0b3ItdG9rZW4="}],
)
def test_missing_or_unknown_token_is_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/jobs", headers=headers)
    assert response.status_code == 401
    assert "nope" not in response.text


def test_wrong_role_is_403(client: TestClient) -> None:
    response = client.post(
        "/api/v1/jobs",
        headers=VIEWER,
        json={"job_type": "ocr_extraction", "params": {"document_id": "d"}},
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "this needs the operator role"}


def test_job_is_recorded_pending_when_dagster_is_down(client: TestClient) -> None:
    response = client.post(
        "/api/v1/jobs",
        headers=OPERATOR,
        json={"job_type": "ocr_extraction", "params": {"document_id": "d"}},
    )
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "pending" and job["dagster_run_id"] is None
    assert job["source"] == "api" and job["requested_by"].startswith("operator:")
    assert "operator-token" not in response.text
    assert response.headers["Location"] == f"/api/v1/jobs/{job['job_id']}"
    fetched = client.get(f"/api/v1/jobs/{job['job_id']}", headers=VIEWER).json()
    assert fetched == job


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"job_type": "mining", "params": {}}, "unknown job_type 'mining'"),
        ({"job_type": "ocr_extraction", "params": {}}, "document_id: Field required"),
        ({"job_type": "ocr_extraction", "params": {"document_id": "d", "x": 1}}, "x: Extra"),
        ({"params": {"document_id": "d"}}, "job_type: Field required"),
    ],
)
def test_bad_job_requests_are_422_with_a_message(
    client: TestClient, body: dict, message: str
) -> None:
    response = client.post("/api/v1/jobs", headers=OPERATOR, json=body)
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_the_job_request_schema_is_one_branch_per_registered_job_type(
    client: TestClient,
) -> None:
    from preciso_dagster.core.tracking.submissions import JOB_TYPES

    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/v1/jobs"]["post"]["requestBody"]["content"]["application/json"]
    mapping = body["schema"]["discriminator"]["mapping"]
    assert sorted(mapping) == sorted(JOB_TYPES)
    for job_type in JOB_TYPES.values():
        branch = spec["components"]["schemas"][mapping[job_type.name].rsplit("/", 1)[-1]]
        params = branch["properties"]["params"]["$ref"].rsplit("/", 1)[-1]
        assert params == job_type.params.__name__


def test_unknown_job_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000", headers=VIEWER)
    assert response.status_code == 404


def test_jobs_are_listed_filtered_and_paginated(client: TestClient) -> None:
    for index in range(3):
        client.post(
            "/api/v1/jobs",
            headers=OPERATOR,
            json={"job_type": "ocr_extraction", "params": {"document_id": f"d{index}"}},
        )
    page = client.get(
        "/api/v1/jobs?status=pending&job_type=ocr_extraction&limit=2", headers=VIEWER
    ).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert client.get("/api/v1/jobs?status=succeeded", headers=VIEWER).json()["total"] == 0
    assert client.get("/api/v1/jobs?status=bogus", headers=VIEWER).status_code == 422


def test_idempotency_key_replays_and_conflicts(client: TestClient) -> None:
    body = {"job_type": "ocr_extraction", "params": {"document_id": "d"}}
    headers = {**OPERATOR, "Idempotency-Key": "k-1"}
    first = client.post("/api/v1/jobs", headers=headers, json=body)
    again = client.post("/api/v1/jobs", headers=headers, json=body)
    assert first.json()["job_id"] == again.json()["job_id"]
    assert again.headers["Idempotent-Replay"] == "true"
    other = client.post(
        "/api/v1/jobs",
        headers=headers,
        json={"job_type": "ocr_extraction", "params": {"document_id": "e"}},
    )
    assert other.status_code == 409


def test_idempotency_keys_belong_to_their_caller_and_never_to_the_bridge(
    client: TestClient,
) -> None:
    body = {"job_type": "ocr_extraction", "params": {"document_id": "d"}}
    admin = {"Authorization": "Bearer admin-token", "Idempotency-Key": "shared"}
    operator_job = client.post(
        "/api/v1/jobs", headers={**OPERATOR, "Idempotency-Key": "shared"}, json=body
    ).json()
    admin_job = client.post("/api/v1/jobs", headers=admin, json=body).json()
    assert admin_job["job_id"] != operator_job["job_id"]
    content = b"Cash 99.10\n"
    document_id = "doc-" + hashlib.sha256(content).hexdigest()[:24]
    squatter = {**OPERATOR, "Idempotency-Key": f"extract:{document_id}"}
    client.post("/api/v1/jobs", headers=squatter, json=body)
    upload = client.post("/api/v1/documents", headers=OPERATOR, files={"file": ("c.txt", content)})
    assert upload.status_code == 202 and upload.json()["document_id"] == document_id
    job = client.get(f"/api/v1/jobs/{upload.json()['job_id']}", headers=VIEWER).json()
    assert job["params"] == {"document_id": document_id}


def test_flags_list_defaults_and_risky_ones_are_off(client: TestClient) -> None:
    flags = {flag["name"]: flag for flag in client.get("/api/v1/flags", headers=VIEWER).json()}
    assert flags["auto_promote_models"]["enabled"] is False
    assert flags["auto_promote_models"]["default"] is False


def test_upload_stores_registers_and_dedupes(client: TestClient, settings: Settings) -> None:
    files = {"file": ("report.pdf", fixtures.text_pdf(), "application/pdf")}
    first = client.post("/api/v1/documents", headers=OPERATOR, files=files)
    assert first.status_code == 202
    second = client.post("/api/v1/documents", headers=OPERATOR, files=files).json()
    assert second["duplicate"] is True
    assert (second["document_id"], second["job_id"]) == (
        first.json()["document_id"],
        first.json()["job_id"],
    )
    document = client.get(f"/api/v1/documents/{second['document_id']}", headers=VIEWER).json()
    assert document["detected_format"] == "pdf" and document["status"] == "received"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pdf", b"", "empty"),
        ("../../etc/passwd", b"hello", "path separators"),
        ("archive.zip", fixtures.unsupported_bytes(), "unsupported"),
    ],
)
def test_bad_uploads_are_422_and_the_original_is_kept(
    client: TestClient, settings: Settings, name: str, content: bytes, message: str
) -> None:
    response = client.post(
        "/api/v1/documents",
        headers=OPERATOR,
        files={"file": (name, content, "application/octet-stream")},
    )
    assert response.status_code == 422
    assert message in response.json()["detail"]
    with session_scope(settings.database_url) as session:
        (document,) = session.query(Document).filter_by(status=DocumentStatus.FAILED).all()
        assert document.status == DocumentStatus.FAILED and message in document.failure_reason
    assert settings.storage_dir and any(settings.storage_dir.rglob(document.sha256))


def test_a_file_refused_for_its_name_is_accepted_under_a_good_one(client: TestClient) -> None:
    content = b"Cash 12.50\n"
    bad = client.post(
        "/api/v1/documents", headers=OPERATOR, files={"file": ("../evil.txt", content)}
    )
    assert bad.status_code == 422 and "path separators" in bad.json()["detail"]
    good = client.post(
        "/api/v1/documents", headers=OPERATOR, files={"file": ("statement.txt", content)}
    )
    assert good.status_code == 202, good.text
    assert good.json()["status"] == "received" and good.json()["job_id"]
    document = client.get(f"/api/v1/documents/{good.json()['document_id']}", headers=VIEWER).json()
    assert document["filename"] == "statement.txt" and document["failure_reason"] is None


def test_upload_over_the_size_limit_is_413(settings: Settings) -> None:
    small = settings.model_copy(update={"max_upload_bytes": 1000})
    with TestClient(create_app(small)) as client:
        response = client.post(
            "/api/v1/documents",
            headers=OPERATOR,
            files={"file": ("big.txt", b"1" * 5000, "text/plain")},
        )
    assert response.status_code == 413
    assert "1000 bytes" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"job_type": "training", "params": {"example_ids": [1, 2], "min_quality": 0.5}}, 202),
        ({"job_type": "training", "params": {"min_quality": 3}}, 422),
        ({"job_type": "numeric_check", "params": {"document_id": "doc-1"}}, 202),
        ({"job_type": "numeric_check", "params": {"document_id": "doc-nowhere"}}, 404),
        ({"job_type": "ocr_extraction", "params": {"document_id": "d\tx\n"}}, 422),
        ({"job_type": "ocr_batch", "params": {"document_ids": ["d", "doc-nowhere"]}}, 404),
        ({"job_type": "training", "params": {"min_quality": "0.5"}}, 422),
        ({"job_type": "training", "params": {"max_per_class": 10**40}}, 422),
        ({"job_type": "training", "params": {"example_ids": list(range(1, 10_002))}}, 422),
    ],
)
def test_every_job_type_validates_its_params(client: TestClient, body: dict, status: int) -> None:
    response = client.post("/api/v1/jobs", headers=OPERATOR, json=body)
    assert response.status_code == status, response.text
    if status == 202:  # what is stored is the validated model, with its defaults
        stored = client.get(f"/api/v1/jobs/{response.json()['job_id']}", headers=VIEWER).json()
        assert stored["params"] == response.json()["params"]
        assert "min_quality" not in body["params"] or stored["params"]["min_quality"] == 0.5


def test_pending_jobs_cancel_at_once_and_only_failed_jobs_retry(client: TestClient) -> None:
    job = client.post(
        "/api/v1/jobs",
        headers=OPERATOR,
        json={"job_type": "ocr_extraction", "params": {"document_id": "d"}},
    ).json()
    assert client.post(f"/api/v1/jobs/{job['job_id']}/retry", headers=OPERATOR).status_code == 409
    canceled = client.post(f"/api/v1/jobs/{job['job_id']}/cancel", headers=OPERATOR)
    assert canceled.status_code == 202 and canceled.json()["status"] == "canceled"
    assert client.post(f"/api/v1/jobs/{job['job_id']}/cancel", headers=OPERATOR).status_code == 409
    retried = client.post(f"/api/v1/jobs/{job['job_id']}/retry", headers=OPERATOR)
    assert retried.status_code == 409 and "never reached Dagster" in retried.json()["detail"]
    assert client.post(f"/api/v1/jobs/{job['job_id']}/cancel", headers=VIEWER).status_code == 403


def test_metrics_report_jobs_by_status(client: TestClient) -> None:
    client.post(
        "/api/v1/jobs",
        headers=OPERATOR,
        json={"job_type": "ocr_extraction", "params": {"document_id": "d"}},
    )
    body = client.get("/metrics").text
    assert 'preciso_jobs{status="pending"} 1.0' in body
    assert "preciso_dead_letter_jobs 0.0" in body
    assert "preciso_submission_seconds_count 1.0" in body


def test_audit_names_are_keyed_fingerprints_stable_across_restarts(settings: Settings) -> None:
    first, second = TokenBook.for_settings(settings), TokenBook.for_settings(settings)
    name = first.principal_for("operator-token").name  # type: ignore[union-attr]
    assert name == second.principal_for("operator-token").name  # type: ignore[union-attr]
    plain = hashlib.sha256(b"operator-token").hexdigest()
    assert name.startswith("operator:") and name.removeprefix("operator:") not in plain
    other_key = settings.model_copy(update={"audit_key": SecretStr("another server")})
    assert TokenBook.for_settings(other_key).principal_for("operator-token").name != name  # type: ignore[union-attr]
