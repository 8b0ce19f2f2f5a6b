"""The criteria registry: a kind registered from outside is loaded, judged and traced like
the built-in ones; the one table of expression versions drives load and run alike."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import ArazzoValidationError, ConfigurationError, Engine
from arazzo_engine.criteria import (
    ContextKind,
    CriterionCompileError,
    CriterionKind,
    ExpressionVersion,
    Verdict,
    compile_criterion,
    kind_named,
    kind_names,
    register,
    unregister,
)
from arazzo_engine.criteria.jsonpath import JsonPathKind
from arazzo_engine.criteria.registry import allowed_versions, versioned_kind_names
from arazzo_engine.criteria.xpath import XPathKind
from arazzo_engine.events import CriterionEvaluated, Event
from arazzo_engine.expressions import EvaluationContext
from arazzo_engine.expressions.trace import Term
from arazzo_engine.model import Criterion
from tests.expression_context import DictContext
from tests.http_server import RecordingServer, Reply

BUILT_IN = ("simple", "regex", "jsonpath", "xpath")


class StartsWith(ContextKind[str]):
    """A toy kind: the context's text starts with the condition."""

    name = "startsWith"

    def compile_condition(self, criterion: Criterion) -> str:
        if not criterion.condition:
            raise CriterionCompileError("condition", "a startsWith condition cannot be empty")
        return criterion.condition

    def judge_value(self, condition: str, value: Any) -> Verdict:
        if not isinstance(value, str):
            return False, f"the context is not text but {type(value).__name__}"
        return value.startswith(condition), None


@pytest.fixture
def starts_with() -> Iterator[StartsWith]:
    kind = register(StartsWith())
    yield kind
    assert unregister(kind.name) is kind
    assert kind_named(kind.name) is None


OPENAPI = """\
openapi: 3.1.0
info: {title: greetings, version: '1'}
paths:
  /greeting:
    get:
      operationId: greet
      responses:
        '200':
          description: a greeting
          content:
            application/json:
              schema: {type: object}
"""


def write(tmp_path: Path, criteria: str, arazzo: str = "1.0.1") -> Path:
    (tmp_path / "api.openapi.yaml").write_text(OPENAPI)
    document = tmp_path / "greet.arazzo.yaml"
    document.write_text(
        f"""\
arazzo: {arazzo}
info: {{title: greet, version: '1'}}
sourceDescriptions: [{{name: api, url: api.openapi.yaml, type: openapi}}]
workflows:
- workflowId: greet
  steps:
  - stepId: hello
    operationId: greet
    successCriteria:
{textwrap.indent(textwrap.dedent(criteria), "    ")}
"""
    )
    return document


STARTS_WITH_HELLO = "- {context: $response.body#/message, condition: hello, type: startsWith}"


def run(
    document: Path, server: RecordingServer, reply: Reply
) -> tuple[Any, list[CriterionEvaluated]]:
    server.route("GET", "/greeting", reply)
    events: list[Event] = []
    engine = Engine.load(document, servers={"api": server.url})
    result = engine.run("greet", on_event=events.append)
    return result, [event for event in events if isinstance(event, CriterionEvaluated)]


# ------------------------------------------------------------------ a registered kind


def test_a_registered_kind_passes_in_a_run(
    starts_with: StartsWith, tmp_path: Path, http_server: RecordingServer
) -> None:
    document = write(tmp_path, STARTS_WITH_HELLO)
    result, (event,) = run(document, http_server, Reply(200, {"message": "hello world"}))
    assert result.succeeded, result.error
    assert (event.kind, event.condition, event.context) == (
        "startsWith",
        "hello",
        "$response.body#/message",
    )
    assert (event.passed, event.problem, event.where) == (True, None, "successCriteria")
    text = "$response.body#/message"
    assert event.terms == (Term(text, None, text, "hello world", None, None, True),)


def test_a_registered_kind_fails_a_step(
    starts_with: StartsWith, tmp_path: Path, http_server: RecordingServer
) -> None:
    document = write(tmp_path, STARTS_WITH_HELLO)
    result, (event,) = run(document, http_server, Reply(200, {"message": "goodbye"}))
    assert not result.succeeded
    assert result.error is not None
    assert "successCriteria not met: `hello` (HTTP 200)" in result.error
    assert (event.kind, event.passed, event.problem) == ("startsWith", False, None)
    assert event.terms[0].left_value == "goodbye"


def test_a_registered_kind_reports_why_it_cannot_judge(
    starts_with: StartsWith, tmp_path: Path, http_server: RecordingServer
) -> None:
    document = write(tmp_path, STARTS_WITH_HELLO)
    result, (event,) = run(document, http_server, Reply(200, {"message": 42}))
    assert not result.succeeded and result.error is not None
    assert "the context is not text but int" in result.error
    assert event.problem == "the context is not text but int"
    result, (event,) = run(document, http_server, Reply(200, {}))
    assert event.problem == "the context $response.body#/message has no value"


