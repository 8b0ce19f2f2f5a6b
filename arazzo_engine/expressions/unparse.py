"""Turn a syntax tree back into canonical text.

For every tree the parser returns, parsing ``unparse(tree)`` again gives an
equal tree.  The canonical form writes strings in single quotes, one space
around binary operators, ``!x`` / ``!(...)`` without a space, and parentheses
only where precedence needs them (``||`` inside ``&&``, a group after ``!``).
"""

from __future__ import annotations

import math

from arazzo_engine.expressions.ast import (
    Access,
    And,
    Compare,
    ComponentRef,
    Expression,
    Index,
    InputRef,
    Literal,
    Method,
    Node,
    Not,
    Or,
    OutputRef,
    RequestBody,
    RequestHeader,
    RequestPath,
    RequestQuery,
    ResponseBody,
    ResponseHeader,
    SourceDescriptionRef,
    StatusCode,
    StepOutputRef,
    Template,
    Url,
    WorkflowInputRef,
    WorkflowOutputRef,
)
from arazzo_engine.load.pointers import join

__all__ = ["unparse"]


def _pointer(pointer: tuple[str, ...] | None) -> str:
    if pointer is None:
        return ""
    return "#" + join(pointer)


def _expression(node: Expression) -> str:
    if isinstance(node, Url):
        return "$url"
    if isinstance(node, Method):
        return "$method"
    if isinstance(node, StatusCode):
        return "$statusCode"
    if isinstance(node, RequestHeader):
        return f"$request.header.{node.name}"
    if isinstance(node, RequestQuery):
        return f"$request.query.{node.name}"
    if isinstance(node, RequestPath):
        return f"$request.path.{node.name}"
    if isinstance(node, RequestBody):
        return "$request.body" + _pointer(node.pointer)
    if isinstance(node, ResponseHeader):
        return f"$response.header.{node.name}"
    if isinstance(node, ResponseBody):
        return "$response.body" + _pointer(node.pointer)
    if isinstance(node, InputRef):
        return f"$inputs.{node.name}{_pointer(node.pointer)}"
    if isinstance(node, OutputRef):
        return f"$outputs.{node.name}{_pointer(node.pointer)}"
    if isinstance(node, StepOutputRef):
        return f"$steps.{node.step_id}.outputs.{node.name}{_pointer(node.pointer)}"
    if isinstance(node, WorkflowInputRef):
        return f"$workflows.{node.workflow_id}.inputs.{node.name}{_pointer(node.pointer)}"
    if isinstance(node, WorkflowOutputRef):
        return f"$workflows.{node.workflow_id}.outputs.{node.name}{_pointer(node.pointer)}"
    if isinstance(node, SourceDescriptionRef):
        return f"$sourceDescriptions.{node.name}.{node.field}"
    if isinstance(node, ComponentRef):
        return f"$components.{node.kind}.{node.name}"
    raise TypeError(f"cannot unparse {type(node).__name__}")


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if math.isinf(value):
            return "1e999" if value > 0 else "-1e999"
        if math.isnan(value):
            raise ValueError("NaN has no literal in the condition language")
        return repr(value)
    raise TypeError(f"cannot unparse a literal of type {type(value).__name__}")


def _accessors(node: Access) -> str:
    return "".join(
        f"[{step.index}]" if isinstance(step, Index) else f".{step.name}" for step in node.path
    )


def _condition(node: Node, parent: type | None) -> str:
    if isinstance(node, Literal):
        return _literal(node.value)
    if isinstance(node, Expression):
        return _expression(node)
    if isinstance(node, Access):
        return _expression(node.target) + _accessors(node)
    if isinstance(node, Compare):
        return f"{_condition(node.left, Compare)} {node.op} {_condition(node.right, Compare)}"
    if isinstance(node, Not):
        inner = node.operand
        if isinstance(inner, (Literal, Expression, Access)):
            return "!" + _condition(inner, Not)
        return "!(" + _condition(inner, None) + ")"
    if isinstance(node, And):
        text = " && ".join(_condition(operand, And) for operand in node.operands)
        return f"({text})" if parent is And else text
    if isinstance(node, Or):
        text = " || ".join(_condition(operand, Or) for operand in node.operands)
        return f"({text})" if parent in (And, Or) else text
    raise TypeError(f"cannot unparse {type(node).__name__}")


def unparse(node: Node) -> str:
    """Canonical text of an expression, template or condition node."""
    if isinstance(node, Template):
        return "".join(
            part if isinstance(part, str) else "{" + _expression(part) + "}" for part in node.parts
        )
    return _condition(node, None)
