"""Evaluating runtime expressions, templates and values against a context."""

from __future__ import annotations

import time
from typing import Any

import pytest

from arazzo_engine.expressions import (
    evaluate,
    evaluate_condition,
    parse_condition,
    parse_expression,
    parse_template,
    parse_value,
)
from arazzo_engine.expressions.ast import Constant, InputRef
from tests.expression_context import DictContext

PETS = [{"id": 7, "name": "Rex"}, {"id": 9, "name": "Tom"}]


def make_context() -> DictContext:
    return DictContext(
        url="https://api.example.com/pets?limit=2",
        method="GET",
        status_code=200,
        request_headers={"Accept": "application/json"},
        request_query_params={"limit": 2},
        request_path_params={"id": "42"},
        request_payload={"user": {"uuid": "u-1"}},
        response_headers={"Server": "nginx", "Content-Length": "120"},
        response_payload={"status": "ok", "items": PETS, "a/b": 1, "m~n": 2, "": 3},
        input_values={
            "username": "ann",
            "customer": {"firstName": "Ann", "address": {"city": "Oslo"}},
            "a.b": "dotted",
            "a": {"b": "nested", "c": "member"},
        },
        output_values={"bar": "out-bar"},
        steps={"someStepId": {"pets": PETS, "count": 2}},
        workflow_input_values={"foo": {"username": "bob"}},
        workflow_output_values={"foo": {"bar": 1, "mappedResponse": {"name": "mapped"}}},
        sources={"petStore": {"url": "https://example.com/openapi.yaml", "type": "openapi"}},
        components={"parameters": {"foo": {"name": "foo", "in": "query", "value": 1}}},
    )


# Digest 3.2: every row of the examples table, with what it yields here.
EXAMPLES_TABLE = [
    ("$method", "GET"),
    ("$request.header.accept", "application/json"),
    ("$request.path.id", "42"),
    ("$request.body#/user/uuid", "u-1"),
    ("$request.body", {"user": {"uuid": "u-1"}}),
    ("$url", "https://api.example.com/pets?limit=2"),
    ("$response.body#/status", "ok"),
    ("$response.header.Server", "nginx"),
    ("$inputs.username", "ann"),
    ("$workflows.foo.inputs.username", "bob"),
    ("$steps.someStepId.outputs.pets", PETS),
    ("$steps.someStepId.outputs.pets#/0/id", 7),
    ("$outputs.bar", "out-bar"),
    ("$workflows.foo.outputs.bar", 1),
    ("$workflows.foo.outputs.mappedResponse#/name", "mapped"),
    ("$components.parameters.foo", {"name": "foo", "in": "query", "value": 1}),
]


@pytest.mark.parametrize(("text", "expected"), EXAMPLES_TABLE)
def test_examples_table_evaluates(text: str, expected: Any) -> None:
    assert evaluate(parse_expression(text), make_context()) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$statusCode", 200),
        ("$request.query.limit", 2),
        ("$response.body#/items/1/name", "Tom"),
        ("$response.body#", make_context().response_payload),
        ("$response.body#/a~1b", 1),
        ("$response.body#/m~0n", 2),
        ("$response.body#/", 3),
        ("$inputs.customer#/firstName", "Ann"),
        ("$inputs.customer#/address/city", "Oslo"),
        ("$sourceDescriptions.petStore.url", "https://example.com/openapi.yaml"),
        ("$sourceDescriptions.petStore.type", "openapi"),
        ("$steps.someStepId.outputs.count", 2),
    ],
)
def test_other_forms_evaluate(text: str, expected: Any) -> None:
    assert evaluate(parse_expression(text), make_context()) == expected


def test_types_are_preserved() -> None:
    ctx = make_context()
    assert type(evaluate(parse_expression("$statusCode"), ctx)) is int
    assert evaluate(parse_expression("$steps.someStepId.outputs.pets"), ctx) is PETS


@pytest.mark.parametrize(
    "text",
    [
        "$response.header.X-Missing",
        "$request.header.X-Missing",
        "$request.query.nope",
        "$request.path.nope",
        "$inputs.absent",
        "$inputs.absent#/x",
        "$outputs.absent",
        "$steps.notRun.outputs.x",
        "$steps.someStepId.outputs.absent",
        "$workflows.notRun.inputs.x",
        "$workflows.notRun.outputs.x",
        "$response.body#/nope",
        "$response.body#/items/2",
        "$response.body#/items/-",
        "$response.body#/items/01",
        "$response.body#/items/x",
        "$response.body#/status/0",
        "$response.body#/items/0/id/deeper",
        "$sourceDescriptions.nope.url",
        "$components.parameters.nope",
    ],
)
def test_absent_values_are_none(text: str) -> None:
    assert evaluate(parse_expression(text), make_context()) is None


def test_absent_parts_of_an_empty_context_are_none() -> None:
    for text in ("$url", "$method", "$statusCode", "$response.body#/a", "$request.body"):
        assert evaluate(parse_expression(text), DictContext()) is None


def test_pointer_into_text_is_none() -> None:
    ctx = DictContext(response_payload='{"status": "ok"}')
    assert evaluate(parse_expression("$response.body#/status"), ctx) is None
    assert evaluate(parse_expression("$response.body"), ctx) == '{"status": "ok"}'


def test_pointer_into_bytes_is_none() -> None:
    ctx = DictContext(response_payload=b"[1, 2]")
    assert evaluate(parse_expression("$response.body#/0"), ctx) is None


