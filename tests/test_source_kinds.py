"""Source kinds: the registry finds a kind by ``type`` or root field, and a kind registered
from outside is loaded, planned and run by the same loader, plan and interpreter, which
never learn what it is; an AsyncAPI document is a source of Arazzo 1.1 documents only."""

from __future__ import annotations

import textwrap
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import ArazzoValidationError, ConfigurationError, Engine
from arazzo_engine.events import Event, RequestSent, StepStarted
from arazzo_engine.expressions import evaluate
from arazzo_engine.http.mock import MockTransport
from arazzo_engine.http.response import HttpResponse
from arazzo_engine.run.context import StepContext
from arazzo_engine.sources.arazzo import ARAZZO
from arazzo_engine.sources.asyncapi.kind import ASYNCAPI as ASYNCAPI_KIND
from arazzo_engine.sources.base import LoadedSource, OpenContext
from arazzo_engine.sources.call import CallRuntime, StepRequest
from arazzo_engine.sources.kinds import KINDS, kind_named, kind_of, register, unregister
from arazzo_engine.sources.openapi.kind import OPENAPI


# ------------------------------------------------------------------ a toy kind
@dataclass(frozen=True)
class ToyOutcome:
    failure: str | None = None
    findings: tuple[str, ...] = ()
    summary: str = "toy answer"

    def without_criteria(self) -> str | None:
        return None

    def conclude(self, failure: str | None) -> tuple[str | None, tuple[str, ...]]:
        return failure, self.findings


@dataclass(frozen=True)
class ToyCall:
    """Answers from the description itself: no transport, no HTTP."""

    operation_id: str
    status: int
    request: StepRequest

    def describe(self) -> str:
        return f"TOY {self.operation_id}"

    def perform(self, context: StepContext, runtime: CallRuntime) -> ToyOutcome:
        given = {p.name: evaluate(p.value, context) for p in self.request.parameters}
        key = runtime.credentials.get("toyKey")
        context.response = HttpResponse(self.status, json={"echo": given, "key": key})
        return ToyOutcome()


@dataclass(frozen=True)
class ToyTarget:
    operation_id: str
    status: int

    def prepare(self, request: StepRequest) -> ToyCall:
        return ToyCall(self.operation_id, self.status, request)


@dataclass(frozen=True)
class ToyOperations:
    source: LoadedSource
    operations: dict[str, Any]
    title = "Toy"
    pointer_field = "operationPath"

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def location(self) -> str:
        return self.source.location

    @property
    def operation_ids(self) -> Collection[str]:
        return self.operations.keys()

    @property
    def scheme_names(self) -> Collection[str]:
        return ("toyKey",)

    @property
    def server_names(self) -> Collection[str]:
        return ()

    def find_by_id(self, operation_id: str) -> ToyTarget | None:
        found = self.operations.get(operation_id)
        return ToyTarget(operation_id, int(found["status"])) if found is not None else None

    def find_by_pointer(self, pointer: str) -> ToyTarget | None:
        return None

    def pointer_hint(self, pointer: str) -> str:
        return "; toy operations have no pointers"

    def problems(self) -> Sequence[tuple[str, str]]:
        return ()


class ToyKind:
    name = "toy"
    title = "Toy"
    root_fields = ("toyapi",)
    keeps_positions = False
    rules = ("source-toy",)

    def open(self, source: LoadedSource, context: OpenContext) -> ToyOperations | None:
        operations = source.document.data.get("operations")
        if not isinstance(operations, dict):
            context.report("source-toy", f"toy source '{source.name}' has no operations")
            return None
        return ToyOperations(source, operations)


@pytest.fixture
def toy() -> Iterator[ToyKind]:
    kind = register(ToyKind())
    yield kind
    assert unregister(kind.name) is kind
    assert kind_named("toy") is None


def write_flow(folder: Path, toy_document: str, step: str) -> Path:
    (folder / "toy.yaml").write_text(textwrap.dedent(toy_document), encoding="utf-8")
    flow = folder / "flow.arazzo.yaml"
    flow.write_text(
        textwrap.dedent(
            """\
            arazzo: 1.0.1
            info: {title: toy, version: '1'}
            sourceDescriptions:
            - {name: play, url: toy.yaml}
            workflows:
            - workflowId: w
              inputs: {type: object, properties: {word: {type: string}}}
              steps:
            """
        )
        + textwrap.indent(textwrap.dedent(step), "  "),
        encoding="utf-8",
    )
    return flow


TOY = """\
toyapi: 1
operations:
  echo: {status: 200}
  refuse: {status: 418}
"""

ECHO = """\
- stepId: say
  operationId: echo
  parameters:
  - {name: word, in: query, value: $inputs.word}
  successCriteria:
  - condition: $statusCode == 200
  outputs:
    heard: $response.body#/echo/word
    key: $response.body#/key
"""


# ------------------------------------------------------------------ built-in kinds
def test_the_built_in_kinds_are_found_by_type_and_by_root_field() -> None:
    assert list(KINDS) == ["openapi", "arazzo", "asyncapi"]
    assert kind_named("openapi") is OPENAPI and kind_named("arazzo") is ARAZZO
    assert kind_named(None) is None and kind_named("asyncapi") is ASYNCAPI_KIND
    assert kind_of({"openapi": "3.1.0"}) is OPENAPI
    assert kind_of({"swagger": "2.0"}) is OPENAPI
    assert kind_of({"arazzo": "1.0.1"}) is ARAZZO
    assert kind_of({"openapi": "3.1.0", "arazzo": "1.0.1"}) is OPENAPI  # registry order
    assert kind_of({"asyncapi": "3.0.0"}) is ASYNCAPI_KIND
    assert kind_of({"info": {"title": "none"}}) is None


