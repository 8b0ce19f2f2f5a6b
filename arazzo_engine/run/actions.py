"""What follows a step: the first of its actions whose criteria all hold.

After a success, the first ``onSuccess`` action whose criteria hold, else the
next step.  After a failure, the first ``onFailure`` action whose criteria
hold, where a ``retry`` counts only while its ``retryLimit`` (1 when absent)
is not used up (an exhausted retry lets the scan go on), else the workflow
fails.  A retry's wait (``Retry-After`` over ``retryAfter``) is computed here,
once: the :class:`Decision` carries it to the ``ActionTaken`` event and to the
sleep alike.  Each criterion judged is reported to the run's observer.

An action that runs another workflow (``goto`` or ``retry`` with ``workflowId``)
gives it inputs (:func:`target_inputs`): its 1.1 ``parameters`` evaluated in
the step's context when it has some, else the current inputs filtered to the
target's inputs schema; either way checked against that schema first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from arazzo_engine.criteria import judge
from arazzo_engine.errors import InputValidationError
from arazzo_engine.expressions import evaluate
from arazzo_engine.run.retry_timing import retry_delay

if TYPE_CHECKING:
    from arazzo_engine.load.inputs import InputsChecker
    from arazzo_engine.load.plan import ActionPlan, StepPlan
    from arazzo_engine.run.context import StepContext
    from arazzo_engine.run.observer import RunObserver

__all__ = [
    "FAIL",
    "NEXT_STEP",
    "ActionChooser",
    "Decision",
    "RetryCounts",
    "TargetInputs",
    "target_inputs",
]


@dataclass(frozen=True, slots=True)
class Decision:
    """The action chosen after a step, and the wait before it when it is a retry."""

    phase: Literal["onSuccess", "onFailure"]
    action: ActionPlan | None
    """None when no action matched: the next step after a success, a failure otherwise."""
    delay: float = 0.0
    """Seconds to wait before a retry (0 for every other action)."""


NEXT_STEP = Decision("onSuccess", None)
"""A success no action claimed: go on with the next step."""
FAIL = Decision("onFailure", None)
"""A failure no action claimed: the workflow fails."""


RetryCounts = dict[tuple[int, str], int]
"""Retries used per (step index, ``retry`` action name) since control last left the step;
the loop clears it when a step succeeds or a goto moves on."""


def _take_retry(retries: RetryCounts, step: StepPlan, action: ActionPlan) -> bool:
    """Use one retry of ``action`` for ``step``; False once its limit (1 when absent) is reached."""
    key = (step.index, action.name)
    limit = 1 if action.retry_limit is None else action.retry_limit
    used = retries.get(key, 0)
    if used >= limit:
        return False
    retries[key] = used + 1
    return True


class ActionChooser:
    """Chooses a step's action, reporting each criterion judged and the choice."""

    __slots__ = ("observer",)

    def __init__(self, observer: RunObserver) -> None:
        self.observer = observer

    def after_success(self, step: StepPlan, context: StepContext) -> Decision:
        for action in step.on_success:
            if self._criteria_hold(step, "onSuccess", action, context):
                return self._chosen(step, Decision("onSuccess", action))
        return NEXT_STEP

    def after_failure(self, step: StepPlan, context: StepContext, retries: RetryCounts) -> Decision:
        for action in step.on_failure:
            if not self._criteria_hold(step, "onFailure", action, context):
                continue
            if action.type != "retry":
                return self._chosen(step, Decision("onFailure", action))
            if _take_retry(retries, step, action):
                delay = retry_delay(action, context)
                return self._chosen(step, Decision("onFailure", action, delay))
        return FAIL

    def _chosen(self, step: StepPlan, decision: Decision) -> Decision:
        self.observer.action_chosen(step, decision)
        return decision

    def _criteria_hold(
        self,
        step: StepPlan,
        phase: Literal["onSuccess", "onFailure"],
        action: ActionPlan,
        context: StepContext,
    ) -> bool:
        """All of the action's criteria hold (none: it applies); judging stops at the first not."""
        for criterion in action.criteria:
            held, problem = judge(criterion, context)
            self.observer.criterion_judged(
                step, phase, action.name, criterion, context, held, problem
            )
            if not held:
                return False
        return True


@dataclass(frozen=True, slots=True)
class TargetInputs:
    """The inputs an action gives the workflow it runs, or why it cannot give valid ones."""

    inputs: dict[str, Any]
    failure: str | None = None


def target_inputs(
    action: ActionPlan,
    key: str,
    current: Mapping[str, Any],
    context: StepContext | None,
    checker: InputsChecker,
) -> TargetInputs:
    """The inputs of workflow ``key`` that ``action`` runs, checked against its schema.

    With 1.1 ``parameters`` (and the step's ``context``), each is evaluated there
    (``$response``, ``$inputs``, ``$steps``...); without, the ``current`` inputs
    filtered to the properties the target's schema declares.  A value that cannot
    be evaluated, or inputs that break the schema, give a failure naming the action
    and, where it can be told, the parameter.
    """
    if not action.parameters or context is None:
        inputs = checker.filter_for(key, current)
    else:
        inputs = {}
        for parameter in action.parameters:
            try:
                inputs[parameter.name] = evaluate(parameter.value, context)
            except Exception as error:
                return TargetInputs(
                    {},
                    f"action '{action.name}' cannot evaluate parameter '{parameter.name}' "
                    f"for workflow '{key}': {error}",
                )
    try:
        checker.check(key, inputs)
    except InputValidationError as error:
        if not action.parameters or context is None:
            return TargetInputs(inputs, str(error))
        names = [parameter.name for parameter in action.parameters]
        lines = "\n".join(f"  - {_naming(v, names)}" for v in error.violations)
        return TargetInputs(
            inputs,
            f"action '{action.name}' passes inputs that break the inputs schema of "
            f"workflow '{error.workflow_id}':\n{lines}",
        )
    return TargetInputs(inputs)


def _naming(violation: str, names: list[str]) -> str:
    """A violation (``inputs.id: ...``) with the action parameter that set it named."""
    for name in names:
        for after in (":", ".", "["):
            if violation.startswith(f"inputs.{name}{after}"):
                return f"parameter '{name}': {violation}"
    return violation
