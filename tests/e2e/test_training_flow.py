"""Approvals through the API lead to exactly one training run, a version, and serving changes."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import SQLITE_ONLY, RunningStack

# The same on either database (the app database paths run on both in the unit tests).
pytestmark = [pytest.mark.e2e, SQLITE_ONLY]

REVIEWER = {"Authorization": "Bearer e2e-reviewer"}
ADMIN = {"Authorization": "Bearer e2e-admin"}
STATEMENTS = [
    "Revenue 1,000\nNet sales 990\nCost of sales (600)\nGross profit 400\nOperating income 150\n"
    "Net income 120\nCash 55\nTotal assets 2,000\nTotal liabilities 800\nTotal equity 1,200\n"
    "매출액 3,000\n당기순이익 200\nInventories 410\nTrade receivables 230\nCOGS 640\n"
    "Operating expenses 560\nIncome from operations 300\nIncome tax expense 40\n"
    "Net earnings 25\nStockholders equity 95\nTotal revenue 1,060\n매출원가 600\n",
    # 20 lines with a concept and more: the selector's minimum to train
    "Turnover 5,000\nCost of goods sold (3,100)\nGross margin 1,900\nOperating profit 700\n"
    "Net profit 510\nCash and cash equivalents 75\nInventories 300\n자산총계 9,000\n",
]


def _extract(stack: RunningStack, text: str, name: str) -> str:
    upload = stack.api.post("/api/v1/documents", files={"file": (name, text.encode())}).json()
    job = stack.wait_for_job(upload["job_id"], {"succeeded", "failed", "dead_letter"})
    assert job["status"] == "succeeded", job["error"]
    return upload["document_id"]


def _training_jobs(stack: RunningStack) -> list[dict]:
    return stack.api.get("/api/v1/jobs?job_type=training").json()["items"]


def test_approvals_train_once_and_serving_follows_promote_and_rollback(
    running_stack: RunningStack,
) -> None:
    api = running_stack.api
    # The stack is shared: count only the jobs and versions this test makes.
    earlier_jobs = {j["job_id"] for j in _training_jobs(running_stack)}
    earlier_versions = {v["version"] for v in api.get("/api/v1/models").json()}

    def new_jobs() -> list[dict]:
        return [j for j in _training_jobs(running_stack) if j["job_id"] not in earlier_jobs]

    approved_ids: list[int] = []
    for index, text in enumerate(STATEMENTS):
        document_id = _extract(running_stack, text, f"statement-{index}.txt")
        approved = api.post(
            "/api/v1/approvals", headers=REVIEWER, json={"document_ids": [document_id]}
        )
        assert approved.status_code == 201, approved.text
        assert approved.json()["approved"] >= 8
        approved_ids += approved.json()["example_ids"]

        def trained(expected: int = index + 1) -> list[dict] | None:
            done = [j for j in new_jobs() if j["status"] == "succeeded"]
            return done if len(done) >= expected else None

        running_stack.wait_for(trained, timeout=240)
        jobs = new_jobs()
        assert len(jobs) == index + 1, jobs  # exactly one run per new dataset
        assert all(j["source"] == "sensor" for j in jobs)

    versions = [v for v in api.get("/api/v1/models").json() if v["version"] not in earlier_versions]
    older, newer = sorted(v["version"] for v in versions)
    assert not any(v["serving"] for v in versions)
    assert all("macro_f1" in v["metrics"] for v in versions)

    assert api.post("/api/v1/models/serving", json={"version": older}).status_code == 403
    serving = api.post("/api/v1/models/serving", headers=ADMIN, json={"version": older})
    assert serving.status_code == 200
    first = api.post("/api/v1/models/predict", json={"labels": ["Net sales"]}).json()
    assert first["model_version"] == older
    promoted = api.post("/api/v1/models/serving", headers=ADMIN, json={"version": newer}).json()
    assert (promoted["from_version"], promoted["to_version"]) == (older, newer)
    assert promoted["changed_by"].startswith("admin:")
    second = api.post("/api/v1/models/predict", json={"labels": ["Net sales"]}).json()
    assert second["model_version"] == newer
    rolled = api.post("/api/v1/models/rollback", headers=ADMIN).json()
    assert (rolled["from_version"], rolled["to_version"]) == (newer, older)
    third = api.post("/api/v1/models/predict", json={"labels": ["Net sales"]}).json()
    assert third["model_version"] == older
    serving_now = [v["version"] for v in api.get("/api/v1/models").json() if v["serving"]]
    assert serving_now == [older]

    # The same approvals again, after a daemon restart: new approval rows wake the sensor, but
    # the dataset version is unchanged, so Dagster skips the run key it has already launched.
    running_stack.stack.stop_service("daemon")
    running_stack.stack.restart("daemon")
    approved_at = time.time()
    again = api.post("/api/v1/approvals", headers=REVIEWER, json={"example_ids": approved_ids})
    assert again.status_code == 201 and again.json()["approved"] == len(approved_ids)
    analytics = api.get("/api/v1/training/analytics").json()
    assert analytics["approved_examples"] == len(approved_ids)
    tick = running_stack.wait_for_sensor_tick("approval_sensor", after=approved_at)
    assert tick["status"] in ("SKIPPED", "SUCCESS"), tick  # a run key already launched
    running_stack.wait_for_sensor_tick("pipeline_jobs_mirror_sensor", after=time.time())
    assert len(new_jobs()) == 2
