"""The run plan: everything a step needs, worked out once at load.

Every expression is parsed, every operation looked up, every parameter list
merged (workflow then step, by name and location), every Reusable Object and
action list resolved here, so running a step does no parsing and no searching.
Problems found on the way are collected as located diagnostics.

What steps and actions name (operations, workflows) is found by
:mod:`arazzo_engine.load.targets`; the operation a step targets prepares the
step's call (:mod:`arazzo_engine.sources.call`), which the plan keeps without
knowing what protocol it speaks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from arazzo_engine.criteria import CompiledCriterion, CriterionCompileError, compile_criterion
from arazzo_engine.errors import Diagnostic, ExpressionSyntaxError, Location, Severity
from arazzo_engine.expressions import (
    Expression,
    ValueNode,
    dialect_of,
    parse_expression,
    parse_payload,
    parse_value,
)
from arazzo_engine.expressions.ast import SelectorValue
from arazzo_engine.expressions.parser import SelectorHook
from arazzo_engine.load import pointers
from arazzo_engine.load.selectors import SelectorCompiler
from arazzo_engine.load.step_dependencies import StepDependency, read_step_dependency
from arazzo_engine.load.targets import Targets, workflow_key
from arazzo_engine.load.versions import minor_of
from arazzo_engine.model import (
    COMPONENT_PREFIX,
    ArazzoDocument,
    Criterion,
    FailureAction,
    Parameter,
    PayloadReplacement,
    ReusableObject,
    Selector,
    Step,
    SuccessAction,
    Workflow,
    parameter_key,
)
from arazzo_engine.sources.base import ExternalDocument, OperationSource
from arazzo_engine.sources.call import OperationCall, StepParameter, StepRequest
from arazzo_engine.sources.payload import ReplacementTarget, replacement_target

__all__ = [
    "ActionPlan",
    "DocumentScope",
    "ExternalDocument",
    "OutputNode",
    "StepParameter",
    "StepPlan",
    "WorkflowPlan",
    "compile_document",
    "dependency_cycles",
    "workflow_key",
]


OutputNode = Expression | SelectorValue
"""What an output evaluates: a runtime expression, or (1.1) a Selector Object."""


@dataclass(frozen=True, slots=True)
class ActionPlan:
    """A success or failure action with its target and criteria resolved."""

    name: str
    type: str
    step_id: str | None
    workflow_id: str | None
    """The target workflow's run-wide key (see :func:`workflow_key`)."""
    retry_after: float | None
    retry_limit: int | None
    criteria: tuple[CompiledCriterion, ...]
    pointer: str
    parameters: tuple[StepParameter, ...] = ()
    """1.1: the target workflow's inputs, by name, evaluated in the step's context."""


@dataclass(frozen=True, slots=True)
class StepPlan:
    """One step, ready to run."""

    step: Step
    workflow_id: str
    index: int
    call: OperationCall | None
    """An operation step's call, prepared by its source's kind; None for a workflow step."""
    child_workflow: str | None
    """The called workflow's run-wide key."""
    parameters: tuple[StepParameter, ...]
    criteria: tuple[CompiledCriterion, ...]
    on_success: tuple[ActionPlan, ...]
    on_failure: tuple[ActionPlan, ...]
    outputs: tuple[tuple[str, OutputNode], ...]
    depends_on: tuple[StepDependency, ...] = ()
    """1.1: the steps that must have succeeded first, their workflows' run-wide keys found."""

    @property
    def step_id(self) -> str:
        return self.step.step_id


@dataclass(frozen=True)
class WorkflowPlan:
    """One workflow, ready to run."""

    workflow: Workflow
    key: str
    """Run-wide key: the workflow id in the entry document, prefixed in others."""
    scope: DocumentScope
    steps: tuple[StepPlan, ...]
    step_index: Mapping[str, int]
    outputs: tuple[tuple[str, OutputNode], ...]
    depends_on: tuple[str, ...]
    """Run-wide keys of the workflows that must complete first."""

    @property
    def workflow_id(self) -> str:
        return self.workflow.workflow_id


