"""Step ``dependsOn`` (Arazzo 1.1): load checks, and the run against a real server.

Steps run in document order (moved only by goto and retry), never reordered
and never concurrently; a step whose dependency has not succeeded in this run
fails ``unsatisfied-dependency`` without sending anything, and its failure
actions apply as for any failure.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine
from arazzo_engine.errors import ArazzoValidationError, Diagnostic
from arazzo_engine.validation.alone import findings_without_sources
from tests.http_server import RecordingServer, Reply


def _get(name: str) -> dict[str, Any]:
    return {f"/{name}": {"get": {"operationId": name, "responses": {"200": {"description": "ok"}}}}}


API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "ordered", "version": "1"},
    "servers": [{"url": "http://127.0.0.1:9"}],
    "paths": {**_get("a"), **_get("b"), **_get("c"), **_get("d")},
}

HEAD = """\
arazzo: VERSION
info: {title: ordered, version: '1'}
sourceDescriptions:
  - {name: api, url: api.openapi.json, type: openapi}
SOURCES
workflows:
"""

SUB = """\
arazzo: 1.1.0
info: {title: sub, version: '1'}
sourceDescriptions: [{name: api, url: api.openapi.json, type: openapi}]
workflows:
  - workflowId: sub
    steps:
      - {stepId: s, operationId: a}
"""


def write(tmp_path: Path, workflows: str, version: str = "1.1.0", sub: bool = False) -> Path:
    (tmp_path / "api.openapi.json").write_text(json.dumps(API), encoding="utf-8")
    sources = ""
    if sub:
        (tmp_path / "sub.arazzo.yaml").write_text(SUB, encoding="utf-8")
        sources = "  - {name: flows, url: sub.arazzo.yaml, type: arazzo}"
    head = HEAD.replace("VERSION", version).replace("SOURCES\n", sources + "\n" if sources else "")
    path = tmp_path / "ordered.arazzo.yaml"
    path.write_text(head + textwrap.indent(textwrap.dedent(workflows), "  "), encoding="utf-8")
    return path


def load_errors(path: Path) -> list[Diagnostic]:
    with pytest.raises(ArazzoValidationError) as raised:
        Engine.load(path)
    return [d for d in raised.value.errors if d.severity == "error"]


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer(poll_interval=0.05) as running:
        running.answer_ok("GET /a", "GET /b", "GET /c", "GET /d")
        yield running


def paths(server: RecordingServer) -> list[str]:
    return [r.path for r in server.requests]


# -- load ------------------------------------------------------------------------------------


def test_a_dependency_naming_no_step_is_a_located_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        - workflowId: w
          steps:
            - {stepId: a, operationId: a}
            - {stepId: b, operationId: b, dependsOn: [a, nowhere]}
        """,
    )
    errors = load_errors(path)
    assert [(d.rule, d.pointer) for d in errors] == [
        ("depends-on", "/workflows/0/steps/1/dependsOn/1")
    ]
    assert "step 'b' depends on step 'nowhere', which workflow 'w' does not have" in (
        errors[0].message
    )
    assert "'a', 'b'" in errors[0].message and (errors[0].line, errors[0].column) == (9, 52)


def test_other_workflow_forms_must_name_an_existing_workflow_and_step(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        - workflowId: w
          steps:
            - stepId: a
              operationId: a
              dependsOn: [$workflows.ghost.steps.x, $workflows.other.steps.missing]
        - workflowId: other
          steps: [{stepId: o, operationId: b}]
        """,
    )
    found, _ = findings_without_sources(path)  # the document alone decides these
    errors = [(d.rule, d.pointer, d.message) for d in found if d.severity == "error"]
    assert [(rule, pointer) for rule, pointer, _ in errors] == [
        ("depends-on", "/workflows/0/steps/0/dependsOn/0"),
        ("depends-on", "/workflows/0/steps/0/dependsOn/1"),
    ]
    assert "this document defines no workflow 'ghost'" in errors[0][2]
    assert "workflow 'other' has no step 'missing' (its steps: 'o')" in errors[1][2]


def test_a_source_workflow_step_must_exist_once_the_source_is_loaded(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        - workflowId: w
          steps:
            - {stepId: run, workflowId: $sourceDescriptions.flows.sub}
            - stepId: after
              operationId: b
              dependsOn: [$sourceDescriptions.flows.sub.steps.nope]
        """,
        sub=True,
    )
    errors = load_errors(path)
    assert [(d.rule, d.pointer) for d in errors] == [
        ("depends-on", "/workflows/0/steps/1/dependsOn/0")
    ]
    assert "workflow 'sub' of source 'flows' has no step 'nope' (its steps: 's')" in (
        errors[0].message
    )
    found, _ = findings_without_sources(path)  # without the sources: not judged
    assert [d for d in found if d.severity == "error"] == []


