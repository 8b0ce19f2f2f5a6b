"""Success and action criteria: compiled once at load, judged per step.

``simple`` conditions use the engine's condition language; ``regex`` applies
Python ``re.search`` to the evaluated ``context`` (non-strings stringified:
JSON text for objects and arrays, ``true``/``false``/``null`` for the rest).
An evaluation problem makes the criterion fail with a reason; it never raises.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions import (
    Condition,
    EvaluationContext,
    Expression,
    evaluate,
    evaluate_condition,
    parse_condition,
    parse_expression,
)
from arazzo_engine.model import Criterion


class CriterionCompileError(Exception):
    """A criterion cannot be compiled; ``reason`` says why, ``field`` where."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CompiledCriterion:
    """A criterion ready to judge: its kind and the parsed pieces it needs."""

    criterion: Criterion
    kind: str
    condition: Condition | None
    pattern: re.Pattern[str] | None
    context: Expression | None

    @property
    def text(self) -> str:
        return self.criterion.condition


def compile_criterion(criterion: Criterion) -> CompiledCriterion:
    """Parse a criterion's condition and context once."""
    context: Expression | None = None
    if criterion.context is not None:
        try:
            context = parse_expression(criterion.context)
        except ExpressionSyntaxError as error:
            raise CriterionCompileError("context", error.render()) from None
    kind = criterion.type
    if kind == "simple":
        try:
            condition = parse_condition(criterion.condition)
        except ExpressionSyntaxError as error:
            raise CriterionCompileError("condition", error.render()) from None
        return CompiledCriterion(criterion, kind, condition, None, context)
    if kind == "regex":
        if context is None:
            raise CriterionCompileError("context", "a regex criterion needs a 'context'")
        try:
            pattern = re.compile(criterion.condition)
        except re.error as error:
            raise CriterionCompileError(
                "condition", f"the regular expression does not compile: {error}"
            ) from None
        return CompiledCriterion(criterion, kind, None, pattern, context)
    raise CriterionCompileError(
        "type",
        f"criterion type '{kind}' is not supported by this version of the engine "
        "(supported: simple, regex)",
    )


def stringify(value: Any) -> str:
    """The text a regex criterion matches against."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def judge(compiled: CompiledCriterion, ctx: EvaluationContext) -> tuple[bool, str | None]:
    """Whether the criterion holds, and why not when it fails with an error."""
    try:
        if compiled.kind == "simple":
            assert compiled.condition is not None
            return evaluate_condition(compiled.condition, ctx), None
        assert compiled.pattern is not None and compiled.context is not None
        value = evaluate(compiled.context, ctx)
        if value is None:
            return False, f"the context {compiled.criterion.context} has no value"
        return compiled.pattern.search(stringify(value)) is not None, None
    except Exception as error:  # a criterion never crashes a run; the reason is kept
        return False, f"evaluating the criterion failed: {error}"
