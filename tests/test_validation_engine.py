"""``Engine.load`` reports every problem at once, warnings included, each once and best first."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from arazzo_engine import Engine
from arazzo_engine.errors import ArazzoValidationError, Diagnostic, Location
from arazzo_engine.validation import finalize, strict
from arazzo_engine.validation.report import format_github, format_json, format_text
from tests.validation_corpus import CORPUS

API = (CORPUS / "api.openapi.yaml").read_text()


def write(tmp_path: Path, text: str, name: str = "flow.arazzo.yaml") -> Path:
    (tmp_path / "api.openapi.yaml").write_text(API)
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def rules(error: ArazzoValidationError) -> list[tuple[str, str]]:
    return [(d.severity, d.rule) for d in error.errors]


MANY = """\
arazzo: 1.0.1
info: {title: many, version: '1'}
sourceDescriptions:
- {name: api, url: api.openapi.yaml}
- {name: api, url: api.openapi.yaml}
workflows:
- workflowId: w
  steps:
  - stepId: get
    operationId: getPet
    parameters:
    - {name: petId, value: '1'}
    successCriteria:
    - condition: $statusCode == 200
    outputs:
      name: $response.body#/name
      spare: $response.body#/spare
  - stepId: get
    operationId: listPets
  outputs:
    name: $steps.gett.outputs.name
- workflowId: w
  steps:
  - {stepId: x, operationId: listPets, successCriteria: [{condition: $statusCode == 200}]}
"""


def test_every_mistake_of_a_document_at_once(tmp_path: Path) -> None:
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(write(tmp_path, MANY))
    found = rules(caught.value)
    assert found == [
        ("error", "duplicate-source-name"),
        ("error", "parameter-in"),
        ("error", "duplicate-step-id"),
        ("error", "unknown-step"),
        ("error", "duplicate-workflow-id"),
        ("warning", "missing-success-criteria"),
    ]
    lines = [d.line for d in caught.value.errors if d.severity == "error"]
    assert lines == sorted(lines)
    text = str(caught.value)
    assert text.startswith("5 errors in the Arazzo document:\n")
    assert f"{tmp_path / 'flow.arazzo.yaml'}:5:4 (at #/sourceDescriptions/1/name)" in text


def test_structural_and_semantic_problems_come_together(tmp_path: Path) -> None:
    text = MANY.replace("info: {title: many, version: '1'}", "info: {title: many}")
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(write(tmp_path, text))
    found = {rule for _, rule in rules(caught.value)}
    assert {"required", "duplicate-step-id", "duplicate-workflow-id", "unknown-step"} <= found


def test_warnings_do_not_raise_and_are_kept(tmp_path: Path) -> None:
    engine = Engine.load(CORPUS / "unused-output.arazzo.yaml")
    (warning,) = engine.warnings
    assert (warning.severity, warning.rule, warning.line) == ("warning", "unused-output", 21)
    assert warning.file == str(CORPUS / "unused-output.arazzo.yaml")


def test_warnings_ride_along_with_errors(tmp_path: Path) -> None:
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(write(tmp_path, MANY))
    assert caught.value.errors[-1].severity == "warning"
    assert str(caught.value).count("warning:") == 1


def test_a_workflow_level_problem_is_reported_once_not_per_step(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        arazzo: 1.0.1
        info: {title: t, version: '1'}
        sourceDescriptions: [{name: api, url: api.openapi.yaml}]
        workflows:
        - workflowId: w
          failureActions:
          - {name: back, type: goto, stepId: nowhere}
          parameters:
          - reference: $components.parameters.missing
          steps:
          - {stepId: a, operationId: listPets, successCriteria: [{condition: $statusCode == 200}]}
          - {stepId: b, operationId: listPets, successCriteria: [{condition: $statusCode == 200}]}
          - {stepId: c, operationId: listPets, successCriteria: [{condition: $statusCode == 200}]}
        """,
    )
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(path)
    assert rules(caught.value) == [("error", "action-target"), ("error", "reference")]


def test_an_unreadable_source_is_not_reported_again_by_each_step(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        arazzo: 1.0.1
        info: {title: t, version: '1'}
        sourceDescriptions: [{name: api, url: ../openapi/missing.yaml}]
        workflows:
        - workflowId: w
          steps:
          - {stepId: a, operationId: listPets, successCriteria: [{condition: $statusCode == 200}]}
          - stepId: b
            operationId: $sourceDescriptions.api.getPet
            parameters: [{name: petId, in: path, value: '1'}]
            successCriteria: [{condition: $statusCode == 200}]
          - stepId: c
            operationPath: '{$sourceDescriptions.api.url}#/paths/~1pets/get'
            successCriteria: [{condition: $statusCode == 200}]
        """,
    )
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(path)
    (only,) = caught.value.errors
    assert only.rule == "source-unreadable"
    assert str(tmp_path.parent / "openapi" / "missing.yaml") in only.message
    assert "Engine.load(..., sources={'api': PATH})" in only.message
    assert "--source" not in only.message


def test_a_nested_arazzo_document_is_checked_in_its_own_file(tmp_path: Path) -> None:
    child = write(
        tmp_path,
        """\
        arazzo: 1.0.1
        info: {title: child, version: '1'}
        sourceDescriptions: [{name: api, url: api.openapi.yaml}]
        workflows:
        - workflowId: inner
          steps:
          - {stepId: s, operationId: listPets, successCriteria: [{condition: $statusCode == 200}]}
          - {stepId: s, operationId: listPets, successCriteria: [{condition: $statusCode == 200}]}
        """,
        "child.arazzo.yaml",
    )
    entry = write(
        tmp_path,
        """\
        arazzo: 1.0.1
        info: {title: entry, version: '1'}
        sourceDescriptions: [{name: child, url: child.arazzo.yaml, type: arazzo}]
        workflows:
        - workflowId: outer
          steps:
          - {stepId: call, workflowId: $sourceDescriptions.child.inner}
        """,
        "entry.arazzo.yaml",
    )
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(entry)
    (only,) = caught.value.errors
    assert (only.rule, only.file, only.line) == ("duplicate-step-id", str(child.resolve()), 8)


def diagnostic(severity: str, rule: str, file: str, line: int) -> Diagnostic:
    return Diagnostic(severity, rule, "m", Location(file, "/x", line, 1))  # type: ignore[arg-type]


def test_finalize_drops_repeats_and_puts_the_best_first() -> None:
    a = diagnostic("warning", "unused-output", "entry.yaml", 1)
    b = diagnostic("error", "type", "other.yaml", 2)
    c = diagnostic("error", "type", "entry.yaml", 9)
    assert finalize([a, b, c, b, a], entry="entry.yaml") == [c, b, a]


def test_strict_turns_warnings_into_errors() -> None:
    (turned,) = strict([diagnostic("warning", "unused-output", "f", 1)])
    assert (turned.severity, turned.rule) == ("error", "unused-output")


def test_formats_of_a_diagnostic_without_a_position() -> None:
    found = [Diagnostic("error", "document", "file not found: x", Location("x"))]
    assert format_text(found) == "x: error: file not found: x [document]"
    assert format_github(found) == "::error file=x,title=document::file not found: x"
    assert '"line": 0' in format_json(found)
