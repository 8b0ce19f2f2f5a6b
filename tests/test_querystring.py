"""Arazzo 1.1 ``in: querystring``: one parameter that is the whole URL query.

A real server records the query string exactly as received.  Form content
(``application/x-www-form-urlencoded``, also when the operation declares
none): the literal text is sent as written, each embedded ``{$...}`` value
percent-encoded by the form rules; an object is form-encoded.  Other media:
the whole string percent-encoded.  ``$request.query.<n>`` reads the query
sent as form data.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import pytest

from arazzo_engine import Engine
from arazzo_engine.errors import ArazzoValidationError
from arazzo_engine.sources.openapi.querystring import query_pairs, querystring_text
from tests.http_server import RecordingServer, Reply


def _querystring(name: str, media: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "querystring",
        "content": {media: {"schema": {"type": "object"}}},
    }


API: dict[str, Any] = {
    "openapi": "3.2.0",
    "info": {"title": "search", "version": "1"},
    "paths": {
        "/search": {
            "get": {
                "operationId": "search",
                "parameters": [_querystring("filter", "application/x-www-form-urlencoded")],
                "responses": {"200": {"description": "found"}},
            }
        },
        "/find": {
            "get": {
                "operationId": "find",
                "parameters": [_querystring("doc", "application/json")],
                "responses": {"200": {"description": "found"}},
            }
        },
        "/plain": {"get": {"operationId": "plain", "responses": {"200": {"description": "found"}}}},
    },
}


def write(tmp_path: Path, steps: str, inputs: str = "{type: object}") -> Path:
    (tmp_path / "api.json").write_text(json.dumps(API), encoding="utf-8")
    text = (
        "arazzo: 1.1.0\ninfo: {title: t, version: '1'}\n"
        "sourceDescriptions: [{name: api, url: api.json, type: openapi}]\n"
        "workflows:\n  - workflowId: w\n"
        f"    inputs: {inputs}\n"
        "    steps:\n" + textwrap.indent(textwrap.dedent(steps), "      ")
    )
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run_one(
    tmp_path: Path, steps: str, inputs: dict[str, Any] | None = None, route: str = "/search"
) -> tuple[Any, RecordingServer]:
    path = write(tmp_path, steps)
    with RecordingServer() as server:
        server.route("GET", route, Reply(200, {"ok": True}))
        with Engine.load(path, servers={"api": server.url}) as engine:
            result = engine.run("w", inputs=inputs or {})
    return result, server


def step(value: str, operation: str = "search", name: str = "filter", extra: str = "") -> str:
    return (
        f"- stepId: s\n  operationId: {operation}\n"
        f"  parameters:\n    - {{name: {name}, in: querystring, value: {value}}}\n"
        "  successCriteria: [{condition: $statusCode == 200}]\n" + extra
    )


def test_a_literal_form_query_is_sent_as_written(tmp_path: Path) -> None:
    result, server = run_one(tmp_path, step("'filter=active&sort=desc&limit=50'"))
    assert result.succeeded, result.error
    assert server.requests[0].raw_query == "filter=active&sort=desc&limit=50"


def test_embedded_values_are_form_encoded_and_the_literal_kept(tmp_path: Path) -> None:
    value = "'category={$inputs.category}&note={$inputs.note}&inStock=true&x=%41'"
    inputs = {"category": "a&b=c", "note": "crème brûlée 100%"}
    result, server = run_one(tmp_path, step(value), inputs)
    assert result.succeeded, result.error
    received = server.requests[0]
    assert received.raw_query == (
        "category=a%26b%3Dc&note=cr%C3%A8me+br%C3%BBl%C3%A9e+100%25&inStock=true&x=%41"
    )
    assert received.query == [
        ("category", "a&b=c"),
        ("note", "crème brûlée 100%"),
        ("inStock", "true"),
        ("x", "A"),
    ]


def test_a_leading_question_mark_is_dropped_and_illegal_characters_encoded(
    tmp_path: Path,
) -> None:
    result, server = run_one(tmp_path, step("'?q=two words&tag=é'"))
    assert result.succeeded, result.error
    assert server.requests[0].raw_query == "q=two%20words&tag=%C3%A9"
    assert server.requests[0].query == [("q", "two words"), ("tag", "é")]


def test_an_object_value_is_form_encoded(tmp_path: Path) -> None:
    value = "{filter: active, tags: [a b, 'c&d'], page: 2, none: null}"
    result, server = run_one(tmp_path, step(value))
    assert result.succeeded, result.error
    assert server.requests[0].raw_query == "filter=active&tags=a+b&tags=c%26d&page=2"


def test_other_media_percent_encode_the_whole_string(tmp_path: Path) -> None:
    value = """'{"filter":"{$inputs.state}","limit":50}'"""
    result, server = run_one(tmp_path, step(value, "find", "doc"), {"state": "a&b é"}, "/find")
    assert result.succeeded, result.error
    raw = server.requests[0].raw_query
    assert raw == "%7B%22filter%22%3A%22a%26b%20%C3%A9%22%2C%22limit%22%3A50%7D"
    assert json.loads(unquote(raw)) == {"filter": "a&b é", "limit": 50}


def test_request_query_reads_the_sent_query_as_form_data(tmp_path: Path) -> None:
    extra = "  outputs:\n    category: $request.query.category\n    tags: $request.query.tag\n"
    value = "'category={$inputs.category}&tag=x&tag=y'"
    result, _ = run_one(tmp_path, step(value, extra=extra), {"category": "a&b"})
    assert result.succeeded, result.error
    assert result.steps[0].outputs == {"category": "a&b", "tags": ["x", "y"]}


def test_an_undeclared_querystring_is_sent_as_form_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, step("'q={$inputs.q}'", "plain", "q"))
    with RecordingServer() as server:
        server.route("GET", "/plain", Reply(200, {}))
        with Engine.load(path, servers={"api": server.url}) as engine:
            warnings = [(d.rule, d.pointer) for d in engine.warnings]
            result = engine.run("w", inputs={"q": "1&2"})
    assert ("undeclared-parameter", "/workflows/0/steps/0/parameters/0") in warnings
    assert result.succeeded, result.error
    assert server.requests[0].raw_query == "q=1%262"


def test_a_non_string_value_fails_the_step_naming_the_parameter(tmp_path: Path) -> None:
    result, server = run_one(tmp_path, step("$inputs.n"), {"n": 5})
    assert not result.succeeded and result.error is not None
    assert "querystring parameter 'filter' must be a string" in result.error
    assert "got int" in result.error
    assert server.requests == []


def test_an_object_for_json_media_fails_the_step(tmp_path: Path) -> None:
    result, server = run_one(tmp_path, step("{a: 1}", "find", "doc"), route="/find")
    assert not result.succeeded and result.error is not None
    assert "querystring parameter 'doc' must be a string (the whole query)" in result.error
    assert "application/json" in result.error
    assert server.requests == []


@pytest.mark.parametrize(
    ("parameters", "named"),
    [
        (
            "    - {name: filter, in: querystring, value: a=1}\n"
            "    - {name: other, in: querystring, value: b=2}\n",
            "querystring parameters 'filter', 'other'",
        ),
        (
            "    - {name: filter, in: querystring, value: a=1}\n"
            "    - {name: page, in: query, value: 2}\n",
            "query parameter(s) 'page'",
        ),
    ],
)
def test_a_second_querystring_or_a_query_beside_it_is_a_load_error(
    tmp_path: Path, parameters: str, named: str
) -> None:
    steps = "- stepId: s\n  operationId: search\n  parameters:\n" + parameters
    with pytest.raises(ArazzoValidationError) as raised:
        Engine.load(write(tmp_path, steps))
    errors = [d for d in raised.value.errors if d.severity == "error"]
    assert [(d.rule, d.pointer) for d in errors] == [
        (
            "querystring",
            "/workflows/0/steps/0/parameters/1"
            if "other" in named
            else "/workflows/0/steps/0/parameters/0",
        )
    ]
    assert named in errors[0].message


def test_a_workflow_query_parameter_counts_after_merging(tmp_path: Path) -> None:
    path = write(tmp_path, step("a=1"))
    text = path.read_text(encoding="utf-8").replace(
        "    steps:\n", "    parameters: [{name: page, in: query, value: 1}]\n    steps:\n", 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ArazzoValidationError) as raised:
        Engine.load(path)
    assert [d.rule for d in raised.value.errors if d.severity == "error"] == ["querystring"]


def test_the_encoding_rules_directly() -> None:
    form = "application/x-www-form-urlencoded"
    assert querystring_text("q", form, "a=1&b=%zz #x") == "a=1&b=%25zz%20%23x"
    assert querystring_text("q", None, {"k y": ["1", None, True]}) == "k+y=1&k+y=true"
    assert querystring_text("q", "text/plain", "?a b&c") == "a%20b%26c"
    assert query_pairs("a=1&b=2&a=3&c") == {"a": ["1", "3"], "b": "2", "c": ""}
    assert parse_qsl(querystring_text("q", form, {"x": "é&="})) == [("x", "é&=")]
