"""Where expressions sit in a workflow, and when each place is evaluated.

A :class:`Site` is one parameter value (or one string inside it), payload leaf,
replacement value, criterion context or condition, or output.  Its ``phase``
says when the interpreter evaluates it: ``before`` the request (parameters and
bodies), ``criteria`` after the response, ``outputs`` after the criteria,
``actions`` after the outputs; ``workflow-*`` for the workflow's own lists, and
``component`` for components (which belong to no workflow).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from arazzo_engine.criteria import kind_named
from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions import parse_condition, parse_expression, parse_value
from arazzo_engine.expressions.ast import Node
from arazzo_engine.load.pointers import child
from arazzo_engine.model import (
    ArazzoDocument,
    Criterion,
    FailureAction,
    Parameter,
    ReusableObject,
    SuccessAction,
    Workflow,
)
from arazzo_engine.validation.common import string_leaves

__all__ = ["Site", "component_sites", "parse_site", "workflow_sites"]

Kind = Literal["value", "expression", "condition"]


@dataclass(frozen=True)
class Site:
    """One place holding an expression, value or condition."""

    pointer: str
    kind: Kind
    text: Any
    phase: str
    """before, criteria, outputs, actions, workflow-parameters, workflow-outputs,
    workflow-actions or component."""
    step: int | None = None
    runs_workflow: str | None = None
    """For a step that runs a workflow: that workflow's reference."""


def criteria_sites(
    criteria: tuple[Criterion, ...], phase: str, step: int | None, runs: str | None
) -> Iterator[Site]:
    for criterion in criteria:
        if criterion.context is not None:
            yield Site(
                f"{criterion.pointer}/context", "expression", criterion.context, phase, step, runs
            )
        kind = kind_named(criterion.type)
        if kind is not None and kind.runtime_condition:
            yield Site(
                f"{criterion.pointer}/condition",
                "condition",
                criterion.condition,
                phase,
                step,
                runs,
            )


def parameter_sites(
    items: tuple[Parameter | ReusableObject, ...], phase: str, step: int | None, runs: str | None
) -> Iterator[Site]:
    for item in items:
        if isinstance(item, Parameter) or item.has_value:
            for pointer, text in string_leaves(item.value, f"{item.pointer}/value"):
                yield Site(pointer, "value", text, phase, step, runs)


def action_sites(
    items: tuple[SuccessAction | FailureAction | ReusableObject, ...],
    phase: str,
    step: int | None,
    runs: str | None,
) -> Iterator[Site]:
    for item in items:
        if not isinstance(item, ReusableObject):
            yield from criteria_sites(item.criteria, phase, step, runs)


def workflow_sites(workflow: Workflow) -> Iterator[Site]:
    """Every expression site of a workflow, with the phase it is evaluated in."""
    yield from parameter_sites(workflow.parameters, "workflow-parameters", None, None)
    for name, text in workflow.outputs.items():
        yield Site(
            child(f"{workflow.pointer}/outputs", name), "expression", text, "workflow-outputs"
        )
    yield from action_sites(workflow.success_actions, "workflow-actions", None, None)
    yield from action_sites(workflow.failure_actions, "workflow-actions", None, None)
    for index, step in enumerate(workflow.steps):
        runs = step.workflow_id
        yield from parameter_sites(step.parameters, "before", index, runs)
        body = step.request_body
        if body is not None:
            if body.has_payload:
                for pointer, text in string_leaves(body.payload, f"{body.pointer}/payload"):
                    yield Site(pointer, "value", text, "before", index, runs)
            for replacement in body.replacements:
                leaves = string_leaves(replacement.value, f"{replacement.pointer}/value")
                for pointer, text in leaves:
                    yield Site(pointer, "value", text, "before", index, runs)
        yield from criteria_sites(step.success_criteria, "criteria", index, runs)
        for name, text in step.outputs.items():
            yield Site(
                child(f"{step.pointer}/outputs", name), "expression", text, "outputs", index, runs
            )
        yield from action_sites(step.on_success, "actions", index, runs)
        yield from action_sites(step.on_failure, "actions", index, runs)


def component_sites(document: ArazzoDocument) -> Iterator[Site]:
    components = document.components
    for parameter in components.parameters.values():
        for pointer, text in string_leaves(parameter.value, f"{parameter.pointer}/value"):
            yield Site(pointer, "value", text, "component")
    for table in (components.success_actions, components.failure_actions):
        for action in table.values():
            yield from criteria_sites(action.criteria, "component", None, None)


def parse_site(site: Site) -> Node | None:
    """The parsed site, or None when it does not parse (the plan reports that)."""
    try:
        if site.kind == "value":
            return parse_value(site.text)
        if site.kind == "expression":
            return parse_expression(site.text)
        return parse_condition(site.text)
    except ExpressionSyntaxError:
        return None