@dataclass(frozen=True)
class DocumentScope:
    """What expressions of one Arazzo document see: its own components and sources."""

    document: ArazzoDocument
    prefix: str
    """Prepended to workflow ids to make run-wide keys ('' for the entry document)."""
    source_fields: Mapping[str, Mapping[str, Any]]
    file_folder: str | None = None
    """Where the paths of this document's ``$file`` markers resolve: its folder; None
    for a remote document, whose markers may carry bytes only."""
    components: Mapping[str, Any] = field(default_factory=dict, compare=False)
    """The document's ``components`` as written (plain JSON data): what a
    ``$components.<kind>.<name>`` expression evaluates to, never a model object."""
    self_uri: str | None = None
    """What ``$self`` evaluates to: the document's ``$self`` resolved against where it
    was read from, else that location (its base URI)."""


class _Compiler:
    def __init__(
        self,
        scope: DocumentScope,
        sources: Mapping[str, OperationSource],
        locate: Callable[[str], Location],
        externals: Mapping[str, ExternalDocument],
    ) -> None:
        self.scope = scope
        self.document = scope.document
        self.version = dialect_of(scope.document.arazzo)
        """The expression dialect of the document (its ``arazzo`` major.minor)."""
        self.locate = locate
        self.diagnostics: list[Diagnostic] = []
        self.targets = Targets(
            scope.prefix, scope.document, sources, externals, self.error, warn=self.warning
        )
        self.selectors = (
            SelectorCompiler(self.error) if minor_of(scope.document.arazzo) == "1.1" else None
        )
        """Arazzo 1.1 documents only: a Selector-shaped value of a 1.0 one stays literal."""

    # -- reporting ---------------------------------------------------------------
    def error(self, rule: str, message: str, pointer: str, line: int) -> None:
        """Record an error at ``pointer`` (its own line when known, else the node's)."""
        self._record("error", rule, message, pointer, line)

    def warning(self, rule: str, message: str, pointer: str, line: int) -> None:
        """Record a warning at ``pointer``, located as :meth:`error` does."""
        self._record("warning", rule, message, pointer, line)

    def _record(self, severity: Severity, rule: str, message: str, pointer: str, line: int) -> None:
        location = self.locate(pointer)
        if not location.line:
            location = Location(self.document.file, pointer, line, 0)
        self.diagnostics.append(Diagnostic(severity, rule, message, location))

    def expression(self, text: str, what: str, pointer: str, line: int) -> Expression | None:
        try:
            return parse_expression(text, version=self.version)
        except ExpressionSyntaxError as error:
            self.error(
                "expression-syntax", f"{what} does not parse: {error.render()}", pointer, line
            )
            return None

    def value(
        self, raw: Any, what: str, pointer: str, line: int, *, payload: bool = False
    ) -> ValueNode | None:
        """``raw`` parsed; in a ``payload`` (a body or a replacement value) file markers too;
        in a 1.1 document Selector Objects (compiled here, once)."""
        hook: SelectorHook | None = None
        if self.selectors is not None:
            hook = self.selectors.hook(what, pointer, line)
        try:
            if payload:
                return parse_payload(
                    raw, folder=self.scope.file_folder, version=self.version, selectors=hook
                )
            return parse_value(raw, version=self.version, selectors=hook)
        except ExpressionSyntaxError as error:
            self.error(
                "expression-syntax", f"{what} does not parse: {error.render()}", pointer, line
            )
            return None

    def criteria(self, items: tuple[Criterion, ...]) -> tuple[CompiledCriterion, ...]:
        compiled: list[CompiledCriterion] = []
        for criterion in items:
            try:
                compiled.append(compile_criterion(criterion, self.version))
            except CriterionCompileError as error:
                self.error(
                    "criterion",
                    f"criterion {error.field} is not valid: {error.reason}",
                    f"{criterion.pointer}/{error.field}",
                    criterion.line,
                )
        return tuple(compiled)

    # -- components and reusable objects ----------------------------------------
    def component(self, reusable: ReusableObject, kind: str) -> Any:
        components = self.document.components
        key = components.name_in(reusable.reference, kind)
        if key is None:
            self.error(
                "reference",
                f"a reference here must be {COMPONENT_PREFIX}{kind}.<name>, "
                f"got '{reusable.reference}'",
                f"{reusable.pointer}/reference",
                reusable.line,
            )
            return None
        table = components.table(kind)
        if key not in table:
            known = ", ".join(sorted(table)) or "none"
            self.error(
                "reference",
                f"'{reusable.reference}' does not exist; components.{kind} has: {known}",
                f"{reusable.pointer}/reference",
                reusable.line,
            )
            return None
        return table[key]

    def parameters(
        self, items: tuple[Parameter | ReusableObject, ...]
    ) -> list[tuple[Parameter, Any, str]]:
        """Resolve reusables: (parameter, value, pointer of the list entry)."""
        resolved: list[tuple[Parameter, Any, str]] = []
        for item in items:
            if isinstance(item, ReusableObject):
                target = self.component(item, "parameters")
                if isinstance(target, Parameter):
                    value = item.value if item.has_value else target.value
                    resolved.append((target, value, item.pointer))
            else:
                resolved.append((item, item.value, item.pointer))
        return resolved

    def actions(
        self,
        items: tuple[SuccessAction | FailureAction | ReusableObject, ...],
        kind: str,
        workflow: Workflow,
    ) -> list[ActionPlan]:
        plans: list[ActionPlan] = []
        for item in items:
            action = self.component(item, kind) if isinstance(item, ReusableObject) else item
            if not isinstance(action, (SuccessAction, FailureAction)):
                continue
            if action.step_id is not None and workflow.step(action.step_id) is None:
                self.error(
                    "action-target",
                    f"action '{action.name}' targets step '{action.step_id}', which is not a "
                    f"step of workflow '{workflow.workflow_id}'",
                    f"{item.pointer}/stepId" if item is action else item.pointer,
                    item.line,
                )
            target = None
            if action.workflow_id is not None:
                where = f"{item.pointer}/workflowId" if item is action else item.pointer
                target = self.targets.workflow(
                    action.workflow_id, f"action '{action.name}' targets", where, item.line
                )
            is_failure = isinstance(action, FailureAction)
            plans.append(
                ActionPlan(
                    name=action.name,
                    type=action.type,
                    step_id=action.step_id,
                    workflow_id=target,
                    retry_after=action.retry_after if is_failure else None,  # type: ignore[union-attr]
                    retry_limit=action.retry_limit if is_failure else None,  # type: ignore[union-attr]
                    criteria=self.criteria(action.criteria),
                    pointer=item.pointer,
                    parameters=self.action_parameters(action),
                )
            )
        return plans

    def action_parameters(self, action: SuccessAction | FailureAction) -> tuple[StepParameter, ...]:
        """A 1.1 action's ``parameters``, their values parsed once (no ``in``: inputs)."""
        compiled: list[StepParameter] = []
        for parameter, raw, pointer in self.parameters(action.parameters):
            value = self.value(
                raw,
                f"parameter '{parameter.name}' of action '{action.name}'",
                f"{pointer}/value",
                parameter.line,
            )
            if value is not None:
                compiled.append(StepParameter(parameter.name, None, value))
        return tuple(compiled)

    # -- steps and workflows -----------------------------------------------------
    def merged_parameters(self, workflow: Workflow, step: Step) -> tuple[StepParameter, ...]:
        merged: dict[tuple[str, str | None], StepParameter] = {}
        where: dict[tuple[str, str | None], tuple[str, int]] = {}
        for source in (workflow.parameters, step.parameters):
            for parameter, raw, pointer in self.parameters(source):
                value = self.value(
                    raw, f"parameter '{parameter.name}'", f"{pointer}/value", parameter.line
                )
                if value is None:
                    continue
                location = parameter.location
                key = (
                    parameter_key(parameter.name, location)
                    if location is not None
                    else (parameter.name, None)
                )
                merged[key] = StepParameter(parameter.name, location, value)
                where[key] = (pointer, parameter.line)
        if step.workflow_id is None:
            self.one_querystring(step, merged, where)
        return tuple(merged.values())

    def one_querystring(
        self,
        step: Step,
        merged: Mapping[tuple[str, str | None], StepParameter],
        where: Mapping[tuple[str, str | None], tuple[str, int]],
    ) -> None:
        """A querystring is the whole query: one per request, and no ``query`` beside it."""
        whole = [key for key, p in merged.items() if p.location == "querystring"]
        query = [p.name for p in merged.values() if p.location == "query"]
        if len(whole) > 1 or (whole and query):
            pointer, line = where[whole[-1] if len(whole) > 1 else whole[0]]
            others = (
                f"querystring parameters {', '.join(repr(key[0]) for key in whole)}"
                if len(whole) > 1
                else f"query parameter(s) {', '.join(repr(name) for name in query)}"
            )
            self.error(
                "querystring",
                f"step '{step.step_id}' gets {others} (workflow and step parameters merged), "
                "but a querystring parameter is the whole query: give it alone, with no "
                "other querystring or query parameter",
                pointer,
                line,
            )

    def step(self, workflow: Workflow, step: Step, index: int) -> StepPlan:
        target = self.targets.operation(step)
        child = None
        if step.workflow_id is not None:
            child = self.targets.workflow(
                step.workflow_id,
                f"step '{step.step_id}' calls",
                f"{step.pointer}/workflowId",
                step.line,
            )
        body: ValueNode | None = None
        content_type = None
        replacements: list[tuple[ReplacementTarget, ValueNode]] = []
        if step.request_body is not None:
            rb = step.request_body
            content_type = rb.content_type
            if rb.has_payload:
                body = self.value(
                    rb.payload,
                    "the request body payload",
                    f"{rb.pointer}/payload",
                    rb.line,
                    payload=True,
                )
            for replacement in rb.replacements:
                node = self.value(
                    replacement.value,
                    "a payload replacement value",
                    f"{replacement.pointer}/value",
                    replacement.line,
                    payload=True,
                )
                compiled = self.replacement_target(replacement)
                if node is not None and compiled is not None:
                    replacements.append((compiled, node))
        outputs = self.outputs(step.outputs, step.output_selectors, step.pointer, step.line)
        success = self.actions(step.on_success, "successActions", workflow)
        failure = self.actions(step.on_failure, "failureActions", workflow)
        success += self.inherited(success, workflow.success_actions, "successActions", workflow)
        failure += self.inherited(failure, workflow.failure_actions, "failureActions", workflow)
        parameters = self.merged_parameters(workflow, step)
        call = None
        if target is not None:
            request = StepRequest(
                workflow_id=workflow.workflow_id,
                step_id=step.step_id,
                parameters=tuple(p for p in parameters if p.location is not None),
                body=body,
                content_type=content_type,
                replacements=tuple(replacements),
                action=step.action,
                correlation_id=self.correlation(step),
            )
            call = target.prepare(request)
        return StepPlan(
            step=step,
            workflow_id=workflow.workflow_id,
            index=index,
            call=call,
            child_workflow=child,
            parameters=parameters,
            criteria=self.criteria(step.success_criteria),
            on_success=tuple(success),
            on_failure=tuple(failure),
            outputs=outputs,
            depends_on=self.step_dependencies(step),
        )

    def step_dependencies(self, step: Step) -> tuple[StepDependency, ...]:
        """A step's ``dependsOn`` entries with their workflows' run-wide keys.

        A workflow of this document that does not exist is reported by
        :mod:`arazzo_engine.validation.dependencies` (it needs no source); one of
        another document here, as every other workflow reference.
        """
        found: list[StepDependency] = []
        for i, text in enumerate(step.depends_on):
            dependency = read_step_dependency(text)
            if dependency.workflow_id is None:
                found.append(dependency)
            elif dependency.source is None:
                if self.document.workflow(dependency.workflow_id) is not None:
                    key = workflow_key(self.scope.prefix, dependency.workflow_id)
                    found.append(replace(dependency, workflow_key=key))
            else:
                other = self.targets.workflow(
                    f"$sourceDescriptions.{dependency.source}.{dependency.workflow_id}",
                    f"step '{step.step_id}' depends on",
                    f"{step.pointer}/dependsOn/{i}",
                    step.line,
                )
                if other is not None:
                    found.append(replace(dependency, workflow_key=other))
        return tuple(found)

    def correlation(self, step: Step) -> ValueNode | None:
        """A message step's ``correlationId``, parsed as any value is (1.1)."""
        if step.correlation_id is None:
            return None
        where = f"{step.pointer}/correlationId"
        return self.value(step.correlation_id, "correlationId", where, step.line)

    def inherited(
        self,
        own: list[ActionPlan],
        workflow_items: tuple[Any, ...],
        kind: str,
        workflow: Workflow,
    ) -> list[ActionPlan]:
        """The workflow's actions a step does not redefine by name."""
        names = {action.name for action in own}
        return [a for a in self.actions(workflow_items, kind, workflow) if a.name not in names]

    def replacement_target(self, replacement: PayloadReplacement) -> ReplacementTarget | None:
        """The target compiled by its ``targetSelectorType`` (none: by the payload)."""
        expression_type = replacement.target_expression_type
        try:
            return replacement_target(
                replacement.target,
                replacement.target_selector_type,
                expression_type.version if expression_type is not None else None,
            )
        except ValueError as error:
            self.error("selector", str(error), f"{replacement.pointer}/target", replacement.line)
            return None

    def outputs(
        self,
        outputs: Mapping[str, str],
        selectors: Mapping[str, Selector],
        pointer: str,
        line: int,
    ) -> tuple[tuple[str, OutputNode], ...]:
        compiled: list[tuple[str, OutputNode]] = []
        for name, text in outputs.items():
            where = pointers.child(pointer, "outputs", name)
            if not isinstance(text, str):
                self.error(
                    "type", f"output '{name}' must be a runtime expression string", where, line
                )
                continue
            node = self.expression(text, f"output '{name}'", where, line)
            if node is not None:
                compiled.append((name, node))
        for name, selector in selectors.items():
            if self.selectors is not None:
                found = self.selectors.selector(selector, f"output '{name}'")
                if found is not None:
                    compiled.append((name, found))
        return tuple(compiled)

    def workflow(self, workflow: Workflow) -> WorkflowPlan:
        steps = tuple(self.step(workflow, step, i) for i, step in enumerate(workflow.steps))
        depends_on: list[str] = []
        for i, dependency in enumerate(workflow.depends_on):
            key = self.targets.workflow(
                dependency,
                f"workflow '{workflow.workflow_id}' depends on",
                f"{workflow.pointer}/dependsOn/{i}",
                workflow.line,
            )
            if key is not None:
                depends_on.append(key)
        return WorkflowPlan(
            workflow=workflow,
            key=workflow_key(self.scope.prefix, workflow.workflow_id),
            scope=self.scope,
            steps=steps,
            step_index={plan.step_id: plan.index for plan in steps},
            outputs=self.outputs(
                workflow.outputs, workflow.output_selectors, workflow.pointer, workflow.line
            ),
            depends_on=tuple(depends_on),
        )


