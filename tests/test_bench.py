"""Every benchmark runs, and the run ends with the table of their figures.

Not timed: ``bench/run_all.py --quick`` runs each benchmark at its smallest size
and the figures it prints mean nothing; what is checked is that each one still
runs to its end and reports its headline figures.  The shared reference data is
hidden (``ARAZZO_BENCH_NO_SHARED``), as on a fresh clone, so the benchmarks that
need it say they skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"

# The figures each benchmark reports without the shared data.
EXPECTED = {
    "bench_concurrency.py": ["run_many, 16 threads"],
    "bench_criteria.py": ["JSONPath criterion"],
    "bench_expressions.py": ["condition evaluation"],
    "bench_load.py": ["load, 10-step peer chain", "load, 10-step GET-only chain"],
    "bench_redaction.py": ["masking a 4 KB body"],
    "bench_scale.py": [
        "fal queue, threads, 1 in flight",
        "fal queue, threads, 8 in flight",
        "fal queue, threads, 64 in flight",
        "fal queue, threads, 256 in flight",
        "memory per in-flight run, 64 threads",
        "fal queue, Dask local:2",
    ],
    "bench_repeat.py": ["runs of a 10-step chain"],
    "bench_startup.py": ["CLI start-up, arazzo --version", "CLI start-up, arazzo validate"],
    "bench_step_overhead.py": [
        "engine-only per step, 10-step chain on MockTransport",
        "engine-only per step without JSONPath criteria, 10-step chain on MockTransport",
    ],
    "bench_steps.py": ["per step, 10-step chain, GET+POST", "per step, 10-step chain, GET only"],
    "bench_streams.py": ["SSE first event", "SSE parsing"],
}
SKIPPED = ("bench_corpus_load.py", "bench_openapi_load.py", "bench_validation.py")


def test_every_benchmark_runs_and_reports_its_figures(tmp_path: Path) -> None:
    table = tmp_path / "figures.md"
    env = {**os.environ, "ARAZZO_BENCH_NO_SHARED": "1"}
    done = subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--quick", "--markdown", str(table)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    scripts = sorted(p.name for p in BENCH.glob("bench_*.py"))
    assert scripts == sorted([*EXPECTED, *SKIPPED]), "a new benchmark needs its figures here"
    rows = [
        line
        for line in table.read_text(encoding="utf-8").splitlines()
        if line.startswith("| bench_")
    ]
    for script, names in EXPECTED.items():
        mine = [row for row in rows if row.startswith(f"| {script} |")]
        for name in names:
            assert any(name in row for row in mine), (script, name, mine)
    for script in SKIPPED:
        assert f"== {script}\nskipped:" in done.stdout, script
        assert not any(row.startswith(f"| {script} |") for row in rows)
