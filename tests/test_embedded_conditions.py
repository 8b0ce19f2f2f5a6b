"""Arazzo 1.1: runtime expressions embedded as ``{$...}`` in regex, JSONPath and XPath conditions.

A real HTTP server answers; the conditions take their values from the run's inputs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_engine import Engine
from tests.http_server import RecordingServer, Reply

API = """\
openapi: 3.1.0
info: {title: orders, version: '1'}
servers: [{url: 'SERVER'}]
paths:
  /order:
    get:
      operationId: getOrder
      responses: {'200': {description: ok}}
"""


def write(folder: Path, server: RecordingServer, version: str, criteria: list[Any]) -> Path:
    (folder / "api.yaml").write_text(API.replace("SERVER", server.url))
    document = {
        "arazzo": version,
        "info": {"title": "t", "version": "1"},
        "sourceDescriptions": [{"name": "api", "url": "api.yaml", "type": "openapi"}],
        "workflows": [
            {
                "workflowId": "check",
                "inputs": {
                    "type": "object",
                    "properties": {
                        "prefix": {"type": "string"},
                        "status": {"type": "string"},
                        "count": {"type": "integer"},
                    },
                },
                "steps": [
                    {"stepId": "get", "operationId": "getOrder", "successCriteria": criteria}
                ],
            }
        ],
    }
    path = folder / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


BODY = {"code": "A-17", "status": "shipped", "items": [1, 2, 3], "note": "{$inputs.status}"}


@pytest.fixture
def order_server(http_server: RecordingServer) -> RecordingServer:
    http_server.route("GET", "/order", Reply(200, BODY))
    return http_server


def test_a_regex_condition_takes_an_input_value(
    tmp_path: Path, order_server: RecordingServer
) -> None:
    criteria = [
        {
            "context": "$response.body#/code",
            "condition": r"^{$inputs.prefix}-\d{2}$",
            "type": "regex",
        }
    ]
    engine = Engine.load(write(tmp_path, order_server, "1.1.0", criteria))
    assert engine.run("check", {"prefix": "A"}).succeeded
    failed = engine.run("check", {"prefix": "B"})
    assert not failed.succeeded
    assert len(order_server.requests) == 2


def test_a_jsonpath_condition_takes_input_values(
    tmp_path: Path, order_server: RecordingServer
) -> None:
    criteria = [
        {
            "context": "$response.body",
            "condition": '$[?(@.status == "{$inputs.status}")]',
            "type": "jsonpath",
        },
        {
            "context": "$response.body",
            "condition": "$[?length(@.items) == {$inputs.count}]",
            "type": "jsonpath",
        },
    ]
    engine = Engine.load(write(tmp_path, order_server, "1.1.0", criteria))
    assert engine.run("check", {"status": "shipped", "count": 3}).succeeded
    assert not engine.run("check", {"status": "pending", "count": 3}).succeeded
    assert not engine.run("check", {"status": "shipped", "count": 4}).succeeded


def test_a_substituted_condition_that_does_not_compile_fails_the_step_with_the_reason(
    tmp_path: Path, order_server: RecordingServer
) -> None:
    criteria = [
        {"context": "$response.body#/code", "condition": "^{$inputs.prefix}", "type": "regex"}
    ]
    engine = Engine.load(write(tmp_path, order_server, "1.1.0", criteria))
    result = engine.run("check", {"prefix": "(A"})
    assert not result.succeeded
    assert result.error is not None and "'^(A'" in result.error, result.error
    assert "does not compile" in result.error


def test_each_embedding_condition_draws_one_warning_that_values_are_not_escaped(
    tmp_path: Path, order_server: RecordingServer
) -> None:
    criteria = [
        {
            "context": "$response.body#/code",
            "condition": "{$inputs.prefix}|{$inputs.prefix}",
            "type": "regex",
        },
        {"context": "$response.body#/code", "condition": r"^A-\d{2}$", "type": "regex"},
    ]
    engine = Engine.load(write(tmp_path, order_server, "1.1.0", criteria))
    warnings = [f for f in engine.findings if f.rule == "embedded-unescaped"]
    assert [w.pointer for w in warnings] == ["/workflows/0/steps/0/successCriteria/0/condition"]
    assert "not escaped" in warnings[0].message
    assert engine.run("check", {"prefix": "A"}).succeeded  # '^A-\d{2}$' kept its quantifier


def test_a_bad_embedded_expression_is_a_located_load_error(
    tmp_path: Path, order_server: RecordingServer
) -> None:
    from arazzo_engine import ArazzoValidationError

    criteria = [{"context": "$response.body#/code", "condition": "^{$inputs.}$", "type": "regex"}]
    with pytest.raises(ArazzoValidationError) as info:
        Engine.load(write(tmp_path, order_server, "1.1.0", criteria))
    (error,) = [e for e in info.value.errors if e.severity == "error"]
    assert (error.rule, error.pointer) == (
        "criterion",
        "/workflows/0/steps/0/successCriteria/0/condition",
    )
    assert order_server.requests == []


def test_a_1_0_document_keeps_a_literal_brace_dollar(
    tmp_path: Path, order_server: RecordingServer
) -> None:
    criteria = [
        {
            "context": "$response.body",
            "condition": '$[?(@.note == "{$inputs.status}")]',
            "type": "jsonpath",
        }
    ]
    engine = Engine.load(write(tmp_path, order_server, "1.0.1", criteria))
    assert not [f for f in engine.findings if f.rule == "embedded-unescaped"]
    # the body's note is the literal text '{$inputs.status}': it matches as written
    assert engine.run("check", {"status": "shipped"}).succeeded
    # the same condition in a 1.1 document substitutes the input, and no longer matches
    engine_11 = Engine.load(write(tmp_path, order_server, "1.1.0", criteria))
    assert not engine_11.run("check", {"status": "shipped"}).succeeded


def test_a_null_regex_context_fails(tmp_path: Path, order_server: RecordingServer) -> None:
    criteria = [{"context": "$response.body#/missing", "condition": ".*", "type": "regex"}]
    result = Engine.load(write(tmp_path, order_server, "1.1.0", criteria)).run("check")
    assert not result.succeeded
    assert result.error is not None and "has no value" in result.error


def test_an_xpath_condition_takes_an_input_value(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    http_server.route(
        "GET",
        "/order",
        Reply(200, "<order><status>shipped</status></order>", content_type="application/xml"),
    )
    criteria = [
        {
            "context": "$response.body",
            "condition": "/order/status = '{$inputs.status}'",
            "type": "xpath",
        }
    ]
    engine = Engine.load(write(tmp_path, http_server, "1.1.0", criteria))
    assert engine.run("check", {"status": "shipped"}).succeeded
    assert not engine.run("check", {"status": "lost"}).succeeded
