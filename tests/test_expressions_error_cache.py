"""A text that does not parse is explained once; the explanation is the same every time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions import parse_condition, parse_expression, parse_template, parse_value
from arazzo_engine.expressions import parser as parser_module

BAD_EXPRESSIONS = [
    "$response.body#id",
    "$steps.a.outputs.list.keys[0]",
    "$inputs.",
    "$nope.x",
    "$statusCode ==",
]
BAD_CONDITIONS = ["$statusCode = 200", "($statusCode == 200", "$statusCode == 200 &&", "a b"]


def _error(parse: object, text: str) -> tuple[int, str, str]:
    assert callable(parse)
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse(text)
    return caught.value.column, caught.value.reason, str(caught.value)


def _clear_all() -> None:
    parser_module._explained.clear()
    for cached in (
        parser_module._cached_expression,
        parser_module._cached_condition,
        parser_module._cached_template,
    ):
        cached.cache_clear()


@pytest.mark.parametrize(
    ("parse", "text"),
    [(parse_expression, t) for t in BAD_EXPRESSIONS]
    + [(parse_condition, t) for t in BAD_CONDITIONS]
    + [(parse_template, "id-{" + t + "}") for t in BAD_EXPRESSIONS],
)
def test_the_second_error_is_the_first(parse: object, text: str) -> None:
    _clear_all()
    first = _error(parse, text)
    assert parser_module._explained  # the explanation was kept
    second = _error(parse, text)
    _clear_all()
    fresh = _error(parse, text)
    assert first == second == fresh


def test_a_payload_string_that_is_no_expression_stays_a_constant_each_time() -> None:
    _clear_all()
    values = [parse_value("$100 off"), parse_value("$100 off")]
    assert [type(v).__name__ for v in values] == ["Constant", "Constant"]
    assert ("$100 off", "expression") in parser_module._explained


def test_the_kept_explanations_are_bounded() -> None:
    _clear_all()
    for n in range(parser_module._EXPLAINED_MAX + 10):
        with pytest.raises(ExpressionSyntaxError):
            parse_expression(f"$inputs.a b{n}")
    assert 0 < len(parser_module._explained) <= parser_module._EXPLAINED_MAX


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="$.#/ab01 =<>!&|()[]{}'\"", max_size=12))
def test_any_text_errs_or_parses_the_same_with_and_without_the_kept_explanation(
    text: str,
) -> None:
    outcomes = []
    for clear in (True, False, True):
        if clear:
            _clear_all()
        else:
            for cached in (parser_module._cached_expression, parser_module._cached_condition):
                cached.cache_clear()  # parsed again, the explanation kept
        try:
            outcomes.append(("ok", repr(parse_condition(text)), repr(parse_expression(text))))
        except ExpressionSyntaxError as error:
            outcomes.append(("error", str(error), ""))
    assert outcomes[0] == outcomes[1] == outcomes[2]
