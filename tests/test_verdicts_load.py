"""Load-time verdicts: what a load accepts, warns about, and how such documents then run.

Each test writes its own small Arazzo and OpenAPI documents into a temporary
folder; runs go to a real server on 127.0.0.1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine
from arazzo_engine.errors import ArazzoValidationError, Diagnostic
from tests.http_server import RecordingServer, Reply

# ---------------------------------------------------------------- helpers


def _write(folder: Path, name: str, data: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _openapi(paths: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "http://127.0.0.1:9"}],
        "paths": paths,
    }


def _arazzo(
    workflows: list[dict[str, Any]], sources: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {
        "arazzo": "1.0.1",
        "info": {"title": "t", "version": "1"},
        "sourceDescriptions": sources
        or [{"name": "api", "url": "api.openapi.json", "type": "openapi"}],
        "workflows": workflows,
    }


def _found(engine: Engine, rule: str) -> list[Diagnostic]:
    return [d for d in engine.warnings if d.rule == rule]


def _query_param(name: str, *, required: bool = True) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": {"type": "string"}}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


_OK = {"200": {"description": "ok"}}


# ------------------------------------------------- a query part in a paths key

_S3_LIKE = _openapi(
    {
        "/{Bucket}/{Key+}?uploads": {
            "post": {
                "operationId": "CreateUpload",
                "parameters": [_path_param("Bucket"), _path_param("Key+")],
                "responses": _OK,
            }
        },
        "/{Bucket}/{Key+}?uploadId={uploadId}": {
            "post": {
                "operationId": "CompleteUpload",
                "parameters": [
                    _path_param("Bucket"),
                    _path_param("Key+"),
                    _query_param("uploadId"),
                ],
                "responses": _OK,
            }
        },
        "/{Bucket}?list-type=2": {
            "get": {
                "operationId": "ListV2",
                "parameters": [
                    _path_param("Bucket"),
                    _query_param("list-type", required=False),
                    _query_param("prefix", required=False),
                ],
                "responses": _OK,
            }
        },
    }
)


def _s3_flow(folder: Path, list_type: str | None = None) -> Path:
    _write(folder, "api.openapi.json", _S3_LIKE)
    bucket = {"name": "Bucket", "in": "path", "value": "pics"}
    key = {"name": "Key+", "in": "path", "value": "cat.png"}
    listing: list[dict[str, Any]] = [bucket, {"name": "prefix", "in": "query", "value": "c"}]
    if list_type is not None:
        listing.append({"name": "list-type", "in": "query", "value": list_type})
    steps = [
        {
            "stepId": "start",
            "operationPath": "{$sourceDescriptions.api.url}#/paths/~1{Bucket}~1{Key+}?uploads/post",
            "parameters": [bucket, key],
        },
        {
            "stepId": "finish",
            "operationId": "CompleteUpload",
            "parameters": [bucket, key, {"name": "uploadId", "in": "query", "value": "u 1"}],
        },
        {"stepId": "list", "operationId": "ListV2", "parameters": listing},
    ]
    for step in steps:
        step["successCriteria"] = [{"condition": "$statusCode == 200"}]
    return _write(folder, "flow.arazzo.json", _arazzo([{"workflowId": "s3", "steps": steps}]))


def test_a_query_parameter_named_in_the_paths_key_is_not_a_path_parameter(
    tmp_path: Path,
) -> None:
    engine = Engine.load(_s3_flow(tmp_path))
    assert not [d for d in engine.warnings if d.rule in ("path-parameter", "undeclared-parameter")]


def test_the_path_template_ends_at_the_question_mark(tmp_path: Path) -> None:
    (folder := tmp_path / "f").mkdir()
    _write(folder, "api.openapi.json", _S3_LIKE)
    document = _arazzo(
        [
            {
                "workflowId": "w",
                "steps": [
                    {
                        "stepId": "finish",
                        "operationId": "CompleteUpload",
                        "parameters": [{"name": "Bucket", "in": "path", "value": "b"}],
                        "successCriteria": [{"condition": "$statusCode == 200"}],
                    }
                ],
            }
        ]
    )
    with pytest.raises(ArazzoValidationError) as raised:
        Engine.load(_write(folder, "flow.arazzo.json", document))
    messages = [d.message for d in raised.value.errors if d.rule == "path-parameter"]
    assert len(messages) == 1, messages
    assert "parameter 'Key+'" in messages[0]
    assert "POST /{Bucket}/{Key+}?uploadId={uploadId}" in messages[0]


def test_requests_send_the_literal_query_of_the_key_and_the_declared_parameters(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    http_server.answer_ok("POST /pics/cat.png", "GET /pics")
    engine = Engine.load(_s3_flow(tmp_path), servers={"api": http_server.url})
    result = engine.run("s3")
    assert result.succeeded, result.error
    start, finish, listing = http_server.requests
    assert start.raw_query == "uploads"
    assert finish.raw_query == "uploadId=u%201"
    assert listing.raw_query == "list-type=2&prefix=c"
    assert all("?" not in r.path for r in http_server.requests)


def test_a_query_parameter_the_step_gives_replaces_the_literal_of_the_key(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    http_server.answer_ok("POST /pics/cat.png", "GET /pics")
    engine = Engine.load(_s3_flow(tmp_path, list_type="1"), servers={"api": http_server.url})
    assert engine.run("s3").succeeded
    assert http_server.requests[-1].query == [("prefix", "c"), ("list-type", "1")]


# --------------------------------------------- $response.query and $response.path

_ONE_GET = _openapi(
    {
        "/items/{id}": {
            "get": {
                "operationId": "getItem",
                "parameters": [_path_param("id")],
                "responses": {"200": {"description": "ok", "content": {"application/json": {}}}},
            }
        }
    }
)


def test_response_query_and_path_load_with_a_warning_and_evaluate_to_null(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    _write(tmp_path, "api.openapi.json", _ONE_GET)
    step = {
        "stepId": "get",
        "operationId": "getItem",
        "parameters": [{"name": "id", "in": "path", "value": "7"}],
        "successCriteria": [{"condition": "$statusCode == 200"}],
        "outputs": {
            "q": "$response.query.id",
            "p": "$response.path.id",
            "sent": "$request.path.id",
        },
    }
    workflow = {
        "workflowId": "w",
        "steps": [step],
        "outputs": {k: f"$steps.get.outputs.{k}" for k in ("q", "p", "sent")},
    }
    engine = Engine.load(
        _write(tmp_path, "flow.arazzo.json", _arazzo([workflow])),
        servers={"api": http_server.url},
    )
    warned = _found(engine, "response-parameter")
    assert sorted(d.pointer for d in warned) == [
        "/workflows/0/steps/0/outputs/p",
        "/workflows/0/steps/0/outputs/q",
    ]
    assert "write '$request.path.id'" in next(d.message for d in warned if d.pointer.endswith("p"))
    http_server.route("GET", "/items/7", Reply(200, {"id": 7}))
    result = engine.run("w")
    assert result.succeeded, result.error
    assert result.outputs == {"q": None, "p": None, "sent": "7"}


# ------------------------------------------------ unqualified operationId


def _two_sources(folder: Path, operation_id: str, *, second: bool = True) -> Path:
    _write(folder, "api.openapi.json", _ONE_GET)
    sources = [{"name": "api", "url": "api.openapi.json", "type": "openapi"}]
    if second:
        other = _openapi({"/orders": {"get": {"operationId": "listOrders", "responses": _OK}}})
        _write(folder, "orders.openapi.json", other)
        sources.append({"name": "orders", "url": "orders.openapi.json", "type": "openapi"})
    step = {
        "stepId": "get",
        "operationId": operation_id,
        "parameters": [{"name": "id", "in": "path", "value": "7"}],
        "successCriteria": [{"condition": "$statusCode == 200"}],
    }
    document = _arazzo([{"workflowId": "w", "steps": [step]}], sources)
    return _write(folder, "flow.arazzo.json", document)


def test_a_bare_operation_id_among_several_sources_is_warned_with_the_form_to_write(
    tmp_path: Path,
) -> None:
    engine = Engine.load(_two_sources(tmp_path, "getItem"))
    (warning,) = _found(engine, "unqualified-operation-id")
    assert warning.pointer == "/workflows/0/steps/0/operationId"
    assert "(api, orders)" in warning.message
    assert "write '$sourceDescriptions.api.getItem'" in warning.message


def test_a_qualified_operation_id_or_a_single_source_is_not_warned(tmp_path: Path) -> None:
    (qualified := tmp_path / "q").mkdir()
    (single := tmp_path / "s").mkdir()
    for engine in (
        Engine.load(_two_sources(qualified, "$sourceDescriptions.api.getItem")),
        Engine.load(_two_sources(single, "getItem", second=False)),
    ):
        assert not _found(engine, "unqualified-operation-id")
        assert engine.workflow_ids == ["w"]


# ------------------------------------------------ JavaScript regex literals


def _regex_flow(folder: Path, *patterns: str) -> Path:
    _write(folder, "api.openapi.json", _ONE_GET)
    workflows = [
        {
            "workflowId": f"w{i}",
            "steps": [
                {
                    "stepId": "get",
                    "operationId": "getItem",
                    "parameters": [{"name": "id", "in": "path", "value": "7"}],
                    "successCriteria": [
                        {"context": "$response.body#/state", "condition": p, "type": "regex"}
                    ],
                }
            ],
        }
        for i, p in enumerate(patterns)
    ]
    return _write(folder, "flow.arazzo.json", _arazzo(workflows))


def test_a_javascript_regex_literal_is_warned_and_the_pattern_shown_matches(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    engine = Engine.load(_regex_flow(tmp_path, "/^ok$/i"), servers={"api": http_server.url})
    (warning,) = _found(engine, "regex-literal")
    assert warning.pointer == "/workflows/0/steps/0/successCriteria/0/condition"
    assert warning.message.endswith("write '(?i)^ok$'")
    http_server.route("GET", "/items/7", Reply(200, {"state": "OK"}))
    assert not engine.run("w0").succeeded  # as written, it never matches

    (fixed := tmp_path / "fixed").mkdir()
    engine = Engine.load(_regex_flow(fixed, "(?i)^ok$"), servers={"api": http_server.url})
    assert not _found(engine, "regex-literal")
    assert engine.run("w0").succeeded


def test_slashes_without_flags_or_anchors_are_not_a_regex_literal(tmp_path: Path) -> None:
    engine = Engine.load(_regex_flow(tmp_path, "/pets/", "/x$/", r"/a\$/", "//g"))
    found = [d.pointer.split("/")[2] for d in _found(engine, "regex-literal")]
    assert found == ["1"], found  # only '/x$/' is anchored ('\$' is a dollar sign)


# ------------------------------------------------ workflows calling each other


def _call(step_id: str, workflow_id: str) -> dict[str, Any]:
    return {"stepId": step_id, "workflowId": workflow_id}


def _get(step_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "stepId": step_id,
        "operationId": "getItem",
        "parameters": [{"name": "id", "in": "path", "value": "7"}],
        "successCriteria": [{"condition": "$statusCode == 200"}],
        **extra,
    }


def test_workflows_calling_each_other_across_documents_are_warned_and_do_recurse(
    tmp_path: Path,
) -> None:
    arazzo_source = {"name": "other", "url": "other.arazzo.json", "type": "arazzo"}
    back = {"name": "main", "url": "main.arazzo.json", "type": "arazzo"}
    _write(
        tmp_path,
        "other.arazzo.json",
        _arazzo(
            [{"workflowId": "helper", "steps": [_call("back", "$sourceDescriptions.main.entry")]}],
            [back],
        ),
    )
    entry = _arazzo(
        [{"workflowId": "entry", "steps": [_call("help", "$sourceDescriptions.other.helper")]}],
        [arazzo_source],
    )
    engine = Engine.load(_write(tmp_path, "main.arazzo.json", entry))
    (warning,) = _found(engine, "workflow-call-cycle")
    assert "helper (in other.arazzo.json) -> entry -> helper (in other" in warning.message
    result = engine.run("entry")
    assert not result.succeeded
    assert "calling itself" in str(result.error)


def test_a_workflow_calling_itself_first_is_warned(tmp_path: Path) -> None:
    _write(tmp_path, "api.openapi.json", _ONE_GET)
    workflows = [{"workflowId": "loop", "steps": [_get("look"), _call("again", "loop")]}]
    engine = Engine.load(_write(tmp_path, "flow.arazzo.json", _arazzo(workflows)))
    (warning,) = _found(engine, "workflow-call-cycle")
    assert warning.pointer == "/workflows/0/steps/1"
    assert "on every run: loop -> loop (step 'again'" in warning.message


def test_an_action_before_the_call_makes_the_recursion_conditional(tmp_path: Path) -> None:
    _write(tmp_path, "api.openapi.json", _ONE_GET)
    done = {
        "name": "done",
        "type": "end",
        "criteria": [{"condition": "$response.body#/state == 'done'"}],
    }
    workflows = [
        {"workflowId": "poll", "steps": [_get("look", onSuccess=[done]), _call("again", "poll")]},
        {
            "workflowId": "inherited",
            "successActions": [done],
            "steps": [_get("look"), _call("again", "inherited")],
        },
    ]
    engine = Engine.load(_write(tmp_path, "flow.arazzo.json", _arazzo(workflows)))
    assert not _found(engine, "workflow-call-cycle")
