"""Property tests: parsers only ever raise ExpressionSyntaxError; unparse round-trips."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions import (
    evaluate,
    evaluate_condition,
    parse_condition,
    parse_expression,
    parse_template,
    parse_value,
    unparse,
)
from arazzo_engine.expressions.ast import (
    Access,
    And,
    Compare,
    ComponentRef,
    Expression,
    Index,
    InputRef,
    Literal,
    Member,
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
    ResponsePath,
    ResponseQuery,
    SourceDescriptionRef,
    StatusCode,
    StepOutputRef,
    Template,
    Url,
    WorkflowInputRef,
    WorkflowOutputRef,
)
from tests.expression_context import DictContext

FUZZ = settings(max_examples=300, deadline=None)
PARSERS: list[Callable[[str], Any]] = [
    parse_expression,
    parse_condition,
    parse_template,
    parse_value,
]


def check_parse(parse: Callable[[str], Any], text: str) -> Any:
    """Parse; a failure must be an ExpressionSyntaxError with a column inside the text."""
    try:
        return parse(text)
    except ExpressionSyntaxError as exc:
        assert exc.text == text
        assert 1 <= exc.column <= len(text) + 1, (exc.column, text)
        assert exc.reason
        return None


# ------------------------------------------------------- arbitrary text


@FUZZ
@given(st.text())
def test_arbitrary_text_raises_only_syntax_errors(text: str) -> None:
    for parse in PARSERS:
        check_parse(parse, text)


FRAGMENTS = [
    "$url", "$method", "$statusCode", "$request.", "$response.", "$inputs.", "$outputs.",
    "$steps.", "$workflows.", "$sourceDescriptions.", "$components.", "$", "$foo",
    "header.", "query.", "path.", "body", ".outputs.", ".inputs.", "parameters.",
    "successActions.", "x", "Id-2", "a.b", ".", "#", "#/", "/", "~0", "~1", "~", "~2",
    "[", "]", "[0]", "0", "12", "-3.5e2", "007", "==", "!=", "<", "<=", ">", ">=", "=",
    "!", "&&", "||", "&", "|", "(", ")", " ", "\t", "\n", "'", "''", "'it''s'", '"',
    '"a\\"b"', "\\", "\\q", "true", "false", "null", "True", "and", "{", "}", "{$", "é",
    "`", ",", "-", "e",
]  # fmt: skip

fragment_text = st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join)


@FUZZ
@given(fragment_text)
def test_fragment_text_parses_or_raises_a_syntax_error(text: str) -> None:
    tree = check_parse(parse_condition, text)
    if tree is not None:
        assert parse_condition(unparse(tree)) == tree
        assert isinstance(evaluate_condition(tree, DictContext()), bool)
    tree = check_parse(parse_expression, text)
    if tree is not None:
        assert parse_expression(unparse(tree)) == tree
    tree = check_parse(parse_template, text)
    if tree is not None:
        assert parse_template(unparse(tree)) == tree
        assert isinstance(evaluate(tree, DictContext()), str)
    check_parse(parse_value, text)


# --------------------------------------------------------- generated trees

STOP = set("{}()[]<>=!&|'\"")
any_char = st.characters(exclude_categories=("Cs",))
name_char = st.one_of(st.sampled_from("aZ09_-$/~:,;@*+%^`?"), any_char).filter(
    lambda c: c not in STOP and c not in "#." and not c.isspace()
)
pointer_char = st.one_of(st.sampled_from("a0/~.#$:"), any_char).filter(
    lambda c: c not in STOP and not c.isspace()
)
literal_char = st.one_of(st.sampled_from("'\"\\ $#/~.()&|!=<>\n"), any_char)
segment = st.text(name_char, min_size=1, max_size=5)
names = st.lists(segment, min_size=1, max_size=3).map(".".join)
ids = st.from_regex(r"[A-Za-z0-9_\-]{1,8}", fullmatch=True)
headers = st.from_regex(r"[A-Za-z0-9$%*+\-.^_`~]{1,10}", fullmatch=True)
pointers = st.none() | st.lists(st.text(pointer_char, max_size=4), max_size=3).map(tuple)
kinds = st.sampled_from(["parameters", "successActions", "failureActions", "inputs"])

closed_expressions = st.one_of(
    st.just(Url()),
    st.just(Method()),
    st.just(StatusCode()),
    st.just(RequestBody(None)),
    st.just(ResponseBody(None)),
)
expressions: st.SearchStrategy[Expression] = st.one_of(
    closed_expressions,
    st.builds(RequestHeader, headers),
    st.builds(RequestQuery, names),
    st.builds(RequestPath, names),
    st.builds(RequestBody, pointers),
    st.builds(ResponseHeader, headers),
    st.builds(ResponseBody, pointers),
    st.builds(ResponseQuery, names),
    st.builds(ResponsePath, names),
    st.builds(InputRef, names, pointers),
    st.builds(OutputRef, names, pointers),
    st.builds(StepOutputRef, ids, names, pointers),
    st.builds(WorkflowInputRef, ids, names, pointers),
    st.builds(WorkflowOutputRef, ids, names, pointers),
    st.builds(SourceDescriptionRef, ids, names),
    st.builds(ComponentRef, kinds, names),
)

accessor = st.one_of(st.integers(0, 10**6).map(Index), segment.map(Member))


@st.composite
def accesses(draw: st.DrawFn) -> Access:
    rest = draw(st.lists(accessor, max_size=3))
    # A leading '.member' would be read as part of a name or pointer, so it only
    # follows expressions that end with a fixed word.
    if draw(st.booleans()):
        return Access(draw(closed_expressions), (draw(segment.map(Member)), *rest))
    return Access(draw(expressions), (Index(draw(st.integers(0, 99))), *rest))


literals = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False),
    st.text(literal_char, max_size=8),
).map(Literal)
comparables = st.one_of(literals, expressions, accesses())
ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
comparisons = st.builds(Compare, ops, comparables, comparables)


def _flat(kind: type[And] | type[Or], items: list[Any]) -> Any:
    out: list[Any] = []
    for item in items:
        out.extend(item.operands if type(item) is kind else [item])
    return kind(tuple(out))


conditions = st.recursive(
    st.one_of(comparables, comparisons, comparables.map(Not)),
    lambda inner: st.one_of(
        inner.map(Not),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: _flat(And, xs)),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: _flat(Or, xs)),
    ),
    max_leaves=8,
)


@FUZZ
@given(expressions)
def test_expression_tree_round_trips(tree: Expression) -> None:
    assert parse_expression(unparse(tree)) == tree


@FUZZ
@given(conditions)
def test_condition_tree_round_trips(tree: Node) -> None:
    assert parse_condition(unparse(tree)) == tree


@st.composite
def templates(draw: st.DrawFn) -> Template:
    raw = draw(st.lists(st.one_of(st.text(max_size=6), expressions), max_size=5))
    parts: list[Any] = []
    for part in raw:
        if isinstance(part, str) and parts and isinstance(parts[-1], str):
            parts[-1] += part
        elif part != "":
            parts.append(part)
    # Literal text never holds '{$' (that would start an embedded expression).
    return Template(tuple(p.replace("{$", "{ $") if isinstance(p, str) else p for p in parts))


@FUZZ
@given(templates())
def test_template_tree_round_trips(tree: Template) -> None:
    assert parse_template(unparse(tree)) == tree


# Render a condition with random spacing, redundant parentheses and double quotes.


def _noisy(draw: st.DrawFn, node: Node, comparable_side: bool = False) -> str:
    def space() -> str:
        return draw(st.sampled_from(["", " ", "  ", "\n", "\t "]))

    if isinstance(node, Literal) and isinstance(node.value, str) and draw(st.booleans()):
        text = json.dumps(node.value, ensure_ascii=draw(st.booleans()))
    elif isinstance(node, (Literal, Expression, Access)):
        text = unparse(node)
    elif isinstance(node, Compare):
        left, right = _noisy(draw, node.left, True), _noisy(draw, node.right, True)
        text = f"{left}{space()}{node.op}{space()}{right}"
    elif isinstance(node, Not):
        inner = node.operand
        if isinstance(inner, (Literal, Expression, Access)) and draw(st.booleans()):
            text = f"!{space()}{_noisy(draw, inner, True)}"
        else:
            text = f"!{space()}({space()}{_noisy(draw, inner)}{space()})"
    else:
        assert isinstance(node, (And, Or))
        joiner = "&&" if isinstance(node, And) else "||"
        pieces = []
        for operand in node.operands:
            piece = _noisy(draw, operand)
            if isinstance(node, And) and isinstance(operand, Or):
                piece = f"({space()}{piece}{space()})"
            pieces.append(piece)
        text = "".join(
            piece if i == 0 else f"{space()}{joiner}{space()}{piece}"
            for i, piece in enumerate(pieces)
        )
    if not comparable_side and draw(st.integers(0, 4)) == 0:
        text = f"({space()}{text}{space()})"
    return text


@st.composite
def noisy_conditions(draw: st.DrawFn) -> tuple[Node, str]:
    tree = draw(conditions)
    return tree, draw(st.sampled_from(["", " ", "\n"])) + _noisy(draw, tree)


@FUZZ
@given(noisy_conditions())
def test_noisy_condition_text_parses_to_the_tree(case: tuple[Node, str]) -> None:
    tree, text = case
    assert parse_condition(text) == tree


# -------------------------------------------------------------- evaluation

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=10,
)


@FUZZ
@given(conditions, st.dictionaries(names, json_values, max_size=4), json_values)
def test_conditions_evaluate_to_a_bool_on_any_data(
    tree: Node, inputs: dict[str, Any], body: Any
) -> None:
    ctx = DictContext(status_code=200, input_values=inputs, response_payload=body)
    assert isinstance(evaluate_condition(tree, ctx), bool)  # type: ignore[arg-type]


@FUZZ
@given(json_values)
def test_values_parse_and_evaluate_without_surprises(value: Any) -> None:
    try:
        node = parse_value(value)
    except ExpressionSyntaxError:
        return
    evaluate(node, DictContext(input_values={"a": value}))