ASYNCAPI = """\
asyncapi: 3.0.0
info: {title: a, version: '1'}
channels: {}
"""


@pytest.mark.parametrize(
    ("declared", "rules", "message"),
    [
        (
            "",
            ["source-type"],
            "source description 'src' ({path}) is an AsyncAPI document; Arazzo 1.0.1 has no "
            "AsyncAPI sources: write 'arazzo: 1.1.0' to use one",
        ),
        (
            ", type: openapi",
            ["source-type"],
            "source description 'src' is declared type 'openapi' but {path} is an asyncapi "
            "document",
        ),
        (
            ", type: arazzo",
            ["source-type"],
            "source description 'src' is declared type 'arazzo' but {path} is an asyncapi document",
        ),
    ],
)
def test_an_asyncapi_document_is_no_source_of_a_1_0_document(
    tmp_path: Path, declared: str, rules: list[str], message: str
) -> None:
    (tmp_path / "events.yaml").write_text(ASYNCAPI, encoding="utf-8")
    flow = tmp_path / "flow.arazzo.yaml"
    flow.write_text(
        textwrap.dedent(
            f"""\
            arazzo: 1.0.1
            info: {{title: t, version: '1'}}
            sourceDescriptions:
            - {{name: src, url: events.yaml{declared}}}
            workflows:
            - workflowId: w
              steps:
              - stepId: s
                operationId: op
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(flow)
    errors = [d for d in caught.value.errors if d.severity == "error"]
    assert sorted(d.rule for d in errors) == rules
    first = next(d for d in errors if d.rule == rules[0])
    assert first.message == message.format(path=tmp_path / "events.yaml")


# ------------------------------------------------------------------ a registered kind
def test_a_registered_kind_runs_its_steps_without_the_interpreter_knowing(
    tmp_path: Path, toy: ToyKind
) -> None:
    def no_network(request: Any) -> HttpResponse:
        raise AssertionError("a toy step sent an HTTP request")

    engine = Engine.load(
        write_flow(tmp_path, TOY, ECHO),
        credentials={"toyKey": "k-1"},
        transport=MockTransport(no_network),
    )
    events: list[Event] = []
    result = engine.run("w", {"word": "hello"}, on_event=events.append)
    assert result.succeeded, result.error
    # The kind got the credential "k-1"; the result holds it masked, as every result does.
    assert result.steps[0].outputs == {"heard": "hello", "key": "***"}
    started = [e for e in events if isinstance(e, StepStarted)]
    assert [e.target for e in started] == ["TOY echo"]
    assert not [e for e in events if isinstance(e, RequestSent)]


def test_a_registered_kind_answer_is_judged_and_quoted_in_the_failure(
    tmp_path: Path, toy: ToyKind
) -> None:
    step = ECHO.replace("operationId: echo", "operationId: refuse")
    result = Engine.load(write_flow(tmp_path, TOY, step)).run("w", {"word": "x"})
    assert not result.succeeded
    assert result.error == (
        "step 'say' of workflow 'w': successCriteria not met: `$statusCode == 200` (toy answer)"
    )


def test_a_registered_kind_names_and_problems_reach_the_load(tmp_path: Path, toy: ToyKind) -> None:
    flow = write_flow(tmp_path, TOY, ECHO)
    with pytest.raises(ConfigurationError, match="valid names: 'toyKey'"):
        Engine.load(flow, credentials={"nope": "x"})
    missing = ECHO.replace("operationId: echo", "operationId: $sourceDescriptions.play.ech0")
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(write_flow(tmp_path, TOY, missing))
    assert [d.message for d in caught.value.errors if d.severity == "error"] == [
        f"operationId 'ech0' is not in source 'play' ({tmp_path / 'toy.yaml'})"
    ]
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(write_flow(tmp_path, "toyapi: 1\n", ECHO))
    errors = [d for d in caught.value.errors if d.severity == "error"]
    # Its own rule marks the source as failed: no 'operation' error repeats it.
    assert [(d.rule, d.message, d.pointer) for d in errors] == [
        ("source-toy", "toy source 'play' has no operations", "/sourceDescriptions/0")
    ]


def test_a_document_of_no_kind_is_described_by_every_registered_kind(
    tmp_path: Path, toy: ToyKind
) -> None:
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(write_flow(tmp_path, "info: {title: nothing}\n", ECHO))
    assert caught.value.errors[0].message == (
        f"source description 'play' ({tmp_path / 'toy.yaml'}) is not an OpenAPI, an Arazzo, "
        "an AsyncAPI or a Toy document (no 'openapi', 'swagger', 'arazzo', 'asyncapi' or "
        "'toyapi' field at its root)"
    )


def test_a_kind_is_registered_once_and_unregistered_by_name(toy: ToyKind) -> None:
    with pytest.raises(ConfigurationError, match="'toy' is already registered"):
        register(ToyKind())
    with pytest.raises(ConfigurationError, match="'nothing' is not registered"):
        unregister("nothing")
