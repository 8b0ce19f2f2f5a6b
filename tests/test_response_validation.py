"""validate="off" | "warn" | "strict": requests and responses checked against the description.

The server answers with wrong shapes on purpose; ``off`` never looks, ``warn``
records what is wrong on the step result, ``strict`` fails the step with it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import ConfigurationError, Engine
from arazzo_engine.cli import main
from tests.http_server import RecordingServer, Reply

OPENAPI = Path(__file__).parent / "workflows" / "openapi"
SHAPES = OPENAPI / "shapes.arazzo.yaml"

GOOD = {"id": 1, "name": "one", "owner": None, "parent": {"id": 0, "name": "root"}}
WRONG = {"id": "1", "name": 5, "owner": {"login": 3}}
GET_INPUTS = {"id": 1, "view": "full", "trace": "t-1"}


def engine(server: RecordingServer, validate: str = "off") -> Engine:
    return Engine.load(SHAPES, servers={"shapes": server.url}, validate=validate)


def answer(server: RecordingServer, reply: Reply) -> None:
    server.route("GET", "/things/1", reply)


def run_get(server: RecordingServer, validate: str, **inputs: Any) -> Any:
    result = engine(server, validate).run("get", {**GET_INPUTS, **inputs})
    return result, result.steps[0]


def test_off_is_the_default_and_never_looks(http_server: RecordingServer) -> None:
    answer(http_server, Reply(200, WRONG))
    result = Engine.load(SHAPES, servers={"shapes": http_server.url}).run("get", GET_INPUTS)
    assert result.succeeded, result.error
    assert result.steps[0].validation == ()
    result, step = run_get(http_server, "off", id=0, view="huge")
    assert result.succeeded and step.validation == ()


def test_warn_records_what_is_wrong_and_the_step_still_succeeds(
    http_server: RecordingServer,
) -> None:
    answer(http_server, Reply(200, WRONG))
    result, step = run_get(http_server, "warn")
    assert result.succeeded, result.error
    # 'secret' is required but writeOnly: a response leaves it out.
    assert step.validation == (
        "response body (status 200) at /id: '1' is not of type 'integer'",
        "response body (status 200) at /name: 5 is not of type 'string'",
        "response body (status 200) at /owner/login: 3 is not of type 'string'",
    )
    assert result.to_json()["steps"][0]["validation"] == list(step.validation)


def test_strict_fails_the_step_with_the_findings(http_server: RecordingServer) -> None:
    answer(http_server, Reply(200, WRONG))
    result, step = run_get(http_server, "strict")
    assert not result.succeeded and not step.succeeded
    assert step.error is not None
    assert step.error.startswith(
        "step 'get' of workflow 'get': the response does not match the OpenAPI description: "
        "response body (status 200) at /id: '1' is not of type 'integer'; "
    )
    assert "at /name: 5 is not of type 'string'" in step.error
    assert len(step.validation) == 3


def test_a_write_only_property_must_not_come_back(http_server: RecordingServer) -> None:
    answer(http_server, Reply(200, {**GOOD, "secret": "s"}))
    _, step = run_get(http_server, "warn")
    assert step.validation == (
        "response body (status 200) at /secret: Tried to read write-only property with s",
    )


def test_a_right_answer_passes_strict(http_server: RecordingServer) -> None:
    # nullable owner, a recursive parent, readOnly id: all as the description says.
    answer(http_server, Reply(200, GOOD))
    result, step = run_get(http_server, "strict")
    assert result.succeeded, result.error
    assert step.validation == ()
    assert result.outputs == {}


def test_status_and_content_type_must_be_declared(http_server: RecordingServer) -> None:
    answer(http_server, Reply(500, {"detail": "boom"}))
    _, step = run_get(http_server, "warn")
    assert step.validation == (
        "status 500 is not declared for GET /things/{id} (declared: 200, 4XX)",
    )
    answer(http_server, Reply(404, {"detail": "no such thing"}))
    _, step = run_get(http_server, "strict")
    assert step.succeeded and step.validation == ()  # 404 falls under 4XX
    answer(http_server, Reply(404, {"error": "no such thing"}))
    _, step = run_get(http_server, "warn")
    assert step.validation == ("response body (status 404): 'detail' is a required property",)
    answer(http_server, Reply(200, "<h1>hi</h1>", content_type="text/html"))
    result, step = run_get(http_server, "strict")
    assert not result.succeeded
    assert step.validation == (
        "content type text/html is not declared for status 200 of GET /things/{id} "
        "(declared: application/json)",
    )


def test_request_parameters_are_checked_before_sending(http_server: RecordingServer) -> None:
    answer(http_server, Reply(200, GOOD))
    result, step = run_get(http_server, "warn", id=0, view="huge", trace="x")
    assert result.succeeded  # warn: sent anyway
    assert step.validation == (
        "path parameter 'id': 0 is less than the minimum of 1",
        "query parameter 'view': 'huge' is not one of ['short', 'full']",
        "header parameter 'X-Trace': 'x' does not match '^t-[0-9]+$'",
    )
    assert len(http_server.requests) == 1
    result, step = run_get(http_server, "strict", id=0)
    assert not result.succeeded
    assert step.error is not None and "the request does not match the OpenAPI description" in (
        step.error
    )
    assert step.status_code is None and len(http_server.requests) == 1  # not sent


def test_parameters_are_read_as_the_server_reads_them(http_server: RecordingServer) -> None:
    answer(http_server, Reply(200, GOOD))
    _, step = run_get(http_server, "strict", id="1")  # '1' on the wire is the integer 1
    assert step.succeeded and step.validation == ()
    _, step = run_get(http_server, "warn", trace=None)
    assert step.validation == ("required header parameter 'X-Trace' is missing",)


def test_request_bodies_are_checked_with_write_rules(http_server: RecordingServer) -> None:
    http_server.route("POST", "/things", Reply(201, GOOD))
    shapes = engine(http_server, "strict")
    # readOnly 'id' may be left out of a request; writeOnly 'secret' may be sent.
    result = shapes.run("create", {"thing": {"name": "one", "secret": "s"}})
    assert result.succeeded, result.error
    result = shapes.run("create", {"thing": {"name": "", "size": 2**40}})
    assert not result.succeeded
    assert result.steps[0].validation == (
        "request body at /name: '' should be non-empty",
        "request body at /size: 1099511627776 is not a 'int32'",
    )
    assert len(http_server.requests) == 1


def test_default_response_catches_other_statuses(http_server: RecordingServer) -> None:
    http_server.route("POST", "/things", Reply(409, {"detail": 1}))
    result = engine(http_server, "warn").run("create", {"thing": {"name": "one"}})
    assert not result.succeeded  # its criterion wants 201
    assert result.steps[0].validation == (
        "response body (status 409) at /detail: 1 is not of type 'string'",
    )


def test_openapi_31_schemas_use_json_schema_2020_12(http_server: RecordingServer) -> None:
    http_server.route("POST", "/v3/pets", Reply(201, {"id": 1, "name": "Tom", "tag": None}))
    http_server.route(
        "GET", "/v3/pets/1", Reply(200, {"id": 1, "name": "Tom", "tag": 5, "tags": [""]})
    )
    engine31 = Engine.load(
        OPENAPI / "openapi31.arazzo.yaml",
        servers={"pets": http_server.url + "/v3"},
        validate="warn",
    )
    result = engine31.run("create-and-get", {"name": "Tom", "tag": None})
    assert result.succeeded, result.error
    create, get = result.steps
    assert create.validation == ()  # type: [string, 'null'] takes null
    assert get.validation == (
        "response body (status 200) at /tag: 5 is not of type 'string', 'null'",
        "response body (status 200) at /tags/0: '' should be non-empty",
    )


def test_validators_are_built_once_per_schema(http_server: RecordingServer) -> None:
    answer(http_server, Reply(200, GOOD))
    shapes = engine(http_server, "warn")
    checks = shapes._settings.validation
    assert checks is not None
    shapes.run("get", GET_INPUTS)
    built = dict(checks._validators)
    assert len(built) == 4  # id, view, X-Trace, the 200 body
    results = shapes.run_many("get", [GET_INPUTS] * 6, concurrency=3)
    assert all(r.succeeded and r.steps[0].validation == () for r in results)
    assert checks._validators == built


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="validate='loud' is not a validation mode"):
        Engine.load(SHAPES, validate="loud")


def test_the_command_line_option(
    http_server: RecordingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    answer(http_server, Reply(200, WRONG))
    common = [
        "run",
        str(SHAPES),
        "-w",
        "get",
        "--server",
        f"shapes={http_server.url}",
        "--input",
        "id=1",
        "--input",
        "trace=t-1",
    ]
    assert main([*common, "--validate", "warn"]) == 0
    err = capsys.readouterr().err
    assert "validation: step 'get': response body (status 200) at /name: 5 is not of type" in err
    assert main([*common, "--validate", "strict", "--json"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert printed["steps"][0]["validation"][0].startswith("response body (status 200)")
    assert main(common) == 0
