"""The plainest runtime expressions and conditions, read without the Lark parser.

Most documents hold expressions like ``$inputs.petId``, ``$response.body#/id``
and ``$steps.find.outputs.id``, and conditions like ``$statusCode == 200``.
Importing Lark and loading its tables costs a process more than the rest of
``arazzo validate`` on a small document, so these shapes are read here with
regular expressions: names, ids and pointer tokens of ASCII letters, digits,
``_`` and ``-`` only; comparisons of such an expression or a plain literal
(``true``, ``false``, ``null``, an integer, a ``'string'`` without quotes
inside) joined by ``&&``, with spaces only around the operators.

Both functions return the very tree the parser builds, or None for any other
text, which then goes to the parser (errors included: nothing here raises).
tests/test_plain_expressions.py holds this module and the grammar together.
"""

from __future__ import annotations

import re
from typing import cast

from arazzo_engine.expressions.ast import (
    And,
    Comparable,
    Compare,
    CompareOp,
    Condition,
    InputRef,
    Literal,
    Method,
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
    StatusCode,
    StepOutputRef,
    Url,
    WorkflowInputRef,
    WorkflowOutputRef,
)
from arazzo_engine.load.pointers import split

__all__ = ["plain_condition", "plain_expression"]

_NAME = r"[A-Za-z0-9_\-]+"
_POINTER = r"(?:#(?:/[A-Za-z0-9_\-]*)*)?"
_EXPRESSION = re.compile(
    r"\$(?:"
    rf"(?P<bare>url|method|statusCode)"
    rf"|(?P<ref>inputs|outputs)\.(?P<ref_name>{_NAME})(?P<ref_pointer>{_POINTER})"
    rf"|steps\.(?P<step>{_NAME})\.outputs\.(?P<step_name>{_NAME})(?P<step_pointer>{_POINTER})"
    rf"|workflows\.(?P<workflow>{_NAME})\.(?P<side>inputs|outputs)\.(?P<workflow_name>{_NAME})"
    rf"(?P<workflow_pointer>{_POINTER})"
    rf"|(?P<body_of>request|response)\.body(?P<body_pointer>{_POINTER})"
    rf"|(?P<part_of>request|response)\.(?P<part>header|query|path)\.(?P<part_name>{_NAME})"
    r")"
)
_LITERAL = r"true|false|null|-?(?:0|[1-9][0-9]*)|'[^'\\\n\r]*'"
_OPERAND = rf"\$[A-Za-z0-9_\-.#/]+|{_LITERAL}"
_COMPARISON = re.compile(rf"({_OPERAND}) *(==|!=|<=|>=|<|>) *({_OPERAND})")
_AND = re.compile(r" *&& *")

_BARE: dict[str, type[Url] | type[Method] | type[StatusCode]] = {
    "url": Url,
    "method": Method,
    "statusCode": StatusCode,
}
_PARTS = {
    ("request", "header"): RequestHeader,
    ("request", "query"): RequestQuery,
    ("request", "path"): RequestPath,
    ("response", "header"): ResponseHeader,
    ("response", "query"): ResponseQuery,
    ("response", "path"): ResponsePath,
}
_LITERALS: dict[str, bool | None] = {"true": True, "false": False, "null": None}


def _pointer(text: str | None) -> tuple[str, ...] | None:
    """``#/a/b`` as the parser reads it: ``("a", "b")``; None when there is none."""
    if not text:
        return None
    return split(text[1:]) if len(text) > 1 else ()


def plain_expression(text: str) -> RuntimeExpression | None:
    """``text`` as one runtime expression when it has a plain shape; None otherwise."""
    found = _EXPRESSION.fullmatch(text)
    if found is None:
        return None
    group = found.group
    if group("bare"):
        return _BARE[group("bare")]()
    if group("ref"):
        kind = InputRef if group("ref") == "inputs" else OutputRef
        return kind(group("ref_name"), _pointer(group("ref_pointer")))
    if group("step"):
        return StepOutputRef(group("step"), group("step_name"), _pointer(group("step_pointer")))
    if group("workflow"):
        made = WorkflowInputRef if group("side") == "inputs" else WorkflowOutputRef
        pointer = _pointer(group("workflow_pointer"))
        return made(group("workflow"), group("workflow_name"), pointer)
    if group("body_of"):
        body = RequestBody if group("body_of") == "request" else ResponseBody
        return body(_pointer(group("body_pointer")))
    return cast(RuntimeExpression, _PARTS[group("part_of"), group("part")](group("part_name")))


def _operand(text: str) -> Comparable | None:
    if text.startswith("$"):
        return plain_expression(text)
    if text in _LITERALS:
        return Literal(_LITERALS[text])
    if text.startswith("'"):
        return Literal(text[1:-1])
    return Literal(int(text)) if len(text) <= 18 else None


def _comparison(text: str) -> Compare | None:
    found = _COMPARISON.fullmatch(text)
    if found is None:
        return None
    left, right = _operand(found.group(1)), _operand(found.group(3))
    if left is None or right is None:
        return None
    return Compare(cast(CompareOp, found.group(2)), left, right)


def plain_condition(text: str) -> Condition | None:
    """``text`` (without surrounding whitespace) as a condition when it has a plain shape."""
    if "'" in text and "&&" in text:
        return None  # a '&&' could sit inside a string: the parser decides
    parts = _AND.split(text)
    compared: list[Condition] = []
    for part in parts:
        comparison = _comparison(part)
        if comparison is None:
            return None
        compared.append(comparison)
    return compared[0] if len(compared) == 1 else And(tuple(compared))
