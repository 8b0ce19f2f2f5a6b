"""The step loop: run a workflow's steps, judge them, follow their actions.

An operation step performs its call (prepared at load by its source's kind,
:mod:`arazzo_engine.sources.call`), then its success criteria are judged
against the context the call filled in; a workflow step runs the workflow.
A step failure, an HTTP error or a transport error never raises: it ends the
run with ``succeeded == False`` and an error naming the step.  Every execution
counts against ``max_steps`` so a ``goto`` loop always ends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from arazzo_engine.criteria import CompiledCriterion, judge
from arazzo_engine.errors import InputValidationError
from arazzo_engine.events import (
    ActionTaken,
    EventHandler,
    StepFinished,
    StepStarted,
    WorkflowFinished,
    WorkflowStarted,
)
from arazzo_engine.expressions import evaluate
from arazzo_engine.http.transport import Transport
from arazzo_engine.load.inputs import InputsChecker
from arazzo_engine.load.plan import ActionPlan, StepPlan, WorkflowPlan
from arazzo_engine.redaction import Redactor
from arazzo_engine.results import RunResult, StepResult
from arazzo_engine.run.context import RunState, StepContext, WorkflowRecord, WorkflowState
from arazzo_engine.run.event_builders import (
    criterion_evaluated,
    expression_evaluated,
    redact_value,
)
from arazzo_engine.run.retry_timing import retry_delay
from arazzo_engine.sources.call import CallOutcome, CallRuntime
from arazzo_engine.sources.openapi.validation import OperationValidation

logger = logging.getLogger("arazzo_engine")


@dataclass(frozen=True)
class RunSettings:
    """What an Engine fixes for all its runs."""

    timeout: float
    max_steps: int
    max_depth: int
    credentials: Mapping[str, str]
    path_allow_reserved: frozenset[str]
    redactor: Redactor
    sleep: Callable[[float], None] = time.sleep
    validation: OperationValidation | None = None
    """Request/response checks against the OpenAPI description (``validate=``)."""


@dataclass
class _Outcome:
    """How one workflow execution ended."""

    succeeded: bool
    outputs: dict[str, Any]
    error: str | None


class _Abort(Exception):
    """The whole run stops (``max_steps`` or depth exceeded)."""


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
    ) -> None:
        self.plans = plans
        self.settings = settings
        self.state = state
        self.inputs_checker = inputs_checker
        self.records: list[StepResult] = []
        self.emit = on_event
        """Where events go; None (the usual case) builds no event at all."""
        self.call_runtime = CallRuntime(
            transport=transport,
            timeout=settings.timeout,
            credentials=settings.credentials,
            path_allow_reserved=settings.path_allow_reserved,
            redactor=settings.redactor,
            validation=settings.validation,
            emit=on_event,
        )
        """What every operation step's call is performed with."""

    # -- public ------------------------------------------------------------------
    def run(self, workflow_id: str, inputs: Mapping[str, Any]) -> RunResult:
        plan = self.plans[workflow_id]
        try:
            outcome = self.run_workflow(plan, inputs, depth=0)
        except _Abort as abort:
            outcome = _Outcome(False, self._outputs_after_abort(workflow_id), str(abort))
        return RunResult(
            workflow_id=workflow_id,
            succeeded=outcome.succeeded,
            outputs=outcome.outputs,
            error=outcome.error,
            steps=self.records,
        )

    def _outputs_after_abort(self, workflow_id: str) -> dict[str, Any]:
        record = self.state.workflows.get(workflow_id)
        return dict(record.outputs) if record is not None else {}

    # -- workflows ---------------------------------------------------------------
    def run_workflow(self, plan: WorkflowPlan, inputs: Mapping[str, Any], depth: int) -> _Outcome:
        emit = self.emit
        if emit is None:
            return self._run_workflow(plan, inputs, depth)
        wid, redactor, started = plan.workflow_id, self.settings.redactor, time.perf_counter()
        step_ids = tuple(s.step_id for s in plan.steps)
        emit(WorkflowStarted(wid, step_ids, depth, redact_value(dict(inputs), redactor)))
        try:
            outcome = self._run_workflow(plan, inputs, depth)
        except _Abort as abort:
            outputs = redact_value(self._outputs_after_abort(plan.key), redactor)
            elapsed = time.perf_counter() - started
            emit(WorkflowFinished(wid, depth, False, str(abort), outputs, elapsed))
            raise
        outputs = redact_value(outcome.outputs, redactor)
        elapsed = time.perf_counter() - started
        emit(WorkflowFinished(wid, depth, outcome.succeeded, outcome.error, outputs, elapsed))
        return outcome

    def _run_workflow(self, plan: WorkflowPlan, inputs: Mapping[str, Any], depth: int) -> _Outcome:
        wid = plan.workflow_id
        if depth > self.settings.max_depth:
            raise _Abort(
                f"workflow '{wid}' would nest deeper than {self.settings.max_depth} levels; "
                "a workflow is calling itself"
            )
        for dependency in plan.depends_on:
            failure = self._run_dependency(wid, dependency, inputs, depth)
            if failure is not None:
                return _Outcome(False, self._null_outputs(plan), failure)
        record = WorkflowRecord(inputs=inputs)
        self.state.workflows[plan.key] = record
        workflow_state = WorkflowState(
            workflow_id=wid, inputs=inputs, run=self.state, scope=plan.scope
        )
        record.outputs = workflow_state.outputs
        try:
            succeeded, error = self._step_loop(plan, workflow_state, depth)
        finally:
            # Also when max_steps aborts the run: outputs hold what can be evaluated.
            self._evaluate_workflow_outputs(plan, workflow_state)
        record.succeeded, record.error = succeeded, error
        return _Outcome(succeeded, dict(workflow_state.outputs), error)

    def _run_dependency(
        self, wid: str, dependency: str, inputs: Mapping[str, Any], depth: int
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
            outcome = self.run_workflow(dep_plan, dep_inputs, depth + 1)
            if not outcome.succeeded:
                return f"workflow '{wid}' depends on '{name}', which failed: {outcome.error}"
            return None
        if not done.succeeded:
            return f"workflow '{wid}' depends on '{name}', which failed: {done.error}"
        return None

    def _null_outputs(self, plan: WorkflowPlan) -> dict[str, Any]:
        return {name: None for name, _ in plan.outputs}

    def _evaluate_workflow_outputs(self, plan: WorkflowPlan, state: WorkflowState) -> None:
        context = StepContext(state)
        for name, expression in plan.outputs:
            state.outputs[name] = self._safe_evaluate(expression, context)
        if self.emit is not None:
            for name, expression in plan.outputs:
                self.emit(
                    expression_evaluated(
                        plan.workflow_id,
                        None,
                        f"workflow output {name}",
                        expression,
                        state.outputs[name],
                        self.settings.redactor,
                    )
                )

    def _safe_evaluate(self, expression: Any, context: StepContext) -> Any:
        try:
            return evaluate(expression, context)
        except Exception as error:  # an output that cannot be computed is None
            logger.debug("output evaluation failed: %s", self.settings.redactor.text(str(error)))
            return None

    def _step_loop(
        self, plan: WorkflowPlan, state: WorkflowState, depth: int
    ) -> tuple[bool, str | None]:
        attempts: dict[str, int] = {}
        retries_used: dict[tuple[int, str], int] = {}
        index = 0
        while index < len(plan.steps):
            step = plan.steps[index]
            result, context = self._execute(step, state, attempts, depth)
            if result.succeeded:
                retries_used.clear()
                action = self._first_matching(step.on_success, context, step)
                if action is None:
                    index += 1
                    continue
                if action.type == "end":
                    return True, None
                jump = self._goto(plan, action, state, depth)
                if isinstance(jump, int):
                    index = jump
                    continue
                return jump
            reason = result.error or f"step '{step.step_id}' failed"
            chosen = self._failure_action(step, context, retries_used)
            if chosen is None:
                return False, reason
            if chosen.type == "end":
                return False, reason
            if chosen.type == "retry":
                self._wait_before_retry(chosen, context)
                if chosen.step_id is not None:
                    target = plan.steps[plan.step_index[chosen.step_id]]
                    self._execute(target, state, attempts, depth)
                elif chosen.workflow_id is not None:
                    self._transfer(chosen.workflow_id, state, depth)
                continue
            retries_used.clear()
            jump = self._goto(plan, chosen, state, depth)
            if isinstance(jump, int):
                index = jump
                continue
            return jump
        return True, None

    def _goto(
        self, plan: WorkflowPlan, action: ActionPlan, state: WorkflowState, depth: int
    ) -> int | tuple[bool, str | None]:
        """A step index to continue at, or how the workflow ended after a transfer."""
        if action.step_id is not None:
            return plan.step_index[action.step_id]
        assert action.workflow_id is not None
        outcome = self._transfer(action.workflow_id, state, depth)
        return outcome.succeeded, outcome.error

    def _transfer(self, workflow_id: str, state: WorkflowState, depth: int) -> _Outcome:
        """Run another workflow with the current inputs filtered to its schema.

        Its schema's defaults fill what is left out; inputs that break its schema
        fail it before any of its steps runs.
        """
        plan = self.plans[workflow_id]
        inputs = self.inputs_checker.filter_for(workflow_id, state.inputs)
        try:
            self.inputs_checker.check(workflow_id, inputs)
        except InputValidationError as error:
            message = self.settings.redactor.text(
                f"workflow '{state.workflow_id}' hands over to '{plan.workflow_id}', "
                f"whose inputs are invalid: {error}"
            )
            return _Outcome(False, self._null_outputs(plan), message)
        return self.run_workflow(plan, inputs, depth + 1)

    def _first_matching(
        self, actions: tuple[ActionPlan, ...], context: StepContext, step: StepPlan | None = None
    ) -> ActionPlan | None:
        for action in actions:
            if self._criteria_hold(action.criteria, context, step, f"onSuccess {action.name}"):
                if self.emit is not None and step is not None:
                    self._emit_action(step, action, "onSuccess", 0.0)
                return action
        return None

    def _emit_action(self, step: StepPlan, action: ActionPlan, where: str, delay: float) -> None:
        assert self.emit is not None
        target_workflow = self.plans[action.workflow_id].workflow_id if action.workflow_id else None
        self.emit(
            ActionTaken(
                step.workflow_id,
                step.step_id,
                where,
                action.name,
                action.type,
                action.step_id,
                target_workflow,
                delay,
            )
        )

    def _failure_action(
        self, step: StepPlan, context: StepContext, retries_used: dict[tuple[int, str], int]
    ) -> ActionPlan | None:
        for action in step.on_failure:
            if not self._criteria_hold(action.criteria, context, step, f"onFailure {action.name}"):
                continue
            if action.type != "retry":
                if self.emit is not None:
                    self._emit_action(step, action, "onFailure", 0.0)
                return action
            key = (step.index, action.name)
            limit = 1 if action.retry_limit is None else action.retry_limit
            used = retries_used.get(key, 0)
            if used < limit:
                retries_used[key] = used + 1
                if self.emit is not None:
                    self._emit_action(step, action, "onFailure", retry_delay(action, context))
                return action
        return None

    def _criteria_hold(
        self,
        criteria: tuple[CompiledCriterion, ...],
        context: StepContext,
        step: StepPlan | None = None,
        where: str = "",
    ) -> bool:
        if self.emit is None or step is None:
            return all(judge(criterion, context)[0] for criterion in criteria)
        for criterion in criteria:
            held, problem = judge(criterion, context)
            self._emit_criterion(step, context, criterion, held, problem, where)
            if not held:
                return False
        return True

    def _emit_criterion(
        self,
        step: StepPlan,
        context: StepContext,
        criterion: CompiledCriterion | None,
        held: bool,
        problem: str | None,
        where: str,
    ) -> None:
        assert self.emit is not None
        self.emit(
            criterion_evaluated(
                step.workflow_id,
                step.step_id,
                where,
                criterion,
                context,
                held,
                problem,
                self.settings.redactor,
            )
        )

    def _wait_before_retry(self, action: ActionPlan, context: StepContext) -> None:
        delay = retry_delay(action, context)
        if delay:
            self.settings.sleep(delay)

    # -- steps -------------------------------------------------------------------
    def _count_execution(self, step: StepPlan) -> None:
        self.state.executions += 1
        if self.state.executions > self.settings.max_steps:
            raise _Abort(
                f"the run exceeded max_steps ({self.settings.max_steps}) at step "
                f"'{step.step_id}' of workflow '{step.workflow_id}'; a goto or retry loop "
                "never ended (raise max_steps if the workflow needs more)"
            )

    def _execute(
        self, step: StepPlan, state: WorkflowState, attempts: dict[str, int], depth: int
    ) -> tuple[StepResult, StepContext]:
        self._count_execution(step)
        attempt = attempts.get(step.step_id, 0) + 1
        attempts[step.step_id] = attempt
        if self.emit is not None:
            self.emit(StepStarted(step.workflow_id, step.step_id, attempt, _target(step)))
        if step.child_workflow is not None:
            return self._execute_workflow_step(step, state, attempt, depth)
        return self._execute_operation_step(step, state, attempt)

    def _step_error(self, step: StepPlan, message: str) -> str:
        return self.settings.redactor.text(
            f"step '{step.step_id}' of workflow '{step.workflow_id}': {message}"
        )

    def _execute_operation_step(
        self, step: StepPlan, state: WorkflowState, attempt: int
    ) -> tuple[StepResult, StepContext]:
        context = StepContext(state)
        started = time.perf_counter()
        call = step.call
        assert call is not None
        outcome = call.perform(context, self.call_runtime)
        if outcome.failure is not None:
            return self._finish(
                step, state, context, attempt, started, outcome.failure, outcome.findings
            )
        failure, findings = outcome.conclude(self._judge(step, context, outcome))
        return self._finish(step, state, context, attempt, started, failure, findings)

    def _judge(self, step: StepPlan, context: StepContext, outcome: CallOutcome) -> str | None:
        """None when the step succeeded, else why it failed."""
        if not step.criteria:
            failure = outcome.without_criteria()
            if self.emit is not None:
                held = failure is None
                self._emit_criterion(step, context, None, held, None, "successCriteria")
            return failure
        for criterion in step.criteria:
            held, problem = judge(criterion, context)
            if self.emit is not None:
                self._emit_criterion(step, context, criterion, held, problem, "successCriteria")
            if not held:
                detail = f"; {problem}" if problem else ""
                return f"successCriteria not met: `{criterion.text}` ({outcome.summary}){detail}"
        return None

    def _execute_workflow_step(
        self, step: StepPlan, state: WorkflowState, attempt: int, depth: int
    ) -> tuple[StepResult, StepContext]:
        context = StepContext(state)
        started = time.perf_counter()
        child_id = step.child_workflow
        assert child_id is not None
        try:
            inputs = {
                p.name: evaluate(p.value, context) for p in step.parameters if p.location is None
            }
        except Exception as error:
            return self._finish(step, state, context, attempt, started, str(error))
        try:
            self.inputs_checker.check(child_id, inputs)
        except InputValidationError as error:
            return self._finish(step, state, context, attempt, started, str(error))
        outcome = self.run_workflow(self.plans[child_id], inputs, depth + 1)
        context.child_outputs = outcome.outputs
        failure = None if outcome.succeeded else f"workflow '{child_id}' failed: {outcome.error}"
        return self._finish(step, state, context, attempt, started, failure)

    def _finish(
        self,
        step: StepPlan,
        state: WorkflowState,
        context: StepContext,
        attempt: int,
        started: float,
        failure: str | None,
        findings: tuple[str, ...] = (),
    ) -> tuple[StepResult, StepContext]:
        outputs = {name: self._safe_evaluate(expr, context) for name, expr in step.outputs}
        state.step_outputs[step.step_id] = outputs
        response = context.response
        result = StepResult(
            step_id=step.step_id,
            workflow_id=step.workflow_id,
            succeeded=failure is None,
            status_code=response.status_code if response is not None else None,
            outputs=outputs,
            attempt=attempt,
            response=response,
            error=self._step_error(step, failure) if failure is not None else None,
            elapsed=time.perf_counter() - started,
            request=context.request,
            validation=tuple(self.settings.redactor.text(f) for f in findings),
        )
        self.records.append(result)
        if self.emit is not None:
            self._emit_finished(step, result)
        return result, context

    def _emit_finished(self, step: StepPlan, result: StepResult) -> None:
        assert self.emit is not None
        redactor, wid, sid = self.settings.redactor, step.workflow_id, step.step_id
        for name, expression in step.outputs:
            value = result.outputs.get(name)
            self.emit(expression_evaluated(wid, sid, f"output {name}", expression, value, redactor))
        self.emit(
            StepFinished(
                wid,
                sid,
                result.attempt,
                result.succeeded,
                result.status_code,
                result.elapsed,
                result.error,
                result,
            )
        )


def _target(step: StepPlan) -> str:
    """What a step calls, for StepStarted: ``POST /path (operationId)`` or ``workflow id``."""
    if step.call is None:
        return f"workflow {step.child_workflow}"
    return step.call.describe()
