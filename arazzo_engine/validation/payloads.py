"""Request bodies written as JSON text with ``{$...}`` placeholders.

Rule ids:

``payload-json``          (error) a JSON payload text that is not JSON once each
                          placeholder stands for a value
``template-quoted-json``  (warning) ``"{$inputs.x}"`` where input ``x`` is an object or
                          array: the quotes make it a string holding JSON text
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from arazzo_engine.errors import ExpressionSyntaxError, LimitError
from arazzo_engine.expressions import parse_expression
from arazzo_engine.expressions.ast import InputRef
from arazzo_engine.limits import load_json
from arazzo_engine.model import ArazzoDocument
from arazzo_engine.validation.common import Findings, input_property
from arazzo_engine.validation.symbols import Symbols

__all__ = ["check_payloads"]

# No '{' inside a placeholder: otherwise a run of '{$' is rescanned from each one
# (quadratic time on a hostile payload).
PLACEHOLDER = re.compile(r"\{\$[^{}]*\}")
QUOTED = re.compile(r"\"\{(\$[^{}]*)\}\"")
STRUCTURED = ("object", "array")


def is_json_text(text: str, content_type: str | None) -> bool:
    """Whether a string payload is meant as JSON text."""
    if not text.lstrip().startswith(("{", "[")) or PLACEHOLDER.fullmatch(text.strip()):
        return False
    if content_type is None:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def json_kind(schema: Any) -> str | None:
    """'object' or 'array' when a schema only admits that kind of value."""
    if not isinstance(schema, Mapping):
        return None
    declared = schema.get("type")
    if isinstance(declared, str):
        return declared if declared in STRUCTURED else None
    for key in ("oneOf", "anyOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            kinds = {json_kind(option) for option in options}
            if len(kinds) == 1:
                return kinds.pop()
    return None


def _json_problem(text: str) -> tuple[str, int, int] | None:
    """Why JSON text does not load (within the limits), and where; None when it does."""
    try:
        load_json(text)
    except LimitError as error:
        return error.reason, error.line, error.column
    except json.JSONDecodeError as error:
        return f"does not parse: {error.msg}", error.lineno, error.colno
    return None


def check_payloads(findings: Findings, document: ArazzoDocument, symbols: Symbols) -> None:
    for workflow in document.workflows:
        own = symbols.workflows.get(workflow.pointer)
        for step in workflow.steps:
            body = step.request_body
            if body is None or not isinstance(body.payload, str):
                continue
            text = body.payload
            if not is_json_text(text, body.content_type):
                continue
            pointer = f"{body.pointer}/payload"
            problem = _json_problem(PLACEHOLDER.sub("0", text))
            if problem is not None:
                reason, line, column = problem
                message = (
                    f"the payload of step '{step.step_id}' is JSON text but {reason} "
                    f"at line {line}, column {column} of the payload "
                    "(each {$...} placeholder read as a value)"
                )
                place = _in_block(findings, pointer, text, line, column) if line else None
                if place is None:
                    findings.error("payload-json", message, pointer)
                else:
                    findings.add_at("error", "payload-json", message, pointer, *place)
            schema = symbols.inputs_schema(own) if own is not None else None
            if schema is None:
                continue
            for match in QUOTED.finditer(text):
                try:
                    expression = parse_expression(match.group(1))
                except ExpressionSyntaxError:
                    continue
                if not isinstance(expression, InputRef) or expression.pointer is not None:
                    continue
                kind = json_kind(input_property(schema, symbols.refs, expression.name))
                if kind is None:
                    continue
                findings.warning(
                    "template-quoted-json",
                    f"'{match.group(0)}' puts input '{expression.name}', {_article(kind)}, "
                    "inside a JSON string: the body gets its JSON text as a string; drop the "
                    f"quotes ({{{match.group(1)}}}) to embed the {kind} itself",
                    pointer,
                )


def _in_block(
    findings: Findings, pointer: str, text: str, line: int, column: int
) -> tuple[int, int] | None:
    """The file line and column of a place in a literal block scalar (``payload: |``)."""
    key_line = findings.raw.locate(pointer).line
    lines = findings.text_lines()
    if not key_line or key_line > len(lines):
        return None
    if not lines[key_line - 1].rstrip().endswith(("|", "|-", "|+")):
        return None
    target = key_line + line
    if target > len(lines):
        return None
    body = text.splitlines()
    written = lines[target - 1]
    expected = body[line - 1] if line <= len(body) else ""
    if not written.endswith(expected):
        return None
    indent = len(written) - len(expected)
    return target, indent + column


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
