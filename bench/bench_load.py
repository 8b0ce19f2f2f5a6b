"""Load time: a 100-step Arazzo document with ~1,000 expressions (target < 50 ms).

Also loads the large real OpenAPI descriptions in ../shared/bench-data when present.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import OPENAPI, chain_document

from arazzo_engine import Engine
from arazzo_engine.criteria import jsonpath, xpath
from arazzo_engine.expressions import parser

ROUNDS = 9


def expression_count(doc: str) -> int:
    return doc.count("$")


def clear_parse_caches() -> None:
    """Parse every expression again, as a first load of a new document would."""
    for cached in (parser._cached_expression, parser._cached_condition, parser._cached_template):
        cached.cache_clear()
    jsonpath._cached_condition.cache_clear()
    xpath._cached_condition.cache_clear()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "api.openapi.yaml").write_text(OPENAPI)
        doc = Path(folder, "chain.arazzo.yaml")
        text = chain_document(100, jsonpath="--no-jsonpath" not in sys.argv, extra_outputs=5)
        doc.write_text(text)
        Engine.load(doc, servers={"api": "http://127.0.0.1:1"})  # imports, grammar build
        times = []
        for _ in range(ROUNDS):
            clear_parse_caches()
            started = time.perf_counter()
            Engine.load(doc, servers={"api": "http://127.0.0.1:1"})
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        print(
            f"load 100 steps / ~{expression_count(text)} expressions: "
            f"{median * 1000:.1f} ms median of {ROUNDS} (target < 50 ms)"
        )


if __name__ == "__main__":
    main()
