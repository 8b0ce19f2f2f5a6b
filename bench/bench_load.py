"""Load time of a 100-step Arazzo document, parsed afresh each round (target < 50 ms).

Two chains, each a 100-step document with about 1,000 runtime expressions:

* the peer chain (``_server.peer_chain_document``): GET and POST alternate, JSON
  bodies with a ``{$...}`` template, and a simple, a regex and a JSONPath
  criterion on every step -- what real workflows look like;
* the older GET-only chain (``_server.chain_document``).

The process first loads another document (imports, grammars, the JSONPath and
regex engines), then the chains in interleaved rounds.  Before every round the
parse caches are cleared, so every expression, criterion and pattern is parsed
again as on the first load of a new document.  Prints the median of the rounds
and the target.

A last line times the peer chain's first load in a fresh process that has loaded
only a document without JSONPath or regex criteria: it includes importing those
engines on first use, which the rounds above leave out.

``--steps N`` and ``--rounds N`` make it smaller (a test runs it that way).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import QUICK, figure
from _server import OPENAPI, PEER_OPENAPI, chain_document, peer_chain_document

from arazzo_engine import Engine

TARGET_MS = 50.0
TARGET_STEPS = 100


def expression_count(doc: str) -> int:
    return doc.count("$")


def clear_parse_caches() -> None:
    """Parse every expression again, as a first load of a new document would."""
    # Imported here: the first-load child process must import them on first use.
    from arazzo_engine.criteria import _jsonpath_dialects, jsonpath, xpath
    from arazzo_engine.expressions import parser
    from arazzo_engine.patterns import matching

    for cached in (parser._cached_expression, parser._cached_condition, parser._cached_template):
        cached.cache_clear()
    parser._explained.clear()
    jsonpath._cached_condition.cache_clear()
    xpath._cached_condition.cache_clear()
    _jsonpath_dialects._iregexp.cache_clear()
    matching.compile_pattern.cache_clear()
    re.purge()


def timed(action: Callable[[], object]) -> float:
    clear_parse_caches()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def first_load(folder: str, steps: int) -> float:
    """Seconds of the peer chain's first load after a plain document (this process)."""
    plain = Path(folder, "plain.arazzo.yaml")
    lines = chain_document(2, jsonpath=False).splitlines(keepends=True)
    plain.write_text("".join(line for line in lines if "type: regex" not in line))
    peer = Path(folder, "first.arazzo.yaml")
    peer.write_text(peer_chain_document(steps))
    Engine.load(plain, servers={"api": "http://127.0.0.1:1"})
    started = time.perf_counter()
    Engine.load(peer)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--steps", type=int, default=10 if QUICK else 100)
    options.add_argument("--rounds", type=int, default=1 if QUICK else 15)
    options.add_argument("--quick", action="store_true", help="10 steps, 1 round")
    options.add_argument("--first-load-in", metavar="DIR", help=argparse.SUPPRESS)
    args = options.parse_args(argv)
    if args.first_load_in:
        print(first_load(args.first_load_in, args.steps))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "api.openapi.yaml").write_text(OPENAPI)
        Path(folder, "items.openapi.yaml").write_text(PEER_OPENAPI)
        other = Path(folder, "other.arazzo.yaml")
        other.write_text(chain_document(2))
        old = Path(folder, "chain.arazzo.yaml")
        old_text = chain_document(args.steps, extra_outputs=5)
        old.write_text(old_text)
        peer = Path(folder, "peer.arazzo.yaml")
        peer_text = peer_chain_document(args.steps)
        peer.write_text(peer_text)
        servers = {"api": "http://127.0.0.1:1"}
        Engine.load(other, servers=servers)  # imports, grammars: a process already in use
        peer_times: list[float] = []
        old_times: list[float] = []
        for _ in range(args.rounds):
            peer_times.append(timed(lambda: Engine.load(peer)))
            old_times.append(timed(lambda: Engine.load(old, servers=servers)))
        command = [sys.executable, __file__, "--steps", str(args.steps), "--first-load-in", folder]
        first = [
            float(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
            for _ in range(min(args.rounds, 5))
        ]
    for name, text, times in (
        ("peer chain (GET/POST, bodies, regex + JSONPath)", peer_text, peer_times),
        ("GET-only chain", old_text, old_times),
    ):
        median = statistics.median(times) * 1000
        verdict = "met" if median < TARGET_MS else "MISSED"
        if args.steps != TARGET_STEPS:
            verdict = f"set for {TARGET_STEPS} steps"
        print(
            f"load {name}, {args.steps} steps / ~{expression_count(text)} expressions: "
            f"{median:.1f} ms median of {args.rounds} (target < {TARGET_MS:.0f} ms: {verdict})"
        )
        figure(
            f"load, {args.steps}-step {name}",
            f"{median:.1f} ms",
            compared_with="every parse cache cleared, in a process that has loaded one",
            target=f"< {TARGET_MS:.0f} ms" if args.steps == TARGET_STEPS else "",
            met=median < TARGET_MS if args.steps == TARGET_STEPS else None,
        )
    print(
        f"first load of the peer chain in a fresh process (JSONPath and regex engines "
        f"imported on first use): {statistics.median(first) * 1000:.1f} ms median of {len(first)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
