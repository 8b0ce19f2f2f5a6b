"""Where expressions sit in a workflow, and when each place is evaluated.

A :class:`Site` is one parameter value (or one string inside it), payload leaf,
replacement value, criterion context or condition, or output.  Its ``phase``
says when the interpreter evaluates it: ``before`` the request (parameters and
bodies), ``criteria`` after the response, ``outputs`` after the criteria,
``actions`` after the outputs; ``workflow-*`` for the workflow's own lists, and
``component`` for components (which belong to no workflow).

A site is read in its document's expression dialect (``version``); in an Arazzo
1.1 document the ``{$...}`` expressions embedded in a regex, JSONPath or XPath
condition are sites too (kind ``embedded``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from arazzo_engine.criteria import ContextKind, kind_named
from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions import (
    Version,
    dialect_of,
    parse_condition,
    parse_expression,
    parse_value,
    split_embedded,
)
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

Kind = Literal["value", "expression", "condition", "embedded"]


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
    version: Version = "1.0"
    """The expression dialect of the document holding the site."""


def criteria_sites(
    criteria: tuple[Criterion, ...],
    phase: str,
    step: int | None,
    runs: str | None,
    version: Version,
) -> Iterator[Site]:
    for criterion in criteria:
        if criterion.context is not None:
            where = f"{criterion.pointer}/context"
            yield Site(where, "expression", criterion.context, phase, step, runs, version)
        kind = kind_named(criterion.type)
        where = f"{criterion.pointer}/condition"
        if kind is not None and kind.runtime_condition:
            yield Site(where, "condition", criterion.condition, phase, step, runs, version)
        elif isinstance(kind, ContextKind) and version == "1.1" and "{$" in criterion.condition:
            yield Site(where, "embedded", criterion.condition, phase, step, runs, version)


def parameter_sites(
    items: tuple[Parameter | ReusableObject, ...],
    phase: str,
    step: int | None,
    runs: str | None,
    version: Version,
) -> Iterator[Site]:
    for item in items:
        if isinstance(item, Parameter) or item.has_value:
            for pointer, text in string_leaves(item.value, f"{item.pointer}/value"):
                yield Site(pointer, "value", text, phase, step, runs, version)


def action_sites(
    items: tuple[SuccessAction | FailureAction | ReusableObject, ...],
    phase: str,
    step: int | None,
    runs: str | None,
    version: Version,
) -> Iterator[Site]:
    for item in items:
        if not isinstance(item, ReusableObject):
            yield from criteria_sites(item.criteria, phase, step, runs, version)


def workflow_sites(workflow: Workflow, version: Version) -> Iterator[Site]:
    """Every expression site of a workflow (of a document of expression dialect
    ``version``), with the phase it is evaluated in."""
    v = version
    yield from parameter_sites(workflow.parameters, "workflow-parameters", None, None, v)
    for name, text in workflow.outputs.items():
        where = child(f"{workflow.pointer}/outputs", name)
        yield Site(where, "expression", text, "workflow-outputs", version=v)
    yield from action_sites(workflow.success_actions, "workflow-actions", None, None, v)
    yield from action_sites(workflow.failure_actions, "workflow-actions", None, None, v)
    for index, step in enumerate(workflow.steps):
        runs = step.workflow_id
        yield from parameter_sites(step.parameters, "before", index, runs, v)
        body = step.request_body
        if body is not None:
            if body.has_payload:
                for pointer, text in string_leaves(body.payload, f"{body.pointer}/payload"):
                    yield Site(pointer, "value", text, "before", index, runs, v)
            for replacement in body.replacements:
                leaves = string_leaves(replacement.value, f"{replacement.pointer}/value")
                for pointer, text in leaves:
                    yield Site(pointer, "value", text, "before", index, runs, v)
        yield from criteria_sites(step.success_criteria, "criteria", index, runs, v)
        for name, text in step.outputs.items():
            where = child(f"{step.pointer}/outputs", name)
            yield Site(where, "expression", text, "outputs", index, runs, v)
        yield from action_sites(step.on_success, "actions", index, runs, v)
        yield from action_sites(step.on_failure, "actions", index, runs, v)


def component_sites(document: ArazzoDocument) -> Iterator[Site]:
    components = document.components
    v = dialect_of(document.arazzo)
    for parameter in components.parameters.values():
        for pointer, text in string_leaves(parameter.value, f"{parameter.pointer}/value"):
            yield Site(pointer, "value", text, "component", version=v)
    for table in (components.success_actions, components.failure_actions):
        for action in table.values():
            yield from criteria_sites(action.criteria, "component", None, None, v)


def parse_site(site: Site) -> Node | None:
    """The parsed site, or None when it does not parse (the plan reports that)."""
    try:
        if site.kind == "value":
            return parse_value(site.text, version=site.version)
        if site.kind == "expression":
            return parse_expression(site.text, version=site.version)
        if site.kind == "embedded":
            return split_embedded(site.text)
        return parse_condition(site.text, version=site.version)
    except ExpressionSyntaxError:
        return None
