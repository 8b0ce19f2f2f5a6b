"""Hostile documents and inputs: only ArazzoError escapes, quickly; secrets never show.

Covered elsewhere, not repeated here: fuzzing of the expression, condition and
template parsers (``test_expressions_fuzz.py``); alias bombs, recursive aliases
and deep nesting read directly (``test_document.py``).
"""

from __future__ import annotations

import copy
import io
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from arazzo_engine import ArazzoError, ArazzoValidationError, Engine, StreamError
from tests.cli_run import arazzo
from tests.fault_server import FaultServer, refused_url

LOAD_LIMIT = 3.0
"""Seconds one load may take, whatever the document (the first pays lazy imports)."""

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "hostile", "version": "1.0.0"},
    "servers": [{"url": "http://127.0.0.1:9/v1"}],
    "security": [{"ApiKey": []}],
    "paths": {
        "/things/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "operationId": "getThing",
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            },
            "put": {
                "operationId": "putThing",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"204": {"description": "done"}},
            },
        }
    },
    "components": {
        "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}
    },
}

FLOW: dict[str, Any] = {
    "arazzo": "1.0.1",
    "info": {"title": "hostile", "version": "1.0.0"},
    "sourceDescriptions": [{"name": "api", "url": "api.openapi.yaml", "type": "openapi"}],
    "workflows": [
        {
            "workflowId": "main",
            "inputs": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "n": {"type": "integer"}},
            },
            "steps": [
                {
                    "stepId": "get",
                    "operationId": "getThing",
                    "parameters": [
                        {"name": "id", "in": "path", "value": "$inputs.id"},
                        {"name": "limit", "in": "query", "value": "$inputs.n"},
                    ],
                    "successCriteria": [
                        {"condition": "$statusCode == 200"},
                        {"context": "$response.body", "condition": "^\\{", "type": "regex"},
                    ],
                    "onFailure": [
                        {"name": "again", "type": "retry", "retryAfter": 0, "retryLimit": 1}
                    ],
                    "outputs": {"name": "$response.body#/name"},
                },
                {
                    "stepId": "put",
                    "operationPath": "{$sourceDescriptions.api.url}#/paths/~1things~1{id}/put",
                    "parameters": [{"name": "id", "in": "path", "value": "$inputs.id"}],
                    "requestBody": {
                        "contentType": "application/json",
                        "payload": {"name": "{$steps.get.outputs.name} copy"},
                        "replacements": [{"target": "/n", "value": "$inputs.n"}],
                    },
                    "successCriteria": [{"condition": "$statusCode == 204"}],
                    "onSuccess": [{"name": "done", "type": "end"}],
                },
            ],
            "outputs": {"name": "$steps.get.outputs.name"},
        },
        {
            "workflowId": "child",
            "dependsOn": ["main"],
            "steps": [
                {
                    "stepId": "call",
                    "workflowId": "main",
                    "parameters": [{"name": "id", "value": "x"}],
                }
            ],
        },
    ],
    "components": {
        "inputs": {"id": {"type": "string"}},
        "failureActions": {"stop": {"name": "stop", "type": "end"}},
    },
}

ARAZZO_WORDS = [
    "arazzo", "info", "sourceDescriptions", "workflows", "workflowId", "steps", "stepId",
    "operationId", "operationPath", "parameters", "name", "in", "value", "successCriteria",
    "condition", "context", "type", "onSuccess", "onFailure", "outputs", "inputs",
    "dependsOn", "components", "requestBody", "payload", "replacements", "target",
    "retryAfter", "retryLimit", "url", "$ref", "reference", "paths", "openapi", "get",
    "servers", "security", "securitySchemes", "responses", "schema", "properties",
]  # fmt: skip

EXPRESSIONS = [
    "$inputs.id", "$steps.get.outputs.name", "$steps.nope.outputs.x", "$response.body#/a/0",
    "$response.header.X", "$statusCode == 200 && $response.body#/a != null", "{$inputs.id}",
    "$", "$$", "$inputs.", "$components.parameters.x", "$sourceDescriptions.api.url",
    "$workflows.main.outputs.name", "#/paths/~1things~1{id}/get", "((((((((", "a" * 300,
    "$.x[?(@.a>1)]", "//a[1]", "$response.body#/" + "a/" * 50, "\x00", "é\u202e",
    "{$sourceDescriptions.api.url}#/paths/nope", "goto", "retry", "end", "simple", "regex",
    "jsonpath", "xpath", "api", "main", "child", "get", "put", "../../etc/passwd",
    "http://127.0.0.1:9/x.yaml", "ftp://127.0.0.1/x.yaml", "file:///etc/passwd",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(EXPRESSIONS)
)
keys = st.sampled_from(ARAZZO_WORDS) | st.text(max_size=12)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=24,
)


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node)
    if isinstance(node, list):
        return list(range(len(node)))
    return []


