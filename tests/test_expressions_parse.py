"""Parsing runtime expressions, templates and values; error messages."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions import (
    parse_condition,
    parse_expression,
    parse_template,
    parse_value,
    referenced_steps,
    unparse,
    walk_expressions,
)
from arazzo_engine.expressions import parser as parser_module
from arazzo_engine.expressions.ast import (
    Access,
    ArrayValue,
    ComponentRef,
    Constant,
    Index,
    InputRef,
    Member,
    Method,
    ObjectValue,
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

# Digest 3.2: every expression of the examples table, with the tree it parses to.
EXAMPLES_TABLE = [
    ("$method", Method()),
    ("$request.header.accept", RequestHeader("accept")),
    ("$request.path.id", RequestPath("id")),
    ("$request.body#/user/uuid", RequestBody(("user", "uuid"))),
    ("$url", Url()),
    ("$response.body#/status", ResponseBody(("status",))),
    ("$response.header.Server", ResponseHeader("Server")),
    ("$inputs.username", InputRef("username")),
    ("$workflows.foo.inputs.username", WorkflowInputRef("foo", "username")),
    ("$steps.someStepId.outputs.pets", StepOutputRef("someStepId", "pets")),
    ("$steps.someStepId.outputs.pets#/0/id", StepOutputRef("someStepId", "pets", ("0", "id"))),
    ("$outputs.bar", OutputRef("bar")),
    ("$workflows.foo.outputs.bar", WorkflowOutputRef("foo", "bar")),
    (
        "$workflows.foo.outputs.mappedResponse#/name",
        WorkflowOutputRef("foo", "mappedResponse", ("name",)),
    ),
    ("$components.parameters.foo", ComponentRef("parameters", "foo")),
]

OTHER_FORMS = [
    ("$statusCode", StatusCode()),
    ("$request.query.limit", RequestQuery("limit")),
    ("$response.query.limit", ResponseQuery("limit")),
    ("$response.path.id", ResponsePath("id")),
    ("$request.body", RequestBody(None)),
    ("$response.body", ResponseBody(None)),
    ("$response.body#", ResponseBody(())),
    ("$response.body#/", ResponseBody(("",))),
    ("$response.body#/a~1b/c~0d/~01", ResponseBody(("a/b", "c~d", "~1"))),
    ("$inputs.customer#/firstName", InputRef("customer", ("firstName",))),
    ("$inputs.customer.firstName", InputRef("customer.firstName")),
    ("$outputs.x#/0", OutputRef("x", ("0",))),
    ("$workflows.w-1.inputs.a#/b", WorkflowInputRef("w-1", "a", ("b",))),
    ("$sourceDescriptions.petStore.url", SourceDescriptionRef("petStore", "url")),
    ("$sourceDescriptions.pets_v2.getPetById", SourceDescriptionRef("pets_v2", "getPetById")),
    ("$components.successActions.done", ComponentRef("successActions", "done")),
    ("$components.failureActions.retry", ComponentRef("failureActions", "retry")),
    ("$components.inputs.pagination", ComponentRef("inputs", "pagination")),
    ("$request.header.X-Rate-Limit", RequestHeader("X-Rate-Limit")),
    ("$response.header.x_$%*+.^`~", ResponseHeader("x_$%*+.^`~")),
    ("$steps.get_pet-2.outputs.a.b", StepOutputRef("get_pet-2", "a.b")),
    ("$inputs.név/ü:x", InputRef("név/ü:x")),
]


@pytest.mark.parametrize(("text", "tree"), EXAMPLES_TABLE + OTHER_FORMS)
def test_expression_forms_parse_to_their_tree(text: str, tree: object) -> None:
    assert parse_expression(text) == tree


@pytest.mark.parametrize(("text", "tree"), EXAMPLES_TABLE + OTHER_FORMS)
def test_unparse_gives_back_the_text(text: str, tree: object) -> None:
    assert unparse(parse_expression(text)) == text


def test_same_text_returns_an_equal_tree() -> None:
    assert parse_expression("$inputs.a") == parse_expression("$inputs.a")
    assert parse_expression("$inputs.a") != parse_expression("$outputs.a")
    assert parse_expression("$response.body") != parse_expression("$response.body#")


def test_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_expression(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_condition(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_template(b"x")  # type: ignore[arg-type]


def test_parser_is_a_shared_lalr_singleton() -> None:
    first = parser_module._get_parser()
    assert first is parser_module._get_parser()
    assert first.options.parser == "lalr"


def test_grammar_file_is_found() -> None:
    text = parser_module._grammar_text()
    assert "?condition" in text and "POINTER" in text


def test_missing_grammar_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parser_module, "GRAMMAR_NAME", "no-such-grammar.lark")
    with pytest.raises(FileNotFoundError, match=r"cannot find its expression grammar.*reinstall"):
        parser_module._grammar_text()


# --------------------------------------------------------------- errors


def _error(text: str, parse: Callable[[str], object] = parse_expression) -> ExpressionSyntaxError:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse(text)
    return info.value


EXPRESSION_ERRORS = [
    ("", 1, "the expression is empty"),
    ("$foo.bar", 1, "unknown expression root '$foo'"),
    ("$Inputs.x", 1, "did you mean '$inputs'?"),
    ("$", 1, "'$' must start a runtime expression"),
    ("inputs.x", 1, "must start with '$'"),
    ("{$inputs.x}", 1, "without braces"),
    ("$inputs", 8, "'$inputs' must be followed by '.'"),
    ("$inputs.", 9, "expected a name after '$inputs.'"),
    ("$inputs..x", 9, "a name cannot start with '.'"),
    ("$inputs.x.", 10, "a name cannot end with '.'"),
    ("$steps.", 8, "expected a step id"),
    ("$steps.pets.petId", 12, "a step reference must be $steps.<stepId>.outputs.<name>"),
    ("$steps.pets", 12, "a step reference must be $steps.<stepId>.outputs.<name>"),
    ("$steps.a:b.outputs.x", 9, "a step id may contain only letters, digits"),
    ("$workflows.w.results.x", 13, "a workflow reference must be"),
    ("$sourceDescriptions.src", 24, "$sourceDescriptions.<name>.<field>"),
    ("$request.cookie.x", 10, "expected header.<name>, query.<name>, path.<name> or body"),
    ("$response.status", 11, "after '$response.' expected header.<name>, query.<name>, path"),
    ("$request.header.", 17, "expected a header name"),
    ("$request.header.a@b", 18, "'@' cannot appear in a header name"),
    ("$components.schemas.x", 13, "unknown component type 'schemas'"),
    ("$response.body#status", 16, "a JSON pointer must start with '/'"),
    ("$response.body#/a~2", 18, "'~' must be followed by '0' or '1'"),
    ("$request.query.a#/x", 17, "a JSON pointer ('#/...') may only follow body"),
    ("$response.body/items", 15, "a JSON pointer must follow '#'"),
    ("$response.body.items", 15, "use a JSON pointer, e.g. '$response.body#/name'"),
    ("$inputs.list[0]", 13, "only allowed in conditions"),
    ("$inputs.a b", 10, "cannot contain whitespace"),
    ("$response.body #/a", 15, "cannot contain whitespace"),
    ("$statusCode==200", 12, "unexpected '='"),
]


@pytest.mark.parametrize(("text", "column", "reason"), EXPRESSION_ERRORS)
def test_expression_errors_are_explained(text: str, column: int, reason: str) -> None:
    error = _error(text)
    assert reason in error.reason
    assert error.column == column
    assert error.text == text


def test_error_message_shows_text_and_caret_under_the_column() -> None:
    error = _error("$steps.pets.petId")
    lines = str(error).splitlines()
    assert lines[0].endswith("at column 12")
    assert lines[1] == "    $steps.pets.petId"
    assert lines[2] == "    " + " " * 11 + "^"
    assert lines[1][lines[2].index("^")] == "."


# ------------------------------------------------------------ templates


def test_template_with_one_expression() -> None:
    assert parse_template("Bearer {$inputs.token}") == Template(("Bearer ", InputRef("token")))


def test_template_in_a_path() -> None:
    template = parse_template("/pets/{$steps.a.outputs.id}/x")
    assert template == Template(("/pets/", StepOutputRef("a", "id"), "/x"))


def test_template_without_expressions_is_one_literal() -> None:
    assert parse_template("plain {text} and }{") == Template(("plain {text} and }{",))
    assert parse_template("") == Template(())


def test_template_brace_not_followed_by_dollar_is_text() -> None:
    assert parse_template("{{$inputs.a}}") == Template(("{", InputRef("a"), "}"))
    assert parse_template("{ $inputs.a}") == Template(("{ $inputs.a}",))


def test_template_adjacent_expressions() -> None:
    assert parse_template("{$inputs.a}{$inputs.b#/c}") == Template(
        (InputRef("a"), InputRef("b", ("c",)))
    )


@pytest.mark.parametrize(
    "text", ["Bearer {$inputs.token}", "a{$url}b{$response.body#/x~1y}c", "{x}{$method}}"]
)
def test_template_unparse_round_trip(text: str) -> None:
    assert unparse(parse_template(text)) == text


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        ("Bearer {$inputs.token", 8, "this '{$' has no closing '}'"),
        ("id={$foo.x}", 5, "unknown expression root '$foo'"),
        ("/pets/{$steps.a.id}", 16, "a step reference must be"),
        ("x {$inputs.a b}", 13, "cannot contain whitespace"),
        ("{$}", 2, "'$' must start a runtime expression"),
    ],
)
def test_template_errors_point_into_the_whole_text(text: str, column: int, reason: str) -> None:
    error = _error(text, parse_template)
    assert error.text == text
    assert error.column == column
    assert reason in error.reason


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("value", [1, 2.5, True, False, None])
def test_value_non_string_scalar_is_a_constant(value: object) -> None:
    node = parse_value(value)
    assert node == Constant(value)


def test_value_whole_expression_is_the_expression() -> None:
    assert parse_value("$inputs.x") == InputRef("x")


def test_value_braced_expression_is_the_expression() -> None:
    assert parse_value("{$steps.s.outputs.list}") == StepOutputRef("s", "list")


def test_value_embedded_expression_is_a_template() -> None:
    assert parse_value("id-{$inputs.x}") == Template(("id-", InputRef("x")))
    assert parse_value("{$inputs.a}{$inputs.b}") == Template((InputRef("a"), InputRef("b")))


@pytest.mark.parametrize("text", ["$100", "'available'", "$5.00 each", "$ref", "", "plain"])
def test_value_other_strings_are_constants(text: str) -> None:
    assert parse_value(text) == Constant(text)


@pytest.mark.parametrize(
    ("text", "column"),
    [("$inputs", 8), ("$steps.a.b", 9), ("$inputs.x y", 10), ("$statusCode!", 12)],
)
def test_value_broken_expression_with_known_root_raises(text: str, column: int) -> None:
    assert _error(text, parse_value).column == column


def test_value_broken_braced_expression_points_into_the_string() -> None:
    error = _error("{$steps.a.b}", parse_value)
    assert error.column == 10
    assert error.text == "{$steps.a.b}"


def test_value_structures_are_walked() -> None:
    node = parse_value({"a": "$inputs.x", "b": [1, "{$inputs.y}"], "c": "$inputs"[:2]})
    assert node == ObjectValue(
        (
            ("a", InputRef("x")),
            ("b", ArrayValue((Constant(1), InputRef("y")))),
            ("c", Constant("$i")),
        )
    )


def test_value_structure_without_expressions_is_one_constant() -> None:
    payload = {"a": [1, {"b": "text"}], "$inputs.x": 2}
    node = parse_value(payload)
    assert isinstance(node, Constant)
    assert node.value is payload


def test_value_constants_distinguish_types() -> None:
    assert parse_value(True) != parse_value(1)
    assert parse_value(1) != parse_value(1.0)


# ------------------------------------------------------------ traversal


def test_walk_expressions_finds_every_expression() -> None:
    cond = parse_condition("$steps.a.outputs.x == 1 && !($inputs.list[0].id > $outputs.y)")
    assert list(walk_expressions(cond)) == [
        StepOutputRef("a", "x"),
        InputRef("list"),
        OutputRef("y"),
    ]
    value = parse_value({"k": ["{$steps.b.outputs.z}", "x {$url} {$method}"]})
    assert list(walk_expressions(value)) == [StepOutputRef("b", "z"), Url(), Method()]
    assert list(walk_expressions(parse_value(3))) == []


def test_referenced_steps() -> None:
    cond = parse_condition(
        "$steps.a.outputs.x == $steps.b-2.outputs.y || $steps.a.outputs.z[0].w == 1"
    )
    assert referenced_steps(cond) == frozenset({"a", "b-2"})
    assert referenced_steps(parse_template("/x/{$steps.c.outputs.id}")) == frozenset({"c"})
    assert referenced_steps(parse_expression("$inputs.a")) == frozenset()


def test_access_tree_for_accessors() -> None:
    assert parse_condition("$response.body.items[2].name") == Access(
        ResponseBody(None), (Member("items"), Index(2), Member("name"))
    )
