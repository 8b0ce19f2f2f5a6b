"""The compiled RFC 9535 evaluator gives python-jsonpath's node lists, or hands the query back.

Every comparison here is with the library's own evaluation of the same parsed
query (``compile_rfc9535(text, fast=False)`` / ``JSONPath.findall``): values
identical object for object, in the same order, duplicates kept.
"""

from __future__ import annotations

import importlib.util
import types
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonpath.exceptions import JSONPathRecursionError

from arazzo_engine.criteria._jsonpath_comparison import QueryError
from arazzo_engine.criteria._jsonpath_dialects import _RFC_ENV, _rfc_path, compile_rfc9535
from arazzo_engine.criteria._jsonpath_fast import (
    MAX_PARTS,
    Fallback,
    FastQuery,
    _parts,
    compile_fast,
)
from arazzo_engine.criteria.jsonpath import JsonPathCondition
from arazzo_engine.errors import EvaluationLimitError
from arazzo_engine.patterns import budget, time_budget

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_criteria.py"
KEYS = ["a", "b", "k", "tags"]

# Values that make the comparison rules show: 1 and 1.0 and true, "" and 0, null.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 3),
    st.sampled_from([0.0, 1.0, 1.5, -1.0]),
    st.sampled_from(["", "a", "b", "ab", "é"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS), children, max_size=4)
    ),
    max_leaves=25,
)

QUERIES = [
    "$",
    "$.a",
    "$['a']",
    "$.a.b",
    "$.*",
    "$[*]",
    "$.a[*]",
    "$..a",
    "$..*",
    "$..[*]",
    "$..[0]",
    "$..[-1]",
    "$[0]",
    "$[-1]",
    "$[3]",
    "$.a[-3]",
    "$[0:2]",
    "$[::-1]",
    "$..[1:]",
    "$[1:0]",
    "$['a','b']",
    "$['a','a']",
    "$[0,0,-1]",
    "$..['a','k']",
    "$..[*, 0]",
    "$.*.*",
    "$..a..b",
    "$..tags[?(@.k == 'a')]",
    "$..[?@.k == 'a']",
    "$[?@.k]",
    "$[?@.k == 1]",
    "$[?@ == 1]",
    "$[?@ == 1.0]",
    "$[?@ == true]",
    "$[?@ == null]",
    "$[?@.a != null]",
    "$[?@ < 2]",
    "$[?@ <= 1]",
    "$[?@ > 'a']",
    "$[?@ >= 0]",
    "$[?@ > true]",
    "$[?@ == @]",
    "$[?@.a == @.b]",
    "$[?@.a <= @.b]",
    "$[?@.a >= @.b]",
    "$[?@.a == $.a]",
    "$[?$.a]",
    "$[?@.a[0] == 1]",
    "$[?@[-1] == 'a']",
    "$[?@.a.b]",
    "$[?@.a[*]]",
    "$[?@[0:1]]",
    "$[?@.a[?@ == 1]]",
    "$[?!@.a]",
    "$[?!(@.a == 1)]",
    "$[?@.a && @.b]",
    "$[?@.a || @.b == 2]",
    "$[?(@.a || @.b) && !@.k]",
    "$[?1 == 1]",
    "$..[?@.a == 1 || @.b]",
    "$.*[?@ > 0]",
]

SAME_OBJECTS = "the fast nodes are not the library's"


def _same(got: list[Any], expected: list[Any]) -> bool:
    """Object for object (a slice's characters are new strings: same type and text)."""
    return len(got) == len(expected) and all(
        a is b or (type(a) is type(b) is str and a == b) for a, b in zip(got, expected, strict=True)
    )


