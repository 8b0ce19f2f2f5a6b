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
from arazzo_engine.run.observer import SILENT
from arazzo_engine.run.result_masking import masked_request, masked_response

if TYPE_CHECKING:
    from arazzo_engine.load.inputs import InputsChecker
    from arazzo_engine.load.plan import OutputNode, StepPlan
    from arazzo_engine.redaction import Redactor
    from arazzo_engine.run.context import RunState, WorkflowState
    from arazzo_engine.run.observer import RunObserver, WorkflowOutcome
    from arazzo_engine.sources.call import CallOutcome, CallRuntime

__all__ = ["ChildRunner", "RunAborted", "StepRunner", "evaluate_output"]

logger = logging.getLogger("arazzo_engine")

ChildRunner = Callable[[str, Mapping[str, Any], int], "WorkflowOutcome"]
"""Runs a workflow by run-wide key with these inputs at this depth (the interpreter)."""


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
        if self.observer is not SILENT:
            self.observer.step_started(step, attempt)
        context = StepContext(state)
        started = time.perf_counter()
        if step.call is None:
            failure = self._perform_child_workflow(step, context, depth, run_child)
            findings: tuple[str, ...] = ()
        else:
            outcome = step.call.perform(context, self.runtime)
            if outcome.failure is None:  # an answer: judge it, then the call has the last word
                failure, findings = outcome.conclude(self._judge(step, context, outcome))
            else:
                failure, findings = outcome.failure, outcome.findings
        result = self._finish(step, state, context, attempt, started, failure, findings)
        return result, context

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
        self, step: StepPlan, context: StepContext, depth: int, run_child: ChildRunner
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
        outcome = run_child(child, inputs, depth + 1)
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
