"""What the specification allows but the official 1.0 schema rejects is accepted (digest section 6).

The official schema (2024-08-01) refuses a ``retry`` without a target or without
``retryAfter``, a criterion ``type`` written as an Expression Type object, a
replacement ``value`` that is not a string, ``x-`` fields on a Reusable Object,
and empty criteria lists.  Each document here uses one of them and must load.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from arazzo_engine import Engine
from arazzo_engine.load.model_builder import build_model
from arazzo_engine.load.reader import read_document
from arazzo_engine.validation import check_document
from tests.validation_corpus import CORPUS

STEP = """\
arazzo: {version}
info: {{title: allowed, version: '1'}}
sourceDescriptions: [{{name: api, url: api.openapi.yaml}}]
components:
  failureActions:
    stop: {{name: stop, type: end}}
workflows:
- workflowId: w
  steps:
  - stepId: create
    operationId: createPet
    successCriteria:
    - condition: $statusCode == 201
{extra}
"""

ALLOWED = {
    "retry-without-target-or-retryAfter": """\
    onFailure:
    - {name: again, type: retry, retryLimit: 2}
""",
    "retry-with-retryAfter-only": """\
    onFailure:
    - {name: again, type: retry, retryAfter: 0.5}
""",
    "replacement-value-number": """\
    requestBody:
      contentType: application/json
      payload: {name: rex, quantity: 1}
      replacements:
      - {target: /quantity, value: 10}
""",
    "x-field-on-reusable-object": """\
    onFailure:
    - {reference: $components.failureActions.stop, x-note: ignored}
""",
    "empty-action-criteria": """\
    onFailure:
    - {name: stop, type: end, criteria: []}
""",
}


def write(tmp_path: Path, extra: str, version: str = "1.0.1") -> Path:
    (tmp_path / "api.openapi.yaml").write_text((CORPUS / "api.openapi.yaml").read_text())
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(STEP.format(version=version, extra=textwrap.indent(extra, "")))
    return path


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_the_engine_loads_it_without_a_finding(tmp_path: Path, name: str) -> None:
    engine = Engine.load(write(tmp_path, ALLOWED[name]))
    assert engine.warnings == ()


@pytest.mark.parametrize("version", ["1.0.0", "1.0.1", "1.0.1-rc1", "1.0.12"])
def test_every_1_0_x_version_is_accepted(tmp_path: Path, version: str) -> None:
    assert Engine.load(write(tmp_path, "", version)).warnings == ()


def test_empty_success_criteria_load_with_only_the_missing_criteria_warning(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "")
    path.write_text(path.read_text().replace("    - condition: $statusCode == 201\n", ""))
    path.write_text(path.read_text().replace("successCriteria:\n", "successCriteria: []\n"))
    (warning,) = Engine.load(path).warnings
    assert warning.rule == "missing-success-criteria"


def test_criterion_type_as_an_expression_type_object_is_valid_structure(tmp_path: Path) -> None:
    # The object form names a dialect version; whether the criteria engine runs that
    # dialect is the plan's business: structure and semantics must accept it.
    extra = """\
    - context: $response.body
      condition: $.name
      type: {type: jsonpath, version: draft-goessner-dispatch-jsonpath-00}
"""
    path = write(tmp_path, "")
    path.write_text(
        path.read_text().replace(
            "    - condition: $statusCode == 201\n", "    - condition: $statusCode == 201\n" + extra
        )
    )
    raw = read_document(path)
    document, diagnostics = build_model(raw)
    assert document is not None and diagnostics == []
    assert check_document(document, raw) == []
    step = document.workflows[0].steps[0]
    assert step.success_criteria[1].version == "draft-goessner-dispatch-jsonpath-00"
