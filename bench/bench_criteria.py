"""Judging one criterion of each kind that reads a pattern or a query, in microseconds.

What the time bounds on patterns and queries cost a step: regex criteria,
RFC 9535 and Goessner JSONPath (with and without a regular expression) and
XPath (with and without matches()), each judged on a small response body.

Run: .venv/bin/python bench/bench_criteria.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from arazzo_engine.criteria import compile_criterion
from arazzo_engine.model import Criterion
from tests.expression_context import DictContext

ROUNDS = 7
CALLS = 2000
GOESSNER = "draft-goessner-dispatch-jsonpath-00"
BODY = {"status": "COMPLETED", "items": [{"id": i, "name": f"item-{i}"} for i in range(20)]}
XML = "<r>" + "".join(f"<item id='{i}'>item-{i}</item>" for i in range(20)) + "</r>"

CASES: list[tuple[str, str, str, str, str | None]] = [
    ("regex ^2", "^2", "$statusCode", "regex", None),
    ("regex on the body", '"status":"COMPLETED"', "$response.body", "regex", None),
    ("jsonpath filter", "$.items[?@.id > 18]", "$response.body", "jsonpath", None),
    ("jsonpath match()", "$.items[?match(@.name, 'item-1.')]", "$response.body", "jsonpath", None),
    ("goessner filter", "$.items[?(@.id > 18)]", "$response.body", "jsonpath", GOESSNER),
    ("goessner =~", '$.items[?(@.name =~ "item-1.")]', "$response.body", "jsonpath", GOESSNER),
    ("xpath path", "/r/item[@id = '19']", "$response.body", "xpath", None),
    ("xpath matches()", "/r/item[matches(., 'item-1.')]", "$response.body", "xpath", None),
]


def main() -> None:
    for label, condition, context, kind, version in CASES:
        compiled = compile_criterion(
            Criterion(condition=condition, context=context, type=kind, version=version)
        )
        body = XML if kind == "xpath" else BODY
        evaluation = DictContext(status_code=200, response_payload=body)
        assert compiled.judge(evaluation)[0], label
        samples = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            for _ in range(CALLS):
                compiled.judge(evaluation)
            samples.append((time.perf_counter() - started) / CALLS * 1e6)
        print(f"{label:22} {statistics.median(samples):9.1f} us per judge")


if __name__ == "__main__":
    main()
