"""``simple`` criteria: the engine's condition language, e.g. ``$statusCode == 200``.

The condition is parsed once at load into the condition AST, which is this
kind's compiled form.  A ``context``, when given, must parse but is not used:
a simple condition names what it reads.  The event lists every comparison the
condition evaluated, with both sides' values.
"""

from __future__ import annotations

from collections.abc import Callable

from arazzo_engine.criteria.kind import CriterionKind, Verdict, parse_context
from arazzo_engine.errors import CriterionCompileError, ExpressionSyntaxError
from arazzo_engine.expressions import (
    Condition,
    EvaluationContext,
    Version,
    evaluate_condition,
    parse_condition,
)
from arazzo_engine.expressions.trace import Term, trace_condition
from arazzo_engine.model import Criterion

__all__ = ["SimpleKind"]


class SimpleKind(CriterionKind[Condition]):
    """The default ``type``: a condition of runtime expressions, literals and operators."""

    name = "simple"
    runtime_condition = True

    def compile(self, criterion: Criterion) -> Condition:
        return self.compile_in(criterion, "1.0")

    def compile_in(self, criterion: Criterion, version: Version) -> Condition:
        parse_context(criterion, version)
        try:
            return parse_condition(criterion.condition, version=version)
        except ExpressionSyntaxError as error:
            raise CriterionCompileError("condition", error.render()) from None

    def judge(self, compiled: Condition, context: EvaluationContext) -> Verdict:
        return evaluate_condition(compiled, context), None

    def judgement(self, compiled: Condition) -> Callable[[EvaluationContext], Verdict]:
        """:meth:`judge` in one function (unless a subclass judges its own way)."""
        if type(self).judge is not SimpleKind.judge:
            return super().judgement(compiled)

        def judged(context: EvaluationContext) -> Verdict:
            return evaluate_condition(compiled, context), None

        return judged

    def terms(
        self, compiled: Condition, context: EvaluationContext, passed: bool
    ) -> tuple[Term, ...]:
        return trace_condition(compiled, context)[1]