def compile_document(
    scope: DocumentScope,
    sources: Mapping[str, OperationSource],
    locate: Callable[[str], Location],
    externals: Mapping[str, ExternalDocument],
) -> tuple[dict[str, WorkflowPlan], list[Diagnostic]]:
    """Plan every workflow of a document, keyed run-wide; diagnostics list the problems.

    ``sources`` are its opened sources with operations, by name; ``locate``
    maps a JSON pointer of the document to its place in the file;
    ``externals`` are its Arazzo source descriptions by name.
    """
    compiler = _Compiler(scope, sources, locate, externals)
    plans = {}
    for workflow in scope.document.workflows:
        plan = compiler.workflow(workflow)
        plans[plan.key] = plan
    return plans, compiler.diagnostics


def dependency_cycles(plans: Mapping[str, WorkflowPlan]) -> list[Diagnostic]:
    """One error per ``dependsOn`` cycle, reported at the workflow that closes it."""
    found: list[Diagnostic] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(key: str) -> None:
        state[key] = 1
        path.append(key)
        for dependency in plans[key].depends_on:
            if state.get(dependency) == 1:
                cycle = [*path[path.index(dependency) :], dependency]
                plan = plans[key]
                names = " -> ".join(plans[k].workflow_id for k in cycle)
                found.append(
                    Diagnostic(
                        "error",
                        "depends-on-cycle",
                        f"dependsOn forms a cycle: {names}",
                        Location(
                            plan.scope.document.file,
                            f"{plan.workflow.pointer}/dependsOn",
                            plan.workflow.line,
                        ),
                    )
                )
            elif dependency not in state and dependency in plans:
                visit(dependency)
        path.pop()
        state[key] = 2

    for key in plans:
        if key not in state:
            visit(key)
    return found