def test_pointer_through_tuples_and_null_members() -> None:
    ctx = DictContext(response_payload={"t": (10, 20), "n": None})
    assert evaluate(parse_expression("$response.body#/t/1"), ctx) == 20
    assert evaluate(parse_expression("$response.body#/n/x"), ctx) is None


def test_header_names_are_case_insensitive_and_passed_lower_case() -> None:
    ctx = make_context()
    assert evaluate(parse_expression("$response.header.SERVER"), ctx) == "nginx"
    assert evaluate(parse_expression("$response.header.content-length"), ctx) == "120"
    assert ctx.header_lookups == ["server", "content-length"]


def test_dotted_name_prefers_the_longest_existing_key() -> None:
    ctx = make_context()
    assert evaluate(parse_expression("$inputs.a.b"), ctx) == "dotted"
    assert evaluate(parse_expression("$inputs.a.c"), ctx) == "member"
    assert evaluate(parse_expression("$inputs.customer.address.city"), ctx) == "Oslo"
    assert evaluate(parse_expression("$inputs.customer.nope.city"), ctx) is None
    assert evaluate(parse_expression("$inputs.username.length"), ctx) is None


def test_dotted_name_in_step_outputs_then_pointer() -> None:
    ctx = DictContext(steps={"s": {"res": {"body": {"items": [5, 6]}}}})
    assert evaluate(parse_expression("$steps.s.outputs.res.body#/items/1"), ctx) == 6


def test_dotted_name_full_key_holding_none() -> None:
    ctx = DictContext(input_values={"a.b": None, "a": {"b": 1}})
    assert evaluate(parse_expression("$inputs.a.b"), ctx) is None


# ------------------------------------------------------------ templates


def test_template_strings_are_inserted_unchanged() -> None:
    ctx = DictContext(input_values={"token": "t0k3n"})
    assert evaluate(parse_template("Bearer {$inputs.token}"), ctx) == "Bearer t0k3n"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (12, "12"),
        (2.5, "2.5"),
        ({"a": [1, "é"]}, '{"a":[1,"é"]}'),
        ([1, True, None], "[1,true,null]"),
        ("x y", "x y"),
        (b"raw", "raw"),
    ],
)
def test_template_converts_embedded_values(value: Any, text: str) -> None:
    ctx = DictContext(input_values={"v": value})
    assert evaluate(parse_template("<{$inputs.v}>"), ctx) == f"<{text}>"


def test_template_absent_value_is_null_text() -> None:
    assert evaluate(parse_template("/pets/{$steps.x.outputs.id}"), DictContext()) == "/pets/null"


def test_template_several_parts() -> None:
    ctx = make_context()
    text = "{$method} {$url} -> {$statusCode}{$response.body#/items/0/id}"
    assert evaluate(parse_template(text), ctx) == (
        "GET https://api.example.com/pets?limit=2 -> 2007"
    )


def test_template_without_expressions() -> None:
    assert evaluate(parse_template("plain"), DictContext()) == "plain"
    assert evaluate(parse_template(""), DictContext()) == ""


# ---------------------------------------------------------------- values


def test_value_expression_keeps_its_type() -> None:
    ctx = make_context()
    assert evaluate(parse_value("$steps.someStepId.outputs.count"), ctx) == 2
    assert evaluate(parse_value("{$steps.someStepId.outputs.pets}"), ctx) is PETS


def test_value_template_is_text() -> None:
    ctx = make_context()
    assert evaluate(parse_value("n={$steps.someStepId.outputs.count}"), ctx) == "n=2"


def test_value_constant_is_returned_itself() -> None:
    payload = {"a": [1, 2], "b": {"c": "$100"}}
    assert evaluate(parse_value(payload), make_context()) is payload
    assert evaluate(parse_value("$100"), make_context()) == "$100"
    assert evaluate(parse_value(None), make_context()) is None


def test_value_structure_with_expressions() -> None:
    ctx = make_context()
    node = parse_value({"who": "$inputs.username", "ids": [0, "{$inputs.customer}", "x-{$url}"]})
    assert evaluate(node, ctx) == {
        "who": "ann",
        "ids": [0, {"firstName": "Ann", "address": {"city": "Oslo"}}, f"x-{ctx.url}"],
    }
    first, second = evaluate(node, ctx), evaluate(node, ctx)
    assert first is not second


def test_evaluate_builds_the_closure_once() -> None:
    node = parse_expression("$inputs.username")
    ctx = make_context()
    assert evaluate(node, ctx) == "ann"
    compiled = node._compiled
    assert compiled is not None
    assert evaluate(node, ctx) == "ann"
    assert node._compiled is compiled


def test_hand_built_nodes_evaluate() -> None:
    assert evaluate(InputRef("username"), make_context()) == "ann"
    assert evaluate(Constant([1]), make_context()) == [1]


def test_evaluate_rejects_non_nodes() -> None:
    with pytest.raises(TypeError):
        evaluate("$inputs.x", make_context())  # type: ignore[arg-type]


def test_condition_evaluation_is_fast() -> None:
    cond = parse_condition("$statusCode == 200 && $response.body#/status == 'ok'")
    ctx = make_context()
    assert evaluate_condition(cond, ctx) is True
    rounds = 20000
    started = time.perf_counter()
    for _ in range(rounds):
        evaluate_condition(cond, ctx)
    per_call = (time.perf_counter() - started) / rounds
    assert per_call < 50e-6, f"{per_call * 1e6:.1f} µs per evaluation"
