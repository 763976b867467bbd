"""`preciso` start-up: wall time of `--help` and `check-numbers`, against `python -c pass`.

Each command runs `--repeat` times, taking turns with the baseline so drift hits all alike.
Target (issue: a fast CLI): at most 0.5 s each on an idle machine.

Usage: python -m bench.cli_bench [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cli-bench-"))
    source, output = folder / "source.txt", folder / "output.txt"
    source.write_text("Revenue 1,234,567.89\nCost of sales (456,789.01)\n")
    output.write_text("Revenue 1,234,567.89\nCost of sales (456,789.01)\n")
    preciso = str(Path(sys.executable).parent / "preciso")
    commands = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "preciso --help": [preciso, "--help"],
        "preciso check-numbers A B": [preciso, "check-numbers", str(source), str(output)],
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            samples[name].append(time.perf_counter() - started)
    baseline = statistics.median(samples["python -c pass (baseline)"])
    print(f"{'command':28} {'median s':>9} {'max s':>7} {'x baseline':>11}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:28} {median:9.3f} {max(values):7.3f} {median / baseline:11.1f}")
    slowest = max(statistics.median(v) for n, v in samples.items() if "baseline" not in n)
    verdict = "met" if slowest <= TARGET_SECONDS else "NOT met"
    print(f"slowest median {slowest:.3f} s; target {TARGET_SECONDS} s {verdict}")


if __name__ == "__main__":
    main()
