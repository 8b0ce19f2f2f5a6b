"""Deep nesting from every door: clear errors past MAX_DEPTH, every surface working up to it.

A 600-deep JSON response (1.2 KB) used to end in RecursionError inside the
event builders, the reports, the CLI renderers or pickling the result.  Values
are now held to :data:`~arazzo_engine.limits.MAX_DEPTH` where they enter
(documents, response bodies, event data, inputs) and where the engine nests them
further (a payload written around an expression); each test drives a door with
10,000 levels (or just past the limit) and the surfaces with exactly the limit.
"""

from __future__ import annotations

import json
import pickle
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_engine import (
    ArazzoValidationError,
    DocumentError,
    Engine,
    InputValidationError,
    ServerSentEvent,
    StreamError,
)
from arazzo_engine.limits import MAX_DEPTH
from tests.cli_run import arazzo
from tests.http_server import RecordingServer, Reply

API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "depth", "version": "1.0.0"},
    "servers": [{"url": "http://127.0.0.1:9"}],
    "paths": {
        "/deep": {
            "get": {"operationId": "getDeep", "responses": {"200": {"description": "ok"}}},
            "post": {
                "operationId": "postDeep",
                "requestBody": {"content": {"application/json": {"schema": {}}}},
                "responses": {"200": {"description": "ok"}},
            },
        }
    },
}


