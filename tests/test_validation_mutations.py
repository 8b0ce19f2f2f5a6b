"""Random mutations of a valid document never crash a load.

Nodes of a rich, valid document are deleted, replaced or retyped at random; a
load of the result either succeeds or raises one ArazzoValidationError whose
findings are all located and carry a known rule id.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arazzo_engine import Engine
from arazzo_engine.errors import ArazzoValidationError
from arazzo_engine.validation import RULES
from tests.validation_corpus import CORPUS

BASE: dict[str, Any] = {
    "arazzo": "1.0.1",
    "info": {"title": "mutations", "version": "1"},
    "sourceDescriptions": [{"name": "api", "url": "api.openapi.yaml", "type": "openapi"}],
    "workflows": [
        {
            "workflowId": "adopt",
            "inputs": {"$ref": "#/components/inputs/adoption"},
            "parameters": [{"name": "X-Trace", "in": "header", "value": "{$inputs.trace}"}],
            "failureActions": [{"reference": "$components.failureActions.stop"}],
            "steps": [
                {
                    "stepId": "create",
                    "operationId": "createPet",
                    "requestBody": {
                        "contentType": "application/json",
                        "payload": {"name": "$inputs.name", "tags": ["a", "$inputs.trace"]},
                        "replacements": [{"target": "/name", "value": 10}],
                    },
                    "successCriteria": [{"condition": "$statusCode == 201"}],
                    "onFailure": [
                        {
                            "name": "again",
                            "type": "retry",
                            "retryAfter": 0,
                            "retryLimit": 2,
                            "criteria": [{"condition": "$statusCode == 503"}],
                        }
                    ],
                    "outputs": {"id": "$response.body#/id"},
                },
                {
                    "stepId": "fetch",
                    "operationPath": "{$sourceDescriptions.api.url}#/paths/~1pets~1{petId}/get",
                    "parameters": [
                        {"name": "petId", "in": "path", "value": "$steps.create.outputs.id"},
                        {"reference": "$components.parameters.trace", "value": "t"},
                    ],
                    "successCriteria": [
                        {"condition": "$statusCode == 200 && $response.body#/name != null"},
                        {"context": "$response.body#/name", "type": "regex", "condition": "^r"},
                    ],
                    "onSuccess": [
                        {
                            "name": "loop",
                            "type": "goto",
                            "stepId": "create",
                            "criteria": [{"condition": "$response.body#/again == true"}],
                        }
                    ],
                    "outputs": {"name": "$response.body#/name"},
                },
                {
                    "stepId": "child",
                    "workflowId": "notify",
                    "parameters": [{"name": "who", "value": "$steps.fetch.outputs.name"}],
                    "outputs": {"sent": "$outputs.sent"},
                },
            ],
            "outputs": {
                "name": "$steps.fetch.outputs.name",
                "sent": "$steps.child.outputs.sent",
            },
        },
        {
            "workflowId": "notify",
            "dependsOn": [],
            "inputs": {
                "type": "object",
                "required": ["who"],
                "properties": {"who": {"type": "string"}},
            },
            "steps": [
                {
                    "stepId": "list",
                    "operationId": "listPets",
                    "parameters": [{"name": "status", "in": "query", "value": "$inputs.who"}],
                    "successCriteria": [{"condition": "$statusCode == 200"}],
                    "outputs": {"count": "$response.body#/0"},
                }
            ],
            "outputs": {"sent": "$steps.list.outputs.count"},
        },
    ],
    "components": {
        "inputs": {
            "adoption": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "trace": {"type": "string"}},
            }
        },
        "parameters": {"trace": {"name": "X-Trace", "in": "header", "value": "base"}},
        "failureActions": {"stop": {"name": "stop", "type": "end"}},
    },
}

INTERESTING = st.sampled_from(
    [
        "",
        "adopt",
        "notify",
        "create",
        "fetch",
        "api",
        "path",
        "goto",
        "retry",
        "end",
        "jsonpath",
        "$steps.fetch.outputs.name",
        "$steps.nope.outputs.x",
        "$steps.",
        "$inputs.name",
        "$inputs.",
        "$outputs.sent",
        "{$inputs.name",
        "$response.body#/a/~2",
        "$components.parameters.trace",
        "$components.parameters.nope",
        "$sourceDescriptions.api.getPet",
        "$sourceDescriptions.nope.url",
        "{$sourceDescriptions.api.url}#/paths",
        "#/components/inputs/nope",
        "$statusCode = = 200",
        '{"a": 1',
        "x-extra",
        "1.0.1",
        "api.openapi.yaml",
        "../missing.yaml",
        "http://127.0.0.1:1/api.yaml",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    INTERESTING,
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(INTERESTING, st.text(max_size=6)), inner, max_size=3),
    ),
    max_leaves=6,
)

Path_ = tuple[str | int, ...]


def paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    found: list[Path_] = []
    items: list[tuple[str | int, Any]] = []
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    for key, value in items:
        found.append((*prefix, key))
        found.extend(paths(value, (*prefix, key)))
    return found


def retype(value: Any) -> Any:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    if isinstance(value, str):
        return len(value)
    if value is None or isinstance(value, bool):
        return "true"
    return str(value)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        where = draw(st.sampled_from(paths(data)))
        parent: Any = data
        for key in where[:-1]:
            parent = parent[key]
        last = where[-1]
        action = draw(st.sampled_from(["delete", "replace", "retype", "rename"]))
        if action == "delete":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(VALUES)
        elif action == "retype":
            parent[last] = retype(parent[last])
        elif isinstance(parent, dict):
            parent[draw(INTERESTING)] = parent.pop(last)
    return data


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mutations")
    (path / "api.openapi.yaml").write_text((CORPUS / "api.openapi.yaml").read_text())
    return path


def test_the_base_document_is_valid(folder: Path) -> None:
    target = folder / "base.arazzo.json"
    target.write_text(json.dumps(BASE))
    engine = Engine.load(target)
    assert sorted(engine.workflow_ids) == ["adopt", "notify"]


@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=mutated())
def test_a_mutated_document_loads_or_raises_one_validation_error(
    folder: Path, data: dict[str, Any]
) -> None:
    target = folder / "mutated.arazzo.json"
    target.write_text(json.dumps(data))
    try:
        Engine.load(target)
    except ArazzoValidationError as error:
        assert any(d.severity == "error" for d in error.errors)
        for finding in error.errors:
            assert finding.rule in RULES, finding
            assert finding.file == str(target), finding
            assert finding.line >= 0 and finding.column >= 0
            assert finding.pointer == "" or finding.pointer.startswith("/")
            assert finding.message
