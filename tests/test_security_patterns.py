"""No pattern or query from a document, a description or a server can hang a run.

Each test writes a hostile document into tmp_path, runs it against a real
server on 127.0.0.1 (or the CLI), and checks the run comes back within a wall
time bound, generous for a noisy machine (the limits are 0.25 s per match and
1 s per evaluation), with the documented outcome: the criterion fails naming
the pattern and the limit, the inputs are rejected saying why, the load fails
with a located criterion error.  The subjects are sized so that Python's ``re``
takes several seconds on them: each test fails on an engine without the bounds.
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import ArazzoValidationError, Engine, InputValidationError
from arazzo_engine.criteria import compile_criterion
from arazzo_engine.model import Criterion
from arazzo_engine.patterns import MATCH_SECONDS, Pattern
from tests.cli_run import arazzo
from tests.http_server import RecordingServer, Reply

BOUND = 3.0
"""Seconds a hostile vector may take, all told (the limits are 0.25 s and 1 s)."""
EVIL = "^(a|a)+$"
"""Exponential backtracking for Python's re and for the regex package alike."""
SUBJECT = "a" * 27 + "!"
"""Python's re takes about ten seconds to find that EVIL is not in it."""
TOO_LONG = f"took longer than {MATCH_SECONDS:g} s"


@contextmanager
def within(seconds: float = BOUND) -> Iterator[None]:
    start = time.monotonic()
    yield
    spent = time.monotonic() - start
    assert spent < seconds, f"took {spent:.1f} s; the bound is {seconds} s"


def description(response_schema: dict[str, Any] | None = None) -> dict[str, Any]:
    schema = response_schema or {"type": "object"}
    content = {"application/json": {"schema": schema}, "application/xml": {}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "http://127.0.0.1:1"}],
        "paths": {
            "/doc": {
                "get": {
                    "operationId": "getDoc",
                    "responses": {"200": {"description": "ok", "content": content}},
                },
                "post": {
                    "operationId": "postDoc",
                    "requestBody": {"content": {"application/xml": {}}},
                    "responses": {"200": {"description": "ok"}},
                },
            }
        },
    }


def write_flow(
    folder: Path,
    step: dict[str, Any],
    *,
    inputs: dict[str, Any] | None = None,
    response_schema: dict[str, Any] | None = None,
) -> Path:
    workflow: dict[str, Any] = {"workflowId": "flow", "steps": [{"stepId": "s", **step}]}
    if inputs is not None:
        workflow["inputs"] = inputs
    document = {
        "arazzo": "1.0.1",
        "info": {"title": "hostile", "version": "1"},
        "sourceDescriptions": [{"name": "api", "url": "api.json", "type": "openapi"}],
        "workflows": [workflow],
    }
    (folder / "api.json").write_text(json.dumps(description(response_schema)), encoding="utf-8")
    path = folder / "flow.arazzo.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def criterion_step(condition: str, kind: Any, context: str = "$response.body") -> dict[str, Any]:
    return {
        "operationId": "getDoc",
        "successCriteria": [{"context": context, "condition": condition, "type": kind}],
    }


def run_criterion(
    folder: Path,
    server: RecordingServer,
    condition: str,
    kind: Any,
    body: Any,
    context: str = "$response.body",
) -> str:
    """The step's error after judging the criterion on ``body``; the step must fail."""
    if isinstance(body, str):
        server.route("GET", "/doc", Reply(200, body, content_type="application/xml"))
    else:
        server.route("GET", "/doc", Reply(200, body))
    path = write_flow(folder, criterion_step(condition, kind, context))
    with within():
        result = Engine.load(path, servers={"api": server.url}).run("flow")
    assert not result.succeeded
    error = result.steps[0].error
    assert error is not None
    return error


def test_patterns_run_on_the_bounded_engine_with_re2_absent() -> None:
    assert importlib.util.find_spec("re2") is None  # the dev venv does not install it
    compiled = compile_criterion(Criterion(condition=EVIL, context="$url", type="regex"))
    form = compiled._terms.args[0]  # type: ignore[attr-defined]  # the kind's compiled form
    assert isinstance(form.condition, Pattern)