def nested(depth: int, leaf: Any = 1) -> Any:
    """``leaf`` inside ``depth`` lists (``depth`` levels of nesting)."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def brackets(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def flow(*steps: dict[str, Any], inputs: bool = False) -> dict[str, Any]:
    workflow: dict[str, Any] = {
        "workflowId": "w",
        "steps": list(steps),
        "outputs": {"body": f"$steps.{steps[-1]['stepId']}.outputs.body"},
    }
    if inputs:
        workflow["inputs"] = {"type": "object", "properties": {"x": {}}}
    return {
        "arazzo": "1.0.1",
        "info": {"title": "depth", "version": "1.0.0"},
        "sourceDescriptions": [{"name": "api", "url": "api.openapi.yaml", "type": "openapi"}],
        "workflows": [workflow],
    }


def get_step(step_id: str = "get") -> dict[str, Any]:
    return {
        "stepId": step_id,
        "operationId": "getDeep",
        "successCriteria": [{"condition": "$statusCode == 200"}],
        "outputs": {"body": "$response.body"},
    }


def post_step(payload: Any, step_id: str = "post") -> dict[str, Any]:
    return {
        "stepId": step_id,
        "operationId": "postDeep",
        "requestBody": {"contentType": "application/json", "payload": payload},
        "successCriteria": [{"condition": "$statusCode == 200"}],
        "outputs": {"body": "$request.body"},
    }


def write(folder: Path, document: Any, name: str = "flow.arazzo.json") -> Path:
    (folder / "api.openapi.yaml").write_text(yaml.safe_dump(API), encoding="utf-8")
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def assert_clean(done: Any, code: int, *expected: str) -> None:
    output = done.stdout + done.stderr
    assert done.returncode == code, (done.returncode, output[-2000:])
    assert "Traceback" not in output and "RecursionError" not in output
    for fragment in expected:
        assert fragment in output, (fragment, output[-2000:])


CLI_VIEWS = [
    pytest.param([], id="plain"),
    pytest.param(["-v"], id="verbose"),
    pytest.param(["--trace"], id="trace"),
    pytest.param(["--json"], id="json"),
    pytest.param(["--report", "json=REPORT.json", "--report", "junit=REPORT.xml"], id="reports"),
]


def cli_run(path: Path, server: RecordingServer, extra: list[str], *more: str) -> Any:
    folder = path.parent
    extra = [arg.replace("REPORT", str(folder / "report")) for arg in extra]
    return arazzo("run", str(path), "--server", f"api={server.url}", *extra, *more)


# -- response bodies ------------------------------------------------------------------------
TOO_DEEP_BODY = (
    "step 'get' of workflow 'w': the response body (application/json) is nested more "
    f"than {MAX_DEPTH} levels deep (line 1, column {MAX_DEPTH + 1})"
)


@pytest.mark.parametrize("depth", [600, 10_000])
@pytest.mark.parametrize("with_events", [False, True], ids=["quiet", "on_event"])
def test_a_deep_response_fails_the_step_cleanly(
    tmp_path: Path, http_server: RecordingServer, depth: int, with_events: bool
) -> None:
    http_server.route("GET", "/deep", Reply(200, brackets(depth)))
    engine = Engine.load(write(tmp_path, flow(get_step())), servers={"api": http_server.url})
    events: list[Any] = []
    started = time.perf_counter()
    with engine.run("w", on_event=events.append if with_events else None) as result:
        assert time.perf_counter() - started < 5.0
        assert not result.succeeded
        assert result.error == TOO_DEEP_BODY
        pickle.loads(pickle.dumps(result))
        json.dumps(result.to_json())
        repr(result)
    assert bool(events) == with_events


@pytest.mark.parametrize("extra", CLI_VIEWS)
def test_the_command_line_reports_a_deep_response_in_one_line(
    tmp_path: Path, http_server: RecordingServer, extra: list[str]
) -> None:
    http_server.route("GET", "/deep", Reply(200, brackets(600)))
    done = cli_run(write(tmp_path, flow(get_step())), http_server, extra)
    assert_clean(done, 1, TOO_DEEP_BODY)


def test_a_response_at_the_limit_works_everywhere(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    body = nested(MAX_DEPTH - 1, {"k": "v"})
    http_server.route("GET", "/deep", Reply(200, body))
    engine = Engine.load(write(tmp_path, flow(get_step())), servers={"api": http_server.url})
    events: list[Any] = []
    with engine.run("w", on_event=events.append) as result:
        assert result.succeeded, result.error
        assert result.outputs == {"body": body}
        assert pickle.loads(pickle.dumps(result)).outputs == {"body": body}
        json.dumps(result.to_json(), indent=2)
        repr(result)
        str(events)


@pytest.mark.parametrize("extra", CLI_VIEWS)
def test_the_command_line_shows_a_response_at_the_limit(
    tmp_path: Path, http_server: RecordingServer, extra: list[str]
) -> None:
    http_server.route("GET", "/deep", Reply(200, nested(MAX_DEPTH - 1, {"k": "v"})))
    done = cli_run(write(tmp_path, flow(get_step())), http_server, [*extra, "-v", "--trace"])
    assert_clean(done, 0, '"k": "v"')


def test_deep_event_data_is_a_stream_error() -> None:
    with pytest.raises(StreamError) as caught:
        ServerSentEvent(event="tick", data=brackets(10_000).decode()).json()
    assert str(caught.value) == (
        f"data of event 'tick' is nested more than {MAX_DEPTH} levels deep "
        f"(line 1, column {MAX_DEPTH + 1})"
    )
    assert ServerSentEvent(data=brackets(MAX_DEPTH).decode()).json() == nested(MAX_DEPTH - 1, [])


# -- documents --------------------------------------------------------------------------------
DOCUMENT_LEVELS = 6
"""The document's own nesting above a payload: root, workflows, workflow, steps, step,
requestBody."""


def deep_document_text(depth: int) -> str:
    """A document nested ``depth`` levels, in a payload (JSON text, also valid YAML)."""
    lists = depth - DOCUMENT_LEVELS
    text = json.dumps(flow(post_step("__PAYLOAD__"), inputs=True))
    return text.replace('"__PAYLOAD__"', "[" * lists + '"$inputs.x"' + "]" * lists)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 490, 10_000])
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_deep_document_is_a_located_error(tmp_path: Path, depth: int, suffix: str) -> None:
    """490 levels used to load, then overflow the stack compiling the payload at run time."""
    path = write(tmp_path, {}, "flow.arazzo" + suffix)
    path.write_text(deep_document_text(depth), encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        Engine.load(path)
    error = caught.value
    assert error.location is not None and error.location.file == str(path)
    assert error.location.line == 1 and error.location.column > 1
    # libyaml stops past 1,000 levels on its own, with its own words.
    assert f"more than {MAX_DEPTH} levels" in error.message or (
        "exceeded maximum nesting depth" in error.message and depth > 1_000
    )


def test_validate_reports_a_deep_document_in_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, {})
    path.write_text(deep_document_text(490), encoding="utf-8")
    done = arazzo("validate", str(path))
    assert_clean(done, 2, f"{path}:1:", f"nested more than {MAX_DEPTH} levels deep")


def test_a_document_at_the_limit_runs_everywhere(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    payload = nested(MAX_DEPTH - DOCUMENT_LEVELS, "$inputs.x")
    http_server.route("POST", "/deep", Reply(200, {}))
    path = write(tmp_path, flow(post_step(payload), inputs=True))
    for extra in ([], ["-v", "--trace", "--json"]):
        done = cli_run(path, http_server, extra, "--input", "x=leaf")
        assert_clean(done, 0, '"leaf"')
    assert http_server.requests[-1].json() == nested(MAX_DEPTH - DOCUMENT_LEVELS, "leaf")


def test_a_deep_json_payload_text_is_a_finding(tmp_path: Path) -> None:
    path = write(tmp_path, flow(post_step(brackets(10_000).decode())))
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(path)
    assert (
        f"the payload of step 'post' is JSON text but is nested more than {MAX_DEPTH} levels "
        f"deep at line 1, column {MAX_DEPTH + 1} of the payload"
    ) in str(caught.value)


# -- inputs -----------------------------------------------------------------------------------
@pytest.mark.parametrize("with_events", [False, True], ids=["quiet", "on_event"])
def test_deep_inputs_are_refused_before_anything_is_sent(
    tmp_path: Path, http_server: RecordingServer, with_events: bool
) -> None:
    path = write(tmp_path, flow(post_step({"a": "$inputs.x"}), inputs=True))
    engine = Engine.load(path, servers={"api": http_server.url})
    with pytest.raises(InputValidationError) as caught:
        engine.run("w", {"x": nested(10_000)}, on_event=(lambda e: None) if with_events else None)
    assert caught.value.violations == (f"inputs: nested more than {MAX_DEPTH} levels deep",)
    assert http_server.requests == []


def test_a_deep_inputs_file_exits_2(tmp_path: Path, http_server: RecordingServer) -> None:
    inputs = tmp_path / "inputs.json"
    inputs.write_bytes(b'{"x": ' + brackets(10_000) + b"}")
    path = write(tmp_path, flow(post_step({"a": "$inputs.x"}), inputs=True))
    done = cli_run(path, http_server, ["--inputs-file", str(inputs)])
    assert_clean(
        done,
        2,
        f"--inputs-file {inputs}: the file is nested more than {MAX_DEPTH} levels deep "
        f"(line 1, column {MAX_DEPTH + 6})",
    )
    assert http_server.requests == []


@pytest.mark.parametrize("form", ["x:=", "x="], ids=["raw-json", "typed"])
def test_a_deep_input_argument_exits_2(
    tmp_path: Path, http_server: RecordingServer, form: str
) -> None:
    document = flow(post_step({"a": "$inputs.x"}), inputs=True)
    document["workflows"][0]["inputs"]["properties"]["x"] = {"type": "array"}
    path = write(tmp_path, document)
    done = cli_run(path, http_server, ["--input", form + brackets(10_000).decode()])
    assert_clean(done, 2, f"the value is nested more than {MAX_DEPTH} levels deep")
    assert http_server.requests == []


# -- values the engine nests further ------------------------------------------------------------
def test_a_payload_nesting_a_deep_value_further_fails_the_step(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    """Inputs at the limit, put 200 levels down a payload: refused, not sent, not walked."""
    http_server.route("POST", "/deep", Reply(200, {}))
    path = write(tmp_path, flow(post_step(nested(200, "$inputs.x")), inputs=True))
    engine = Engine.load(path, servers={"api": http_server.url})
    events: list[Any] = []
    with engine.run("w", {"x": nested(MAX_DEPTH - 1)}, on_event=events.append) as result:
        assert not result.succeeded
        assert result.error == (
            f"step 'post' of workflow 'w': the request body nests more than {MAX_DEPTH} levels "
            "deep once its expressions are filled in; the engine builds values nested up to "
            "that depth"
        )
        pickle.dumps(result)
    assert http_server.requests == []


def test_a_request_body_read_back_and_nested_again_is_refused(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    """Each step nests the previous request body 100 levels deeper: the third is refused."""
    http_server.route("POST", "/deep", Reply(200, {}))
    steps = [post_step(nested(100, "$inputs.x"), "one")]
    steps.append(post_step(nested(100, "$steps.one.outputs.body"), "two"))
    steps.append(post_step(nested(100, "$steps.two.outputs.body"), "three"))
    engine = Engine.load(
        write(tmp_path, flow(*steps, inputs=True)), servers={"api": http_server.url}
    )
    with engine.run("w", {"x": 1}, on_event=lambda event: None) as result:
        assert [step.step_id for step in result.steps] == ["one", "two", "three"]
        assert result.error is not None and result.error.startswith(
            f"step 'three' of workflow 'w': the request body nests more than {MAX_DEPTH} levels"
        )
    assert len(http_server.requests) == 2


def test_a_replacement_nesting_a_deep_value_further_fails_the_step(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    step = post_step(nested(100, 0))
    step["requestBody"]["replacements"] = [{"target": "/0" * 99, "value": "$inputs.x"}]
    path = write(tmp_path, flow(step, inputs=True))
    engine = Engine.load(path, servers={"api": http_server.url})
    with engine.run("w", {"x": nested(MAX_DEPTH - 1)}, on_event=lambda event: None) as result:
        assert result.error == (
            "step 'post' of workflow 'w': the request body, its replacements applied, nests "
            f"more than {MAX_DEPTH} levels deep; the engine builds values nested up to that depth"
        )
    assert http_server.requests == []


def test_a_child_workflow_given_a_value_nested_further_fails_the_step(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    document = flow(post_step({"a": "$inputs.x"}), inputs=True)
    parent = {
        "workflowId": "parent",
        "inputs": {"type": "object", "properties": {"x": {}}},
        "steps": [
            {
                "stepId": "call",
                "workflowId": "w",
                "parameters": [{"name": "x", "value": nested(100, "$inputs.x")}],
            }
        ],
    }
    document["workflows"].append(parent)
    engine = Engine.load(write(tmp_path, document), servers={"api": http_server.url})
    with engine.run("parent", {"x": nested(MAX_DEPTH - 1)}, on_event=lambda e: None) as result:
        assert result.error is not None
        assert f"inputs: nested more than {MAX_DEPTH} levels deep" in result.error
    assert http_server.requests == []
