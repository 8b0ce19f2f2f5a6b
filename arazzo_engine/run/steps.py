"""One execution of one step: count it, perform it, judge it, keep its outputs.

An operation step performs its call (prepared at load by its source's kind,
:mod:`arazzo_engine.sources.call`); its success criteria are then judged
against the context the call filled in (no criteria: the call's own rule, a
2xx status for HTTP), and the call's outcome has the last word.  A workflow
step runs its child workflow with inputs from its parameters; the child's
success decides (its ``successCriteria`` are ignored, with a load warning).
Either way the step's outputs are evaluated, also after a failure, so that
failure actions can read them.  A failure never raises: it is the step
result's ``error``, naming the step.

Arazzo 1.1: a step with ``dependsOn`` runs only when each step it names has
succeeded (its latest execution), else it fails ``unsatisfied-dependency``
without performing anything; a step with a ``timeout`` (or run by a workflow
step with one) is performed within its deadline
(:mod:`arazzo_engine.run.deadline`) and fails ``timeout`` once it has passed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from arazzo_engine.errors import ArazzoError, InputValidationError
from arazzo_engine.expressions import evaluate
from arazzo_engine.expressions.evaluate import compile_node
from arazzo_engine.results import StepResult
from arazzo_engine.run.context import StepContext
from arazzo_engine.run.deadline import step_deadline
from arazzo_engine.run.observer import SILENT
from arazzo_engine.run.result_masking import masked_message, masked_request, masked_response

if TYPE_CHECKING:
    from arazzo_engine.load.inputs import InputsChecker
    from arazzo_engine.load.plan import OutputNode, StepPlan
    from arazzo_engine.redaction import Redactor
    from arazzo_engine.run.context import RunState, WorkflowState
    from arazzo_engine.run.deadline import Deadline
    from arazzo_engine.run.observer import RunObserver, WorkflowOutcome
    from arazzo_engine.sources.call import CallOutcome, CallRuntime

__all__ = ["ChildRunner", "RunAborted", "StepRunner", "evaluate_output"]

logger = logging.getLogger("arazzo_engine")

ChildRunner = Callable[[str, Mapping[str, Any], int, "Deadline | None"], "WorkflowOutcome"]
"""Runs a workflow by run-wide key with these inputs at this depth, under the calling
step's deadline (the interpreter)."""


class RunAborted(ArazzoError):
    """The whole run stops: ``max_steps`` or the nesting depth was exceeded.

    Raised inside a run and caught by the interpreter, which ends the run with
    ``succeeded == False`` and this message; it never escapes ``Engine.run``.
    """


def evaluate_output(expression: OutputNode, context: StepContext, redactor: Redactor) -> Any:
    """An output's value; None when it cannot be computed (the response lacks it...)."""
    try:
        return evaluate(expression, context)
    except Exception as error:
        logger.debug("output evaluation failed: %s", redactor.text(str(error)))
        return None


