"""bench/bench_step_overhead.py runs (tiny sizes); its speed is for the bench to say."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "bench_step_overhead.py"
FIGURE = re.compile(r"-?\d+\.\d{4} ms/step")


def run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--steps", "4", "--rounds", "2", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_bench_prints_the_engine_only_cost_per_step() -> None:
    out = run()
    assert out.startswith("4-step chain")
    for label in ("engine run on MockTransport", "the handler alone", "without JSONPath"):
        line = next(line for line in out.splitlines() if label in line)
        assert FIGURE.search(line), line


def test_the_bench_measures_another_checkout_side_by_side() -> None:
    out = run("--against", str(ROOT))
    assert out.count("engine run on MockTransport") == 2
    assert re.search(r"ratio this/against \(without JSONPath and the handler\): \d+\.\d\d", out)
