"""The figures a benchmark reports, printed and gathered for ``bench/run_all.py``.

Each benchmark prints what it measured as it goes; :func:`figure` prints the
headline figures in one shape (value, what it is compared with, the target and
whether it is met) and, when ``run_all.py`` runs it, appends them as JSON lines
to the file named by ``ARAZZO_BENCH_FIGURES`` so one run yields one table.

``--quick`` (``QUICK``) asks for the smallest sizes that still exercise every
code path: a test runs every benchmark that way to keep them working; its
figures mean nothing.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

__all__ = ["QUICK", "figure", "shared_folder"]

QUICK = "--quick" in sys.argv
"""Smallest sizes: the benchmark runs, its figures are not worth reading."""

FIGURES_FILE = "ARAZZO_BENCH_FIGURES"
NO_SHARED = "ARAZZO_BENCH_NO_SHARED"


def figure(
    name: str,
    value: str,
    *,
    compared_with: str = "",
    target: str = "",
    met: bool | None = None,
) -> None:
    """Print one headline figure; record it for the run's table when asked to."""
    verdict = "" if met is None else ("  ok" if met else "  NOT MET")
    against = f"  (vs {compared_with})" if compared_with else ""
    goal = f"  target {target}" if target else ""
    print(f"  => {name}: {value}{against}{goal}{verdict}", flush=True)
    path = os.environ.get(FIGURES_FILE)
    if path:
        record = {
            "bench": Path(sys.argv[0]).name,
            "name": name,
            "value": value,
            "compared_with": compared_with,
            "target": target,
            "met": met,
        }
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")


def shared_folder(*parts: str) -> Path | None:
    """A folder of the shared reference data beside the checkout; None when absent.

    ``ARAZZO_BENCH_NO_SHARED=1`` makes it absent (a test runs the benchmarks
    the way a fresh clone would).
    """
    if os.environ.get(NO_SHARED):
        return None
    folder = Path(__file__).resolve().parents[2] / "shared"
    folder = folder.joinpath(*parts)
    return folder if folder.is_dir() else None
