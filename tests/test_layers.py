"""The API bridge is a thin shell over the core: it never loads Dagster or the OCR stack."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_bridge_loads_neither_dagster_nor_pymupdf() -> None:
    heavy = ("dagster", "dagster_graphql", "pymupdf", "cv2", "mlflow")
    probe = (
        f"import sys, api_bridge.main; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.strip() == "", loaded.stdout
