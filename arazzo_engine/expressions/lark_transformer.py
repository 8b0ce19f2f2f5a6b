"""The Lark transformer that builds the syntax tree while the LALR parser reduces.

Its own module so that :mod:`~arazzo_engine.expressions.parser` imports Lark
only when a text needs the parser (:mod:`~arazzo_engine.expressions.plain`
reads the plainest texts without it).
"""

from __future__ import annotations

import json
from typing import Any, cast

from lark import Token, Transformer

from arazzo_engine.expressions.ast import (
    Access,
    And,
    Compare,
    CompareOp,
    ComponentRef,
    Index,
    InputRef,
    Literal,
    Member,
    MessageHeader,
    MessagePayload,
    Method,
    Not,
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
    SelfRef,
    SourceDescriptionRef,
    StatusCode,
    StepOutputRef,
    Url,
    WorkflowInputRef,
    WorkflowOutputRef,
)
from arazzo_engine.expressions.parser import _flatten, _number, _pointer, _SemanticError

__all__ = ["ToAst"]


class ToAst(Transformer[Token, Any]):
    """Builds AST nodes while the LALR parser reduces (used as an inline transformer)."""

    # expressions
    def url(self, _: list[Any]) -> RuntimeExpression:
        return Url()

    def method(self, _: list[Any]) -> RuntimeExpression:
        return Method()

    def status_code(self, _: list[Any]) -> RuntimeExpression:
        return StatusCode()

    def request_header(self, c: list[Token]) -> RuntimeExpression:
        return RequestHeader(str(c[0]))

    def request_query(self, c: list[Token]) -> RuntimeExpression:
        return RequestQuery(str(c[0]))

    def request_path(self, c: list[Token]) -> RuntimeExpression:
        return RequestPath(str(c[0]))

    def request_body(self, c: list[Token | None]) -> RuntimeExpression:
        return RequestBody(_pointer(c[0]))

    def response_header(self, c: list[Token]) -> RuntimeExpression:
        return ResponseHeader(str(c[0]))

    def response_query(self, c: list[Token]) -> RuntimeExpression:
        return ResponseQuery(str(c[0]))

    def response_path(self, c: list[Token]) -> RuntimeExpression:
        return ResponsePath(str(c[0]))

    def response_body(self, c: list[Token | None]) -> RuntimeExpression:
        return ResponseBody(_pointer(c[0]))

    def input_ref(self, c: list[Token]) -> RuntimeExpression:
        return InputRef(str(c[0]), _pointer(c[1]))

    def output_ref(self, c: list[Token]) -> RuntimeExpression:
        return OutputRef(str(c[0]), _pointer(c[1]))

    def step_output_ref(self, c: list[Token]) -> RuntimeExpression:
        return StepOutputRef(str(c[0]), str(c[1]), _pointer(c[2]))

    def workflow_input_ref(self, c: list[Token]) -> RuntimeExpression:
        return WorkflowInputRef(str(c[0]), str(c[1]), _pointer(c[2]))

    def workflow_output_ref(self, c: list[Token]) -> RuntimeExpression:
        return WorkflowOutputRef(str(c[0]), str(c[1]), _pointer(c[2]))

    def source_description_ref(self, c: list[Token]) -> RuntimeExpression:
        return SourceDescriptionRef(str(c[0]), str(c[1]))

    def component_ref(self, c: list[Token]) -> RuntimeExpression:
        return ComponentRef(str(c[0])[:-1], str(c[1]))

    # Arazzo 1.1 only
    def self_ref(self, _: list[Any]) -> RuntimeExpression:
        return SelfRef()

    def message_header(self, c: list[Token]) -> RuntimeExpression:
        return MessageHeader(str(c[0]))

    def message_payload(self, c: list[Token | None]) -> RuntimeExpression:
        return MessagePayload(_pointer(c[0]))

    # condition operands
    def index(self, c: list[Token]) -> Index:
        try:
            return Index(int(c[0]))
        except ValueError:
            raise _SemanticError(c[0].start_pos or 0, "this index is too large") from None

    def member(self, c: list[Token]) -> Member:
        return Member(str(c[0]))

    def operand(self, c: list[Any]) -> Access:
        return Access(c[0], tuple(c[1:]))

    def true(self, _: list[Any]) -> Literal:
        return Literal(True)

    def false(self, _: list[Any]) -> Literal:
        return Literal(False)

    def null(self, _: list[Any]) -> Literal:
        return Literal(None)

    def number(self, c: list[Token]) -> Literal:
        return Literal(_number(str(c[0])))

    def sq_string(self, c: list[Token]) -> Literal:
        return Literal(str(c[0])[1:-1].replace("''", "'"))

    def dq_string(self, c: list[Token]) -> Literal:
        token = c[0]
        try:
            value = json.loads(str(token), strict=False)
        except json.JSONDecodeError as exc:
            raise _SemanticError(
                (token.start_pos or 0) + exc.pos,
                "invalid escape in a double-quoted string (JSON escapes only: "
                '\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u plus four hex digits)',
            ) from None
        return Literal(cast(str, value))

    # conditions
    def comparison(self, c: list[Any]) -> Compare:
        return Compare(cast(CompareOp, str(c[1]).strip()), c[0], c[2])

    def negation(self, c: list[Any]) -> Not:
        return Not(c[0])

    def and_test(self, c: list[Any]) -> And:
        return And(_flatten(And, c))

    def or_test(self, c: list[Any]) -> Or:
        return Or(_flatten(Or, c))
