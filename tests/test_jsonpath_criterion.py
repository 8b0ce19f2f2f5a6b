"""``jsonpath`` conditions: dialects, the pass rule, the root filter rule, the comparison form."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_engine.criteria.jsonpath import GOESSNER, JsonPathCondition
from arazzo_engine.errors import ArazzoError
from tests.condition_checks import ConditionChecks

RFC = None
BOTH = pytest.mark.parametrize("version", [RFC, GOESSNER], ids=["rfc9535", "goessner"])
CHECKS = ConditionChecks(JsonPathCondition)
holds, syntax_error, evaluation_error = CHECKS.holds, CHECKS.syntax_error, CHECKS.evaluation_error


# ------------------------------------------------------------------ versions


def test_no_version_is_rfc_9535() -> None:
    # length() exists in RFC 9535 only; Goessner's =~ does not.
    assert holds("$.a[?length(@) > 1]", {"a": ["xy"]})
    assert "'='" in str(syntax_error('$.a[?(@ =~ "x")]'))


def test_goessner_version_is_goessner_dialect() -> None:
    assert holds('$.a[?(@.b =~ "^x")]', {"a": [{"b": "xy"}]}, GOESSNER)
    assert not holds('$.a[?(@.b =~ "^x")]', {"a": [{"b": "yx"}]}, GOESSNER)
    syntax_error("$.a[?length(@) > 1]", GOESSNER)


def test_dialects_differ_on_the_same_data() -> None:
    # RFC 9535 decodes \u escapes in names; jsonpath-ng's Goessner dialect does not.
    data = {"a": 1}
    assert holds('$["\\u0061"]', data)
    assert not holds('$["\\u0061"]', data, GOESSNER)
    # Goessner compares a non-singular query; RFC 9535 refuses it.
    nested = {"a": [{"b": [1, 2]}]}
    assert holds("$.a[?(@.b[*] == 1)]", nested, GOESSNER)
    assert "non-singular" in str(syntax_error("$.a[?(@.b[*] == 1)]"))


def test_unknown_version_lists_the_known_ones() -> None:
    error = syntax_error("$.a", "rfc-9999")
    assert "'rfc-9999'" in str(error)
    assert GOESSNER in str(error)
    assert "'$.a'" in str(error)
    assert error.column is None
    assert isinstance(error, ValueError) and isinstance(error, ArazzoError)


# ------------------------------------------------------------------ pass rule


@BOTH
def test_a_query_passes_iff_its_node_list_is_not_empty(version: str | None) -> None:
    assert holds("$.pets[*]", {"pets": [1]}, version)
    assert not holds("$.pets[*]", {"pets": []}, version)
    assert holds("$.pets", {"pets": []}, version)  # one node: the empty array
    assert not holds("$.cats", {"pets": []}, version)


@BOTH
def test_a_null_member_is_a_node(version: str | None) -> None:
    assert holds("$.a", {"a": None}, version)


def test_a_string_context_is_a_json_string_not_json_text() -> None:
    assert holds("$", '{"a": 1}')
    assert not holds("$.a", '{"a": 1}')


def test_binary_context_cannot_be_queried() -> None:
    assert "binary" in evaluation_error("$.a", b'{"a": 1}')


def test_a_library_failure_during_evaluation_is_a_value_error() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(150):
        node["a"] = {}
        node = node["a"]
    message = evaluation_error("$..a", deep)
    assert message.startswith("evaluating the JSONPath condition failed: recursion limit")
    assert "\n" not in message


# ------------------------------------------------------------------ root filter rule


def test_spec_example_count_pets_on_the_root_object() -> None:
    assert holds("$[?count(@.pets) > 0]", {"pets": [1]})
    assert not holds("$[?count(@.pets) > 0]", {"pets": []})
    assert not holds("$[?count(@.pets) > 0]", {})


def test_bnpl_example_count_products_equals_zero() -> None:
    assert holds("$[?count(@.products) == 0]", {"products": []})
    assert holds("$[?count(@.products) == 0]", {})
    assert not holds("$[?count(@.products) == 0]", {"products": [{"id": 1}]})


def test_portable_length_form_on_the_root_object() -> None:
    assert holds("$[?length(@.pets) > 0]", {"pets": [1]})
    assert not holds("$[?length(@.pets) > 0]", {"pets": []})


def test_oauth_example_access_token_not_null() -> None:
    assert holds("$[?@.access_token != null]", {"access_token": "x"})
    assert not holds("$[?@.access_token != null]", {"access_token": None})


def test_missing_member_is_not_equal_to_null_as_rfc_9535_says() -> None:
    assert holds("$[?@.access_token != null]", {"foo": 1})
    # existence is the way to require the member
    assert not holds("$[?@.access_token]", {"foo": 1})
    assert holds("$[?@.access_token]", {"access_token": None})


@BOTH
def test_root_filter_tests_the_object_not_its_children(version: str | None) -> None:
    condition = "$[?(@.a == 1)]"
    assert holds(condition, {"a": 1}, version)
    # Strict RFC 9535 would select the child {"a": 1} here.
    assert not holds(condition, {"x": {"a": 1}}, version)


@BOTH
def test_root_filter_keeps_normal_semantics_on_an_array(version: str | None) -> None:
    assert holds("$[?(@.a == 1)]", [{"a": 2}, {"a": 1}], version)
    assert not holds("$[?(@.a == 1)]", [{"a": 2}], version)
    assert not holds("$[?(@.a == 1)]", [], version)


def test_count_keeps_rfc_meaning_outside_the_root_filter_rule() -> None:
    # On an array context the filter is ordinary: count(@.pets) counts one node.
    assert holds("$[?count(@.pets) > 0]", [{"pets": []}])
    assert holds("$.owners[?count(@.pets) == 1]", {"owners": [{"pets": []}]})


@BOTH
def test_dollar_inside_a_root_filter_is_still_the_context(version: str | None) -> None:
    assert holds("$[?(@.a == $.b)]", {"a": 1, "b": 1}, version)
    assert not holds("$[?(@.a == $.b)]", {"a": 1, "b": 2}, version)


@BOTH
def test_the_query_goes_on_after_a_root_filter(version: str | None) -> None:
    assert holds("$[?(@.pets)].pets[0]", {"pets": [5]}, version)
    assert not holds("$[?(@.pets)].pets[0]", {"pets": []}, version)


def test_other_first_segments_keep_normal_semantics() -> None:
    # descendant filter: children and deeper, never the root itself
    assert not holds("$..[?@.a == 1]", {"a": 1})
    assert holds("$..[?@.a == 1]", {"x": {"a": 1}})
    # a filter mixed with another selector
    assert not holds("$[?@.a == 1, 'zz']", {"a": 1})
    assert holds("$[?@.a == 1, 'zz']", {"x": {"a": 1}})


# ------------------------------------------------------------------ comparison form


@BOTH
def test_fal_status_comparison(version: str | None) -> None:
    condition = JsonPathCondition('$.status == "COMPLETED"', version)
    assert condition.form == "comparison"
    assert condition.test({"status": "COMPLETED"})
    assert not condition.test({"status": "IN_QUEUE"})
    assert not condition.test({})


@BOTH
def test_fal_status_alternatives(version: str | None) -> None:
    condition = JsonPathCondition('$.status == "IN_QUEUE" || $.status == "IN_PROGRESS"', version)
    assert condition.test({"status": "IN_QUEUE"})
    assert condition.test({"status": "IN_PROGRESS"})
    assert not condition.test({"status": "COMPLETED"})


def test_single_quoted_alternatives() -> None:
    condition = "$.status == 'COMPLETED' || $.status == 'FAILED'"
    assert holds(condition, {"status": "FAILED"})
    assert holds(condition, {"status": "COMPLETED"})
    assert not holds(condition, {"status": "IN_QUEUE"})


def test_and() -> None:
    condition = "$.status == 'COMPLETED' && $.count > 0"
    assert holds(condition, {"status": "COMPLETED", "count": 2})
    assert not holds(condition, {"status": "COMPLETED", "count": 0})
    assert not holds(condition, {"status": "FAILED", "count": 2})


def test_and_binds_tighter_than_or_and_parentheses_group() -> None:
    data = {"a": 1, "b": 0, "c": 0}
    assert holds("$.a == 1 || $.b == 1 && $.c == 1", data)
    assert not holds("($.a == 1 || $.b == 1) && $.c == 1", data)
    assert holds("(($.a == 1))", data)


def test_negated_group() -> None:
    assert holds("!($.a == 2)", {"a": 1})
    assert not holds("!($.a == 1)", {"a": 1})


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("$.n == 2", True),
        ("$.n != 2", False),
        ("$.n < 3", True),
        ("$.n < 2", False),
        ("$.n <= 2", True),
        ("$.n > 1.5", True),
        ("$.n > 2", False),
        ("$.n >= 2", True),
        ("$.n >= 2e0", True),
        ("$.n == -2", False),
    ],
)
def test_operators_on_numbers(condition: str, expected: bool) -> None:
    assert holds(condition, {"n": 2}) is expected


def test_values_compare_like_simple_conditions() -> None:
    assert holds("$.status == 'completed'", {"status": "COMPLETED"})  # case-insensitive
    assert holds("$.n > 5", {"n": "10"})  # numeric string against a number
    assert holds("$.x == null", {"x": None})
    assert not holds("$.x == null", {"x": 0})
    assert not holds("$.x < 1", {"x": None})  # ordering with null is false
    assert not holds("$.flag == 1", {"flag": True})  # booleans never equal numbers
    assert holds("$.flag == true", {"flag": True})
    assert holds("$.flag != false", {"flag": True})


def test_query_against_query() -> None:
    assert holds("$.a == $.b", {"a": "X", "b": "x"})
    assert not holds("$.a == $.b", {"a": 1, "b": 2})
    assert holds("$.a < $.b", {"a": 1, "b": 2})


def test_a_query_selecting_nothing_compares_as_null() -> None:
    assert holds("$.missing == null", {})
    assert not holds("$.missing != null", {})
    assert not holds("$.access_token != null", {"foo": 1})
    assert holds("$.access_token != null", {"access_token": "t"})
    assert holds("$.missing == $.other", {})
    assert not holds("$.missing == $.a", {"a": 1})
    assert not holds("$.missing < 1", {})
    assert not holds("$.missing < $.other", {})
    assert not holds("$.missing >= 1", {})


def test_quoted_literals() -> None:
    assert holds("$.s == 'it''s'", {"s": "it's"})
    assert holds('$.s == "say \\"hi\\"\\n"', {"s": 'say "hi"\n'})
    assert holds('$.s == "it\'s"', {"s": "it's"})


def test_queries_with_brackets_and_filters_in_comparisons() -> None:
    data = {"items": [{"id": 1, "state": "on"}, {"id": 2, "state": "off"}]}
    assert holds("$.items[?@.id == 2].state == 'OFF'", data)
    assert holds("$['items'][0]['state'] == 'on' && $.items[-1].id >= 2", data)


def test_a_query_selecting_several_nodes_cannot_be_compared() -> None:
    message = evaluation_error("$.pets[*] == 1", {"pets": [1, 2]})
    assert "$.pets[*]" in message
    assert "selects 2 nodes" in message
    assert "at most one node" in message
    assert holds("$.pets[*] == 1", {"pets": [1]})


def test_whitespace_around_the_condition_is_ignored() -> None:
    assert holds("  $.a == 1\n", {"a": 1})
    assert holds(" $.a\n", {"a": 1})


# ------------------------------------------------------------------ syntax errors


def test_bad_query_quotes_the_condition_and_the_column() -> None:
    error = syntax_error("$.a[?@.b ==]")
    assert str(error).startswith("the JSONPath condition '$.a[?@.b ==]' is not valid:")
    assert error.column == 12
    assert "column 12" in str(error)


def test_bad_goessner_query_has_a_column() -> None:
    error = syntax_error("$.a[?(@.b ==)]", GOESSNER)
    assert "'$.a[?(@.b ==)]'" in str(error)
    assert error.column == 13


def test_bad_query_inside_a_comparison_points_into_the_condition() -> None:
    condition = "  $.a == 1 && $.b[?@.x ==] == 1"
    error = syntax_error(condition)
    assert error.column == condition.index("] ==") + 1
    assert "$.b[?@.x ==]" in error.reason


@pytest.mark.parametrize(
    ("condition", "words", "column"),
    [
        ('$.status = "x"', "use '=='", 10),
        ("$.a == 1 & $.b == 2", "use '&&'", 10),
        ("$.a == 1 | $.b == 2", "use '||'", 10),
        ("status == 1", "starting with '$'", 1),
        ("$.a ==", "found the end of the condition", 7),
        ("$.a == 1 &&", "found the end of the condition", 12),
        ("($.a == 1", "expected ')'", 10),
        ("$.a == 1)", "'&&', '||' or the end", 9),
        ("!$.a == 1", "'(' after '!'", 2),
        ("$.a 1", "comparison operator", 5),
        ("$.a == 'open", "no closing quote", 8),
        ('$.a == "\\q"', "invalid escape", 8),
        ("$.a[0 == 1", "is not closed", 4),
        ("$. == 1", "member name", 3),
        ("1 == $.a", "starting with '$'", 1),
        ("", "empty", None),
    ],
)
def test_comparison_form_syntax_errors(condition: str, words: str, column: int | None) -> None:
    error = syntax_error(condition)
    assert words in str(error)
    assert repr(condition) in str(error)
    assert error.column == column
