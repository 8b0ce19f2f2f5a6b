"""CLI start-up: ``arazzo --version`` and ``arazzo validate`` of a 1-workflow document.

Each is timed as a fresh process (wall time, best of 5) beside the baseline
``python -c "import requests, yaml"``, with the ratio; the target is 1.5x.
``python -X importtime`` of the same commands shows where the time goes.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "examples" / "pets.arazzo.yaml"
ROUNDS = 5
TARGET = 1.5

COMMANDS: dict[str, list[str]] = {
    "baseline: import requests, yaml": [sys.executable, "-c", "import requests, yaml"],
    "arazzo --version": [sys.executable, "-m", "arazzo_engine", "--version"],
    "arazzo --help": [sys.executable, "-m", "arazzo_engine", "--help"],
    "arazzo validate (1 workflow)": [
        sys.executable,
        "-m",
        "arazzo_engine",
        "validate",
        str(DOCUMENT),
    ],
}


def best_of(command: list[str]) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    figures = {name: best_of(command) for name, command in COMMANDS.items()}
    baseline = figures.pop("baseline: import requests, yaml")
    print(f"{'baseline: import requests, yaml':34} {baseline * 1000:7.1f} ms")
    for name, seconds in figures.items():
        ratio = seconds / baseline
        verdict = "ok" if ratio <= TARGET else f"over the {TARGET}x target"
        print(f"{name:34} {seconds * 1000:7.1f} ms  {ratio:4.2f}x  {verdict}")


if __name__ == "__main__":
    main()
