"""Hostile files through `preciso extract` (the code the assets run): time, peak memory and
outcome of each, every one in its own process.

Targets: exit 0 (read completely) or 2 (refused with a reason), within 120 s and 2 GB peak.
Baseline, in the same run: `preciso extract` on a one-page text PDF, so the ratios show what
each hostile case costs beyond starting the CLI.

Usage: python -m bench.hostile_bench [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pymupdf

from bench.hostile_inputs import HOSTILE_FILES

TIME_LIMIT_SECONDS = 120
MEMORY_LIMIT_BYTES = 2 * 1024**3
CLI = [sys.executable, "-c", "from preciso_dagster.cli import app; app()", "extract"]


def run_extract(path: Path) -> tuple[int, float, int, str]:
    """Exit code, seconds, peak resident bytes and the last line the CLI printed."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen([*CLI, str(path)], stdout=output, stderr=subprocess.STDOUT)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except KeyboardInterrupt:
            process.kill()
            raise
        seconds = time.perf_counter() - started
        output.seek(0)
        lines = output.read().decode(errors="replace").strip().splitlines()
    code = os.waitstatus_to_exitcode(status)
    return code, seconds, usage.ru_maxrss * 1024, (lines[-1] if lines else "")[:90]


def baseline_pdf(folder: Path) -> Path:
    document = pymupdf.open()
    document.new_page().insert_text((72, 72), "Revenue 1,250.00")
    path = folder / "baseline.pdf"
    path.write_bytes(document.tobytes())
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hostile-bench-"))
    _, base_seconds, base_memory, _ = run_extract(baseline_pdf(folder))
    print(f"baseline (one-page text PDF): {base_seconds:.2f} s, {base_memory / 2**20:.0f} MB peak")
    print(f"{'case':34} {'size':>9} {'exit':>4} {'s':>6} {'x base':>6} {'peak MB':>8}  outcome")
    failures = 0
    for name, (generate, filename) in HOSTILE_FILES.items():
        if args.only not in name:
            continue
        path = folder / filename
        path.write_bytes(generate())
        code, seconds, memory, last = run_extract(path)
        met = code in (0, 2) and seconds <= TIME_LIMIT_SECONDS and memory <= MEMORY_LIMIT_BYTES
        failures += not met
        print(
            f"{name:34} {path.stat().st_size:9d} {code:4d} {seconds:6.2f} "
            f"{seconds / base_seconds:6.1f} {memory / 2**20:8.0f}  {'' if met else 'MISSED '}{last}"
        )
    print(f"targets (exit 0/2, <= {TIME_LIMIT_SECONDS} s, <= 2 GB): {failures} missed")


if __name__ == "__main__":
    main()
