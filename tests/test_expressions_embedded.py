"""``{$expr}`` embedded in Arazzo 1.1 regex, JSONPath and XPath conditions (split_embedded)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions import evaluate, split_embedded
from arazzo_engine.expressions.ast import InputRef, MessagePayload, StepOutputRef, Template
from tests.expression_context import DictContext

SPLITS: list[tuple[str, tuple[Any, ...]]] = [
    # the spec's two examples
    ("^({$inputs.statusPattern})$", ("^(", InputRef("statusPattern"), ")$")),
    (
        '$[?(@.status == "{$inputs.expectedStatus}")]',
        ('$[?(@.status == "', InputRef("expectedStatus"), '")]'),
    ),
    # only '{$' opens one: a regex keeps its quantifiers, XPath its maps
    (r"^2\d{2}$", (r"^2\d{2}$",)),
    (r"^[a-z]{2,}-{$inputs.suffix}$", (r"^[a-z]{2,}-", InputRef("suffix"), "$")),
    ("map{'a': 1}?a = 1", ("map{'a': 1}?a = 1",)),
    # a backslash-escaped brace is literal; an escaped backslash is not an escape
    (r"^\{$", (r"^\{$",)),
    (r"\{$inputs.x}", (r"\{$inputs.x}",)),
    (r"\\{$inputs.x}", ("\\\\", InputRef("x"))),
    (r"\\\{$inputs.x}", (r"\\\{$inputs.x}",)),
    # several, adjacent, 1.1 forms, pointers
    ("{$inputs.a}{$inputs.b}", (InputRef("a"), InputRef("b"))),
    (
        "//order[id='{$message.payload#/id}' and total > {$steps.s.outputs.min.value}]",
        (
            "//order[id='",
            MessagePayload(("id",)),
            "' and total > ",
            StepOutputRef("s", "min.value"),
            "]",
        ),
    ),
    ("", ()),
    ("$.items[*]", ("$.items[*]",)),
]


@pytest.mark.parametrize(("condition", "parts"), SPLITS, ids=[s[0] or "empty" for s in SPLITS])
def test_split(condition: str, parts: tuple[Any, ...]) -> None:
    assert split_embedded(condition) == Template(parts)


# (condition, 1-based column, reason)
ERRORS = [
    (
        "^{$inputs.x$",
        2,
        "this '{$' has no closing '}' to end the embedded expression "
        "(write '\\{' for a literal brace)",
    ),
    (
        "x{$steps.s.x}",
        11,
        "'$steps.s.x': Arazzo 1.1 allows only $steps.<stepId>.outputs.<name>",
    ),
    (
        "[{$}]",
        3,
        "'$' must start a runtime expression: one of $url, $method, $statusCode, $request, "
        "$response, $inputs, $outputs, $steps, $workflows, $sourceDescriptions, $components, "
        "$message, $self",
    ),
    (
        "a{$inputs.a b}",
        12,
        "a runtime expression cannot contain whitespace",
    ),
]


@pytest.mark.parametrize(("condition", "column", "reason"), ERRORS)
def test_a_bad_embedded_expression_is_located_in_the_condition(
    condition: str, column: int, reason: str
) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        split_embedded(condition)
    assert (info.value.text, info.value.column, info.value.reason) == (condition, column, reason)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2\\d\\d", "^(2\\d\\d)$"),  # a string goes in as it is (not escaped)
        (200, "^(200)$"),
        (2.5, "^(2.5)$"),
        (True, "^(true)$"),
        (None, "^(null)$"),
        ({"a": [1, "é"]}, '^({"a":[1,"é"]})$'),  # structures as JSON (RFC 8259)
    ],
)
def test_evaluating_substitutes_by_the_1_1_conversion_rules(value: Any, text: str) -> None:
    condition = split_embedded("^({$inputs.pattern})$")
    substituted = evaluate(condition, DictContext(input_values={"pattern": value}))
    assert substituted == text
    re.compile(substituted)


def test_only_text_is_split() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        split_embedded(b"^x$")  # type: ignore[arg-type]
