"""The step loop: run a workflow's steps and follow the actions they choose.

A workflow (Arazzo 1.0.1, section 5.2) first has its ``dependsOn`` workflows
run; then, from its first step, each step is executed
(:mod:`arazzo_engine.run.steps`) and its action chosen
(:mod:`arazzo_engine.run.actions`) and applied: next step, end, goto a step,
goto a workflow (control never comes back), or retry (wait, run the action's
target if it names one, run the step again).  Its outputs are evaluated last,
also when it failed.  A step failure, an HTTP error or a transport error never
raises: it ends the run with ``succeeded == False`` and an error naming the
step.  Every execution counts against ``max_steps``, so a loop always ends.

Arazzo 1.1: a workflow run by a workflow step with a ``timeout`` gets that
step's deadline (:mod:`arazzo_engine.run.deadline`): it stops at its next step
boundary once the deadline has passed, and so do the workflows it runs.

Everything that happens is reported to the run's observer
(:mod:`arazzo_engine.run.observer`), which builds events only when the run
has a listener.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from arazzo_engine.errors import InputValidationError
from arazzo_engine.results import RunResult, StepResult
from arazzo_engine.run.actions import NEXT_STEP, ActionChooser, RetryCounts, target_inputs
from arazzo_engine.run.context import StepContext, WorkflowRecord, WorkflowState
from arazzo_engine.run.event_observer import EventObserver
from arazzo_engine.run.observer import SILENT, WorkflowOutcome
from arazzo_engine.run.steps import RunAborted, StepRunner, evaluate_output
from arazzo_engine.sources.call import CallRuntime, CallSettings

if TYPE_CHECKING:
    from arazzo_engine.events import EventHandler
    from arazzo_engine.http.transport import Transport
    from arazzo_engine.load.inputs import InputsChecker
    from arazzo_engine.load.plan import ActionPlan, StepPlan, WorkflowPlan
    from arazzo_engine.run.context import RunState
    from arazzo_engine.run.deadline import Deadline

__all__ = ["Interpreter", "RunSettings"]


@dataclass(frozen=True, kw_only=True)
class RunSettings(CallSettings):
    """What an Engine fixes for all its runs: its calls' settings and the loop's limits."""

    max_steps: int
    max_depth: int
    sleep: Callable[[float], None] = time.sleep


class Interpreter:
    """Runs workflow plans; one instance per ``Engine.run``."""

    def __init__(
        self,
        plans: Mapping[str, WorkflowPlan],
        settings: RunSettings,
        transport: Transport,
        state: RunState,
        inputs_checker: InputsChecker,
        on_event: EventHandler | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self.plans = plans
        self.settings = settings
        self.state = state
        self.inputs_checker = inputs_checker
        self.records: list[StepResult] = []
        self.observer = (
            SILENT if on_event is None else EventObserver(on_event, settings.redactor, plans)
        )
        self.actions = ActionChooser(self.observer)
        self.steps = StepRunner(
            state=state,
            max_steps=settings.max_steps,
            runtime=CallRuntime.for_run(
                settings,
                transport,
                self.observer,
                observed=self.observer is not SILENT,
                cancel=cancel,
            ),
            observer=self.observer,
            inputs_checker=inputs_checker,
            records=self.records,
        )

    # -- public ------------------------------------------------------------------
    def run(self, workflow_id: str, inputs: Mapping[str, Any]) -> RunResult:
        plan = self.plans[workflow_id]
        try:
            outcome = self.run_workflow(plan, inputs, depth=0)
        except RunAborted as abort:
            outcome = WorkflowOutcome(False, self._outputs_after_abort(workflow_id), str(abort))
        finally:
            self.steps.runtime.finish()
        # The run's state keeps real values; the result holds credential values masked.
        redactor = self.settings.redactor
        return RunResult(
            workflow_id=workflow_id,
            succeeded=outcome.succeeded,
            outputs=redactor.value(outcome.outputs),
            error=redactor.text(outcome.error) if outcome.error is not None else None,
            steps=self.records,
        )

    # -- workflows ---------------------------------------------------------------
    def run_workflow(
        self,
        plan: WorkflowPlan,
        inputs: Mapping[str, Any],
        depth: int,
        deadline: Deadline | None = None,
    ) -> WorkflowOutcome:
        """One execution of ``plan``, reported from start to end (an abort included).

        ``deadline``: the timeout of the workflow step running it (Arazzo 1.1); the
        workflow stops at its next step boundary once it has passed.
        """
        self.observer.workflow_started(plan, inputs, depth)
        started = time.perf_counter()
        try:
            outcome = self._run_workflow(plan, inputs, depth, deadline)
        except RunAborted as abort:
            aborted = WorkflowOutcome(False, self._outputs_after_abort(plan.key), str(abort))
            self.observer.workflow_finished(plan, depth, aborted, time.perf_counter() - started)
            raise
        self.observer.workflow_finished(plan, depth, outcome, time.perf_counter() - started)
        return outcome

    def _run_workflow(
        self,
        plan: WorkflowPlan,
        inputs: Mapping[str, Any],
        depth: int,
        deadline: Deadline | None,
    ) -> WorkflowOutcome:
        if depth > self.settings.max_depth:
            raise RunAborted(
                f"workflow '{plan.workflow_id}' would nest deeper than "
                f"{self.settings.max_depth} levels; a workflow is calling itself"
            )
        for dependency in plan.depends_on:
            failure = self._run_dependency(plan.workflow_id, dependency, inputs, depth, deadline)
            if failure is not None:
                return WorkflowOutcome(False, self._null_outputs(plan), failure)
        record = WorkflowRecord(inputs=inputs)
        self.state.workflows[plan.key] = record
        state = WorkflowState(
            workflow_id=plan.workflow_id,
            inputs=inputs,
            run=self.state,
            scope=plan.scope,
            deadline=deadline,
        )
        record.outputs, record.step_verdicts = state.outputs, state.step_verdicts
        try:
            succeeded, error = self._step_loop(plan, state, depth)
        finally:
            # Also when max_steps aborts the run: outputs hold what can be evaluated.
            self._evaluate_outputs(plan, state)
        record.succeeded, record.error = succeeded, error
        return WorkflowOutcome(succeeded, dict(state.outputs), error)

    def _run_dependency(
        self,
        wid: str,
        dependency: str,
        inputs: Mapping[str, Any],
        depth: int,
        deadline: Deadline | None,
    ) -> str | None:
        """Run a dependency unless this run already did; its failure message, if any."""
        dep_plan = self.plans[dependency]
        name = dep_plan.workflow_id
        done = self.state.workflows.get(dependency)
        if done is None or done.succeeded is None:
            dep_inputs = self.inputs_checker.filter_for(dependency, inputs)
            try:
                self.inputs_checker.check(dependency, dep_inputs)
            except InputValidationError as error:
                return f"workflow '{wid}' depends on '{name}', whose inputs are invalid: {error}"
            outcome = self.run_workflow(dep_plan, dep_inputs, depth + 1, deadline)
            if not outcome.succeeded:
                return f"workflow '{wid}' depends on '{name}', which failed: {outcome.error}"
            return None
        if not done.succeeded:
            return f"workflow '{wid}' depends on '{name}', which failed: {done.error}"
        return None

    def _run_child(
        self, key: str, inputs: Mapping[str, Any], depth: int, deadline: Deadline | None
    ) -> WorkflowOutcome:
        """A workflow step's child workflow (inputs already checked)."""
        return self.run_workflow(self.plans[key], inputs, depth, deadline)

    def _transfer(
        self, action: ActionPlan, state: WorkflowState, depth: int, context: StepContext
    ) -> WorkflowOutcome:
        """Run the workflow ``action`` names with the inputs it gives (see target_inputs).

        Its schema's defaults fill what is left out; inputs that break its schema
        fail it before any of its steps runs.
        """
        plan, inputs, failure = self._handover(action, state, context)
        if failure is not None:
            return WorkflowOutcome(False, self._null_outputs(plan), failure)
        return self.run_workflow(plan, inputs, depth + 1, state.deadline)

    def _handover(
        self, action: ActionPlan, state: WorkflowState, context: StepContext
    ) -> tuple[WorkflowPlan, dict[str, Any], str | None]:
        """The target of ``action``, its inputs, and why they are invalid (None: valid)."""
        assert action.workflow_id is not None
        plan = self.plans[action.workflow_id]
        given = target_inputs(action, plan.key, state.inputs, context, self.inputs_checker)
        if given.failure is None:
            return plan, given.inputs, None
        message = self.settings.redactor.text(
            f"workflow '{state.workflow_id}' hands over to '{plan.workflow_id}', "
            f"whose inputs are invalid: {given.failure}"
        )
        return plan, given.inputs, message

    def _evaluate_outputs(self, plan: WorkflowPlan, state: WorkflowState) -> None:
        context, redactor = StepContext(state), self.settings.redactor
        for name, expression in plan.outputs:
            state.outputs[name] = evaluate_output(expression, context, redactor)
        self.observer.workflow_outputs_evaluated(plan, state.outputs)

    def _null_outputs(self, plan: WorkflowPlan) -> dict[str, Any]:
        return {name: None for name, _ in plan.outputs}

    def _outputs_after_abort(self, key: str) -> dict[str, Any]:
        record = self.state.workflows.get(key)
        return dict(record.outputs) if record is not None else {}

    # -- the step loop -----------------------------------------------------------
    def _step_loop(
        self, plan: WorkflowPlan, state: WorkflowState, depth: int
    ) -> tuple[bool, str | None]:
        """Run the steps from the first, each followed by the action it chose."""
        attempts: dict[str, int] = {}
        retries: RetryCounts = {}
        steps, run_step, run_child = plan.steps, self.steps.run, self._run_child
        index = 0
        deadline = state.deadline
        while index < len(steps):
            step = steps[index]
            step_id = step.step.step_id
            if deadline is not None and deadline.passed():
                return False, deadline.reason(
                    step_id,
                    plan.workflow_id,
                    f"workflow '{plan.workflow_id}' stopped before step '{step_id}'",
                )
            attempt = attempts[step_id] = attempts.get(step_id, 0) + 1  # as _execute counts
            result, context = run_step(step, state, attempt, depth, run_child)
            if result.succeeded:
                if retries:
                    retries.clear()  # a success resets every retry budget
                decision = (
                    self.actions.after_success(step, context) if step.on_success else NEXT_STEP
                )
            else:
                decision = self.actions.after_failure(step, context, retries)
            action = decision.action
            if action is None:  # no action claimed the step: next step, or fail
                if not result.succeeded:
                    return False, _failure(step, result)
                index += 1
            elif action.type == "end":
                return result.succeeded, None if result.succeeded else _failure(step, result)
            elif action.type == "retry":  # the same step runs again
                if decision.delay:
                    delay = decision.delay
                    if deadline is not None:  # no point waiting past the deadline
                        delay = max(0.0, min(delay, deadline.remaining()))
                    self.settings.sleep(delay)
                failure = self._run_retry_target(plan, action, state, attempts, depth, context)
                if failure is not None:
                    return False, failure
            else:  # goto: control leaves the step, its retries count from zero again
                retries.clear()
                if action.step_id is None:
                    outcome = self._transfer(action, state, depth, context)
                    return outcome.succeeded, outcome.error
                index = plan.step_index[action.step_id]
        return True, None

    def _execute(
        self, step: StepPlan, state: WorkflowState, attempts: dict[str, int], depth: int
    ) -> tuple[StepResult, StepContext]:
        attempt = attempts[step.step_id] = attempts.get(step.step_id, 0) + 1
        return self.steps.run(step, state, attempt, depth, self._run_child)

    def _run_retry_target(
        self,
        plan: WorkflowPlan,
        action: ActionPlan,
        state: WorkflowState,
        attempts: dict[str, int],
        depth: int,
        context: StepContext,
    ) -> str | None:
        """What a retry names runs first (a token refresh...); its result is not judged.

        Only 1.1 action ``parameters`` that give invalid inputs fail the workflow
        (the retry cannot run as written): that failure is returned.
        """
        if action.step_id is not None:
            self._execute(plan.steps[plan.step_index[action.step_id]], state, attempts, depth)
        elif action.workflow_id is not None:
            target, inputs, failure = self._handover(action, state, context)
            if failure is None:
                self.run_workflow(target, inputs, depth + 1, state.deadline)
            elif action.parameters:
                return failure
        return None


def _failure(step: StepPlan, result: StepResult) -> str:
    return result.error or f"step '{step.step_id}' failed"
