"""The console in a real browser (Debian's Chromium, driven by Playwright) on a real stack.

Every page is saved as a screenshot into docs/ui/, which docs/ui.md shows.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from preciso_dagster.core.training.registry import ModelRegistry, confusion_matrix_png
from preciso_dagster.core.training.synthetic_labels import generated_labels
from preciso_dagster.core.training.trainers import SklearnConceptTrainer, train_and_evaluate
from tests import fixtures
from tests.conftest import REPO_ROOT, STATE_CHANGING_HOOKS
from tests.e2e.conftest import SQLITE_ONLY, RunningStack

# The same on either database (the app database paths run on both in the unit tests).
pytestmark = [pytest.mark.e2e, SQLITE_ONLY]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = REPO_ROOT / "docs" / "ui"
# The flags Chromium needs as root on a machine without a network beyond localhost.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def console(running_stack: RunningStack, browser: object) -> Iterator[Console]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    yield Console(context, f"http://127.0.0.1:{running_stack.settings.api_port}")
    context.close()


class Console:
    """A browser tab on the console, signed in as one role at a time."""

    def __init__(self, context: object, base_url: str) -> None:
        self.context = context
        self.base_url = base_url
        self.page = context.new_page()  # type: ignore[attr-defined]
        self.page.on("dialog", lambda dialog: dialog.accept())  # the confirmations

    def sign_in(self, token: str) -> None:
        self.context.clear_cookies()  # type: ignore[attr-defined]
        self.page.goto(f"{self.base_url}/ui/login")
        self.page.get_by_test_id("login-token").fill(token)
        self.page.get_by_test_id("login-submit").click()
        self.page.wait_for_url("**/ui/review*")

    def open(self, path: str) -> None:
        self.page.goto(f"{self.base_url}{path}")

    def image_width(self, testid: str) -> int:
        """The natural width of an <img> once the browser has loaded it (0: it failed)."""
        selector = f"[data-testid={testid}]"
        self.page.wait_for_function(f"() => document.querySelector('{selector}').complete")
        return self.page.locator(selector).evaluate("img => img.naturalWidth")

    def shoot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_function("() => [...document.images].every(image => image.complete)")
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _register_two_model_versions(running_stack: RunningStack) -> list[int]:
    registry = ModelRegistry.for_settings(running_stack.settings)
    versions = []
    for seed in (1, 2):
        labels, concepts = generated_labels(240, seed=seed)
        trained = train_and_evaluate(SklearnConceptTrainer(), labels, concepts)
        _, version = registry.log_training(
            model=trained.model,
            params=trained.params,
            metrics=trained.metrics,
            tags={"preciso/dataset_version": f"browser-test-{seed}"},
            manifest={"version": f"browser-test-{seed}"},
            confusion_png=confusion_matrix_png(trained.labels, trained.y_true, trained.y_pred),
            sample_input=labels[:5],
        )
        versions.append(version)
    return versions


def test_reviewer_operator_admin_and_viewer_work_in_the_console(
    running_stack: RunningStack, console: Console
) -> None:
    api = running_stack.api
    scan = api.post(
        "/api/v1/documents", files={"file": ("scan.pdf", fixtures.damaged_number_scan())}
    )
    broken = api.post(
        "/api/v1/documents", files={"file": ("broken.pdf", b"%PDF-1.7\n" + b"\0" * 64)}
    )
    assert scan.status_code == broken.status_code == 202
    waiting = running_stack.wait_for_job(scan.json()["job_id"], {"needs_review", "failed"}, 240)
    assert waiting["status"] == "needs_review", (waiting["error"], waiting["params"])
    failed = running_stack.wait_for_job(broken.json()["job_id"], {"failed", "dead_letter"}, 240)
    first_version, second_version = _register_two_model_versions(running_stack)
    document_id = scan.json()["document_id"]
    # The stack is shared: other tests' items may be open too. This test works in its own
    # document's queue; the count in the header is every open item.
    open_items = len(api.get("/api/v1/review-items?status=open&limit=500").json()["items"])

    # A reviewer corrects the unreadable number with the keyboard.
    console.sign_in("e2e-reviewer")
    page = console.page
    console.open(f"/ui/review?document={document_id}")
    assert page.get_by_test_id("review-open-count").inner_text() == str(open_items)
    assert console.image_width("review-crop") > 0
    console.shoot("review")
    page.keyboard.press("c")
    page.get_by_test_id("review-correct-input").fill("777,778.88")
    with page.expect_navigation():  # the form posts, the queue answers with the next item
        page.keyboard.press("Enter")
    assert page.get_by_test_id("review-open-count").inner_text() == str(open_items - 1)
    (item,) = api.get(f"/api/v1/review-items?document_id={document_id}").json()["items"]
    assert (item["status"], item["value"]) == ("corrected", "777,778.88")

    # The pipeline continues by itself: the job moves on as a new attempt, and the corrected
    # value is in the line items proposed for training.
    job = running_stack.wait_for_job(scan.json()["job_id"], {"succeeded", "failed"}, 240)
    assert (job["status"], job["attempts"]) == ("succeeded", 2), job
    examples = api.get(f"/api/v1/training/examples?document_id={document_id}").json()["items"]
    assert {e["label"]: e["amount"] for e in examples}.get("Net income") == "777778.88"

    console.open("/ui/documents")
    with page.expect_navigation():
        page.get_by_test_id("document-row").filter(has_text="scan.pdf").get_by_role("link").click()
    assert console.image_width("page-image") > 0
    console.shoot("document")
    console.open("/ui/documents")
    console.shoot("documents")
    # Search finds the corrected number, marked as a reviewer's correction.
    console.open(f"/ui/search?document={document_id}")
    page.get_by_test_id("search-input").fill("net income")
    with page.expect_navigation():
        page.get_by_test_id("search-input").press("Enter")
    found = page.get_by_test_id("search-result")
    assert found.first.get_attribute("data-document-id") == document_id
    assert found.locator("[data-testid=search-number][data-state=corrected]").count() == 1
    console.shoot("search")

    # An operator retries the failed job: a new attempt.
    console.sign_in("e2e-operator")
    console.open(f"/ui/jobs/{failed['job_id']}")
    assert (
        page.get_by_test_id("job-dagster-link")
        .get_attribute("href")
        .endswith(failed["dagster_run_id"])
    )
    with page.expect_navigation():
        page.get_by_test_id("job-retry").click()
    assert api.get(f"/api/v1/jobs/{failed['job_id']}").json()["attempts"] == 2
    console.shoot("job")
    console.open("/ui/jobs")
    assert page.get_by_test_id("job-row").count() >= 2
    console.shoot("jobs")
    console.open("/ui/training")
    assert page.get_by_test_id("training-auto-panel").is_visible()
    assert page.get_by_test_id("training-launch").is_visible()
    console.shoot("training")

    # An admin promotes both versions in turn, then rolls back to the first.
    console.sign_in("e2e-admin")
    console.open("/ui/models")
    changes_before = page.get_by_test_id("serving-history-row").count()
    for version in (first_version, second_version):
        row = page.locator(f"[data-testid=model-row][data-version='{version}']")
        with page.expect_navigation():
            row.get_by_test_id("model-promote").click()
    serving_row = page.get_by_test_id("model-serving").locator("xpath=ancestor::tr")
    assert serving_row.get_attribute("data-version") == str(second_version)
    with page.expect_navigation():
        page.get_by_test_id("model-rollback").click()
    serving_row = page.get_by_test_id("model-serving").locator("xpath=ancestor::tr")
    assert serving_row.get_attribute("data-version") == str(first_version)
    assert page.get_by_test_id("serving-history-row").count() == changes_before + 3
    console.shoot("models")

    # A viewer sees no state-changing button, and a forged POST without CSRF is refused.
    console.sign_in("e2e-viewer")
    for path in (
        "/ui/review",
        "/ui/documents",
        "/ui/training",
        "/ui/models",
        "/ui/jobs",
        f"/ui/jobs/{failed['job_id']}",
    ):
        console.open(path)
        for hook in STATE_CHANGING_HOOKS:
            assert page.get_by_test_id(hook).count() == 0, (path, hook)
    forged = page.evaluate(
        "async () => (await fetch('/ui/models/rollback', {method: 'POST'})).status"
    )
    assert forged == 403
    console.sign_in("e2e-admin")
    forged = page.evaluate(
        "async () => (await fetch('/ui/models/rollback', {method: 'POST'})).status"
    )
    assert forged == 403
