"""Test cases of workflows: the inputs sidecar file beside a document, and the verdict.

A sidecar ``NAME.inputs.yaml`` maps workflow ids to one case (``inputs``,
``expect``, ``outputs``) or to ``cases``, a list of them; see docs/pytest.md.
Used by the pytest plugin; nothing here depends on pytest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arazzo_engine.errors import DocumentError, SidecarError
from arazzo_engine.load.reader import read_document
from arazzo_engine.reports.printable import printable, printable_lines
from arazzo_engine.reports.render import explain_failure
from arazzo_engine.reports.trace import RunTrace
from arazzo_engine.results import RunResult

__all__ = ["Case", "check_result", "read_cases", "sidecar_path"]


@dataclass(frozen=True)
class Case:
    """One way to run a workflow: its inputs and what must come out."""

    id: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)
    expect: str = "success"
    outputs: Mapping[str, Any] | None = None


def sidecar_path(document: Path) -> Path | None:
    """The inputs file beside ``document``, if there is one."""
    stem = document.name.rsplit(".", 1)[0]
    stems = [stem, stem.removesuffix(".arazzo")] if stem.endswith(".arazzo") else [stem]
    for candidate_stem in reversed(stems):
        for suffix in (".inputs.yaml", ".inputs.yml", ".inputs.json"):
            candidate = document.with_name(candidate_stem + suffix)
            if candidate.is_file():
                return candidate
    return None


def read_cases(path: Path, workflow_ids: list[str]) -> dict[str, list[Case]]:
    """The cases of a sidecar file, by workflow id (see the module doc for the format)."""
    try:
        # The document reader's bounds: a regular file, size, depth, digits, aliases.
        loaded: Any = read_document(path).data
    except DocumentError as error:
        raise SidecarError(f"inputs sidecar {error}; expected a mapping of workflow ids") from None
    if not isinstance(loaded, dict):
        raise SidecarError(f"{path}: expected a mapping of workflow ids")
    unknown = sorted(str(k) for k in loaded if k not in workflow_ids)
    if unknown:
        raise SidecarError(
            f"{path}: {', '.join(unknown)} is not a workflow of the document; "
            f"its workflows: {', '.join(workflow_ids)}"
        )
    found: dict[str, list[Case]] = {}
    for workflow_id, entry in loaded.items():
        where = f"{path}: {workflow_id}"
        if entry is None:
            found[workflow_id] = [Case()]
        elif isinstance(entry, dict) and "cases" in entry:
            cases = entry["cases"]
            if not isinstance(cases, list) or not cases:
                raise SidecarError(f"{where}: 'cases' must be a non-empty list")
            found[workflow_id] = [
                _case(item, f"{where}: case {n}", str(n)) for n, item in enumerate(cases, 1)
            ]
        else:
            found[workflow_id] = [_case(entry, where, None)]
    return found


def _case(entry: Any, where: str, default_id: str | None) -> Case:
    if not isinstance(entry, dict):
        raise SidecarError(f"{where}: expected a mapping with 'inputs'")
    extra = sorted(set(entry) - {"id", "inputs", "expect", "outputs"})
    if extra:
        raise SidecarError(
            f"{where}: unknown keys {', '.join(extra)}; use id, inputs, expect, outputs"
        )
    inputs = entry.get("inputs") or {}
    expect = entry.get("expect", "success")
    outputs = entry.get("outputs")
    if not isinstance(inputs, dict):
        raise SidecarError(f"{where}: 'inputs' must be a mapping")
    if expect not in ("success", "failure"):
        raise SidecarError(f"{where}: 'expect' must be success or failure, not {expect!r}")
    if outputs is not None and not isinstance(outputs, dict):
        raise SidecarError(f"{where}: 'outputs' must be a mapping")
    case_id = entry.get("id", default_id)
    return Case(None if case_id is None else str(case_id), inputs, expect, outputs)


def check_result(result: RunResult, trace: RunTrace, case: Case) -> list[str]:
    """Why the result does not meet the case's expectations ([] when it does).

    The lines are printable: what a server sent shows its control characters escaped.
    """
    if case.expect == "failure":
        if result.succeeded:
            return [f"workflow '{result.workflow_id}' succeeded, but the case expects a failure"]
        return []
    if not result.succeeded:
        return explain_failure(trace) or [printable_lines(result.error or "the workflow failed")]
    if case.outputs is not None:
        wrong = {
            name: (expected, result.outputs.get(name))
            for name, expected in case.outputs.items()
            if result.outputs.get(name) != expected
        }
        if wrong:
            lines = [f"workflow '{result.workflow_id}' succeeded with unexpected outputs:"]
            for name, (expected, got) in wrong.items():
                lines.append(printable(f"  {name}: expected {_json(expected)}, got {_json(got)}"))
            return lines
    return []


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=repr)
