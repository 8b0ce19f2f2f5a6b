"""CLI start-up: ``arazzo --version``, ``--help``, ``validate`` and ``list`` (1 workflow).

Each is timed as a fresh process (wall time) beside the baseline
``python -c "import requests, yaml"``, with the ratio; the target is 1.5x.  The
commands are run in interleaved rounds (baseline, then each command, again and
again) so that a busy machine slows them alike, and each figure is the best of
its rounds.  One untimed round first lets Python write its bytecode caches and
the engine its parser cache, as a second run of an installed ``arazzo`` finds
them.  ``python -X importtime`` of the same commands shows where the time goes.

``--rounds N`` sets the number of rounds (default 7).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from _report import QUICK, figure  # noqa: E402

DOCUMENT = ROOT / "docs" / "examples" / "pets.arazzo.yaml"
ROUNDS = 7
TARGET = 1.5
BASELINE = "baseline: import requests, yaml"


def _arazzo(*args: str) -> list[str]:
    return [sys.executable, "-m", "arazzo_engine", *args]


COMMANDS: dict[str, list[str]] = {
    BASELINE: [sys.executable, "-c", "import requests, yaml"],
    "arazzo --version": _arazzo("--version"),
    "arazzo --help": _arazzo("--help"),
    "arazzo validate (1 workflow)": _arazzo("validate", str(DOCUMENT)),
    "arazzo list (1 workflow)": _arazzo("list", str(DOCUMENT)),
}


def _environment() -> dict[str, str]:
    """This environment, bytecode caches allowed (an installed package has them)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _once(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def measure(rounds: int) -> dict[str, float]:
    """The best wall time of each command over interleaved rounds, in seconds."""
    env = _environment()
    for command in COMMANDS.values():
        _once(command, env)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(rounds):
        for name, command in COMMANDS.items():
            times[name].append(_once(command, env))
    return {name: min(found) for name, found in times.items()}


def main(argv: list[str] | None = None) -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--rounds", type=int, default=1 if QUICK else ROUNDS)
    options.add_argument("--quick", action="store_true", help="one round (a smoke run)")
    rounds = options.parse_args(argv).rounds
    figures = measure(rounds)
    baseline = figures.pop(BASELINE)
    print(f"CLI start-up, best of {rounds} interleaved rounds (target {TARGET}x the baseline)")
    print(f"{BASELINE:34} {baseline * 1000:7.1f} ms")
    for name, seconds in figures.items():
        ratio = seconds / baseline
        verdict = "ok" if ratio <= TARGET else f"over the {TARGET}x target"
        print(f"{name:34} {seconds * 1000:7.1f} ms  {ratio:4.2f}x  {verdict}")
        figure(
            f"CLI start-up, {name}",
            f"{seconds * 1000:.0f} ms ({ratio:.2f}x)",
            compared_with=f"`import requests, yaml`: {baseline * 1000:.0f} ms",
            target=f"<= {TARGET}x",
            met=ratio <= TARGET,
        )


if __name__ == "__main__":
    main()
