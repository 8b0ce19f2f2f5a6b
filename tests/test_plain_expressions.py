"""expressions/plain.py reads the plainest texts exactly as the Lark parser does.

Every text it reads gives the very tree the grammar's parser builds from it;
every other text (an error, a dotted name, ``||``, a double-quoted string, ...)
is left to the parser.  The oracle is the parser itself (``_run``), so a change
of the grammar that this module does not follow fails here.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions import parse_condition, parse_expression, parse_value
from arazzo_engine.expressions.ast import Constant, Template
from arazzo_engine.expressions.parser import _run
from arazzo_engine.expressions.plain import plain_condition, plain_expression

names = st.one_of(
    st.text(alphabet="aZ09_-", min_size=1, max_size=4),
    st.text(alphabet="aZ09_-.~#é$ /", max_size=4),
)
pointers = st.one_of(
    st.just(""),
    st.lists(names, max_size=3).map(lambda parts: "#" + "".join("/" + p for p in parts)),
)
sides = st.sampled_from(["request", "response", "Response"])
expressions = st.one_of(
    st.sampled_from(["$url", "$method", "$statusCode", "$statusCodes", "$URL", "$"]),
    st.builds(
        lambda kind, name, pointer: f"${kind}.{name}{pointer}",
        st.sampled_from(["inputs", "outputs", "input"]),
        names,
        pointers,
    ),
    st.builds(lambda s, n, p: f"$steps.{s}.outputs.{n}{p}", names, names, pointers),
    st.builds(
        lambda w, side, n, p: f"$workflows.{w}.{side}.{n}{p}",
        names,
        st.sampled_from(["inputs", "outputs", "output"]),
        names,
        pointers,
    ),
    st.builds(lambda side, p: f"${side}.body{p}", sides, pointers),
    st.builds(
        lambda side, part, n: f"${side}.{part}.{n}",
        sides,
        st.sampled_from(["header", "query", "path", "cookie"]),
        names,
    ),
)
literals = st.one_of(
    st.sampled_from(["true", "false", "null", "True", "nul", "007", "-0", "1.5", "1e3", "-"]),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.text(alphabet="ab '&\\\n", max_size=4).map(lambda s: f"'{s}'"),
)
operands = st.one_of(expressions, expressions, literals)
spaces = st.sampled_from(["", " ", "  ", "\t"])
comparisons = st.builds(
    lambda left, s1, op, s2, right: f"{left}{s1}{op}{s2}{right}",
    operands,
    spaces,
    st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "=", "=>"]),
    spaces,
    operands,
)
joins = st.sampled_from([" && ", "&&", "  &&  ", " || ", " & "])
conditions = st.lists(comparisons, min_size=1, max_size=3).flatmap(
    lambda parts: st.lists(joins, min_size=len(parts) - 1, max_size=len(parts) - 1).map(
        lambda between: parts[0] + "".join(j + p for j, p in zip(between, parts[1:], strict=True))
    )
)


@settings(max_examples=1500, deadline=None)
@given(expressions)
def test_a_plain_expression_is_the_parsers_tree(text: str) -> None:
    found = plain_expression(text)
    if found is not None:
        assert found == _run(text, "expression")


@settings(max_examples=1500, deadline=None)
@given(st.one_of(conditions, comparisons))
def test_a_plain_condition_is_the_parsers_tree(text: str) -> None:
    found = plain_condition(text)
    if found is not None:
        assert found == _run(text, "condition")


PLAIN_EXPRESSIONS = [
    "$url",
    "$method",
    "$statusCode",
    "$inputs.petId",
    "$inputs.pet_id-2#/tags/0",
    "$outputs.token",
    "$steps.getPet.outputs.name",
    "$steps.get-pet.outputs.body#",
    "$workflows.adopt.inputs.petId",
    "$workflows.adopt.outputs.petName#/a/",
    "$request.body",
    "$response.body#/items/0/name",
    "$request.header.X-Request-Id",
    "$response.header.Location",
    "$request.query.page",
    "$request.path.petId",
    "$response.query.q",
    "$response.path.p",
]
PLAIN_CONDITIONS = [
    "$statusCode == 200",
    "$statusCode==201",
    "$response.body#/status != 'done'",
    "$inputs.count >= -3 && $inputs.count < 10",
    "$steps.a.outputs.ok == true && $response.body#/x == null && 1 > 0",
    "$inputs.name == ''",
]


@pytest.mark.parametrize("text", PLAIN_EXPRESSIONS)
def test_the_usual_expressions_are_read_without_the_parser(text: str) -> None:
    found = plain_expression(text)
    assert found is not None and found == _run(text, "expression")


@pytest.mark.parametrize("text", PLAIN_CONDITIONS)
def test_the_usual_conditions_are_read_without_the_parser(text: str) -> None:
    found = plain_condition(text)
    assert found is not None and found == _run(text, "condition")


@pytest.mark.parametrize(
    ("start", "text"),
    [
        ("expression", "$inputs.a.b"),  # a dotted name
        ("expression", "$inputs.a#/~1b"),  # an escaped pointer token
        ("expression", "$sourceDescriptions.pets.url"),
        ("expression", "$components.parameters.page"),
        ("expression", "$request.header.X.Trace"),  # a dotted header name
        ("condition", "$statusCode == 200 || $statusCode == 201"),
        ("condition", "!$inputs.dry"),
        ("condition", "($statusCode == 200)"),
        ("condition", '$inputs.a == "x"'),
        ("condition", "$inputs.a == 'it''s'"),
        ("condition", "$inputs.a == 'a && b'"),
        ("condition", "$inputs.a == 1.5"),
        ("condition", "$inputs.list[0] == 1"),
        ("condition", "$inputs.a\t== 1"),
        ("condition", "$inputs.a == 123456789012345678901234567890"),
    ],
)
def test_other_texts_go_to_the_parser(start: str, text: str) -> None:
    plain = plain_expression if start == "expression" else plain_condition
    assert plain(text) is None
    _run(text, start)  # and the parser reads them


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (parse_expression, "$inputs."),
        (parse_expression, "$steps.a.outputs"),
        (parse_expression, "$response.body#/a~2"),
        (parse_condition, "$statusCode == "),
        (parse_condition, "$statusCode = 200"),
        (parse_condition, "$statusCode == 200 &&"),
    ],
)
def test_errors_still_come_from_the_parser(parse: Any, text: str) -> None:
    assert (plain_expression(text) if parse is parse_expression else plain_condition(text)) is None
    with pytest.raises(ExpressionSyntaxError):
        parse(text)


def test_values_and_templates_read_plain_expressions_as_before() -> None:
    assert parse_value("$inputs.petId") == _run("$inputs.petId", "expression")
    pet = _run("$inputs.petId", "expression")
    assert parse_value("pets/{$inputs.petId}/photos") == Template(("pets/", pet, "/photos"))
    assert parse_value("{$inputs.petId}") == pet
    assert parse_value("$100") == Constant("$100")  # not an expression: a constant