def test_a_cycle_of_dependencies_is_an_error_even_with_goto(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        - workflowId: w
          steps:
            - stepId: a
              operationId: a
              dependsOn: [b]
              onSuccess: [{name: loop, type: goto, stepId: b}]
            - {stepId: b, operationId: b, dependsOn: [a]}
            - {stepId: c, operationId: c, dependsOn: [c]}
        """,
    )
    errors = load_errors(path)
    assert [(d.rule, d.pointer) for d in errors] == [
        ("depends-on", "/workflows/0/steps/1/dependsOn/0"),
        ("depends-on", "/workflows/0/steps/2/dependsOn/0"),
    ]
    assert "dependsOn forms a cycle: a -> b -> a in workflow 'w'" in errors[0].message
    assert "step 'c' depends on itself" in errors[1].message


def test_a_later_step_without_goto_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        - workflowId: w
          steps:
            - {stepId: a, operationId: a, dependsOn: [b]}
            - {stepId: b, operationId: b}
        """,
    )
    errors = load_errors(path)
    assert [(d.rule, d.pointer) for d in errors] == [
        ("depends-on", "/workflows/0/steps/0/dependsOn/0")
    ]
    message = errors[0].message
    assert "'b' is a later step, steps run in document order and no goto or retry" in message
    assert "dependsOn never reorders steps" in message


