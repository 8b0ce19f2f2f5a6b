"""The names a raw document defines: sources, components, workflows, steps, outputs, inputs.

Taken from the raw data rather than the model, so that an object the model left
out because of a structural error still counts as existing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.load.refs import DOCUMENT_URI, Located, RefResolver
from arazzo_engine.validation.common import declared_inputs

__all__ = ["Symbols", "WorkflowSymbols"]

COMPONENT_KINDS = ("parameters", "successActions", "failureActions", "inputs")


@dataclass(frozen=True)
class WorkflowSymbols:
    """The names one raw workflow defines."""

    pointer: str
    workflow_id: str | None
    step_ids: tuple[str, ...]
    step_outputs: Mapping[str, frozenset[str]]
    outputs: frozenset[str]
    inputs: Any
    has_inputs: bool


@dataclass
class Symbols:
    """The names a raw document defines."""

    data: Any
    sources: frozenset[str]
    components: Mapping[str, frozenset[str]]
    workflows: dict[str, WorkflowSymbols] = field(default_factory=dict)
    """By the workflow's JSON pointer."""
    by_id: dict[str, WorkflowSymbols] = field(default_factory=dict)
    refs: RefResolver = field(init=False)
    """Resolves the document's local ``$ref`` s (inputs schemas)."""

    def __post_init__(self) -> None:
        self.refs = RefResolver(DOCUMENT_URI, self.data, read_files=False)

    @classmethod
    def from_raw(cls, data: Any) -> Symbols:
        sources = frozenset(
            item["name"]
            for item in _list(data.get("sourceDescriptions"))
            if isinstance(item, dict) and isinstance(item.get("name"), str)
        )
        raw_components = data.get("components")
        components = {
            kind: frozenset(table)
            for kind in COMPONENT_KINDS
            if isinstance(raw_components, dict)
            and isinstance(table := raw_components.get(kind), dict)
        }
        symbols = cls(data=data, sources=sources, components=components)
        for index, item in enumerate(_list(data.get("workflows"))):
            if not isinstance(item, dict):
                continue
            step_outputs: dict[str, frozenset[str]] = {}
            for step in _list(item.get("steps")):
                if isinstance(step, dict) and isinstance(step.get("stepId"), str):
                    step_outputs.setdefault(step["stepId"], _keys(step.get("outputs")))
            workflow_id = item.get("workflowId")
            found = WorkflowSymbols(
                pointer=f"/workflows/{index}",
                workflow_id=workflow_id if isinstance(workflow_id, str) else None,
                step_ids=tuple(step_outputs),
                step_outputs=step_outputs,
                outputs=_keys(item.get("outputs")),
                inputs=item.get("inputs"),
                has_inputs="inputs" in item,
            )
            symbols.workflows[f"/workflows/{index}"] = found
            if found.workflow_id is not None:
                symbols.by_id.setdefault(found.workflow_id, found)
        return symbols

    def inputs_schema(self, workflow: WorkflowSymbols) -> Located | None:
        """Where a workflow's inputs schema sits, or None when it has none."""
        if not workflow.has_inputs:
            return None
        return Located(workflow.inputs, DOCUMENT_URI, f"{workflow.pointer}/inputs")

    def inputs(self, workflow: WorkflowSymbols) -> tuple[frozenset[str], bool] | None:
        return declared_inputs(self.inputs_schema(workflow), self.refs)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _keys(value: Any) -> frozenset[str]:
    return frozenset(value) if isinstance(value, dict) else frozenset()