class StepRunner:
    """Runs step executions for one run, adding each result to ``records``."""

    def __init__(
        self,
        *,
        state: RunState,
        max_steps: int,
        runtime: CallRuntime,
        observer: RunObserver,
        inputs_checker: InputsChecker,
        records: list[StepResult],
    ) -> None:
        self.state = state
        self.max_steps = max_steps
        self.runtime = runtime
        self.observer = observer
        self.inputs_checker = inputs_checker
        self.records = records

    def run(
        self,
        step: StepPlan,
        state: WorkflowState,
        attempt: int,
        depth: int,
        run_child: ChildRunner,
    ) -> tuple[StepResult, StepContext]:
        """Execution number ``attempt`` of ``step``; its result, and the context to choose on.

        ``run_child`` runs a workflow step's child; it is passed per call, not
        kept, so that the runner and the interpreter hold no reference cycle
        (a run's responses are freed as soon as its result is dropped).
        """
        run = self.state
        run.executions += 1
        if run.executions > self.max_steps:
            raise self._too_many(step)
        if self.runtime.messages.cancelled.is_set():
            raise RunAborted(
                f"the run was cancelled before step '{step.step_id}' of workflow "
                f"'{step.workflow_id}'"
            )
        if self.observer is not SILENT:
            self.observer.step_started(step, attempt)
        context = StepContext(state)
        started = time.perf_counter()
        findings: tuple[str, ...] = ()
        failure = self._unsatisfied(step, state) if step.depends_on else None
        deadline = step_deadline(step.step.timeout, step.step_id, step.workflow_id, state.deadline)
        if failure is not None:
            pass  # nothing runs: the step fails unsatisfied-dependency
        elif deadline is not None:
            failure, findings = self._perform_by(deadline, step, context, depth, run_child)
        elif step.call is None:
            failure = self._perform_child_workflow(step, context, depth, run_child, None)
        else:
            outcome = step.call.perform(context, self.runtime)
            if outcome.failure is None:  # an answer: judge it, then the call has the last word
                failure, findings = outcome.conclude(self._judge(step, context, outcome))
            else:
                failure, findings = outcome.failure, outcome.findings
        result = self._finish(step, state, context, attempt, started, failure, findings)
        return result, context

    def _perform_by(
        self,
        deadline: Deadline,
        step: StepPlan,
        context: StepContext,
        depth: int,
        run_child: ChildRunner,
    ) -> tuple[str | None, tuple[str, ...]]:
        """Perform the step within ``deadline``: once it has passed, the step fails
        ``timeout`` and ``$statusCode``/``$response`` are null, whatever came."""
        sid, wid = step.step_id, step.workflow_id
        if deadline.passed():  # ``timeout: 0``, or a child's time already used up
            return deadline.reason(sid, wid, "no time was left to start it; nothing was sent"), ()
        if step.call is None:
            failure = self._perform_child_workflow(step, context, depth, run_child, deadline)
            if deadline.passed():
                return deadline.reason(sid, wid, failure or "the workflow ended after it"), ()
            return failure, ()
        context.deadline = deadline.at
        outcome = step.call.perform(context, self.runtime)
        if deadline.passed():
            response = context.response
            if response is not None:
                response.close()  # an open stream it had started to judge
                context.response = None
            detail = outcome.failure or f"the answer ({outcome.summary}) came after it"
            return deadline.reason(sid, wid, detail), outcome.findings
        if outcome.failure is None:
            return outcome.conclude(self._judge(step, context, outcome))
        return outcome.failure, outcome.findings

    def _unsatisfied(self, step: StepPlan, state: WorkflowState) -> str | None:
        """Why the step cannot run yet: a ``dependsOn`` step that has not succeeded (its
        latest execution in this workflow run, or in the latest run of the workflow named)."""
        for dependency in step.depends_on:
            key = dependency.workflow_key
            if key is None:
                verdict = state.step_verdicts.get(dependency.step_id)
                where = f"this run of workflow '{state.workflow_id}'"
            else:
                record = self.state.workflows.get(key)
                if record is None:
                    return (
                        f"unsatisfied-dependency: it depends on '{dependency.text}', but "
                        f"workflow '{dependency.workflow_id}' has not run in this run; "
                        "the step was not run"
                    )
                verdict = record.step_verdicts.get(dependency.step_id)
                where = f"the latest run of workflow '{dependency.workflow_id}'"
            if not verdict:
                how = "did not run" if verdict is None else "failed on its latest execution"
                return (
                    f"unsatisfied-dependency: it depends on '{dependency.text}', but step "
                    f"'{dependency.step_id}' {how} in {where}; the step was not run"
                )
        return None

    def _too_many(self, step: StepPlan) -> RunAborted:
        """Every execution counts against ``max_steps``, so a goto or retry loop always ends."""
        return RunAborted(
            f"the run exceeded max_steps ({self.max_steps}) at step "
            f"'{step.step_id}' of workflow '{step.workflow_id}'; a goto or retry loop "
            "never ended (raise max_steps if the workflow needs more)"
        )

    # -- performing --------------------------------------------------------------------
    def _judge(self, step: StepPlan, context: StepContext, outcome: CallOutcome) -> str | None:
        """The success criteria's verdict: None when all hold, else the first that does not."""
        report = None if self.observer is SILENT else self.observer.criterion_judged
        if not step.criteria:
            failure = outcome.without_criteria()
            if report is not None:
                report(step, "successCriteria", None, None, context, failure is None, None)
            return failure
        for criterion in step.criteria:
            held, problem = criterion.judge(context)
            if report is not None:
                report(step, "successCriteria", None, criterion, context, held, problem)
            if not held:
                detail = f"; {problem}" if problem else ""
                return f"successCriteria not met: `{criterion.text}` ({outcome.summary}){detail}"
        return None

    def _perform_child_workflow(
        self,
        step: StepPlan,
        context: StepContext,
        depth: int,
        run_child: ChildRunner,
        deadline: Deadline | None,
    ) -> str | None:
        """Run the child workflow with the step's parameters as inputs; why it failed, if it did."""
        child = step.child_workflow
        assert child is not None
        try:
            inputs = {
                p.name: evaluate(p.value, context) for p in step.parameters if p.location is None
            }
        except Exception as error:
            return str(error)
        try:
            self.inputs_checker.check(child, inputs)
        except InputValidationError as error:
            return str(error)
        outcome = run_child(child, inputs, depth + 1, deadline)
        context.child_outputs = outcome.outputs
        return None if outcome.succeeded else f"workflow '{child}' failed: {outcome.error}"

    # -- finishing ---------------------------------------------------------------------
    def _finish(
        self,
        step: StepPlan,
        state: WorkflowState,
        context: StepContext,
        attempt: int,
        started: float,
        failure: str | None,
        findings: tuple[str, ...],
    ) -> StepResult:
        redactor = self.runtime.redactor
        wid, sid = step.workflow_id, step.step.step_id
        outputs = _outputs(step.outputs, context, redactor)
        state.step_outputs[sid] = outputs  # the real values, for the steps that follow
        state.step_verdicts[sid] = failure is None
        response = context.response
        request = context.request
        error = f"step '{sid}' of workflow '{wid}': {failure}" if failure is not None else None
        elapsed = time.perf_counter() - started
        # The result holds credential values masked (no repr, JSON or pickle of it shows one);
        # a redactor with no secret masks nothing, so only the request (whose headers a
        # security scheme may have filled) is looked at then.
        masking = bool(redactor)
        result = StepResult(
            step_id=sid,
            workflow_id=wid,
            succeeded=failure is None,
            status_code=response.status_code if response is not None else None,
            outputs=redactor.value(outputs) if masking else outputs,
            attempt=attempt,
            response=masked_response(response, redactor) if masking else response,
            error=redactor.text(error) if masking and error is not None else error,
            elapsed=elapsed,
            request=masked_request(request, redactor, masking) if request is not None else None,
            validation=tuple(redactor.text(f) for f in findings) if masking else tuple(findings),
            message=masked_message(context.message, redactor, masking),
        )
        self.records.append(result)
        if self.observer is not SILENT:
            self.observer.step_finished(step, result)
        return result


def _outputs(
    outputs: tuple[tuple[str, OutputNode], ...], context: StepContext, redactor: Redactor
) -> dict[str, Any]:
    """The step's outputs by name; each one that cannot be computed is None.

    All are computed in one go; only when one raises does each get its own
    :func:`evaluate_output` (the same values, the failure logged).
    """
    try:  # evaluate(expression, context), one call shorter
        return {
            name: (expression._compiled or compile_node(expression))(context)
            for name, expression in outputs
        }
    except Exception:
        return {name: evaluate_output(expr, context, redactor) for name, expr in outputs}
