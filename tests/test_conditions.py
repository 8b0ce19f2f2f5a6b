"""The simple condition language: syntax, semantics and error messages (digest 4.1)."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions import evaluate, evaluate_condition, parse_condition, unparse
from arazzo_engine.expressions.ast import (
    Access,
    And,
    Compare,
    Index,
    InputRef,
    Literal,
    Member,
    Not,
    Or,
    ResponseBody,
    StatusCode,
)
from tests.expression_context import DictContext


def passes(text: str, /, **inputs: Any) -> bool:
    ctx = DictContext(status_code=200, input_values=inputs)
    return evaluate_condition(parse_condition(text), ctx)


def error(text: str) -> ExpressionSyntaxError:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse_condition(text)
    return info.value


# ------------------------------------------------------ the spec's examples


@pytest.mark.parametrize(
    ("text", "ctx", "expected"),
    [
        ("$statusCode == 200", DictContext(status_code=200), True),
        ("$statusCode == 200", DictContext(status_code=404), False),
        ("$statusCode == 200 || $statusCode == 201", DictContext(status_code=201), True),
        ("$response.body#/redirectAuthToken != null", DictContext(response_payload={}), False),
        (
            "$response.body#/redirectAuthToken != null",
            DictContext(response_payload={"redirectAuthToken": "t"}),
            True,
        ),
        (
            "$steps.checkLoanCanBeProvided.outputs.eligibilityCheckRequired == true",
            DictContext(steps={"checkLoanCanBeProvided": {"eligibilityCheckRequired": True}}),
            True,
        ),
    ],
)
def test_spec_examples(text: str, ctx: DictContext, expected: bool) -> None:
    assert evaluate_condition(parse_condition(text), ctx) is expected


# ------------------------------------------------------------- literals


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("false", False),
        ("null", None),
        ("0", 0),
        ("42", 42),
        ("-7", -7),
        ("3.25", 3.25),
        ("-0.5", -0.5),
        ("1e3", 1000.0),
        ("2.5E-2", 0.025),
        ("1e+2", 100.0),
    ],
)
def test_literals(text: str, value: Any) -> None:
    tree = parse_condition(f"$inputs.x == {text}")
    assert isinstance(tree, Compare)
    assert tree.right == Literal(value)


def test_true_and_one_are_different_literals() -> None:
    assert parse_condition("true") != parse_condition("1")
    assert parse_condition("1") != parse_condition("1.0")


def test_single_quoted_string() -> None:
    assert parse_condition("'available'") == Literal("available")


def test_doubled_single_quote_is_a_quote() -> None:
    assert parse_condition("'it''s'") == Literal("it's")
    assert parse_condition("''''") == Literal("'")
    assert parse_condition("''") == Literal("")


def test_double_quoted_string_with_json_escapes() -> None:
    assert parse_condition('"say \\"hi\\"\\n\\\\ \\u00e9"') == Literal('say "hi"\n\\ é')
    assert parse_condition('"it\'s"') == Literal("it's")


def test_double_and_single_quotes_compare_the_same() -> None:
    assert passes("$inputs.s == \"pending\" && $inputs.s == 'pending'", s="pending")


# ------------------------------------------------------------ structure


def test_precedence_or_below_and_below_comparison() -> None:
    tree = parse_condition("$inputs.a == 1 || $inputs.b == 2 && $inputs.c == 3")
    a, b, c = (Compare("==", InputRef(n), Literal(v)) for n, v in (("a", 1), ("b", 2), ("c", 3)))
    assert tree == Or((a, And((b, c))))
    assert passes("$inputs.a == 1 || $inputs.b == 2 && $inputs.c == 3", a=1, b=0, c=0)
    assert not passes("($inputs.a == 1 || $inputs.b == 2) && $inputs.c == 3", a=1, b=0, c=0)


def test_parentheses_group() -> None:
    tree = parse_condition("($inputs.a || $inputs.b) && $inputs.c")
    assert tree == And((Or((InputRef("a"), InputRef("b"))), InputRef("c")))


def test_nested_same_operator_is_flattened() -> None:
    flat = And((InputRef("a"), InputRef("b"), InputRef("c")))
    assert parse_condition("$inputs.a && ($inputs.b && $inputs.c)") == flat
    assert parse_condition("(($inputs.a && $inputs.b)) && $inputs.c") == flat


def test_whitespace_is_free_around_operators() -> None:
    compact = parse_condition("$statusCode==200&&!($inputs.a<1)||$inputs.b")
    spaced = parse_condition("  $statusCode  ==  200\n&&\t! ( $inputs.a < 1 )  ||  $inputs.b ")
    assert compact == spaced


def test_not_before_an_operand() -> None:
    assert parse_condition("!$inputs.flag") == Not(InputRef("flag"))
    assert passes("!$inputs.flag", flag=False)
    assert not passes("!$inputs.flag", flag=True)


def test_not_is_true_unless_exactly_true() -> None:
    for value in (None, 1, "true", [True], "x"):
        assert passes("!$inputs.v", v=value), value


def test_not_before_a_group() -> None:
    assert parse_condition("!($statusCode == 200)") == Not(
        Compare("==", StatusCode(), Literal(200))
    )
    assert not passes("!($statusCode == 200)")
    assert passes("!($statusCode == 201)")


def test_double_negation_needs_parentheses() -> None:
    assert passes("!(!$inputs.flag)", flag=True)
    assert "'!' may only be followed by" in error("!!$inputs.flag").reason


def test_not_cannot_be_one_side_of_a_comparison() -> None:
    err = error("!$inputs.a == true")
    assert err.column == 12
    assert "write !(a == b)" in err.reason


def test_index_accessor() -> None:
    tree = parse_condition("$inputs.list[1] == 'b'")
    assert isinstance(tree, Compare)
    assert tree.left == Access(InputRef("list"), (Index(1),))
    assert passes("$inputs.list[1] == 'b'", list=["a", "b"])
    assert passes("$inputs.list[5] == null", list=["a"])
    assert passes("$inputs.text[0] == null", text="abc")


def test_member_accessor() -> None:
    tree = parse_condition("$response.body.status == 'ok'")
    assert isinstance(tree, Compare)
    assert tree.left == Access(ResponseBody(None), (Member("status"),))
    ctx = DictContext(response_payload={"status": "OK", "items": [{"id": 3}]})
    assert evaluate_condition(tree, ctx)
    assert evaluate_condition(parse_condition("$response.body.items[0].id == 3"), ctx)
    assert evaluate_condition(parse_condition("$response.body.nope.id == null"), ctx)
    assert evaluate_condition(parse_condition("$response.body.items.id == null"), ctx)


def test_member_after_a_name_is_part_of_the_name() -> None:
    assert parse_condition("$inputs.customer.firstName") == InputRef("customer.firstName")
    assert passes("$inputs.customer.firstName == 'ann'", customer={"firstName": "Ann"})


def test_pointer_then_accessors() -> None:
    tree = parse_condition("$response.body#/items[0].id > 2")
    assert isinstance(tree, Compare)
    assert tree.left == Access(ResponseBody(("items",)), (Index(0), Member("id")))


def test_names_and_pointers_end_at_operators() -> None:
    tree = parse_condition("$inputs.a!=$response.body#/x/y&&$inputs.b<=2||($inputs.c)")
    assert tree == Or(
        (
            And(
                (
                    Compare("!=", InputRef("a"), ResponseBody(("x", "y"))),
                    Compare("<=", InputRef("b"), Literal(2)),
                )
            ),
            InputRef("c"),
        )
    )


def test_chained_comparison_is_a_syntax_error() -> None:
    err = error("$inputs.a < $inputs.b < $inputs.c")
    assert err.column == 23
    assert "comparisons cannot be chained" in err.reason


def test_group_cannot_be_compared() -> None:
    assert "parenthesised group cannot be compared" in error("($inputs.a) == 1").reason
    err = error("$inputs.a == ($inputs.b)")
    assert err.column == 14
    assert "not a parenthesised group" in err.reason


# ------------------------------------------------------------ semantics


def test_strings_compare_case_insensitively() -> None:
    assert passes("$inputs.s == 'AVAILABLE'", s="available")
    assert passes("$inputs.s == 'straße'", s="STRASSE")
    assert not passes("$inputs.s != 'Available'", s="available")
    assert not passes("$inputs.s == 'availabl'", s="available")


def test_string_ordering_is_case_insensitive() -> None:
    assert passes("$inputs.s < 'b'", s="A")
    assert passes("$inputs.s >= 'apple'", s="APPLE")
    assert passes("'10' < '9'")  # two strings order as text, not as numbers
    assert passes("'b' > 'A'")


def test_numeric_string_is_coerced_against_numbers() -> None:
    assert passes("$inputs.n == 200", n="200")
    assert passes("200 == $inputs.n", n=" 200.0 ")
    assert passes("$inputs.n > 100", n="120")
    assert passes("$inputs.n <= 1e3", n="1000")
    assert not passes("$inputs.n == 200", n="two hundred")
    assert not passes("$inputs.n < 300", n="abc")


def test_numbers_compare_across_int_and_float() -> None:
    assert passes("$inputs.n == 2", n=2.0)
    assert passes("$inputs.n < 2.5", n=2)


def test_header_value_compared_with_number() -> None:
    ctx = DictContext(response_headers={"Content-Length": "120"})
    assert evaluate_condition(parse_condition("$response.header.content-length > 100"), ctx)


def test_null_equals_only_null() -> None:
    assert passes("$inputs.missing == null")
    assert passes("null == null")
    assert not passes("$inputs.v == null", v=0)
    assert not passes("$inputs.v == null", v="")
    assert not passes("$inputs.v == null", v=False)
    assert not passes("$inputs.v == null", v="null")
    assert passes("$inputs.v != null", v=0)


def test_ordering_with_null_is_false() -> None:
    for op in ("<", "<=", ">", ">="):
        assert not passes(f"$inputs.missing {op} 1")
        assert not passes(f"1 {op} null")
        assert not passes(f"null {op} null")


def test_booleans_never_equal_numbers() -> None:
    assert not passes("$inputs.v == 1", v=True)
    assert not passes("$inputs.v == 0", v=False)
    assert not passes("true == 1")
    assert passes("$inputs.v == true", v=True)
    assert not passes("$inputs.v == true", v="true")
    assert not passes("true > false")


def test_mismatched_types_are_unequal_and_unordered() -> None:
    assert not passes("$inputs.v == 'x'", v=["x"])
    assert not passes("$inputs.v < 1", v=[0])
    assert not passes("$inputs.v == 1", v={"a": 1})


def test_arrays_and_objects_compare_element_by_element() -> None:
    ctx = DictContext(input_values={"a": ["X", 1, None], "b": ["x", "1", None], "c": ["x"]})
    assert evaluate_condition(parse_condition("$inputs.a == $inputs.b"), ctx)
    assert not evaluate_condition(parse_condition("$inputs.a == $inputs.c"), ctx)
    ctx = DictContext(input_values={"a": {"k": "V"}, "b": {"k": "v"}, "c": {"j": "v"}})
    assert evaluate_condition(parse_condition("$inputs.a == $inputs.b"), ctx)
    assert not evaluate_condition(parse_condition("$inputs.a == $inputs.c"), ctx)


def test_a_bare_operand_passes_only_when_exactly_true() -> None:
    assert passes("$inputs.v", v=True)
    for value in (1, "true", "yes", [1], {"a": 1}, None, False):
        assert not passes("$inputs.v", v=value), value
    assert passes("true")
    assert not passes("1")
    assert not passes("'true'")


def test_and_or_count_only_exactly_true() -> None:
    assert not passes("$inputs.a && true", a=1)
    assert not passes("$inputs.a || $inputs.b", a="true", b=1)
    assert passes("$inputs.a || true", a=1)


class CountingContext(DictContext):
    def __init__(self) -> None:
        super().__init__(status_code=200)
        self.body_reads = 0

    def response_body(self) -> Any:
        self.body_reads += 1
        return {"ok": True}


def test_and_or_short_circuit() -> None:
    ctx = CountingContext()
    assert not evaluate_condition(parse_condition("$statusCode == 500 && $response.body#/ok"), ctx)
    assert evaluate_condition(parse_condition("$statusCode == 200 || $response.body#/ok"), ctx)
    assert ctx.body_reads == 0
    assert evaluate_condition(parse_condition("$statusCode == 200 && $response.body#/ok"), ctx)
    assert ctx.body_reads == 1


def test_long_and_or_chains() -> None:
    assert passes("true && true && $inputs.a == 1", a=1)
    assert not passes("true && true && $inputs.a == 1", a=2)
    assert passes("false || false || $inputs.a == 1", a=1)
    assert not passes("false || false || false")


def test_evaluate_gives_the_raw_value_of_a_condition_node() -> None:
    ctx = DictContext(input_values={"v": "x"})
    assert evaluate(parse_condition("$inputs.v"), ctx) == "x"
    assert evaluate(parse_condition("$inputs.v == 'X'"), ctx) is True


# --------------------------------------------------------------- unparse


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("$statusCode==200", "$statusCode == 200"),
        ("($inputs.a||$inputs.b)&&$inputs.c", "($inputs.a || $inputs.b) && $inputs.c"),
        ("$inputs.a||($inputs.b&&$inputs.c)", "$inputs.a || $inputs.b && $inputs.c"),
        ("!( $inputs.a )", "!$inputs.a"),
        ("! ($inputs.a == 1)", "!($inputs.a == 1)"),
        ("!(!$inputs.a)", "!(!$inputs.a)"),
        ('"it\'s" != "x"', "'it''s' != 'x'"),
        ("$response.body#/a~1b[0].c >= -1.5", "$response.body#/a~1b[0].c >= -1.5"),
        ("1E2 == 100", "100.0 == 100"),
        ("1e999 > 0", "1e999 > 0"),
    ],
)
def test_unparse_is_canonical(text: str, canonical: str) -> None:
    tree = parse_condition(text)
    assert unparse(tree) == canonical
    assert parse_condition(canonical) == tree


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        ("", 1, "the condition is empty"),
        ("   ", 1, "the condition is empty"),
        ("$inputs.status == available", 19, "strings in conditions use single quotes"),
        ("$inputs.status == `a`", 19, "strings in conditions use single quotes"),
        ("$statusCode = 200", 13, "use '==' to compare"),
        ("$inputs.a & $inputs.b", 11, "use '&&'"),
        ("$inputs.a | $inputs.b", 11, "use '||'"),
        ("$inputs.a and $inputs.b", 11, "instead of the words"),
        ("not $inputs.a", 1, "instead of the words"),
        ("$statusCode == 200 == true", 20, "comparisons cannot be chained"),
        ("($statusCode == 200", 1, "this '(' is never closed"),
        ("$statusCode == 200)", 19, "this ')' has no matching '('"),
        ("$inputs.a == 'open", 14, "this string has no closing quote"),
        ('$inputs.a == "open', 14, "this string has no closing quote"),
        ('$inputs.a == "a\\qb"', 16, "invalid escape"),
        ("{$statusCode == 401}", 1, "without braces"),
        ("$statusCode == 0200", 17, "numbers cannot have leading zeros"),
        ("$statusCode ==", 15, "the condition ends too early"),
        ("$statusCode == ) ", 16, "expected a value before ')'"),
        ("$statusCode == -x", 16, "a number must be written like"),
        ("$inputs.list[x] == 1", 14, "an index must be a whole number"),
        ("$inputs.list[0 == 1", 15, "missing ']'"),
        ("'a'[0] == 'a'", 4, "may only follow a runtime expression"),
        ("True", 1, "write 'true' in lower case"),
        ("$statusCode == 200 $inputs.a", 20, "expected '&&', '||' or the end"),
        ("$foo == 1", 1, "unknown expression root '$foo'"),
        ("$steps.login.token == 'x'", 13, "a step reference must be"),
        ("$response.body#status == 1", 16, "a JSON pointer must start with '/'"),
        ("$response.body#/a~ == 1", 18, "'~' must be followed by '0' or '1'"),
        ("$response.body #/a == 1", 15, "cannot contain whitespace"),
        ("$inputs.a. == 1", 11, "expected a member name after '.'"),
        ("  $foo", 3, "unknown expression root"),
    ],
)
def test_condition_errors_are_explained(text: str, column: int, reason: str) -> None:
    err = error(text)
    assert reason in err.reason
    assert err.column == column
    assert err.text == text


def test_condition_error_caret() -> None:
    err = error("$statusCode == 200 == true")
    caret_line = str(err).splitlines()[2]
    assert caret_line.index("^") - 4 == 19
    assert err.text[19] == "="
