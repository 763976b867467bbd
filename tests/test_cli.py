"""The `preciso` command as a user runs it: a real subprocess, real files, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import fixtures

PRECISO = Path(sys.executable).parent / "preciso"


def run(*args: str, tmp_path: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRECISO_VAR_DIR": str(tmp_path / "var")}
    env.pop("PRECISO_DATABASE_URL", None)
    return subprocess.run(
        [str(PRECISO), *args], capture_output=True, text=True, env=env, input=stdin, timeout=300
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run("--help", tmp_path=tmp_path)
    assert result.returncode == 0
    for command in ("db", "stack", "extract", "check-numbers"):
        assert command in result.stdout


def test_the_cli_imports_no_heavy_library_before_a_command_needs_it() -> None:
    heavy = ("pymupdf", "dagster", "alembic", "sqlalchemy", "fastapi", "PIL", "mlflow")
    probe = (
        "import sys, preciso_dagster.cli; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert loaded.returncode == 0 and loaded.stdout.strip() == "", loaded.stdout


def test_db_status_before_init_says_so_in_one_line(tmp_path: Path) -> None:
    result = run("db", "status", tmp_path=tmp_path)
    assert result.returncode == 5
    assert result.stderr.strip().endswith("does not exist yet: `preciso db init` creates it")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_user_mistakes_get_one_line_and_an_exit_code_never_a_traceback(tmp_path: Path) -> None:
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe not text")
    result = run("check-numbers", str(binary), str(binary), tmp_path=tmp_path)
    assert result.returncode == 2 and "not valid UTF-8" in result.stderr
    unreachable = {"PRECISO_DATABASE_URL": "postgresql+psycopg2://nobody@127.0.0.1:1/nothing"}
    env = {**os.environ, "PRECISO_VAR_DIR": str(tmp_path / "var"), **unreachable}
    status = subprocess.run(
        [str(PRECISO), "db", "status"], capture_output=True, text=True, env=env, timeout=60
    )
    assert status.returncode == 4 and "cannot be opened" in status.stderr
    for answer in (result, status):
        assert "Traceback" not in answer.stderr and len(answer.stderr.strip().splitlines()) == 1


def test_db_init_status_migrate_reset(tmp_path: Path) -> None:
    assert run("db", "init", tmp_path=tmp_path).returncode == 0
    status = run("db", "status", tmp_path=tmp_path)
    assert "up to date" in status.stdout
    assert run("db", "migrate", tmp_path=tmp_path).returncode == 0
    refused = run("db", "reset", tmp_path=tmp_path, stdin="n\n")
    assert refused.returncode != 0 and "Aborted" in refused.stdout + refused.stderr
    assert run("db", "reset", "--yes", tmp_path=tmp_path).returncode == 0


def test_db_reset_refuses_outside_dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRECISO_ENV", "test")
    result = run("db", "reset", "--yes", tmp_path=tmp_path)
    assert result.returncode == 3 and "refused" in result.stderr


def test_extract_json_has_pages_numbers_and_provenance(tmp_path: Path) -> None:
    source = tmp_path / "report.pdf"
    source.write_bytes(fixtures.text_pdf())
    result = run("extract", str(source), "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["status"] == "extracted"
    (page,) = body["document"]["pages"]
    assert page["engine"] == "text_layer"
    (attempt,) = page["attempts"]
    assert attempt["engine"] == "text_layer" and attempt["accepted"] is True
    assert "passed the gates" in attempt["reason"]
    assert set(page) >= {
        "index",
        "engine",
        "attempts",
        "text",
        "confidence",
        "needs_review",
        "review_reasons",
        "numbers",
        "review_items",
    }
    assert {"raw": "1,234,567.89", "value": "1234567.89"}.items() <= page["numbers"][0].items()
    assert page["numbers"][0]["verified"] is True and page["review_items"] == []


def test_extract_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    source = tmp_path / "locked.pdf"
    source.write_bytes(fixtures.encrypted_pdf())
    result = run("extract", str(source), "--json", tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "encrypted" in result.stderr


def test_check_numbers_exit_codes_and_json(tmp_path: Path) -> None:
    source, same, changed = (tmp_path / n for n in ("s.txt", "o.txt", "c.txt"))
    source.write_text("Revenue 1,234.50 and (300)")
    same.write_text("Revenue 1234.50 and -300")
    changed.write_text("Revenue 1,243.50 and (300) plus 7")
    assert run("check-numbers", str(source), str(same), tmp_path=tmp_path).returncode == 0
    result = run("check-numbers", str(source), str(changed), "--json", tmp_path=tmp_path)
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["passed"] is False
    assert body["altered"][0]["raw"] == "1,234.50" and body["added"][0]["raw"] == "7"
    assert set(body) == {"passed", "missing", "altered", "added", "ambiguous"}
    umsatz, plain = tmp_path / "de.txt", tmp_path / "plain.txt"
    umsatz.write_text("Umsatz 1.234")
    plain.write_text("Umsatz 1234")
    args = ("check-numbers", str(umsatz), str(plain), "--locale")
    assert run(*args, "de_DE", tmp_path=tmp_path).returncode == 0  # 1.234 is 1234 in German
    assert run(*args, "en_US", tmp_path=tmp_path).returncode == 1  # ... and 1.234 in English


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="no tesseract")
def test_extract_json_lists_every_number_verified_or_with_a_review_crop(tmp_path: Path) -> None:
    source = tmp_path / "damaged.pdf"
    source.write_bytes(fixtures.damaged_number_scan())
    crops = tmp_path / "crops"
    result = run("extract", str(source), "--json", "--crops", str(crops), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["status"] == "needs_review"
    (page,) = body["document"]["pages"]
    assert all(isinstance(number["verified"], bool) for number in page["numbers"])
    unverified = [number for number in page["numbers"] if not number["verified"]]
    assert unverified and len(page["review_items"]) == len(unverified)
    for item in page["review_items"]:
        assert Path(item["crop"]).read_bytes().startswith(b"\x89PNG")
        assert item["kind"] in ("number", "unread_region")
        if item["kind"] == "unread_region":
            assert item["value"] is None and item["raw"] == ""
