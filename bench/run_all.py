"""Every benchmark in one run, then one table of their headline figures.

    .venv/bin/python bench/run_all.py [--quick] [--markdown FILE] [NAME...]

Runs each ``bench/bench_*.py`` (or those named) in its own process, one after
the other (the machine's cores are not shared between two benchmarks), prints
their output as it comes, and ends with a Markdown table of the figures they
report (see ``_report.figure``); ``--markdown`` also writes it to FILE.
Exits 1 if a benchmark fails; a figure that misses its target does not fail
the run (the table says NOT MET).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import FIGURES_FILE

HERE = Path(__file__).resolve().parent


def table(records: list[dict[str, object]]) -> str:
    lines = [
        "| benchmark | figure | value | compared with | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in records:
        met = {True: "yes", False: "**no**", None: ""}[r["met"]]  # type: ignore[index]
        lines.append(
            f"| {r['bench']} | {r['name']} | {r['value']} | {r['compared_with']} "
            f"| {r['target']} | {met} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smallest sizes (a smoke run)")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    options = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if options.names:
        scripts = [s for s in scripts if s.stem in options.names or s.name in options.names]
    failed: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        figures = Path(folder, "figures.jsonl")
        env = {**os.environ, FIGURES_FILE: str(figures)}
        started = time.perf_counter()
        for script in scripts:
            print(f"== {script.name}", flush=True)
            command = [sys.executable, str(script)] + (["--quick"] if options.quick else [])
            if subprocess.run(command, env=env, check=False).returncode != 0:
                failed.append(script.name)
        elapsed = time.perf_counter() - started
        text = figures.read_text(encoding="utf-8") if figures.exists() else ""
    records = [json.loads(line) for line in text.splitlines()]
    heading = (
        f"{len(scripts)} benchmarks in {elapsed:.0f} s; Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, {platform.machine()}"
    )
    report = f"{heading}\n\n{table(records)}"
    print("\n" + report)
    if options.markdown:
        options.markdown.write_text(report, encoding="utf-8")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
