"""Step ``dependsOn`` (Arazzo 1.1): what each entry names, and whether it can ever hold.

Steps run one at a time in document order, moved only by ``goto`` and
``retry``; a ``dependsOn`` entry never reorders them, it only requires the named
step to have succeeded before the step runs (else the step fails
``unsatisfied-dependency`` at run time).  So an entry is an error at load when:

* it names no step: a bare ``stepId`` not in the workflow, a
  ``$workflows.<w>.steps.<s>`` naming no workflow of this document or no step of
  it, a ``$sourceDescriptions.<src>.<w>.steps.<s>`` naming no step of that
  workflow (:func:`source_step_dependencies`, once every document is loaded);
* the workflow's bare entries form a cycle (a step depending on itself
  included): the first of them to run could never have its dependency done;
* no path through the workflow runs the named step before the step: a later
  step when no ``goto`` or ``retry`` names a step, or one that the steps' actions
  never lead to first.  With such jumps, whether the dependency succeeded in this
  run is decided when the step runs.

Rule id: ``depends-on`` (error).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import pairwise

from arazzo_engine.errors import Diagnostic, Location
from arazzo_engine.load.plan import WorkflowPlan
from arazzo_engine.load.pointers import child
from arazzo_engine.load.step_dependencies import read_step_dependency
from arazzo_engine.model import ArazzoDocument, Workflow
from arazzo_engine.validation.common import Findings, names
from arazzo_engine.validation.flow import StepGraph

__all__ = ["check_step_dependencies", "jumps_to_steps", "source_step_dependencies"]

RULE = "depends-on"

Edge = tuple[int, int, str]
"""A bare dependency: (the step's position, the named step's position, the entry's pointer)."""


def jumps_to_steps(graph: StepGraph) -> bool:
    """Whether any action of the workflow (a goto, or a retry running one first) names a step:
    without one, steps run in document order only."""
    lists = (*graph.success_actions, *graph.failure_actions)
    return any(action.step_id is not None for entries in lists for action, _ in entries)


def check_step_dependencies(
    findings: Findings, document: ArazzoDocument, graphs: Mapping[str, StepGraph]
) -> None:
    """Every ``dependsOn`` entry of the document's steps that this document can judge."""
    for workflow in document.workflows:
        graph = graphs[workflow.pointer]
        edges = list(_named_steps(findings, document, workflow, graph))
        in_cycle = _cycles(findings, workflow, edges)
        jumps = jumps_to_steps(graph)
        for position, target, pointer in edges:
            if (position, target) in in_cycle or position not in graph.reachable:
                continue
            if graph.can_precede(target, position):
                continue
            step, named = workflow.steps[position].step_id, workflow.steps[target].step_id
            wid = workflow.workflow_id
            if target > position and not jumps:
                why = (
                    f"'{named}' is a later step, steps run in document order and no goto or "
                    f"retry in workflow '{wid}' names a step"
                )
            else:
                why = f"no path through workflow '{wid}' runs step '{named}' before it"
            findings.error(
                RULE,
                f"step '{step}' depends on step '{named}', which can never have succeeded "
                f"when '{step}' runs: {why} (dependsOn never reorders steps)",
                pointer,
            )


def _named_steps(
    findings: Findings, document: ArazzoDocument, workflow: Workflow, graph: StepGraph
) -> Iterator[Edge]:
    """Report entries naming no step of this document; yield the bare ones that do."""
    for position, step in enumerate(workflow.steps):
        for i, text in enumerate(step.depends_on):
            pointer = child(step.pointer, "dependsOn", i)
            dependency = read_step_dependency(text)
            if dependency.source is not None:
                continue  # another document's step: source_step_dependencies
            if dependency.workflow_id is None:
                target = graph.index(dependency.step_id)
                if target is None:
                    findings.error(
                        RULE,
                        f"step '{step.step_id}' depends on step '{text}', which workflow "
                        f"'{workflow.workflow_id}' does not have (its steps: "
                        f"{names(s.step_id for s in workflow.steps)}); a step of another "
                        "workflow is written $workflows.<workflowId>.steps.<stepId>",
                        pointer,
                    )
                else:
                    yield position, target, pointer
                continue
            other = document.workflow(dependency.workflow_id)
            if other is None:
                findings.error(
                    RULE,
                    f"step '{step.step_id}' depends on '{text}', but this document defines no "
                    f"workflow '{dependency.workflow_id}' (its workflows: "
                    f"{names(w.workflow_id for w in document.workflows)}); a workflow of "
                    "another Arazzo document is written "
                    "$sourceDescriptions.<name>.<workflowId>.steps.<stepId>",
                    pointer,
                )
            elif all(s.step_id != dependency.step_id for s in other.steps):
                findings.error(
                    RULE,
                    f"step '{step.step_id}' depends on '{text}', but workflow "
                    f"'{other.workflow_id}' has no step '{dependency.step_id}' (its steps: "
                    f"{names(s.step_id for s in other.steps)})",
                    pointer,
                )


def _cycles(findings: Findings, workflow: Workflow, edges: list[Edge]) -> set[tuple[int, int]]:
    """Report each cycle of bare dependencies once, at the entry that closes it."""
    following: dict[int, list[tuple[int, str]]] = {}
    for position, target, pointer in edges:
        following.setdefault(position, []).append((target, pointer))
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    path: list[int] = []
    in_cycle: set[tuple[int, int]] = set()

    def visit(node: int) -> None:
        state[node] = 1
        path.append(node)
        for target, pointer in following.get(node, ()):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target]
                in_cycle.update(pairwise(cycle))
                ids = [workflow.steps[p].step_id for p in cycle]
                what = (
                    f"step '{ids[0]}' depends on itself"
                    if len(cycle) == 2
                    else "dependsOn forms a cycle: " + " -> ".join(ids)
                )
                findings.error(
                    RULE,
                    f"{what} in workflow '{workflow.workflow_id}': the first of these steps "
                    "to run could never have its dependency succeed",
                    pointer,
                )
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(following):
        if node not in state:
            visit(node)
    return in_cycle


def source_step_dependencies(plans: Mapping[str, WorkflowPlan]) -> list[Diagnostic]:
    """``$sourceDescriptions.<src>.<w>.steps.<s>`` entries naming no step of that workflow.

    Run once every document is loaded (documents may name each other); a
    workflow whose document did not load is reported where the load failed.
    """
    found: list[Diagnostic] = []
    for plan in plans.values():
        for step in plan.steps:
            for i, dependency in enumerate(step.step.depends_on):
                read = read_step_dependency(dependency)
                if read.source is None:
                    continue
                key = next((d.workflow_key for d in step.depends_on if d.text == dependency), None)
                target = plans.get(key) if key is not None else None
                if target is None or read.step_id in target.step_index:
                    continue
                found.append(
                    Diagnostic(
                        "error",
                        RULE,
                        f"step '{step.step_id}' depends on '{dependency}', but workflow "
                        f"'{target.workflow_id}' of source '{read.source}' has no step "
                        f"'{read.step_id}' (its steps: {names(target.step_index)})",
                        Location(
                            plan.scope.document.file,
                            child(step.step.pointer, "dependsOn", i),
                            step.step.line,
                        ),
                    )
                )
    return found
