"""Load time of every real-world Arazzo document, each loaded once in one process.

Reads the corpus in place (../shared/conformance/real-world: ``MANIFEST.tsv``,
``source-overrides.tsv``, ``docs/``) the way ``python -m tests.conformance``
does, and times ``Engine.load`` of each document, a rejection included (the
time to reject counts).  Prints the total, the median, the five slowest with
their names and how many took over 0.25 s (target: none).

Skips cleanly when the corpus is absent; ``--corpus DIR`` names another folder
of the same layout.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import QUICK, figure, shared_folder

from arazzo_engine import Engine
from arazzo_engine.errors import ArazzoError
from tests.conformance.realworld import documents

CORPUS = shared_folder("conformance", "real-world")
QUICK_DOCUMENTS = 20
LIMIT = 0.25


def load_seconds(path: Path, sources: dict[str, str]) -> tuple[float, str]:
    """Seconds to load (or reject) one document, and what happened."""
    started = time.perf_counter()
    try:
        Engine.load(path, sources=sources)
        outcome = "accepted"
    except ArazzoError:
        outcome = "rejected"
    except Exception:  # the corpus finds crashes; they are timed and counted too
        outcome = "crash"
    return time.perf_counter() - started, outcome


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--corpus", type=Path, default=CORPUS)
    options.add_argument("--quick", action="store_true", help=f"{QUICK_DOCUMENTS} documents")
    folder: Path | None = options.parse_args(argv).corpus
    if folder is None or not (folder / "MANIFEST.tsv").is_file():
        print(f"skipped: {folder} is absent (the real-world corpus lives there)")
        return 0
    seconds: dict[str, float] = {}
    outcomes: dict[str, int] = {}
    for number, document in enumerate(documents(folder)):
        if QUICK and number == QUICK_DOCUMENTS:
            break
        name = str(document.path.relative_to(folder / "docs"))
        took, outcome = load_seconds(document.path, dict(document.sources))
        seconds[name] = took
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if not seconds:
        print(f"skipped: {folder} lists no Arazzo documents")
        return 0
    over = [name for name, took in seconds.items() if took > LIMIT]
    counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
    median = statistics.median(seconds.values())
    print(
        f"load {len(seconds)} real-world documents ({counts}) in one process: "
        f"total {sum(seconds.values()):.2f} s, median {median * 1000:.1f} ms"
    )
    print("slowest:")
    for name, took in sorted(seconds.items(), key=lambda item: -item[1])[:5]:
        print(f"  {took * 1000:7.1f} ms  {name}")
    verdict = "met" if not over else "MISSED: " + ", ".join(over)
    print(f"over {LIMIT} s: {len(over)} (target 0: {verdict})")
    slowest = max(seconds, key=lambda name: seconds[name])
    figure(
        f"Engine.load of {len(seconds)} real-world documents, one process",
        f"total {sum(seconds.values()):.2f} s, median {median * 1000:.1f} ms, "
        f"slowest {seconds[slowest] * 1000:.0f} ms ({slowest})",
        target=f"none over {LIMIT} s",
        met=not over,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