def _check(text: str, value: Any) -> None:
    """The fast path and the library agree on ``text`` over ``value``, both entry points."""
    fast, library = compile_rfc9535(text), compile_rfc9535(text, fast=False)
    assert fast.fast, f"{text} should be in the fast subset"
    expected = library(value)
    assert _same(fast(value), expected), SAME_OBJECTS
    assert fast.holds(value) is bool(expected)
    if not isinstance(value, str):  # the library would read a string as JSON text
        path = _rfc_path(_RFC_ENV, text)
        direct = compile_fast(path)
        assert direct is not None
        expected = path.findall(value)  # no root filter rule here
        assert _same(direct.nodes(value), expected), SAME_OBJECTS
        assert direct.holds(value) is bool(expected)


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("text", QUERIES)
@FUZZ
@given(value=VALUES)
def test_listed_queries_agree_with_the_library(text: str, value: Any) -> None:
    _check(text, value)


# ------------------------------------------------------------------ generated queries

NAMES = st.sampled_from(KEYS)
LITERALS = st.sampled_from(["1", "1.0", "0", "-1", "2.5", "true", "false", "null", "'a'", "''"])
STEP = st.one_of(NAMES.map(lambda name: f".{name}"), st.integers(-2, 2).map(lambda i: f"[{i}]"))
SINGULAR = st.tuples(st.sampled_from("@$"), st.lists(STEP, max_size=3)).map(
    lambda parts: parts[0] + "".join(parts[1])
)
EXISTING = st.tuples(
    st.sampled_from("@$"), st.lists(STEP | st.just("[*]"), min_size=1, max_size=3)
).map(lambda parts: parts[0] + "".join(parts[1]))
COMPARISON = st.tuples(
    SINGULAR | LITERALS, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), SINGULAR | LITERALS
).map(" ".join)
TEST = st.recursive(
    COMPARISON | EXISTING | EXISTING.map(lambda query: f"!{query}"),
    lambda tests: (
        st.tuples(tests, st.sampled_from(["&&", "||"]), tests).map(
            lambda parts: f"({' '.join(parts)})"
        )
        | tests.map(lambda test: f"!({test})")
    ),
    max_leaves=4,
)


def _slice(parts: tuple[int | None, int | None, int | None]) -> str:
    return ":".join("" if part is None else str(part) for part in parts)


SELECTOR = st.one_of(
    NAMES.map(lambda name: f"'{name}'"),
    st.integers(-3, 3).map(str),
    st.just("*"),
    st.tuples(
        st.none() | st.integers(-3, 3),
        st.none() | st.integers(-3, 3),
        st.none() | st.sampled_from([-2, -1, 1, 2]),
    ).map(_slice),
    TEST.map(lambda test: f"?{test}"),
)
SEGMENT = st.tuples(st.booleans(), st.lists(SELECTOR, min_size=1, max_size=2)).map(
    lambda parts: ("..[" if parts[0] else "[") + ", ".join(parts[1]) + "]"
)
QUERY = st.lists(SEGMENT, max_size=3).map(lambda segments: "$" + "".join(segments))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=QUERY, value=VALUES)
def test_generated_queries_agree_with_the_library(text: str, value: Any) -> None:
    try:
        parsed = _rfc_path(_RFC_ENV, text)
    except QueryError:  # not every mix is a valid query (a literal alone in a logical test)
        assume(False)
    assume(_parts(parsed.segments) <= MAX_PARTS)  # longer ones stay with the library
    _check(text, value)


# ------------------------------------------------------------------ the query form


@given(value=VALUES)
@FUZZ
def test_the_query_form_judges_like_the_library(value: Any) -> None:
    text = "$..tags[?(@.k == 'a')]"
    library = compile_rfc9535(text, fast=False)
    assert JsonPathCondition(text, None).test(value) is bool(library(value))


def test_the_chain_criterion_on_its_body() -> None:
    body = {"id": 1, "next": 2, "name": "item-1", "tags": [{"k": "a"}]}
    query = compile_rfc9535("$..tags[?(@.k == 'a')]")
    assert query.fast
    assert query(body) == [{"k": "a"}] and query(body)[0] is body["tags"][0]
    assert query.holds(body)
    assert not query.holds({**body, "tags": [{"k": "b"}]})


