"""Judging one criterion of each kind that reads a pattern or a query, in microseconds.

What the time bounds on patterns and queries cost a step: regex criteria,
RFC 9535 and Goessner JSONPath (with and without a regular expression) and
XPath (with and without matches()), each judged on a small response body.
Then the per-step chain's JSONPath criterion (``$..tags[?(@.k == 'a')]`` on
its item body) judged by the compiled RFC 9535 closures and by python-jsonpath
alone, rounds interleaved, with the ratio.

Run: .venv/bin/python bench/bench_criteria.py
"""

from __future__ import annotations

import statistics
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import QUICK, figure

from arazzo_engine.criteria import compile_criterion
from arazzo_engine.criteria._jsonpath_dialects import compile_rfc9535
from arazzo_engine.criteria.jsonpath import JsonPathCondition, JsonPathKind
from arazzo_engine.criteria.kind import CompiledCriterion, ContextForm
from arazzo_engine.model import Criterion
from tests.expression_context import DictContext

ROUNDS = 1 if QUICK else 7
CALLS = 20 if QUICK else 2000
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


CHAIN_QUERY = "$..tags[?(@.k == 'a')]"
CHAIN_BODY = {"id": 1, "next": 2, "name": "item-1", "tags": [{"k": "a"}]}


def library_criterion(criterion: Criterion) -> CompiledCriterion:
    """``criterion`` as compiled before the fast path: judged by python-jsonpath alone."""
    kind = JsonPathKind()
    form = kind.compile(criterion)
    condition = JsonPathCondition(criterion.condition, criterion.version)  # not the cached one
    library = compile_rfc9535(criterion.condition, fast=False)
    condition._judge = lambda value: bool(library(value))
    slow = ContextForm(form.context, form.context_text, condition)
    return CompiledCriterion(
        criterion, kind.name, partial(kind.judge, slow), partial(kind.terms, slow)
    )


def chain_query_side_by_side() -> None:
    criterion = Criterion(condition=CHAIN_QUERY, context="$response.body", type="jsonpath")
    judges = {"fast": compile_criterion(criterion), "library": library_criterion(criterion)}
    evaluation = DictContext(status_code=200, response_payload=CHAIN_BODY)
    samples: dict[str, list[float]] = {name: [] for name in judges}
    for name, judge in judges.items():
        assert judge.judge(evaluation) == (True, None), name
    for _ in range(ROUNDS):  # interleaved: both see the same machine load
        for name, judge in judges.items():
            started = time.perf_counter()
            for _ in range(CALLS):
                judge.judge(evaluation)
            samples[name].append((time.perf_counter() - started) / CALLS * 1e6)
    fast, library = (statistics.median(samples[name]) for name in ("fast", "library"))
    ratio = statistics.median(
        s / f for f, s in zip(samples["fast"], samples["library"], strict=True)
    )
    print(
        f"{'chain jsonpath query':22} {fast:9.1f} us per judge compiled, "
        f"{library:.1f} us python-jsonpath alone: {ratio:.1f}x faster"
    )
    figure(
        f"JSONPath criterion `{CHAIN_QUERY}` on the chain's item",
        f"{fast:.1f} us ({ratio:.1f}x faster)",
        compared_with=f"python-jsonpath alone: {library:.1f} us",
    )


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
    chain_query_side_by_side()


if __name__ == "__main__":
    main()
