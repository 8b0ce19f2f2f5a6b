"""Every parse error reason, word for word, whatever the grammar calls its terminals.

The reasons are built in :mod:`arazzo_engine.expressions.parse_errors`, which
recognises where the parser stopped from example texts, never from terminal
names: the same table must hold with every terminal of the grammar renamed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from lark import Lark

from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions import (
    parse_condition,
    parse_errors,
    parse_expression,
    parse_template,
    parse_value,
)
from arazzo_engine.expressions import parser as parser_module

ROOTS = (
    "$url, $method, $statusCode, $request, $response, $inputs, $outputs, $steps, $workflows, "
    "$sourceDescriptions, $components"
)
VALUES = "a runtime expression, a number, a 'string', true, false or null"
OPS = "'==', '!=', '<', '<=', '>', '>=', "

PARSERS: dict[str, Callable[[str], object]] = {
    "expression": parse_expression,
    "condition": parse_condition,
    "template": parse_template,
    "value": parse_value,
}

# (parse function, text, 1-based column, the whole reason)
REASONS = [
    ("expression", "", 1, "the expression is empty"),
    ("expression", "$", 1, f"'$' must start a runtime expression: one of {ROOTS}"),
    ("expression", "$foo.bar", 1, f"unknown expression root '$foo'; expected one of {ROOTS}"),
    ("expression", "$Inputs.x", 1, "unknown expression root '$Inputs'; did you mean '$inputs'?"),
    ("expression", "inputs.x", 1, f"a runtime expression must start with '$' ({ROOTS})"),
    (
        "expression",
        "{$inputs.x}",
        1,
        "write the expression without braces: '{...}' is only for embedding in text",
    ),
    ("expression", "$inputs", 8, "'$inputs' must be followed by '.' and a name"),
    ("expression", "$inputs.", 9, "expected a name after '$inputs.'"),
    ("expression", "$inputs..x", 9, "a name cannot start with '.'"),
    ("expression", "$inputs.x.", 10, "a name cannot end with '.'"),
    (
        "expression",
        "$steps.",
        8,
        "expected a step id (letters, digits, '_' and '-') after '$steps.'",
    ),
    ("expression", "$steps.pets", 12, "a step reference must be $steps.<stepId>.outputs.<name>"),
    (
        "expression",
        "$steps.pets.petId",
        12,
        "a step reference must be $steps.<stepId>.outputs.<name>",
    ),
    (
        "expression",
        "$steps.a:b.outputs.x",
        9,
        "a step id may contain only letters, digits, '_' and '-'",
    ),
    (
        "expression",
        "$workflows.",
        12,
        "expected a workflow id (letters, digits, '_' and '-') after '$workflows.'",
    ),
    (
        "expression",
        "$workflows.w",
        13,
        "a workflow reference must be $workflows.<workflowId>.inputs.<name> "
        "or $workflows.<workflowId>.outputs.<name>",
    ),
    (
        "expression",
        "$workflows.w:x",
        13,
        "a workflow id may contain only letters, digits, '_' and '-'",
    ),
    (
        "expression",
        "$sourceDescriptions.",
        21,
        "expected a source description name (letters, digits, '_' and '-') "
        "after '$sourceDescriptions.'",
    ),
    (
        "expression",
        "$sourceDescriptions.src",
        24,
        "a source description reference must be $sourceDescriptions.<name>.<field>",
    ),
    (
        "expression",
        "$sourceDescriptions.s:x",
        22,
        "a source description name may contain only letters, digits, '_' and '-'",
    ),
    (
        "expression",
        "$request.cookie.x",
        10,
        "after '$request.' expected header.<name>, query.<name>, path.<name> or body",
    ),
    (
        "expression",
        "$response.status",
        11,
        "after '$response.' expected header.<name>, query.<name>, path.<name> or body",
    ),
    ("expression", "$request.header.", 17, "expected a header name after '$request.header.'"),
    ("expression", "$request.header.a@b", 18, "'@' cannot appear in a header name"),
    (
        "expression",
        "$components.",
        13,
        "expected parameters, successActions, failureActions or inputs",
    ),
    (
        "expression",
        "$components.schemas.x",
        13,
        "unknown component type 'schemas'; "
        "expected parameters, successActions, failureActions or inputs",
    ),
    ("expression", "$components.$", 13, f"'$' must start a runtime expression: one of {ROOTS}"),
    ("expression", "$response.body#status", 16, "a JSON pointer must start with '/'"),
    (
        "expression",
        "$response.body#/a~2",
        18,
        "in a JSON pointer '~' must be followed by '0' or '1' (~0 is '~', ~1 is '/')",
    ),
    (
        "expression",
        "$request.query.a#/x",
        17,
        "a JSON pointer ('#/...') may only follow body or an inputs/outputs reference",
    ),
    (
        "expression",
        "$response.body/items",
        15,
        "a JSON pointer must follow '#': write '$response.body#/...'",
    ),
    (
        "expression",
        "$response.body.items",
        15,
        "to select part of the body use a JSON pointer, e.g. '$response.body#/name'",
    ),
    (
        "expression",
        "$inputs.list[0]",
        13,
        "accessors like [0] are only allowed in conditions; use a JSON pointer: '#/0'",
    ),
    ("expression", "$inputs.a b", 10, "a runtime expression cannot contain whitespace"),
    ("expression", "$response.body #/a", 15, "a runtime expression cannot contain whitespace"),
    ("expression", "$statusCode==200", 12, "unexpected '=' after the expression '$statusCode'"),
    ("expression", "$url$url", 5, "unexpected '$' in the expression"),
    ("expression", "$url\t", 5, "a runtime expression cannot contain whitespace"),
    ("condition", "", 1, "the condition is empty"),
    ("condition", "   ", 1, "the condition is empty"),
    (
        "condition",
        "$inputs.status == available",
        19,
        "strings in conditions use single quotes: write 'available'",
    ),
    ("condition", "$inputs.status == `a`", 19, "strings in conditions use single quotes: 'text'"),
    ("condition", "$statusCode = 200", 13, "'=' is not an operator; use '==' to compare"),
    ("condition", "$inputs.a & $inputs.b", 11, "use '&&' for a logical and"),
    ("condition", "$inputs.a | $inputs.b", 11, "use '||' for a logical or"),
    (
        "condition",
        "$inputs.a and $inputs.b",
        11,
        "use '&&' and '||' instead of the words 'and' and 'or'",
    ),
    (
        "condition",
        "not $inputs.a",
        1,
        "use '&&', '||' and '!' instead of the words 'and', 'or' and 'not'",
    ),
    (
        "condition",
        "$statusCode == 200 == true",
        20,
        "comparisons cannot be chained; combine them with '&&', e.g. a < b && b < c",
    ),
    ("condition", "($statusCode == 200", 1, "this '(' is never closed: a ')' is missing"),
    ("condition", "$statusCode == 200)", 19, "this ')' has no matching '('"),
    (
        "condition",
        "$inputs.a == 'open",
        14,
        "this string has no closing quote (write '' for a quote inside it)",
    ),
    (
        "condition",
        '$inputs.a == "open',
        14,
        'this string has no closing quote (write \\" for a quote inside it)',
    ),
    (
        "condition",
        '$inputs.a == "a\\qb"',
        16,
        "invalid escape in a double-quoted string "
        '(JSON escapes only: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u plus four hex digits)',
    ),
    (
        "condition",
        "{$statusCode == 401}",
        1,
        "a condition is written without braces: write $statusCode == 200, not {...}",
    ),
    ("condition", "$statusCode == 0200", 17, "numbers cannot have leading zeros"),
    ("condition", "$statusCode ==", 15, f"the condition ends too early: expected {VALUES}"),
    ("condition", "$statusCode == ) ", 16, f"expected a value before ')': {VALUES}"),
    ("condition", "$statusCode == -x", 16, "a number must be written like 12, -3, 0.5 or 1e6"),
    ("condition", "$inputs.list[x] == 1", 14, "an index must be a whole number, e.g. [0]"),
    ("condition", "$inputs.list[0 == 1", 15, "missing ']' after the index"),
    (
        "condition",
        "'a'[0] == 'a'",
        4,
        "'[n]' may only follow a runtime expression, e.g. $inputs.list[0]",
    ),
    ("condition", "True", 1, "write 'true' in lower case"),
    (
        "condition",
        "$statusCode == 200 $inputs.a",
        20,
        "expected '&&', '||' or the end of the condition, found '$'",
    ),
    ("condition", "$foo == 1", 1, f"unknown expression root '$foo'; expected one of {ROOTS}"),
    (
        "condition",
        "$steps.login.token == 'x'",
        13,
        "a step reference must be $steps.<stepId>.outputs.<name>",
    ),
    ("condition", "$response.body#status == 1", 16, "a JSON pointer must start with '/'"),
    (
        "condition",
        "$response.body#/a~ == 1",
        18,
        "in a JSON pointer '~' must be followed by '0' or '1' (~0 is '~', ~1 is '/')",
    ),
    ("condition", "$response.body #/a == 1", 15, "a runtime expression cannot contain whitespace"),
    ("condition", "$inputs.a. == 1", 11, "expected a member name after '.'"),
    ("condition", "  $foo", 3, f"unknown expression root '$foo'; expected one of {ROOTS}"),
    (
        "condition",
        "!!$inputs.flag",
        2,
        "'!' may only be followed by a value or a parenthesised condition",
    ),
    (
        "condition",
        "!$inputs.a == 1",
        12,
        "'!' cannot stand on one side of a comparison; write !(a == b)",
    ),
    (
        "condition",
        "($inputs.a) == 1",
        13,
        "a parenthesised group cannot be compared; compare values inside it",
    ),
    (
        "condition",
        "$inputs.a == ($inputs.b)",
        14,
        "a comparison takes plain values on both sides, not a parenthesised group",
    ),
    (
        "condition",
        "$url == {x}",
        9,
        "a condition is written without braces: write $statusCode == 200, not {...}",
    ),
    (
        "condition",
        "$url == !",
        9,
        "'!' may only be followed by a value or a parenthesised condition",
    ),
    ("condition", "$url == !=", 9, "expected a value before '!='"),
    ("condition", "$url == &&", 9, "expected a value before '&&'"),
    (
        "condition",
        "1 && (2 || 3 $url",
        14,
        f"expected {OPS}'&&', '||', ')' or the end of the condition, found '$'",
    ),
    (
        "condition",
        "(1 && 2) $url",
        10,
        "expected '&&', '||' or the end of the condition, found '$'",
    ),
    (
        "condition",
        "$url == 99999999999999999999999999[0]",
        35,
        "'[n]' may only follow a runtime expression, e.g. $inputs.list[0]",
    ),
    (
        "condition",
        "1 < 2 < 3",
        7,
        "comparisons cannot be chained; combine them with '&&', e.g. a < b && b < c",
    ),
    ("condition", "$inputs.x[0] = 1", 14, "'=' is not an operator; use '==' to compare"),
    ("condition", "$url #", 5, "a runtime expression cannot contain whitespace"),
    ("condition", "$url == .5", 9, "a number must be written like 12, -3, 0.5 or 1e6"),
    ("condition", "$url == #", 9, f"expected {VALUES}, found '#'"),
    ("condition", "$url}", 5, f"expected {OPS}'&&', '||' or the end of the condition, found '}}'"),
    (
        "condition",
        "{1}",
        1,
        "a condition is written without braces: write $statusCode == 200, not {...}",
    ),
    ("condition", "$url or 1", 6, "use '&&' and '||' instead of the words 'and' and 'or'"),
    ("condition", "$url == '1' )", 13, "this ')' has no matching '('"),
    (
        "condition",
        "$url == [0]",
        9,
        "'[n]' may only follow a runtime expression, e.g. $inputs.list[0]",
    ),
    ("condition", "$url ==\n", 8, f"the condition ends too early: expected {VALUES}"),
    ("condition", "$url == 1 && (", 15, f"the condition ends too early: expected {VALUES}"),
    ("condition", "$url.a.", 8, "expected a member name after '.'"),
    (
        "condition",
        "$url\t$url",
        6,
        f"expected {OPS}'&&', '||' or the end of the condition, found '$'",
    ),
    (
        "template",
        "Bearer {$inputs.token",
        8,
        "this '{$' has no closing '}' to end the embedded expression",
    ),
    ("template", "id={$foo.x}", 5, f"unknown expression root '$foo'; expected one of {ROOTS}"),
    (
        "template",
        "/pets/{$steps.a.id}",
        16,
        "a step reference must be $steps.<stepId>.outputs.<name>",
    ),
    ("template", "x {$inputs.a b}", 13, "a runtime expression cannot contain whitespace"),
    ("template", "{$}", 2, f"'$' must start a runtime expression: one of {ROOTS}"),
    ("value", "$inputs", 8, "'$inputs' must be followed by '.' and a name"),
    ("value", "$steps.a.b", 9, "a step reference must be $steps.<stepId>.outputs.<name>"),
    ("value", "$inputs.x y", 10, "a runtime expression cannot contain whitespace"),
    ("value", "$statusCode!", 12, "unexpected '!' after the expression '$statusCode'"),
    ("value", "{$steps.a.b}", 10, "a step reference must be $steps.<stepId>.outputs.<name>"),
]


def reason_of(mode: str, text: str) -> tuple[int, str]:
    with pytest.raises(ExpressionSyntaxError) as info:
        PARSERS[mode](text)
    assert info.value.text == text
    return info.value.column, info.value.reason


@pytest.mark.parametrize(("mode", "text", "column", "reason"), REASONS)
def test_reason_word_for_word(mode: str, text: str, column: int, reason: str) -> None:
    assert reason_of(mode, text) == (column, reason)


# ------------------------------------------------- independent of terminal names


def renamed(name: str) -> str:
    """``NAME`` -> ``RENAMED_NAME``, ``_DOT`` -> ``_RENAMED_DOT`` (filtering kept, order too)."""
    return "_RENAMED" + name if name.startswith("_") else "RENAMED_" + name


def grammar_with_renamed_terminals() -> str:
    names = sorted((t.name for t in parser_module._get_parser().terminals), key=len, reverse=True)
    word = re.compile(r"(?<![\w$])(?:" + "|".join(map(re.escape, names)) + r")(?!\w)")
    return word.sub(lambda found: renamed(found.group()), parser_module._grammar_text())


@pytest.fixture(scope="module")
def renamed_parser() -> Lark:
    parser = parser_module._new_parser(grammar_with_renamed_terminals())
    before = {t.name for t in parser_module._get_parser().terminals}
    after = {t.name for t in parser.terminals}
    assert after == {renamed(name) for name in before}
    return parser


@pytest.fixture
def parse_with_renamed_terminals(
    renamed_parser: Lark, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setattr(parser_module, "_parser", renamed_parser)
    yield
    assert parser_module._get_parser() is renamed_parser


@pytest.mark.usefixtures("parse_with_renamed_terminals")
@pytest.mark.parametrize(("mode", "text", "column", "reason"), REASONS)
def test_reason_is_the_same_with_terminals_renamed(
    mode: str, text: str, column: int, reason: str
) -> None:
    assert reason_of(mode, text) == (column, reason)


def test_every_place_is_recognised_by_its_own_terminals() -> None:
    landmarks = parse_errors._landmarks(parser_module._get_parser())
    assert sorted(landmarks.places.values(), key=lambda p: p.name) == sorted(
        parse_errors._Place, key=lambda p: p.name
    )
    assert len(landmarks.roots) == len(parse_errors.KNOWN_ROOTS)
    assert landmarks.roots < landmarks.operands
    assert landmarks.comparison not in landmarks.operands


def test_an_example_that_parses_is_a_loud_error() -> None:
    # A grammar where "$steps.<id>" alone is an expression: the example of the
    # place after a step id no longer stops there.
    rule = "| _STEPS ID _DOT_OUTPUTS NAME [POINTER]       -> step_output_ref"
    grammar = parser_module._grammar_text()
    assert rule in grammar
    parser = parser_module._new_parser(grammar.replace(rule, rule + "\n  | _STEPS ID -> step"))
    with pytest.raises(AssertionError, match=r"the example '\$steps\.a' parses"):
        parse_errors._landmarks(parser)