# -- regex criteria -------------------------------------------------------------------
def test_a_catastrophic_regex_criterion_fails_in_bounded_time(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    body = {"v": SUBJECT}
    error = run_criterion(tmp_path, http_server, EVIL, "regex", body, "$response.body#/v")
    assert f"the regular expression {EVIL!r} {TOO_LONG} on a 28-character text" in error


def test_a_regex_that_expands_when_compiled_is_refused_at_load(tmp_path: Path) -> None:
    path = write_flow(tmp_path, criterion_step("(?:a{1000}){10000}", "regex"))
    with within(), pytest.raises(ArazzoValidationError) as caught:
        Engine.load(path)
    text = str(caught.value)
    assert "/workflows/0/steps/0/successCriteria/0/condition" in text
    assert "expands to 10010000 characters when compiled" in text
    assert "the limit is 100000" in text


# -- JSONPath criteria ----------------------------------------------------------------
@pytest.mark.parametrize(
    "condition",
    [
        f"$.items[?match(@, '{EVIL}')]",
        f"$.items[?search(@, '{EVIL}')]",
        f"$.items[?!match(@, '{EVIL}')]",  # a timeout must not read as "no match"
        "$.items[?search(@, $.pattern)]",  # the server's own pattern
    ],
)
def test_rfc9535_regex_functions_fail_in_bounded_time(
    tmp_path: Path, http_server: RecordingServer, condition: str
) -> None:
    body = {"items": [SUBJECT], "pattern": EVIL}
    error = run_criterion(tmp_path, http_server, condition, "jsonpath", body)
    assert f"the regular expression {EVIL!r} {TOO_LONG} on a 28-character text" in error


GOESSNER = {"type": "jsonpath", "version": "draft-goessner-dispatch-jsonpath-00"}


@pytest.mark.parametrize("condition", [f'$.items[?(@ =~ "{EVIL}")]', f"$.text.`sub(/{EVIL}/, x)`"])
def test_goessner_regexes_fail_in_bounded_time(
    tmp_path: Path, http_server: RecordingServer, condition: str
) -> None:
    body = {"items": [SUBJECT], "text": SUBJECT}
    error = run_criterion(tmp_path, http_server, condition, GOESSNER, body)
    assert f"the regular expression {EVIL!r} {TOO_LONG} on a 28-character text" in error


def _nested(depth: int, width: int) -> Any:
    node: Any = list(range(width))
    for _ in range(depth):
        node = [node, *range(width)]
    return node


@pytest.mark.parametrize("kind", ["jsonpath", GOESSNER])
def test_nested_descendants_stop_at_the_evaluation_budget(
    tmp_path: Path, http_server: RecordingServer, kind: Any
) -> None:
    # Each '..*' multiplies the nodes by the depth: cubic in a 25 KB body.
    body = {"tree": _nested(60, 20)}
    error = run_criterion(tmp_path, http_server, "$..*..*..*..*[?(@ == -1)]", kind, body)
    assert "the JSONPath condition took longer than 1 s" in error


def test_a_goessner_product_cannot_build_a_giant_string(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    body = {"text": "abcde"}
    error = run_criterion(tmp_path, http_server, "$.text * 20000000", GOESSNER, body)
    assert "the JSONPath '*' would build a value 100000000 long; the limit is 10000000" in error


# -- XPath criteria -------------------------------------------------------------------
XML = f"<r><v>{SUBJECT}</v><n>5000000</n><m>100000</m></r>"


@pytest.mark.parametrize(
    "condition",
    [
        f"matches(/r/v, '{EVIL}')",
        f"not(matches(/r/v, '{EVIL}'))",
        f"replace(/r/v, '{EVIL}', 'x') = 'x'",
        f"count(tokenize(/r/v, '{EVIL}')) > 0",
    ],
)
def test_xpath_regex_functions_fail_in_bounded_time(
    tmp_path: Path, http_server: RecordingServer, condition: str
) -> None:
    error = run_criterion(tmp_path, http_server, condition, "xpath", XML)
    assert f"the regular expression {EVIL!r} {TOO_LONG} on a 28-character text" in error


def test_a_long_run_of_digits_in_a_replacement_is_text_not_a_huge_group_number(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    replacement = "$" + "1" * 5000  # '$1' and then 4,999 digits of text
    http_server.route(
        "GET",
        "/doc",
        Reply(200, f"<r><a>a</a><b>{replacement}</b></r>", content_type="application/xml"),
    )
    condition = "replace(/r/a, '(a)', /r/b) = concat('a', substring(/r/b, 3))"
    path = write_flow(tmp_path, criterion_step(condition, "xpath"))
    with within():
        result = Engine.load(path, servers={"api": http_server.url}).run("flow")
    assert result.succeeded, result.error


def test_a_range_from_the_response_is_capped(tmp_path: Path, http_server: RecordingServer) -> None:
    error = run_criterion(tmp_path, http_server, "count(1 to xs:integer(/r/n)) > 0", "xpath", XML)
    assert "the XPath range 1 to 5000000 holds 5000000 integers; the limit is 1000000" in error


def test_nested_xpath_loops_stop_at_the_evaluation_budget(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    condition = "count(for $a in 1 to 100000, $b in 1 to xs:integer(/r/m) return $a) > 0"
    error = run_criterion(tmp_path, http_server, condition, "xpath", XML)
    assert "the XPath condition took longer than 1 s" in error


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        # elementpath computes constant parts while parsing: at load.
        (
            "count(1 to 100000000) > 0",
            "the XPath range 1 to 100000000 holds 100000000 integers; the limit is 1000000",
        ),
        (
            "count(1 to 5000000) > 0",
            "the XPath range 1 to 5000000 holds 5000000 integers; the limit is 1000000",
        ),
        (
            f"matches('{SUBJECT}', '{EVIL}')",
            f"the regular expression {EVIL!r} {TOO_LONG} on a 28-character text",
        ),
        ("exists(analyze-string(/r/v, 'a'))", "fn:analyze-string is not available"),
    ],
)
def test_xpath_conditions_over_a_limit_are_refused_at_load(
    tmp_path: Path, condition: str, reason: str
) -> None:
    path = write_flow(tmp_path, criterion_step(condition, "xpath"))
    with within(), pytest.raises(ArazzoValidationError) as caught:
        Engine.load(path)
    text = str(caught.value)
    assert "/workflows/0/steps/0/successCriteria/0/condition" in text
    assert reason in text


def test_an_xpath_payload_target_is_bounded(tmp_path: Path, http_server: RecordingServer) -> None:
    http_server.route("POST", "/doc", Reply(200, {}))
    step = {
        "operationId": "postDoc",
        "requestBody": {
            "contentType": "application/xml",
            "payload": "<r><v>x</v></r>",
            "replacements": [{"target": "/r/v[count(1 to 5000000) > 0]", "value": "y"}],
        },
    }
    path = write_flow(tmp_path, step)
    with within():
        result = Engine.load(path, servers={"api": http_server.url}).run("flow")
    assert not result.succeeded
    assert result.steps[0].error is not None
    assert "payload replacement target '/r/v[count(1 to 5000000) > 0]'" in result.steps[0].error
    assert "the limit is 1000000" in result.steps[0].error
    assert not [r for r in http_server.requests if r.method == "POST"]  # nothing was sent


# -- inputs and OpenAPI schemas -------------------------------------------------------
@pytest.mark.parametrize(
    ("schema", "inputs"),
    [
        (
            {"type": "object", "properties": {"name": {"type": "string", "pattern": EVIL}}},
            {"name": SUBJECT},
        ),
        (
            {"type": "object", "properties": {"name": {"not": {"pattern": EVIL}}}},
            {"name": SUBJECT},
        ),
        ({"type": "object", "patternProperties": {EVIL: {"type": "string"}}}, {SUBJECT: "x"}),
        (
            {"type": "object", "patternProperties": {EVIL: {}}, "additionalProperties": False},
            {SUBJECT: "x"},
        ),
        (
            {"type": "object", "patternProperties": {EVIL: {}}, "unevaluatedProperties": False},
            {SUBJECT: "x"},
        ),
    ],
)
def test_an_inputs_schema_pattern_rejects_the_inputs_in_bounded_time(
    tmp_path: Path, http_server: RecordingServer, schema: dict[str, Any], inputs: dict[str, Any]
) -> None:
    http_server.route("GET", "/doc", Reply(200, {}))
    path = write_flow(tmp_path, {"operationId": "getDoc"}, inputs=schema)
    engine = Engine.load(path, servers={"api": http_server.url})
    with within(), pytest.raises(InputValidationError) as caught:
        engine.run("flow", inputs)
    assert caught.value.violations == (
        f"inputs: the regular expression {EVIL!r} {TOO_LONG} on a 28-character text",
    )
    assert not http_server.requests  # nothing was sent


def test_a_description_pattern_is_a_finding_in_bounded_time(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    http_server.route("GET", "/doc", Reply(200, {"text": SUBJECT}))
    schema = {"type": "object", "properties": {"text": {"type": "string", "pattern": EVIL}}}
    path = write_flow(tmp_path, {"operationId": "getDoc"}, response_schema=schema)
    engine = Engine.load(path, servers={"api": http_server.url}, validate="strict")
    with within():
        result = engine.run("flow")
    assert not result.succeeded
    (finding,) = result.steps[0].validation
    assert finding.startswith("response body (status 200): cannot check against ")
    assert finding.endswith(f"the regular expression {EVIL!r} {TOO_LONG} on a 28-character text")


# -- the command line -----------------------------------------------------------------
def test_the_cli_reports_a_regex_timeout_as_a_failed_step(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    http_server.route("GET", "/doc", Reply(200, {"v": SUBJECT}))
    path = write_flow(tmp_path, criterion_step(EVIL, "regex", "$response.body#/v"))
    start = time.monotonic()
    done = arazzo("run", str(path), "-w", "flow", "--server", f"api={http_server.url}")
    assert time.monotonic() - start < 20  # a Python start-up included
    assert done.returncode == 1, done.stdout + done.stderr
    assert TOO_LONG in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


# -- the engine's own regular expressions on hostile text -----------------------------
def test_an_open_quote_run_in_a_condition_is_checked_in_linear_time(tmp_path: Path) -> None:
    # The load-time warnings strip quoted strings from jsonpath conditions; an
    # unclosed run of \' made that search quadratic (seconds for 60 KB).
    condition = "$[?@.a == " + "'\\" * 30_000 + "]"
    path = write_flow(tmp_path, criterion_step(condition, "jsonpath"))
    with within(), pytest.raises(ArazzoValidationError) as caught:
        Engine.load(path)
    assert "the jsonpath condition is 60011 characters long; the limit is 4000" in str(caught.value)


def test_a_run_of_placeholder_openings_in_a_payload_is_checked_in_linear_time(
    tmp_path: Path,
) -> None:
    step = {
        "operationId": "postDoc",
        "requestBody": {"contentType": "application/json", "payload": "[" + "{$" * 60_000},
    }
    path = write_flow(tmp_path, step)
    with within(), suppress(ArazzoValidationError):  # refusing it is fine, hanging is not
        Engine.load(path)


def test_a_redirect_to_a_run_of_question_marks_is_logged_in_linear_time(
    tmp_path: Path, http_server: RecordingServer, caplog: pytest.LogCaptureFixture
) -> None:
    # urllib3's DEBUG lines go through the engine's query-value mask.
    target = "/landed?" + "?" * 40_000 + "&key=s3cret"
    http_server.route("GET", "/doc", Reply(302, headers={"Location": target}))
    http_server.route("GET", "/landed", Reply(200, {}))
    path = write_flow(tmp_path, {"operationId": "getDoc"})
    engine = Engine.load(path, servers={"api": http_server.url})
    with caplog.at_level("DEBUG", logger="urllib3"), within():
        result = engine.run("flow")
    assert result.succeeded, result.error
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "key=***" in logged and "s3cret" not in logged
