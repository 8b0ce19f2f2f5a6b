"""Success and action criteria: compiled once at load, judged per step.

``simple`` conditions use the engine's condition language; ``jsonpath`` and
``xpath`` are delegated to :mod:`arazzo_engine.criteria.jsonpath` and
:mod:`arazzo_engine.criteria.xpath`; ``regex`` applies ``search`` semantics
to the evaluated ``context`` (non-strings stringified: JSON text for objects
and arrays, ``true``/``false``/``null`` for the rest).
An evaluation problem makes the criterion fail with a reason; it never raises.

Criteria come from documents that may be hostile: JSONPath and XPath
conditions are limited to ``MAX_QUERY_LENGTH`` characters and XPath parses
at most ``MAX_XML_CONTEXT`` of XML (response bodies are capped by
``max_body_bytes`` before that).  Regular expressions: with the
``google-re2`` package installed they run on RE2 (linear time); otherwise on
Python's ``re`` with bounds: patterns up to ``MAX_REGEX_PATTERN`` characters
and subjects up to ``MAX_REGEX_SUBJECT`` characters (a longer subject fails the
criterion with that reason).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from arazzo_engine.criteria.jsonpath import CriterionSyntaxError, JsonPathCondition
from arazzo_engine.criteria.xpath import XPathCondition
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

MAX_REGEX_PATTERN = 2_000
MAX_REGEX_SUBJECT = 1_000_000
MAX_QUERY_LENGTH = 4_000
"""The longest JSONPath or XPath condition compiled."""
MAX_XML_CONTEXT = 10_000_000
"""The largest XML text (characters or bytes) an XPath criterion parses."""

try:  # RE2 guarantees linear-time matching when available.
    import re2 as _regex_engine  # type: ignore[import-not-found, unused-ignore]

    REGEX_ENGINE = "re2"
except ImportError:  # pragma: no cover - depends on the environment
    _regex_engine = re
    REGEX_ENGINE = "re"


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
    pattern: Any
    """The compiled regex, JsonPathCondition or XPathCondition."""
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
        if len(criterion.condition) > MAX_REGEX_PATTERN:
            raise CriterionCompileError(
                "condition",
                f"the regular expression is {len(criterion.condition)} characters long; "
                f"the limit is {MAX_REGEX_PATTERN}",
            )
        try:
            pattern = _regex_engine.compile(criterion.condition)
        except Exception as error:  # re.error, or re2's own error type
            raise CriterionCompileError(
                "condition", f"the regular expression does not compile: {error}"
            ) from None
        return CompiledCriterion(criterion, kind, None, pattern, context)
    if context is None:
        raise CriterionCompileError("context", f"a {kind} criterion needs a 'context'")
    if len(criterion.condition) > MAX_QUERY_LENGTH:
        raise CriterionCompileError(
            "condition",
            f"the {kind} condition is {len(criterion.condition)} characters long; "
            f"the limit is {MAX_QUERY_LENGTH}",
        )
    try:
        if kind == "jsonpath":
            query: Any = _jsonpath(criterion.condition, criterion.version)
        elif kind == "xpath":
            query = _xpath(criterion.condition, criterion.version)
        else:
            raise CriterionCompileError(
                "type",
                f"criterion type '{kind}' is not one of simple, regex, jsonpath, xpath",
            )
    except CriterionSyntaxError as error:
        raise CriterionCompileError("condition", str(error)) from None
    return CompiledCriterion(criterion, kind, None, query, context)


@lru_cache(maxsize=1024)
def _jsonpath(condition: str, version: str | None) -> JsonPathCondition:
    """Compiled once per text: documents repeat the same query on many steps."""
    return JsonPathCondition(condition, version)


@lru_cache(maxsize=1024)
def _xpath(condition: str, version: str | None) -> XPathCondition:
    return XPathCondition(condition, version)


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
        too_big = isinstance(value, (str, bytes)) and len(value) > MAX_XML_CONTEXT
        if compiled.kind == "xpath" and too_big:
            return False, f"the XML context is {len(value)} long; the limit is {MAX_XML_CONTEXT}"
        if compiled.kind != "regex":
            return bool(compiled.pattern.test(value)), None
        subject = stringify(value)
        if len(subject) > MAX_REGEX_SUBJECT:
            return False, (
                f"the regex subject is {len(subject)} characters long; the limit is "
                f"{MAX_REGEX_SUBJECT}"
            )
        return compiled.pattern.search(subject) is not None, None
    except Exception as error:  # a criterion never crashes a run; the reason is kept
        return False, f"evaluating the criterion failed: {error}"
