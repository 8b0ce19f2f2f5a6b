"""Workflows that call each other on every run: recursion only the nesting limit stops.

A workflow calls another *unconditionally* when a step running it is reached
without any action before it: no earlier step of its workflow has a success or
failure action (its own or inherited) that could end the workflow or go
elsewhere.  A cycle of such calls (``a -> b -> a``, or ``a -> a``; the
workflows may sit in different Arazzo documents, the plans being keyed
run-wide) only stops when a step fails or the run reaches its nesting limit,
so a load warns (``workflow-call-cycle``) at the call that closes it.

Rule id: ``workflow-call-cycle`` (warning).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping

from arazzo_engine.errors import Diagnostic, Location
from arazzo_engine.load.plan import StepPlan, WorkflowPlan

__all__ = ["call_cycles", "unconditional_calls"]


def unconditional_calls(plan: WorkflowPlan) -> list[StepPlan]:
    """The workflow steps of ``plan`` that every run reaches unless a step fails."""
    calls: list[StepPlan] = []
    for step in plan.steps:
        if step.child_workflow is not None:
            calls.append(step)
        if step.on_success or step.on_failure:
            break  # from here on, an action may end the workflow or go elsewhere
    return calls


def call_cycles(plans: Mapping[str, WorkflowPlan]) -> list[Diagnostic]:
    """One warning per cycle of unconditional workflow calls, at the call that closes it."""
    edges = {key: unconditional_calls(plan) for key, plan in plans.items()}
    found: list[Diagnostic] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(key: str) -> None:
        state[key] = 1
        path.append(key)
        for step in edges[key]:
            target = step.child_workflow or ""
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target]
                found.append(_warning(plans, key, step, cycle))
            elif target not in state and target in plans:
                visit(target)
        path.pop()
        state[key] = 2

    for key in plans:
        if key not in state:
            visit(key)
    return found


def _warning(
    plans: Mapping[str, WorkflowPlan], key: str, step: StepPlan, cycle: list[str]
) -> Diagnostic:
    plan = plans[key]
    here = plan.scope.document.file
    names = " -> ".join(_name(plans[k], here) for k in cycle)
    return Diagnostic(
        "warning",
        "workflow-call-cycle",
        f"workflows call each other on every run: {names} (step '{step.step_id}' of "
        f"workflow '{plan.workflow_id}' closes the cycle). Each call is reached with no "
        "earlier step whose actions could end the workflow or go elsewhere, so the recursion "
        "stops only when a step fails or at the run's nesting limit; before the call, give a "
        "step an 'end' or 'goto' action with criteria that leave the loop",
        Location(plan.scope.document.file, step.step.pointer, step.step.line),
    )


def _name(plan: WorkflowPlan, here: str) -> str:
    """A workflow as a reader of file ``here`` finds it: its id, and its document's path
    relative to ``here`` when it is in another one (a remote document keeps its URL)."""
    file = plan.scope.document.file
    if file == here:
        return plan.workflow_id
    if "://" not in file and "://" not in here:
        with contextlib.suppress(ValueError):  # another drive (Windows): kept as it is
            file = os.path.relpath(file, os.path.dirname(here))
    return f"{plan.workflow_id} (in {file})"
