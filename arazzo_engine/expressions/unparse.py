"""Turn a syntax tree back into canonical text.

For every tree the parser returns, parsing ``unparse(tree)`` again gives an
equal tree.  The canonical form writes strings in single quotes, one space
around binary operators, ``!x`` / ``!(...)`` without a space, and parentheses
only where precedence needs them (``||`` inside ``&&``, a group after ``!``).
"""

from __future__ import annotations

import math

from arazzo_engine._compat import assert_never
from arazzo_engine.expressions.ast import (
    Access,
    Accessor,
    And,
    ArrayValue,
    Compare,
    ComponentRef,
    Condition,
    Constant,
    Expression,
    FileValue,
    Index,
    InputRef,
    Literal,
    Member,
    MessageHeader,
    MessagePayload,
    Method,
    Node,
    Not,
    ObjectValue,
    Or,
    OutputRef,
    RequestBody,
    RequestHeader,
    RequestPath,
    RequestQuery,
    ResponseBody,
    ResponseHeader,
    ResponsePath,
    ResponseQuery,
    RuntimeExpression,
    SelectorValue,
    SelfRef,
    SourceDescriptionRef,
    StatusCode,
    StepOutputRef,
    Template,
    Url,
    WorkflowInputRef,
    WorkflowOutputRef,
    is_parsed_node,
)
from arazzo_engine.load.pointers import join

__all__ = ["unparse"]


def _pointer(pointer: tuple[str, ...] | None) -> str:
    if pointer is None:
        return ""
    return "#" + join(pointer)


def _expression(node: RuntimeExpression) -> str:
    match node:
        case Url():
            return "$url"
        case Method():
            return "$method"
        case StatusCode():
            return "$statusCode"
        case RequestHeader():
            return f"$request.header.{node.name}"
        case RequestQuery():
            return f"$request.query.{node.name}"
        case RequestPath():
            return f"$request.path.{node.name}"
        case RequestBody():
            return "$request.body" + _pointer(node.pointer)
        case ResponseHeader():
            return f"$response.header.{node.name}"
        case ResponseQuery():
            return f"$response.query.{node.name}"
        case ResponsePath():
            return f"$response.path.{node.name}"
        case ResponseBody():
            return "$response.body" + _pointer(node.pointer)
        case InputRef():
            return f"$inputs.{node.name}{_pointer(node.pointer)}"
        case OutputRef():
            return f"$outputs.{node.name}{_pointer(node.pointer)}"
        case StepOutputRef():
            return f"$steps.{node.step_id}.outputs.{node.name}{_pointer(node.pointer)}"
        case WorkflowInputRef():
            return f"$workflows.{node.workflow_id}.inputs.{node.name}{_pointer(node.pointer)}"
        case WorkflowOutputRef():
            return f"$workflows.{node.workflow_id}.outputs.{node.name}{_pointer(node.pointer)}"
        case SourceDescriptionRef():
            return f"$sourceDescriptions.{node.name}.{node.field}"
        case ComponentRef():
            return f"$components.{node.kind}.{node.name}"
        case MessageHeader():
            return f"$message.header.{node.name}"
        case MessagePayload():
            return "$message.payload" + _pointer(node.pointer)
        case SelfRef():
            return "$self"
        case _:
            assert_never(node)


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


def _accessor(accessor: Accessor) -> str:
    match accessor:
        case Index():
            return f"[{accessor.index}]"
        case Member():
            return f".{accessor.name}"
        case _:
            assert_never(accessor)


def _condition(node: Condition, parent: type | None) -> str:
    match node:
        case Literal():
            return _literal(node.value)
        case Expression():
            return _expression(node)
        case Access():
            return _expression(node.target) + "".join(_accessor(step) for step in node.path)
        case Compare():
            return f"{_condition(node.left, Compare)} {node.op} {_condition(node.right, Compare)}"
        case Not():
            inner = node.operand
            if isinstance(inner, (Literal, Expression, Access)):
                return "!" + _condition(inner, Not)
            return "!(" + _condition(inner, None) + ")"
        case And():
            text = " && ".join(_condition(operand, And) for operand in node.operands)
            return f"({text})" if parent is And else text
        case Or():
            text = " || ".join(_condition(operand, Or) for operand in node.operands)
            return f"({text})" if parent in (And, Or) else text
        case _:
            assert_never(node)


def unparse(node: Node) -> str:
    """Canonical text of an expression, template or condition node."""
    if not is_parsed_node(node):
        raise TypeError(f"cannot unparse {type(node).__name__}")
    match node:
        case Expression():
            return _expression(node)
        case Template():
            return "".join(
                part if isinstance(part, str) else "{" + _expression(part) + "}"
                for part in node.parts
            )
        case Constant() | ObjectValue() | ArrayValue() | FileValue() | SelectorValue():
            raise TypeError(f"cannot unparse {type(node).__name__}")
        case _:  # mypy checks that what is left is a condition
            return _condition(node, None)