def mutate(document: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """A copy of ``document`` with a few subtrees replaced, removed or added."""
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        parent: Any = document
        key = data.draw(st.sampled_from(_children(parent)), label="key")
        while _children(parent[key]) and data.draw(st.integers(0, 3), label="deeper") > 0:
            parent, key = parent[key], data.draw(st.sampled_from(_children(parent[key])))
        action = data.draw(st.sampled_from(["replace", "delete", "add"]), label="action")
        if action == "replace":
            parent[key] = data.draw(values, label="value")
        elif action == "delete" and isinstance(parent, dict) and len(parent) > 1:
            del parent[key]
        elif isinstance(parent, dict):
            parent[data.draw(keys, label="new key")] = data.draw(values, label="value")
        else:
            parent.append(data.draw(values, label="value"))
    return document


def load_only_arazzo_errors(path: Path, **options: Any) -> Engine | None:
    """Load; anything but an ArazzoError fails the test, and so does a slow load."""
    started = time.perf_counter()
    try:
        return Engine.load(path, **options)
    except ArazzoError:
        return None
    finally:
        elapsed = time.perf_counter() - started
        assert elapsed < LOAD_LIMIT, f"load took {elapsed:.2f} s"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def write_pair(folder: Path, flow: Any, api: Any, *, as_json: bool = False) -> Path:
    def dump(value: Any) -> str:
        if as_json:
            return json.dumps(value)
        return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)

    (folder / "api.openapi.yaml").write_text(dump(api), encoding="utf-8")
    path = folder / ("flow.arazzo.json" if as_json else "flow.arazzo.yaml")
    path.write_text(dump(flow), encoding="utf-8")
    return path


def test_the_base_documents_load(folder: Path) -> None:
    engine = Engine.load(write_pair(folder, FLOW, API))
    assert engine.workflow_ids == ["main", "child"]


# -- fuzzing the loader -------------------------------------------------------------------
@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["flow.yaml", "flow.json", "flow"]))
def test_random_bytes_raise_only_arazzo_errors(folder: Path, data: bytes, name: str) -> None:
    path = folder / name
    path.write_bytes(data)
    assert load_only_arazzo_errors(path) is None


@FUZZ
@given(st.text(max_size=2000))
def test_random_text_after_an_arazzo_header_raises_only_arazzo_errors(
    folder: Path, text: str
) -> None:
    path = folder / "text.arazzo.yaml"
    path.write_text("arazzo: 1.0.1\n" + text, encoding="utf-8", errors="surrogatepass")
    load_only_arazzo_errors(path)


@FUZZ
@given(values)
def test_random_structures_raise_only_arazzo_errors(folder: Path, value: Any) -> None:
    (folder / "api.openapi.yaml").write_text(yaml.safe_dump(API), encoding="utf-8")
    path = folder / "random.arazzo.yaml"
    path.write_text(yaml.safe_dump({"arazzo": "1.0.1", "workflows": value}), encoding="utf-8")
    load_only_arazzo_errors(path)


def _load_mutated(folder: Path, flow: Any, api: Any, as_json: bool) -> None:
    try:
        path = write_pair(folder, flow, api, as_json=as_json)
    except (ValueError, TypeError, yaml.YAMLError):
        return  # not representable as YAML/JSON text
    load_only_arazzo_errors(path)


@FUZZ
@given(st.data(), st.booleans())
def test_mutated_arazzo_documents_raise_only_arazzo_errors(
    folder: Path, data: st.DataObject, as_json: bool
) -> None:
    _load_mutated(folder, mutate(FLOW, data), API, as_json)


