"""No credential value in any result or rendering, in any form the engine writes it.

A hostile API echoes the credentials it is sent (JSON-escaped, with ``\\/``, in
headers, in a body past the 4,096-character preview with a key across the
cut), and a workflow outputs them through ``$request.header.X-Api-Key``,
``$url`` and ``$request.header.Authorization``.  Every rendering is then
searched for each secret in each form: raw, percent-encoded, base64,
JSON-escaped, and the first half of each (what a cut would leave).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import yaml

from arazzo_engine import Engine, RunResult
from arazzo_engine.events import (
    BODY_PREVIEW_CHARS,
    Event,
    RequestSent,
    ResponseReceived,
    StepFinished,
    WorkflowFinished,
)
from arazzo_engine.redaction import MASK, Redactor
from arazzo_engine.reports import RunTrace, explain_failure, junit_xml
from tests.cli_run import arazzo
from tests.http_server import Received, RecordingServer, Reply

pytest_plugins = ["pytester"]

HEADER_KEY = 'hdr/k3y"q\\z-5ecret'
QUERY_KEY = "qry/k3y é&=+-5ecret"
TOKEN = 'b34rer/t0k"en\\-5ecret'
BASIC = 'ann:pä/ss"w-5ecret'
CREDENTIALS = {"HeaderKey": HEADER_KEY, "QueryKey": QUERY_KEY, "Bearer": TOKEN, "Basic": BASIC}
PLAIN = {"HeaderKey": HEADER_KEY, "QueryKey": QUERY_KEY, "Bearer": TOKEN}
"""The credentials of the echo workflows (Basic has its own, as it shares Authorization)."""


def _json_forms(text: str) -> set[str]:
    once = {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
    once |= {form.replace("/", "\\/") for form in once}
    twice = {json.dumps(form)[1:-1] for form in once}
    return once | twice


def whole_forms(secret: str) -> set[str]:
    """Every form the engine may write ``secret`` in."""
    plain = {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        base64.b64encode(secret.encode()).decode(),
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
    }
    forms = set(plain)
    for form in plain:
        forms |= _json_forms(form)
    return forms


def all_forms(secret: str) -> set[str]:
    """Every form of ``secret``, and the first half of each (what a careless cut leaves)."""
    forms = whole_forms(secret)
    return forms | {form[: len(form) // 2 + 1] for form in forms}


def assert_no_secret(text: str | bytes, where: str, secrets: Any = None) -> None:
    """No form of any credential (or of ``secrets``) in ``text``; bytes are read as UTF-8."""
    shown = text.decode("latin-1") if isinstance(text, bytes) else text
    for secret in CREDENTIALS.values() if secrets is None else secrets:
        for form in all_forms(secret):
            encoded = [form] if isinstance(text, str) else [form, form.encode().decode("latin-1")]
            for piece in encoded:
                assert piece not in shown, f"{form!r} (a form of {secret!r}) shows in {where}"


# -- the hostile API and the workflows -----------------------------------------------------

PAD = "x" * (BODY_PREVIEW_CHARS - 5)
"""Padding that puts a key across the 4,096-character body preview: five characters in."""

API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "echo", "version": "1.0.0"},
    "paths": {
        "/echo": {
            "get": {
                "operationId": "echo",
                "security": [{"HeaderKey": [], "QueryKey": [], "Bearer": []}],
                "responses": {"200": {"description": "what it was sent"}},
            }
        },
        "/use": {
            "get": {
                "operationId": "use",
                "parameters": [
                    {"name": "X-Passed", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/long": {
            "get": {
                "operationId": "long",
                "security": [{"HeaderKey": []}],
                "responses": {"200": {"description": "a long text"}},
            }
        },
        "/events": {
            "get": {
                "operationId": "events",
                "security": [{"HeaderKey": [], "QueryKey": []}],
                "responses": {"200": {"description": "a stream of what it was sent"}},
            }
        },
        "/basic": {
            "get": {
                "operationId": "basic",
                "security": [{"Basic": []}],
                "responses": {"200": {"description": "what it was sent"}},
            }
        },
    },
    "components": {
        "securitySchemes": {
            "HeaderKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "QueryKey": {"type": "apiKey", "in": "query", "name": "api_key"},
            "Bearer": {"type": "http", "scheme": "bearer"},
            "Basic": {"type": "http", "scheme": "basic"},
        }
    },
}

LEAKS = {
    "hdr": "$request.header.X-Api-Key",
    "url": "$url",
    "auth": "$request.header.Authorization",
    "echoed": "$response.header.X-Echo",
    "body": "$response.body",
}


def _echo_step(operation: str, criterion: str = "$statusCode == 200") -> dict[str, Any]:
    return {
        "stepId": "echo",
        "operationId": f"$sourceDescriptions.api.{operation}",
        "successCriteria": [{"condition": criterion}],
        "outputs": LEAKS,
    }


def _workflow(workflow_id: str, *steps: dict[str, Any]) -> dict[str, Any]:
    return {
        "workflowId": workflow_id,
        "steps": list(steps),
        "outputs": {name: f"$steps.echo.outputs.{name}" for name in LEAKS},
    }


USE_STEP = {
    "stepId": "use",
    "operationId": "$sourceDescriptions.api.use",
    "parameters": [{"name": "X-Passed", "in": "header", "value": "$steps.echo.outputs.hdr"}],
    "successCriteria": [{"condition": "$statusCode == 200"}],
}


def write_flow(folder: Path) -> Path:
    """The hostile document, written where the test runs."""
    (folder / "echo.openapi.yaml").write_text(yaml.safe_dump(API))
    flow = {
        "arazzo": "1.0.1",
        "info": {"title": "echo", "version": "1.0.0"},
        "sourceDescriptions": [{"name": "api", "url": "echo.openapi.yaml", "type": "openapi"}],
        "workflows": [
            _workflow("leak", _echo_step("echo"), USE_STEP),
            _workflow("failing", _echo_step("echo", "$statusCode == 201")),
            _workflow("long", _echo_step("long")),
            _workflow("basic", _echo_step("basic")),
            {
                "workflowId": "stream",
                "steps": [
                    {
                        "stepId": "events",
                        "operationId": "$sourceDescriptions.api.events",
                        "outputs": {"url": "$url"},
                    }
                ],
            },
            {
                "workflowId": "dependent",
                "inputs": {"type": "object", "properties": {"key": {"type": "string"}}},
                "dependsOn": ["short"],
                "steps": [_echo_step("echo")],
            },
            {
                "workflowId": "short",
                "inputs": {
                    "type": "object",
                    "properties": {"key": {"type": "string", "maxLength": 4}},
                },
                "steps": [_echo_step("echo")],
            },
            {
                "workflowId": "nested",
                "steps": [
                    {"stepId": "child", "workflowId": "leak", "outputs": {"url": "$outputs.url"}}
                ],
                "outputs": {"url": "$steps.child.outputs.url"},
            },
        ],
    }
    path = folder / "echo.arazzo.yaml"
    path.write_text(yaml.safe_dump(flow, sort_keys=False))
    return path


def _echo(request: Received) -> Reply:
    """Everything it was sent, in every way a careless server writes it back."""
    seen = {
        "key": request.header("X-Api-Key"),
        "query": dict(request.query).get("api_key"),
        "auth": request.header("Authorization"),
    }
    # One field as json.dumps writes it, one without ensure_ascii, one with "/" as "\/".
    php = json.dumps(seen).replace("/", "\\/")
    body = (
        f'{{"seen": {json.dumps(seen)}, "raw": {json.dumps(seen, ensure_ascii=False)}, '
        f'"php": {php}}}'
    )
    key = request.header("X-Api-Key") or ""
    headers = {"X-Echo": key, "Set-Cookie": f"session={key}"}
    return Reply(200, body, headers=headers)


def _long(request: Received) -> Reply:
    text = PAD + (request.header("X-Api-Key") or "") + " and more after the key"
    return Reply(200, text, content_type="text/plain; charset=utf-8")


def _events(request: Received) -> Reply:
    key = request.header("X-Api-Key") or ""
    stream = f"event: seen\ndata: {json.dumps({'key': key})}\n\n"
    return Reply(200, stream, headers={"X-Echo": key}, content_type="text/event-stream")


def serve(server: RecordingServer) -> RecordingServer:
    server.route("GET", "/echo", _echo)
    server.route("GET", "/events", _events)
    server.route("GET", "/basic", _echo)
    server.route("GET", "/long", _long)
    server.route("GET", "/use", Reply(200, {}))
    return server


@pytest.fixture
def echo(http_server: RecordingServer) -> RecordingServer:
    return serve(http_server)


@pytest.fixture
def flow(tmp_path: Path) -> Path:
    return write_flow(tmp_path)


def load(flow: Path, server: RecordingServer, credentials: dict[str, str]) -> Engine:
    return Engine.load(flow, servers={"api": server.url}, credentials=credentials)


def credentials_for(workflow_id: str) -> dict[str, str]:
    return {"Basic": BASIC} if workflow_id == "basic" else PLAIN


# -- the Python API: results, their reprs, JSON and pickles ---------------------------------


def _renderings(result: RunResult) -> Iterator[tuple[str, str | bytes]]:
    """Every way a program shows or ships a result, and what it holds."""
    yield "repr(result)", repr(result)
    yield "str(result)", str(result)
    yield "to_json", json.dumps(result.to_json(), default=repr)
    yield "to_json ascii=False", json.dumps(result.to_json(), default=repr, ensure_ascii=False)
    yield "pickle(result)", pickle.dumps(result)
    yield "outputs", repr(result.outputs)
    yield "error", str(result.error)
    for step in result.steps:
        yield f"{step.step_id}: repr", repr(step)
        yield f"{step.step_id}: outputs", json.dumps(step.outputs, ensure_ascii=False)
        yield f"{step.step_id}: request", repr(step.request) + str(step.request)
        yield f"{step.step_id}: response", repr(step.response) + str(step.response)
        if step.request is not None:
            request = step.request
            yield (
                f"{step.step_id}: request fields",
                repr(
                    (
                        request.url,
                        dict(request.headers),
                        request.body,
                        request.body_value,
                        request.path_values,
                        request.query_values,
                    )
                ),
            )
        if step.response is not None and not step.response.is_stream:
            response = step.response
            yield (
                f"{step.step_id}: response fields",
                repr((response.url, dict(response.headers), response.content, response.body)),
            )


@pytest.mark.parametrize("workflow_id", ["leak", "failing", "long", "basic", "nested"])
def test_no_result_holds_a_credential(echo: RecordingServer, flow: Path, workflow_id: str) -> None:
    engine = load(flow, echo, credentials_for(workflow_id))
    with engine.run(workflow_id) as result:
        assert result.succeeded == (workflow_id != "failing"), result.error
        for where, text in _renderings(result):
            assert_no_secret(text, f"{workflow_id}: {where}")
    # The keys did go out, to the server they belong to.
    sent = echo.requests[0]
    if workflow_id == "basic":
        assert sent.header("Authorization") == "Basic " + base64.b64encode(BASIC.encode()).decode()
    else:
        assert sent.header("X-Api-Key") == HEADER_KEY


def test_outputs_hold_credentials_masked_and_later_steps_the_real_values(
    echo: RecordingServer, flow: Path
) -> None:
    result = load(flow, echo, PLAIN).run("leak")
    assert result.succeeded, result.error
    echoed = {"key": MASK, "query": MASK, "auth": f"Bearer {MASK}"}
    expected = {
        "hdr": MASK,
        "url": f"{echo.url}/echo?api_key={MASK}",
        "auth": f"Bearer {MASK}",
        "echoed": MASK,
        "body": {"seen": echoed, "raw": echoed, "php": echoed},
    }
    assert result.outputs == expected
    assert result.steps[0].outputs == expected
    # $steps.echo.outputs.hdr, read by the next step, is the real key.
    assert echo.requests[1].header("X-Passed") == HEADER_KEY
    # What the result keeps of the request and response: the shape, the secrets masked.
    request, response = result.steps[0].request, result.steps[0].response
    assert request is not None and response is not None
    assert request.headers["X-Api-Key"] == MASK and request.headers["Authorization"] == MASK
    assert request.url == f"{echo.url}/echo?api_key={MASK}"
    assert response.headers["X-Echo"] == MASK
    assert response.headers["Set-Cookie"] == f"session={MASK}"
    assert response.body == expected["body"]
    assert result.steps[1].request is not None
    assert result.steps[1].request.headers["X-Passed"] == MASK


def test_an_error_quoting_a_credential_is_masked(echo: RecordingServer, flow: Path) -> None:
    # The key is also given as an input; the dependency's input schema rejects it, and
    # the schema's message quotes it (Python repr: the backslash doubled).
    events: list[Event] = []
    engine = load(flow, echo, PLAIN)
    result = engine.run("dependent", {"key": HEADER_KEY}, on_event=events.append)
    assert not result.succeeded and not echo.requests
    assert result.error is not None
    assert result.error.startswith("workflow 'dependent' depends on 'short', whose inputs are")
    assert f"'{MASK}' is too long" in result.error
    finished = [e for e in events if isinstance(e, WorkflowFinished)]
    assert finished[-1].error == result.error
    assert_no_secret(result.error + repr(events), "the error")


def test_a_pickled_result_from_run_many_holds_no_credential(
    echo: RecordingServer, flow: Path
) -> None:
    results = load(flow, echo, PLAIN).run_many("leak", [{}] * 4, concurrency=2)
    shipped = pickle.dumps(results)
    assert_no_secret(shipped, "the pickled results of run_many")
    back = pickle.loads(shipped)
    assert [r.outputs["hdr"] for r in back] == [MASK] * 4


def test_an_open_stream_is_the_live_response_with_its_url_and_headers_masked(
    echo: RecordingServer, flow: Path
) -> None:
    events: list[Event] = []
    engine = load(flow, echo, PLAIN)
    with engine.run("stream", on_event=events.append) as result:
        assert result.succeeded, result.error
        response = result.steps[0].response
        assert response is not None and response.is_stream
        assert response.url == f"{echo.url}/events?api_key={MASK}"
        assert response.headers["X-Echo"] == MASK
        # The events are the server's, for the program that reads them.
        (event,) = list(response.events())
        assert event.json() == {"key": HEADER_KEY}
    assert_no_secret(repr(events), "the stream's events")
    with engine.run("stream") as unread:
        pass  # closed unread: nothing left open, so it pickles
    for where, text in _renderings(unread):
        assert_no_secret(text, f"a stream's result: {where}")


# -- events, reports, logs ------------------------------------------------------------------


def test_events_show_no_credential_and_carry_the_masked_result(
    echo: RecordingServer, flow: Path
) -> None:
    events: list[Event] = []
    trace = RunTrace()

    def both(event: Event) -> None:
        events.append(event)
        trace(event)

    with load(flow, echo, PLAIN).run("leak", on_event=both) as result:
        pass
    for event in events:
        assert_no_secret(repr(event), type(event).__name__)
    finished = [e for e in events if isinstance(e, StepFinished)]
    assert [e.result for e in finished] == result.steps
    assert finished[0].result is result.steps[0]
    assert_no_secret(pickle.dumps([e.result for e in finished]), "StepFinished.result pickled")
    # The live request of RequestSent is what went out (documented).
    sent = next(e for e in events if isinstance(e, RequestSent))
    assert sent.request.headers["X-Api-Key"] == HEADER_KEY
    for report in (json.dumps(trace.to_json()), junit_xml(trace, name="echo")):
        assert_no_secret(report, "a report")


def test_a_key_across_the_preview_cut_is_masked_whole(echo: RecordingServer, flow: Path) -> None:
    events: list[Event] = []
    load(flow, echo, {"HeaderKey": HEADER_KEY}).run("long", on_event=events.append)
    received = next(e for e in events if isinstance(e, ResponseReceived))
    assert received.body == PAD + MASK + " a"  # masked, then cut at 4,096 characters
    assert received.body_truncated
    assert_no_secret(received.body, "the body preview")


@pytest.mark.parametrize("offset", range(1, 6))
def test_a_cut_inside_the_mask_keeps_the_mask_whole(offset: int) -> None:
    from arazzo_engine.run.event_builders import body_preview

    redactor = Redactor([HEADER_KEY])
    content = ("x" * (BODY_PREVIEW_CHARS - offset) + HEADER_KEY + "tail").encode()
    preview, cut = body_preview(content, redactor, "text/plain")
    assert preview == "x" * (BODY_PREVIEW_CHARS - offset) + MASK + "tail"[: max(0, offset - 3)]
    assert cut


def test_a_key_beyond_the_bytes_read_is_never_shown_in_part() -> None:
    from arazzo_engine.run.event_builders import body_preview

    # Masks are shorter than keys: the bytes read run out before 4,096 characters are
    # shown, and the last key read is cut in the middle.  It is not shown at all.
    redactor = Redactor([HEADER_KEY])
    content = (HEADER_KEY * 2000).encode()
    preview, cut = body_preview(content, redactor, "text/plain")
    assert preview is not None and cut
    assert len(preview) > 1000 and preview == MASK * (len(preview) // len(MASK))


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    text = io.StringIO()
    handler = logging.StreamHandler(text)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield text
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_log_records_hold_no_credential(
    echo: RecordingServer, flow: Path, debug_log: io.StringIO
) -> None:
    engine = load(flow, echo, PLAIN)
    for workflow_id in ("leak", "failing", "nested"):
        engine.run(workflow_id, on_event=lambda event: None)
    assert "arazzo_engine GET" in debug_log.getvalue()
    assert_no_secret(debug_log.getvalue(), "the DEBUG log")


def test_explained_failure_holds_no_credential(echo: RecordingServer, flow: Path) -> None:
    trace = RunTrace()
    result = load(flow, echo, PLAIN).run("failing", on_event=trace)
    assert not result.succeeded
    text = "\n".join(explain_failure(trace))
    assert "X-Api-Key: ***" in text
    assert_no_secret(text, "the failure explanation")


# -- the command line -----------------------------------------------------------------------


def _auth(credentials: dict[str, str]) -> list[str]:
    return [arg for name, value in credentials.items() for arg in ("--auth", f"{name}={value}")]


@pytest.mark.parametrize(
    "extra", [[], ["-v"], ["--trace"], ["--json"]], ids=["plain", "verbose", "trace", "json"]
)
@pytest.mark.parametrize("workflow_id", ["leak", "basic"])
def test_the_command_line_shows_no_credential(
    echo: RecordingServer, flow: Path, tmp_path: Path, extra: list[str], workflow_id: str
) -> None:
    reports = ["--report", f"junit={tmp_path / 'r.xml'}", "--report", f"json={tmp_path / 'r.json'}"]
    done = arazzo(
        "run",
        str(flow),
        "-w",
        workflow_id,
        "--server",
        f"api={echo.url}",
        *_auth(credentials_for(workflow_id)),
        *reports,
        *extra,
    )
    assert done.returncode == 0, done.stderr
    shown = done.stdout + done.stderr
    assert "***" in shown
    assert_no_secret(shown, f"arazzo run {' '.join(extra)}")
    for name in ("r.xml", "r.json"):
        assert_no_secret((tmp_path / name).read_text(encoding="utf-8"), name)
    if extra == ["--json"]:
        scheme = "Basic" if workflow_id == "basic" else "Bearer"
        assert json.loads(done.stdout)["outputs"]["auth"] == f"{scheme} {MASK}"


# -- the pytest plugin ----------------------------------------------------------------------


def test_the_pytest_plugin_failure_text_shows_no_credential(
    pytester: pytest.Pytester, echo: RecordingServer
) -> None:
    folder = pytester.path / "flows"
    folder.mkdir()
    write_flow(folder)
    # The expected output is wrong: the failure text quotes what the run gave.
    (folder / "echo.inputs.yaml").write_text(
        "leak:\n  cases:\n    - id: wrong\n      outputs: {hdr: other}\nfailing:\n  inputs: {}\n"
    )
    auth = [arg for name, value in PLAIN.items() for arg in ("--arazzo-auth", f"{name}={value}")]
    result = pytester.runpytest(
        "--arazzo", "flows", "--arazzo-server", f"api={echo.url}", *auth, "-k", "leak or failing"
    )
    result.assert_outcomes(failed=2)
    text = result.stdout.str() + result.stderr.str()
    assert 'hdr: expected "other", got "***"' in text
    assert "X-Api-Key: ***" in text
    assert_no_secret(text, "the pytest failure text")


# -- the redactor itself --------------------------------------------------------------------


@pytest.mark.parametrize("secret", [HEADER_KEY, QUERY_KEY, TOKEN, BASIC])
def test_every_form_of_a_secret_is_masked(secret: str) -> None:
    redactor = Redactor([secret])
    for form in whole_forms(secret):
        assert redactor.text(f"<{form}>") == f"<{MASK}>", form
        assert redactor.data(f"<{form}>".encode()) == f"<{MASK}>".encode(), form


def test_the_longest_form_is_masked_whole() -> None:
    redactor = Redactor(["abc", "abcdef"])
    assert redactor.text("xabcdefx abcx") == f"x{MASK}x {MASK}x"


def test_values_keep_their_shape_and_types() -> None:
    redactor = Redactor([HEADER_KEY])
    nested: Any = {"a": [HEADER_KEY, ("t", HEADER_KEY.encode())], HEADER_KEY: 1, "n": None}
    assert redactor.value(nested) == {"a": [MASK, ("t", MASK.encode())], MASK: 1, "n": None}
    clean: Any = {"a": [1, "x", (b"y",)]}
    assert redactor.value(clean) is clean  # nothing found: nothing copied
    deep: Any = HEADER_KEY
    for _ in range(5000):  # deeper than the recursion limit
        deep = [deep]
    masked = redactor.value(deep)
    for _ in range(5000):
        masked = masked[0]
    assert masked == MASK


def test_an_oauth_client_secret_and_its_basic_pair_are_masked() -> None:
    from arazzo_engine.sources.openapi.oauth import ClientCredentials, LiveRedactor

    client = ClientCredentials("app 1", "s3cret!/x")
    redactor = LiveRedactor([client], [client])
    pair = base64.b64encode(b"app+1:s3cret%21%2Fx").decode()  # as the token request sends it
    assert redactor.text(f"Basic {pair}") == f"Basic {MASK}"
    assert redactor.text('{"e": "s3cret!\\/x"}') == f'{{"e": "{MASK}"}}'
