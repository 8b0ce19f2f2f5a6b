"""Evaluating a parsed condition (target < 5 us) vs parsing it (done once, at load)."""

from __future__ import annotations

import sys
import timeit
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import QUICK, figure

from arazzo_engine.expressions import evaluate_condition, parse_condition
from arazzo_engine.expressions.parser import _cached_condition

CONDITION = "$statusCode == 200 && $response.body#/status == 'ok'"


class Context:
    url = "http://x/y"
    method = "GET"
    status_code = 200

    def response_body(self) -> Any:
        return {"status": "OK"}

    def response_header(self, name: str) -> str | None:
        return None

    def inputs(self) -> Mapping[str, Any]:
        return {}


def main() -> None:
    condition = parse_condition(CONDITION)
    ctx: Any = Context()
    assert evaluate_condition(condition, ctx) is True
    n = 2_000 if QUICK else 200_000
    evaluation = min(timeit.repeat(lambda: evaluate_condition(condition, ctx), number=n, repeat=5))
    parse_n = 20 if QUICK else 2_000
    parsing = min(
        timeit.repeat(lambda: _cached_condition.__wrapped__(CONDITION), number=parse_n, repeat=3)
    )
    each = evaluation / n * 1e6
    figure(
        "condition evaluation",
        f"{each:.2f} us",
        compared_with=f"`{CONDITION}`",
        target="< 5 us",
        met=each < 5,
    )
    print(f"parse the same text:   {parsing / parse_n * 1e6:.1f} us (done once per document)")


if __name__ == "__main__":
    main()