def test_descendant_order_is_the_node_then_its_children_duplicates_kept() -> None:
    value = {"a": {"a": 1, "b": [{"a": 2}]}, "b": {"a": 3}}
    assert compile_rfc9535("$..a")(value) == [value["a"], 1, 2, 3]
    assert compile_rfc9535("$..['a','a']")(value) == [value["a"], value["a"], 1, 1, 2, 2, 3, 3]


# ------------------------------------------------------------------ what falls back


@pytest.mark.parametrize(
    "text",
    [
        "$.a[?length(@) > 1]",
        "$.a[?count(@.*) > 1]",
        "$.a[?match(@, 'a.')]",
        "$.a[?search(@.b, 'a')]",
        "$.a[?value(@.b) == 1]",
        "$.a[?@]",  # a bare existence test: the library tests the value's truth
        "$.a[?$]",
        "$.a[?@..b]",  # a descendant segment inside a filter
        "$.a[?@ == [1]]",  # a list literal (the library's extension)
    ],
)
def test_queries_outside_the_subset_keep_the_library(text: str) -> None:
    assert compile_fast(_rfc_path(_RFC_ENV, text)) is None
    query = compile_rfc9535(text)
    assert not query.fast
    value = {"a": [{"b": "ab"}, "xy", 0, ""]}
    assert _same(query(value), compile_rfc9535(text, fast=False)(value))


@pytest.mark.parametrize("parts", [MAX_PARTS // 2, MAX_PARTS // 2 + 1])
def test_very_long_queries_keep_the_library(parts: int) -> None:
    # Each '.a' is a segment and a selector: two parts.
    text = "$" + ".a" * parts
    assert (compile_fast(_rfc_path(_RFC_ENV, text)) is not None) is (parts * 2 <= MAX_PARTS)
    value: Any = "end"
    for _ in range(parts):
        value = {"a": value}
    assert compile_rfc9535(text)(value) == ["end"]


def test_filter_parts_count_towards_the_limit() -> None:
    nested = "$[?@.a" + "[?@.a" * 20 + "]" * 20 + "]"  # 3 parts a segment, 4 an existence test
    assert compile_fast(_rfc_path(_RFC_ENV, nested)) is None
    assert compile_fast(_rfc_path(_RFC_ENV, "$[?@.a[?@.a]]")) is not None


def test_the_root_filter_rule_keeps_the_library() -> None:
    query = compile_rfc9535("$[?@.a]")
    direct = compile_fast(_rfc_path(_RFC_ENV, "$[?@.a]"))
    assert direct is not None
    value = {"a": 1}
    assert query(value) == [value] and query.holds(value)  # the rule: the object itself
    assert direct.nodes(value) == [] and not direct.holds(value)  # RFC 9535 alone
    listed = [{"a": 1}, {}]
    assert query(listed) == [listed[0]]  # on an array the rule does not apply


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("$.a[*]", {"a": (1, 2)}, [1, 2]),  # a tuple is a sequence to the library
        ("$..b", OrderedDict(b=1), [1]),
        ("$.a[?@.k == 'a']", {"a": [types.MappingProxyType({"k": "a"})]}, "first"),
        ("$.a[?@.k]", {"a": [OrderedDict(k=0)]}, "first"),
        ("$[?@ == 1]", (1, 2), [1]),
    ],
)
def test_values_that_are_not_plain_json_go_to_the_library(
    text: str, value: Any, expected: Any
) -> None:
    direct = compile_fast(_rfc_path(_RFC_ENV, text))
    assert direct is not None
    with pytest.raises(Fallback):
        direct.nodes(value)
    with pytest.raises(Fallback):
        direct.holds(value)
    found = compile_rfc9535(text)(value)
    assert found == ([value["a"][0]] if expected == "first" else expected)
    assert compile_rfc9535(text).holds(value)