@settings(FUZZ, phases=[Phase.explicit, Phase.reuse, Phase.generate], report_multiple_bugs=False)
@given(st.data(), st.booleans())
def test_mutated_openapi_descriptions_raise_only_arazzo_errors(
    folder: Path, data: st.DataObject, as_json: bool
) -> None:
    _load_mutated(folder, FLOW, mutate(API, data), as_json)


# -- documents built to hurt ------------------------------------------------------------------
def test_an_alias_bomb_in_a_source_description_is_rejected_quickly(folder: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    path = write_pair(folder, FLOW, API)
    (folder / "api.openapi.yaml").write_text(
        yaml.safe_dump(API) + "x-bomb:\n" + "".join(f"  {line}\n" for line in lines)
    )
    started = time.perf_counter()
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(path)
    assert time.perf_counter() - started < 2.0
    assert "api.openapi.yaml" in str(caught.value) and "alias" in str(caught.value)


# -- source descriptions: remote and other schemes --------------------------------------------
def _with_source_url(folder: Path, url: str) -> Path:
    flow = copy.deepcopy(FLOW)
    flow["sourceDescriptions"][0]["url"] = url
    return write_pair(folder, flow, API)


def test_a_remote_source_is_refused_by_default(folder: Path) -> None:
    with FaultServer() as server:
        path = _with_source_url(folder, server.url + "/fault/echo")
        with pytest.raises(ArazzoValidationError) as caught:
            Engine.load(path)
        assert server.requests == []
    message = str(caught.value)
    assert "source description 'api' is remote" in message
    assert "remote loading is off; allow it with Engine.load(..., allow_remote=True)" in message


@pytest.mark.parametrize(
    "url",
    [
        "file:///{folder}/api.openapi.yaml",
        "ftp://127.0.0.1/api.openapi.yaml",
        "gopher://127.0.0.1/api.openapi.yaml",
        "data:application/yaml,openapi: 3.0.3",
    ],
)
def test_a_source_url_with_another_scheme_is_refused(folder: Path, url: str) -> None:
    path = _with_source_url(folder, url.format(folder=folder))
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(path)
    scheme = url.split(":", 1)[0]
    assert f"scheme '{scheme}'" in str(caught.value)


# -- credentials never show ----------------------------------------------------------------
SECRETS = {
    "ApiKey": "hdr-k3y-5ecret",
    "QueryKey": "qry-k3y-5ecret",
    "Bearer": "b34rer-5ecret",
    "Session": "c00kie-5ecret",
}

SECRET_API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "secret", "version": "1.0.0"},
    "servers": [{"url": "http://127.0.0.1:9"}],
    "security": [{"ApiKey": [], "QueryKey": [], "Bearer": [], "Session": []}],
    "paths": {
        "/fault/{kind}": {
            "parameters": [
                {"name": "kind", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {"operationId": "getFault", "responses": {"200": {"description": "ok"}}},
        }
    },
    "components": {
        "securitySchemes": {
            "ApiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "QueryKey": {"type": "apiKey", "in": "query", "name": "api_key"},
            "Bearer": {"type": "http", "scheme": "bearer"},
            "Session": {"type": "apiKey", "in": "cookie", "name": "session"},
        }
    },
}


def _secret_flow(folder: Path) -> Path:
    def workflow(workflow_id: str, kind: str, condition: str, source: str = "api") -> Any:
        return {
            "workflowId": workflow_id,
            "steps": [
                {
                    "stepId": "call",
                    "operationId": f"$sourceDescriptions.{source}.getFault",
                    "parameters": [{"name": "kind", "in": "path", "value": kind}],
                    "successCriteria": [{"condition": condition}],
                    "outputs": {"status": "$statusCode"},
                }
            ],
        }

    flow = {
        "arazzo": "1.0.1",
        "info": {"title": "secrets", "version": "1.0.0"},
        "sourceDescriptions": [
            {"name": "api", "url": "secret.openapi.yaml", "type": "openapi"},
            {"name": "down", "url": "secret.openapi.yaml", "type": "openapi"},
        ],
        "workflows": [
            workflow("ok", "echo", "$statusCode == 200"),
            workflow("redirected", "redirect-other", "$statusCode == 200"),
            workflow("criteria", "echo", "$statusCode == 201"),
            workflow("reset", "reset-body", "$statusCode == 200"),
            workflow("badjson", "bad-json", "$response.body#/status == 'ok'"),
            workflow("storm", "storm", "$statusCode == 200"),
            workflow("stream", "sse-cut-chunked", "$statusCode == 200"),
            workflow("refused", "echo", "$statusCode == 200", source="down"),
        ],
    }
    (folder / "secret.openapi.yaml").write_text(yaml.safe_dump(SECRET_API))
    path = folder / "secrets.arazzo.yaml"
    path.write_text(yaml.safe_dump(flow, sort_keys=False))
    return path


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Every log record of every logger at DEBUG, formatted with its arguments."""
    text = io.StringIO()
    handler = logging.StreamHandler(text)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield text
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _assert_no_secret(text: str, where: str) -> None:
    for name, secret in SECRETS.items():
        assert secret not in text, f"the {name} credential shows in {where}"


def test_credentials_never_show_in_logs_results_errors_or_reprs(
    folder: Path, debug_log: io.StringIO
) -> None:
    path = _secret_flow(folder)
    shown: list[str] = []
    with FaultServer() as other, FaultServer(other_url=other.url) as server:
        engine = Engine.load(
            path,
            servers={"api": server.url, "down": refused_url()},
            credentials=SECRETS,
            timeout=0.5,
        )
        shown.append(repr(engine))
        for workflow_id in engine.workflow_ids:
            with engine.run(workflow_id) as result:
                shown += [repr(result), str(result.error), json.dumps(result.to_json())]
                for step in result.steps:
                    shown += [repr(step), str(step), repr(step.request), str(step.request)]
                    shown += [repr(step.response), str(step.error)]
                    if step.response is not None and step.response.is_stream:
                        with pytest.raises(StreamError) as caught:
                            list(step.response.events())
                        shown.append(str(caught.value))
                assert result.succeeded == (workflow_id in ("ok", "redirected", "stream")), (
                    workflow_id,
                    result.error,
                )
        received = server.seen("echo")[0]
    # The credentials did go out, to the server they belong to.
    assert received.headers["x-api-key"] == SECRETS["ApiKey"]
    assert f"api_key={SECRETS['QueryKey']}" in received.path
    log = debug_log.getvalue()
    assert "arazzo_engine" in log and "urllib3" in log
    _assert_no_secret(log, "the DEBUG log")
    for text in shown:
        _assert_no_secret(text, text)


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_credentials_never_show_in_the_command_line_output(folder: Path, as_json: bool) -> None:
    path = _secret_flow(folder)
    auth = [arg for name, value in SECRETS.items() for arg in ("--auth", f"{name}={value}")]
    outputs = []
    with FaultServer() as other, FaultServer(other_url=other.url) as server:
        servers = ["--server", f"api={server.url}", "--server", f"down={refused_url()}"]
        for workflow_id in ("ok", "redirected", "criteria", "reset", "badjson", "stream"):
            extra = ["--json"] if as_json else []
            done = arazzo("run", str(path), "-w", workflow_id, *servers, *auth, *extra)
            assert done.returncode in (0, 1), done.stderr
            outputs.append(done.stdout + done.stderr)
        assert server.seen("echo")[0].headers["x-api-key"] == SECRETS["ApiKey"]
    for text in outputs:
        _assert_no_secret(text, text)


def test_criteria_texts_and_contexts_are_bounded() -> None:
    from arazzo_engine.criteria import CriterionCompileError, compile_criterion
    from arazzo_engine.criteria.jsonpath import MAX_QUERY_LENGTH
    from arazzo_engine.criteria.regex import MAX_REGEX_PATTERN
    from arazzo_engine.criteria.xpath import MAX_QUERY_LENGTH as MAX_XPATH_LENGTH
    from arazzo_engine.model import Criterion

    long_query = "$.a" + "[0]" * MAX_QUERY_LENGTH
    with pytest.raises(CriterionCompileError, match="the limit is"):
        compile_criterion(
            Criterion(condition=long_query, context="$response.body", type="jsonpath")
        )
    long_xpath = "/a" + "/b" * MAX_XPATH_LENGTH
    with pytest.raises(CriterionCompileError, match="the limit is"):
        compile_criterion(Criterion(condition=long_xpath, context="$response.body", type="xpath"))
    with pytest.raises(CriterionCompileError, match="the limit is"):
        compile_criterion(
            Criterion(condition="a" * (MAX_REGEX_PATTERN + 1), context="$url", type="regex")
        )