def test_a_registered_kind_that_raises_fails_the_criterion_with_the_reason(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    class Broken(StartsWith):
        name = "broken"

        def judge_value(self, condition: str, value: Any) -> Verdict:
            raise RuntimeError("the toy broke")

    register(Broken())
    try:
        document = write(tmp_path, "- {context: $statusCode, condition: x, type: broken}")
        result, (event,) = run(document, http_server, Reply(200, {}))
    finally:
        unregister("broken")
    assert not result.succeeded
    assert event.problem == "evaluating the criterion failed: the toy broke"


def test_a_registered_kind_reports_its_compile_errors_at_load(
    starts_with: StartsWith, tmp_path: Path
) -> None:
    document = write(tmp_path, "- {context: $response.body, condition: '', type: startsWith}")
    with pytest.raises(ArazzoValidationError) as info:
        Engine.load(document)
    (error,) = info.value.errors
    assert (error.rule, error.pointer) == (
        "criterion",
        "/workflows/0/steps/0/successCriteria/0/condition",
    )
    assert "a startsWith condition cannot be empty" in error.message


def test_an_unregistered_kind_is_an_enum_error_listing_the_registered_ones(
    tmp_path: Path,
) -> None:
    document = write(tmp_path, STARTS_WITH_HELLO)
    register(StartsWith())
    try:
        Engine.load(document)  # accepted while registered
    finally:
        unregister("startsWith")
    with pytest.raises(ArazzoValidationError) as info:
        Engine.load(document)
    (error,) = [d for d in info.value.errors if d.severity == "error"]
    assert error.rule == "enum"
    assert error.message == (
        "'type' of a Criterion must be one of simple, regex, jsonpath, xpath, got 'startsWith'"
    )


def test_a_loaded_engine_keeps_the_kinds_it_compiled_with(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    document = write(tmp_path, STARTS_WITH_HELLO)
    register(StartsWith())
    try:
        engine = Engine.load(document, servers={"api": http_server.url})
    finally:
        unregister("startsWith")
    http_server.route("GET", "/greeting", Reply(200, {"message": "hello"}))
    assert engine.run("greet").succeeded


def test_registration_refuses_a_taken_name_and_unknown_removals() -> None:
    with pytest.raises(ConfigurationError, match="'regex' is already registered"):
        register(type("Regex", (StartsWith,), {"name": "regex"})())
    with pytest.raises(ConfigurationError, match="'nope' is not registered"):
        unregister("nope")
    assert kind_names() == BUILT_IN


def test_a_kind_written_from_the_general_base() -> None:
    class Length(CriterionKind[int]):
        """The condition is the length the response body must have."""

        name = "length"

        def compile(self, criterion: Criterion) -> int:
            return int(criterion.condition)

        def judge(self, compiled: int, context: EvaluationContext) -> Verdict:
            return len(context.response_body()) == compiled, None

    register(Length())
    try:
        compiled = compile_criterion(Criterion(condition="2", type="length"))
    finally:
        unregister("length")
    assert compiled.kind == "length" and compiled.text == "2"
    assert compiled.judge(DictContext(response_payload=[1, 2])) == (True, None)
    assert compiled.judge(DictContext(response_payload=[1])) == (False, None)
    assert compiled.judge(DictContext(response_payload=None)) == (
        False,
        "evaluating the criterion failed: object of type 'NoneType' has no len()",
    )
    assert compiled.terms(DictContext(), True) == ()


def test_an_unknown_type_does_not_compile() -> None:
    with pytest.raises(CriterionCompileError) as info:
        compile_criterion(Criterion(condition="x", context="$url", type="glob"))
    assert info.value.field == "type"
    assert str(info.value) == "criterion type 'glob' is not one of simple, regex, jsonpath, xpath"


# ------------------------------------------------------------------ the one table of versions


def test_the_kinds_own_the_version_table() -> None:
    assert versioned_kind_names() == ("jsonpath", "xpath")
    assert allowed_versions("jsonpath", "1.0.1") == ("draft-goessner-dispatch-jsonpath-00",)
    assert allowed_versions("xpath", "1.0.1") == ("xpath-30", "xpath-20", "xpath-10")
    assert allowed_versions("xpath", "1.1.0") == ("xpath-31", "xpath-30", "xpath-20", "xpath-10")
    assert allowed_versions("simple", "1.0.1") == ()
    assert ExpressionVersion("x", "X", arazzo="1.1").allowed_in("1.0.1") is False


@pytest.mark.parametrize(
    ("kind", "condition", "value"),
    [(JsonPathKind, "$.a", {"a": 1}), (XPathKind, "/a", "<a/>")],
)
def test_every_declared_version_evaluates(
    kind: type[ContextKind[Any]], condition: str, value: Any
) -> None:
    for version in (None, *(v.name for v in kind.versions)):
        compiled = compile_criterion(
            Criterion(
                condition=condition, context="$response.body", type=kind.name, version=version
            )
        )
        assert compiled.judge(DictContext(response_payload=value)) == (True, None), version


def test_xpath_31_in_a_1_0_document_warns_then_runs_as_xpath_3_1(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    document = write(
        tmp_path,
        """\
        - context: $response.body
          condition: array:size(array { /pets/pet }) = 2
          type: {type: xpath, version: xpath-31}
        """,
    )
    http_server.route(
        "GET", "/greeting", Reply(200, "<pets><pet/><pet/></pets>", content_type="application/xml")
    )
    engine = Engine.load(document, servers={"api": http_server.url})
    (warning,) = engine.warnings
    assert (warning.rule, warning.pointer) == (
        "enum",
        "/workflows/0/steps/0/successCriteria/0/type/version",
    )
    assert warning.message == (
        "'version' of a xpath expression type is one of xpath-30, xpath-20, xpath-10, "
        "got 'xpath-31'"
    )
    result = engine.run("greet")
    assert result.succeeded, result.error
