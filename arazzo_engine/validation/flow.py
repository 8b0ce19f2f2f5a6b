"""The control flow between the steps of one workflow, as the interpreter follows it.

From step ``i`` control can go to: the step a ``goto`` names (success or failure
action), the step a ``retry`` runs first, and ``i + 1`` when the step succeeds
and no success action is unconditional (one without ``criteria`` always matches,
so with one present the next step is never reached by falling through).  A
``goto`` to a workflow, an ``end``, or a failure with no matching action leaves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from arazzo_engine.model import Components, Workflow
from arazzo_engine.validation.common import Entry, action_lists

__all__ = ["StepGraph"]


@dataclass(frozen=True)
class StepGraph:
    """Successors of each step (by index) and what is reachable from where."""

    workflow: Workflow
    successors: tuple[frozenset[int], ...]
    success_actions: tuple[tuple[Entry, ...], ...]
    """Per step: its success candidates (own, then inherited) with their entry pointers."""
    failure_actions: tuple[tuple[Entry, ...], ...]
    reachable: frozenset[int]
    """Steps that can run: reachable from the first step."""
    positions: Mapping[str, int]
    """stepId -> the position of the first step with it (``Workflow.step_index``, kept)."""

    @classmethod
    def build(cls, workflow: Workflow, components: Components) -> StepGraph:
        steps = workflow.steps
        index: dict[str, int] = {}
        for position, step in enumerate(steps):
            index.setdefault(step.step_id, position)
        successors: list[frozenset[int]] = []
        success_lists: list[tuple[Entry, ...]] = []
        failure_lists: list[tuple[Entry, ...]] = []
        for position, step in enumerate(steps):
            success, failure = action_lists(workflow, step.on_success, step.on_failure, components)
            success_lists.append(tuple(success))
            failure_lists.append(tuple(failure))
            targets: set[int] = set()
            for action, _ in (*success, *failure):
                if action.step_id is not None and action.step_id in index:
                    targets.add(index[action.step_id])
            if position + 1 < len(steps) and all(action.criteria for action, _ in success):
                targets.add(position + 1)
            successors.append(frozenset(targets))
        reachable = frozenset({0} | _closure(successors, 0)) if steps else frozenset()
        return cls(
            workflow=workflow,
            successors=tuple(successors),
            success_actions=tuple(success_lists),
            failure_actions=tuple(failure_lists),
            reachable=reachable,
            positions=MappingProxyType(index),
        )

    def index(self, step_id: str) -> int | None:
        return self.positions.get(step_id)

    def can_precede(self, earlier: int, later: int) -> bool:
        """Whether step ``earlier`` can have run (and set its outputs) before ``later`` runs:
        ``later`` can run after ``earlier`` (one or more moves)."""
        return earlier in self.reachable and _reaches(self.successors, earlier, later)


def _reaches(successors: Sequence[frozenset[int]], start: int, goal: int) -> bool:
    """Whether ``goal`` is one or more moves from ``start``.

    A search that stops when it gets there: a step usually reads the step just
    before it, found in one move, where every step's full closure would cost the
    square of the number of steps.
    """
    seen: set[int] = set()
    stack = list(successors[start])
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(successors[node])
    return False


def _closure(successors: Sequence[frozenset[int]], start: int) -> frozenset[int]:
    seen: set[int] = set()
    stack = list(successors[start])
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(successors[node])
    return frozenset(seen)