def test_a_later_step_is_allowed_when_a_goto_can_run_it_first(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        - workflowId: w
          steps:
            - stepId: a
              operationId: a
              dependsOn: [b]
              onFailure: [{name: first-b, type: goto, stepId: b}]
            - stepId: b
              operationId: b
              onSuccess: [{name: back, type: goto, stepId: a}]
        """,
    )
    with Engine.load(path) as engine:
        assert [d for d in engine.findings if d.rule == "depends-on"] == []


def test_a_forward_steps_read_is_an_error_in_1_1_without_goto_and_a_warning_in_1_0(
    tmp_path: Path,
) -> None:
    workflows = """\
    - workflowId: w
      steps:
        - stepId: a
          operationId: a
          successCriteria: [{condition: $steps.b.outputs.ok == true}]
        - {stepId: b, operationId: b, outputs: {ok: $statusCode}}
    """
    errors = load_errors(write(tmp_path, workflows))
    assert [(d.rule, d.pointer) for d in errors] == [
        ("step-output-order", "/workflows/0/steps/0/successCriteria/0/condition")
    ]
    assert "Arazzo 1.1 treats it as a dependency that can never be met" in errors[0].message
    with Engine.load(write(tmp_path, workflows, version="1.0.1")) as engine:
        found = [(d.severity, d.rule) for d in engine.findings if d.rule == "step-output-order"]
        assert found == [("warning", "step-output-order")]


# -- run -------------------------------------------------------------------------------------


def test_a_satisfied_dependency_runs_in_document_order(
    tmp_path: Path, server: RecordingServer
) -> None:
    path = write(
        tmp_path,
        """\
        - workflowId: w
          steps:
            - {stepId: a, operationId: a}
            - {stepId: b, operationId: b}
            - {stepId: c, operationId: c, dependsOn: [a, b]}
        """,
    )
    with Engine.load(path, servers={"api": server.url}) as engine:
        result = engine.run("w")
    assert result.succeeded, result.error
    assert paths(server) == ["/a", "/b", "/c"]


def test_a_dependency_skipped_by_a_goto_fails_the_step_and_its_failure_actions_apply(
    tmp_path: Path, server: RecordingServer
) -> None:
    """'a' jumps over 'b' to 'c', which depends on 'b': 'c' fails without sending; its
    onFailure goes back to 'b', after which 'c' runs."""
    path = write(
        tmp_path,
        """\
        - workflowId: w
          steps:
            - stepId: a
              operationId: a
              onSuccess:
                - name: skip
                  type: goto
                  stepId: c
                  criteria: [{condition: $statusCode == 200}]
            - {stepId: b, operationId: b}
            - stepId: c
              operationId: c
              dependsOn: [b]
              onFailure:
                - name: do-b
                  type: goto
                  stepId: b
                  criteria: [{condition: $statusCode == null}]
        """,
    )
    with Engine.load(path, servers={"api": server.url}) as engine:
        result = engine.run("w")
    assert result.succeeded, result.error
    assert [(s.step_id, s.succeeded) for s in result.steps] == [
        ("a", True),
        ("c", False),
        ("b", True),
        ("c", True),
    ]
    error = result.steps[1].error or ""
    assert error == (
        "step 'c' of workflow 'w': unsatisfied-dependency: it depends on 'b', but step 'b' "
        "did not run in this run of workflow 'w'; the step was not run"
    )
    assert paths(server) == ["/a", "/b", "/c"]  # the first 'c' sent nothing


def test_a_failed_dependency_fails_the_step_without_sending(
    tmp_path: Path, server: RecordingServer
) -> None:
    server.route("GET", "/a", Reply(500, {}))
    path = write(
        tmp_path,
        """\
        - workflowId: w
          steps:
            - stepId: a
              operationId: a
              onFailure: [{name: go-on, type: goto, stepId: b}]
            - {stepId: b, operationId: b, dependsOn: [a]}
        """,
    )
    with Engine.load(path, servers={"api": server.url}) as engine:
        result = engine.run("w")
    assert not result.succeeded
    assert "unsatisfied-dependency" in (result.error or "")
    assert "step 'a' failed on its latest execution in this run of workflow 'w'" in (
        result.error or ""
    )
    assert paths(server) == ["/a"]


CROSS = """\
- workflowId: w
  steps:
    - {stepId: run, workflowId: child}
    - {stepId: after, operationId: d, dependsOn: [$workflows.child.steps.make]}
- workflowId: lonely
  steps:
    - {stepId: wait, operationId: d, dependsOn: [$workflows.child.steps.make]}
- workflowId: child
  steps:
    - {stepId: make, operationId: c}
"""


def test_another_workflow_step_counts_after_that_workflow_ran(
    tmp_path: Path, server: RecordingServer
) -> None:
    with Engine.load(write(tmp_path, CROSS), servers={"api": server.url}) as engine:
        result = engine.run("w")
        assert result.succeeded, result.error
        assert paths(server) == ["/c", "/d"]
        server.requests.clear()
        lonely = engine.run("lonely")  # a new run: 'child' has not run in it
    assert not lonely.succeeded
    assert "workflow 'child' has not run in this run" in (lonely.error or "")
    assert server.requests == []


def test_a_failed_step_in_the_latest_run_of_the_other_workflow_is_unsatisfied(
    tmp_path: Path, server: RecordingServer
) -> None:
    server.route("GET", "/c", Reply(500, {}))
    workflows = CROSS.replace(
        "    - {stepId: run, workflowId: child}",
        "    - stepId: run\n      workflowId: child\n"
        "      onFailure: [{name: go-on, type: goto, stepId: after}]",
    )
    with Engine.load(write(tmp_path, workflows), servers={"api": server.url}) as engine:
        result = engine.run("w")
    assert not result.succeeded
    assert "step 'make' failed on its latest execution in the latest run of workflow 'child'" in (
        result.error or ""
    )
    assert paths(server) == ["/c"]


def test_a_source_workflow_step_counts_after_it_ran(
    tmp_path: Path, server: RecordingServer
) -> None:
    path = write(
        tmp_path,
        """\
        - workflowId: w
          steps:
            - {stepId: run, workflowId: $sourceDescriptions.flows.sub}
            - stepId: after
              operationId: b
              dependsOn: [$sourceDescriptions.flows.sub.steps.s]
        """,
        sub=True,
    )
    with Engine.load(path, servers={"api": server.url}) as engine:
        result = engine.run("w")
    assert result.succeeded, result.error
    assert paths(server) == ["/a", "/b"]