def _nest(levels: int, leaf: Any) -> Any:
    """``leaf`` wrapped in ``levels`` arrays: it sits ``levels`` levels below the top."""
    for _ in range(levels):
        leaf = [leaf]
    return leaf


@pytest.mark.parametrize("text", ["$..*", "$..[0]", "$..[0:1]", "$[0]..[0]", "$..a"])
@pytest.mark.parametrize("levels", [98, 99, 100, 101])
@pytest.mark.parametrize("leaf", ["s", 1, [], {"a": "s"}])
def test_the_recursion_limit_falls_back_where_the_library_raises(
    text: str, levels: int, leaf: Any
) -> None:
    value = _nest(levels, leaf)
    path = _rfc_path(_RFC_ENV, text)
    direct = compile_fast(path)
    assert direct is not None
    try:
        expected = path.findall(value)
    except JSONPathRecursionError:
        with pytest.raises(Fallback):
            direct.nodes(value)
        with pytest.raises(Fallback):
            direct.holds(value)
        with pytest.raises(JSONPathRecursionError):
            compile_rfc9535(text).holds(value)
    else:
        assert _same(direct.nodes(value), expected), SAME_OBJECTS
        assert direct.holds(value) is bool(expected)


def test_early_exit_still_fails_where_the_library_fails_deeper_on() -> None:
    # The first node comes at once, but the library walks on and fails 150 levels down.
    deep: dict[str, Any] = {"a": 1}
    deep["b"] = _nest(150, "s")
    direct = compile_fast(_rfc_path(_RFC_ENV, "$..a"))
    assert direct is not None
    with pytest.raises(Fallback):
        direct.holds(deep)
    with pytest.raises(ValueError) as caught:
        JsonPathCondition("$..a", None).test(deep)
    assert str(caught.value).startswith("evaluating the JSONPath condition failed: recursion limit")
    shallow = {"a": 1, "b": _nest(50, "s")}
    assert direct.holds(shallow) and JsonPathCondition("$..a", None).test(shallow)


# ------------------------------------------------------------------ bounds


def _tree(depth: int, width: int) -> Any:
    node: Any = list(range(width))
    for _ in range(depth):
        node = [node, *range(width)]
    return node


def test_nested_descendants_on_the_fast_path_stop_at_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "$..*..*..*..*[?(@ == -1)]"
    assert compile_rfc9535(text).fast
    monkeypatch.setattr(budget, "EVALUATION_SECONDS", 0.2)
    took_too_long = r"the JSONPath condition took longer than 0\.2 s"
    with pytest.raises(EvaluationLimitError, match=took_too_long):
        JsonPathCondition(text, None).test({"tree": _tree(60, 20)})


def test_unions_that_multiply_nodes_stop_at_the_budget() -> None:
    # Each ['a','a'] doubles the nodes: 2**30 of them on a 30-level document.
    value: Any = 0
    for _ in range(30):
        value = {"a": value}
    text = "$" + "['a','a']" * 30 + "[?@ == 1]"
    query = compile_rfc9535(text)
    assert query.fast
    with pytest.raises(EvaluationLimitError), time_budget("the JSONPath condition", 0.2):
        query.holds(value)


def test_the_fast_path_needs_no_budget() -> None:
    # Outside any budget (a library caller), checkpoints pass and the answer comes.
    query = compile_rfc9535("$..[?@ > 1]")
    assert query.fast
    assert query([1, [2, 3]]) == [2, 3]
    assert isinstance(compile_fast(_rfc_path(_RFC_ENV, "$.a")), FastQuery)


def test_the_bench_line_runs(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    # Not timed: the bench's side-by-side line still runs and prints its ratio.
    spec = importlib.util.spec_from_file_location("bench_criteria", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(bench, "ROUNDS", 1)
    monkeypatch.setattr(bench, "CALLS", 2)
    bench.chain_query_side_by_side()
    line = capsys.readouterr().out
    assert "python-jsonpath alone" in line and "x faster" in line
