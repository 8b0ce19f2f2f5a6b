"""Evaluate a condition while recording what each comparison saw.

:func:`trace_condition` gives the same verdict as
:func:`~arazzo_engine.expressions.evaluate.evaluate_condition` (same
short-circuiting, same comparison rules) and lists, for every comparison it
evaluated, the text and value of each side.  It is used only when someone
listens to a run's events (``--trace``, reports, the pytest plugin); the
ordinary evaluation path never calls it.

:func:`source_text` gives the source text of any parsed value node, for showing
which expression produced a value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from arazzo_engine._compat import assert_never
from arazzo_engine.expressions.ast import (
    Access,
    And,
    ArrayValue,
    Compare,
    Condition,
    Constant,
    Expression,
    FileValue,
    Literal,
    Node,
    Not,
    ObjectValue,
    Or,
    SelectorValue,
    Template,
    is_parsed_node,
)
from arazzo_engine.expressions.context import EvaluationContext
from arazzo_engine.expressions.evaluate import compare, evaluate
from arazzo_engine.expressions.unparse import unparse

__all__ = ["Term", "source_text", "trace_condition"]


@dataclass(frozen=True, slots=True)
class Term:
    """One comparison a condition evaluated (or an operand tested on its own).

    For ``left op right``: ``op`` is the operator and both sides are given.  For
    an operand used alone as a condition (``$steps.a.outputs.ok``) ``op`` is
    None, ``left`` is the operand and ``right`` / ``right_value`` are None;
    ``result`` is then whether the operand is exactly ``true``.
    """

    text: str
    op: str | None
    left: str
    left_value: Any
    right: str | None
    right_value: Any
    result: bool


def source_text(node: Node) -> str:
    """The source text of a parsed expression, template, condition or value."""
    if not is_parsed_node(node):  # an accessor on its own
        return repr(node)
    match node:
        case Constant():
            try:
                return json.dumps(node.value, ensure_ascii=False)
            except (TypeError, ValueError):
                return repr(node.value)
        case ObjectValue():
            items = ", ".join(f"{json.dumps(str(k))}: {source_text(v)}" for k, v in node.items)
            return "{" + items + "}"
        case ArrayValue():
            return "[" + ", ".join(source_text(item) for item in node.items) + "]"
        case FileValue():
            parts = [("$file", node.source), ("filename", node.filename)]
            parts.append(("contentType", node.content_type))
            items = ", ".join(f'"{key}": {source_text(v)}' for key, v in parts if v is not None)
            return "{" + items + "}"
        case SelectorValue():
            kind = {"type": node.type, "version": node.version}
            return json.dumps(
                {"context": source_text(node.context), "selector": node.selector, "type": kind},
                ensure_ascii=False,
            )
        case Template() | Literal() | Expression() | Access() | Compare() | Not() | And() | Or():
            try:
                return unparse(node)
            except (TypeError, ValueError):  # a NaN literal, or a literal of another type
                return repr(node)
        case _:
            assert_never(node)


def trace_condition(cond: Condition, ctx: EvaluationContext) -> tuple[bool, tuple[Term, ...]]:
    """Whether ``cond`` holds (exactly ``True``), and the comparisons evaluated on the way."""
    terms: list[Term] = []
    value = _trace(cond, ctx, terms)
    return value is True, tuple(terms)


def _trace(node: Condition, ctx: EvaluationContext, terms: list[Term]) -> Any:
    match node:
        case Compare():
            left = evaluate(node.left, ctx)
            right = evaluate(node.right, ctx)
            result = compare(node.op, left, right)
            terms.append(
                Term(
                    text=source_text(node),
                    op=node.op,
                    left=source_text(node.left),
                    left_value=left,
                    right=source_text(node.right),
                    right_value=right,
                    result=result,
                )
            )
            return result
        case And():
            return all(_trace(operand, ctx, terms) is True for operand in node.operands)
        case Or():
            return any(_trace(operand, ctx, terms) is True for operand in node.operands)
        case Not():
            return _trace(node.operand, ctx, terms) is not True
        case Literal() | Expression() | Access():  # an operand used on its own as a condition
            value = evaluate(node, ctx)
            text = source_text(node)
            terms.append(Term(text, None, text, value, None, None, value is True))
            return value
        case _:
            assert_never(node)
