"""What runtime expressions name: steps, outputs, inputs, workflows, sources, components.

Every expression site of a workflow (see :mod:`~arazzo_engine.validation.sites`)
is parsed (parsing is cached; a text that does not parse is left to the plan,
which reports it) and each expression inside is checked against the names the
document defines (:mod:`~arazzo_engine.validation.symbols`).

Rule ids: ``unknown-step``, ``unknown-output``, ``unknown-input`` (errors: the
value can never exist), ``unknown-workflow``, ``unknown-source``,
``component-reference`` (errors); ``undeclared-input``, ``dotted-name``,
``step-output-order``, ``response-context``, ``response-parameter``,
``self-base-uri``, ``embedded-unescaped`` (warnings; ``step-output-order`` is an
error in an Arazzo 1.1 workflow where no goto or retry names a step: 1.1 makes a
``$steps`` read an implicit dependency); ``message-context`` (error: ``$message``
outside a message step).
"""

from __future__ import annotations

from collections.abc import Mapping

from arazzo_engine._compat import assert_never
from arazzo_engine.expressions import dialect_of, unparse
from arazzo_engine.expressions.ast import (
    ComponentRef,
    InputRef,
    MessageHeader,
    MessagePayload,
    Method,
    Node,
    OutputRef,
    RequestBody,
    RequestHeader,
    RequestPath,
    RequestQuery,
    ResponseBody,
    ResponseHeader,
    ResponsePath,
    ResponseQuery,
    RuntimeExpression,
    SelfRef,
    SourceDescriptionRef,
    StatusCode,
    StepOutputRef,
    Url,
    WorkflowInputRef,
    WorkflowOutputRef,
    walk_expressions,
)
from arazzo_engine.load.versions import minor_of
from arazzo_engine.model import ArazzoDocument, Workflow
from arazzo_engine.validation.common import Findings, match_name, names
from arazzo_engine.validation.dependencies import jumps_to_steps
from arazzo_engine.validation.flow import StepGraph
from arazzo_engine.validation.sites import Site, component_sites, parse_site, workflow_sites
from arazzo_engine.validation.symbols import Symbols, WorkflowSymbols

__all__ = ["ReferenceChecker"]

SOURCE_FIELDS = ("name", "url", "type")


class ReferenceChecker:
    """Checks the names every expression of a document uses; remembers what is read."""

    def __init__(self, findings: Findings, document: ArazzoDocument, symbols: Symbols) -> None:
        self.f = findings
        self.document = document
        self.version = dialect_of(document.arazzo)
        self.symbols = symbols
        self.reads: set[tuple[str, str, str]] = set()
        """(workflow pointer, step id, output name) of every step output read."""
        self.component_reads: set[tuple[str, str]] = set()
        self.unsure: set[str] = set()
        """Workflows (by pointer) where what is read cannot be told: an expression that
        does not parse, or one naming a step or output that does not exist."""

    def run(self, graphs: Mapping[str, StepGraph]) -> None:
        for workflow in self.document.workflows:
            graph = graphs[workflow.pointer]
            own = self.symbols.workflows.get(workflow.pointer)
            for site in workflow_sites(workflow, self.version):
                node = parse_site(site)
                if node is None:
                    if isinstance(site.text, str) and "$steps." in site.text:
                        self.unsure.add(workflow.pointer)
                    continue
                if site.kind == "embedded":
                    self.embedded(node, site)
                for expression in walk_expressions(node):
                    self.check(expression, site, workflow, own, graph)
        for site in component_sites(self.document):
            node = parse_site(site)
            if node is None:
                continue
            if site.kind == "embedded":
                self.embedded(node, site)
            for expression in walk_expressions(node):
                self.check(expression, site, None, None, None)

    # -- dispatch ----------------------------------------------------------------
    def check(
        self,
        expression: RuntimeExpression,
        site: Site,
        workflow: Workflow | None,
        own: WorkflowSymbols | None,
        graph: StepGraph | None,
    ) -> None:
        text = unparse(expression)
        match expression:
            case StepOutputRef():
                if workflow is None or own is None or graph is None:
                    self.component_reads.add((expression.step_id, expression.name))
                else:
                    self.step_output(expression, text, site, workflow, own, graph)
            case InputRef():
                if workflow is not None and own is not None and graph is not None:
                    self.input(expression.name, text, site, own)
            case OutputRef():
                if workflow is not None and own is not None and graph is not None:
                    self.output(expression, text, site, own)
            case (
                Url()
                | Method()
                | StatusCode()
                | RequestHeader()
                | RequestQuery()
                | RequestPath()
                | RequestBody()
                | ResponseHeader()
                | ResponseBody()
            ):
                self.http(text, site, workflow)
            case ResponseQuery() | ResponsePath():
                self.response_parameter(expression, text, site)
            case WorkflowInputRef() | WorkflowOutputRef():
                self.other_workflow(expression, text, site)
            case SourceDescriptionRef():
                self.source(expression, text, site)
            case ComponentRef():
                self.component(expression, text, site)
            case MessageHeader() | MessagePayload():
                self.message(text, site, workflow)
            case SelfRef():
                self.self_uri(site)
            case _:
                assert_never(expression)

    # -- the checks ----------------------------------------------------------------
    def step_output(
        self,
        ref: StepOutputRef,
        text: str,
        site: Site,
        workflow: Workflow,
        own: WorkflowSymbols,
        graph: StepGraph,
    ) -> None:
        wid = workflow.workflow_id
        if ref.step_id not in own.step_outputs:
            self.f.error(
                "unknown-step",
                f"'{text}' names step '{ref.step_id}', which workflow '{wid}' does not have "
                f"(its steps: {names(own.step_ids)}); $steps reads steps of the same workflow",
                site.pointer,
            )
            self.unsure.add(workflow.pointer)
            return
        declared = own.step_outputs[ref.step_id]
        matched, exact = match_name(ref.name, declared)
        if matched is None:
            self.f.error(
                "unknown-output",
                f"'{text}' reads output '{ref.name}', which step '{ref.step_id}' does not "
                f"declare (its outputs: {names(declared)})",
                site.pointer,
            )
            self.unsure.add(workflow.pointer)
            return
        self.reads.add((workflow.pointer, ref.step_id, matched))
        if not exact:
            self.dotted(
                text, f"output '{matched}' of step '{ref.step_id}'", ref.name, matched, site
            )
        self.order(ref, text, site, workflow, graph)

    def order(
        self, ref: StepOutputRef, text: str, site: Site, workflow: Workflow, graph: StepGraph
    ) -> None:
        if site.step is None or site.phase not in ("before", "criteria", "outputs", "actions"):
            return
        target = graph.index(ref.step_id)
        current = site.step
        if target is None or current not in graph.reachable:
            return
        if site.phase == "actions" and target == current:
            return
        if graph.can_precede(target, current):
            return
        reader = workflow.steps[current].step_id
        if target == current:
            message = (
                f"step '{reader}' reads its own output with '{text}' before producing it: "
                "a step's outputs are set after its request, criteria and outputs are "
                "evaluated, and no goto or retry runs it again first; the value is null"
            )
        else:
            message = (
                f"step '{reader}' reads '{text}', but no path through workflow "
                f"'{workflow.workflow_id}' runs step '{ref.step_id}' before step '{reader}'; "
                "the value is null"
            )
        if minor_of(self.document.arazzo) != "1.0" and not jumps_to_steps(graph):
            # Arazzo 1.1 makes a $steps output read an implicit dependency: with steps in
            # document order only, this one can never hold.
            message += (
                "; Arazzo 1.1 treats it as a dependency that can never be met, since no goto "
                "or retry names a step (dependsOn and $steps never reorder steps)"
            )
            self.f.error("step-output-order", message, site.pointer)
            return
        self.f.warning("step-output-order", message, site.pointer)

    def input(self, name: str, text: str, site: Site, own: WorkflowSymbols) -> None:
        found = self.symbols.inputs(own)
        if found is None:
            return
        declared, closed = found
        matched, exact = match_name(name, declared)
        wid = own.workflow_id
        if matched is not None:
            if not exact:
                self.dotted(text, f"input '{matched}'", name, matched, site)
        elif closed:
            self.f.error(
                "unknown-input",
                f"'{text}' reads input '{name}', which workflow '{wid}' can never receive: its "
                f"inputs schema has additionalProperties: false and declares {names(declared)}",
                site.pointer,
            )
        else:
            declares = (
                f"declares only {names(declared)}" if own.has_inputs else "declares no inputs"
            )
            self.f.warning(
                "undeclared-input",
                f"'{text}' reads input '{name}', but workflow '{wid}' {declares}; declare it "
                "under the inputs schema's properties (or fix the name)",
                site.pointer,
            )

    def output(self, ref: OutputRef, text: str, site: Site, own: WorkflowSymbols) -> None:
        if site.runs_workflow is not None and site.phase != "before":
            called = self.symbols.by_id.get(site.runs_workflow)
            if called is None:
                return  # another document's workflow, or an unknown one (reported elsewhere)
            owner, declared = (
                f"workflow '{site.runs_workflow}' (the one this step runs)",
                called.outputs,
            )
        else:
            owner, declared = f"workflow '{own.workflow_id}'", own.outputs
        matched, exact = match_name(ref.name, declared)
        if matched is None:
            self.f.error(
                "unknown-output",
                f"'{text}' reads output '{ref.name}', which {owner} does not declare "
                f"(its outputs: {names(declared)})",
                site.pointer,
            )
        elif not exact:
            self.dotted(text, f"output '{matched}'", ref.name, matched, site)

    def other_workflow(
        self, ref: WorkflowInputRef | WorkflowOutputRef, text: str, site: Site
    ) -> None:
        target = self.symbols.by_id.get(ref.workflow_id)
        if target is None:
            self.f.error(
                "unknown-workflow",
                f"'{text}' names workflow '{ref.workflow_id}', which this document does not "
                f"define (its workflows: {names(self.symbols.by_id)})",
                site.pointer,
            )
            return
        if isinstance(ref, WorkflowOutputRef):
            matched, _ = match_name(ref.name, target.outputs)
            if matched is None:
                self.f.error(
                    "unknown-output",
                    f"'{text}' reads output '{ref.name}', which workflow '{ref.workflow_id}' "
                    f"does not declare (its outputs: {names(target.outputs)})",
                    site.pointer,
                )
            return
        found = self.symbols.inputs(target)
        if found is not None and match_name(ref.name, found[0])[0] is None:
            report = self.f.error if found[1] else self.f.warning
            report(
                "unknown-input" if found[1] else "undeclared-input",
                f"'{text}' reads input '{ref.name}', which workflow '{ref.workflow_id}' does "
                f"not declare (its inputs: {names(found[0])})",
                site.pointer,
            )

    def source(self, ref: SourceDescriptionRef, text: str, site: Site) -> None:
        if ref.name not in self.symbols.sources:
            self.f.error(
                "unknown-source",
                f"'{text}' names source description '{ref.name}', which this document does "
                f"not have (its sources: {names(self.symbols.sources)})",
                site.pointer,
            )
        elif ref.field not in SOURCE_FIELDS:
            self.f.error(
                "unknown-source",
                f"'{text}' reads field '{ref.field}' of a source description; the fields "
                f"are {', '.join(SOURCE_FIELDS)}",
                site.pointer,
            )

    def component(self, ref: ComponentRef, text: str, site: Site) -> None:
        declared = self.symbols.components.get(ref.kind, frozenset())
        if ref.name not in declared:
            self.f.error(
                "component-reference",
                f"'{text}' names a component that does not exist: components.{ref.kind} has "
                f"{names(declared)}",
                site.pointer,
            )

    def http(self, text: str, site: Site, workflow: Workflow | None) -> None:
        if site.phase == "workflow-outputs":
            why = (
                "workflow outputs are evaluated after the last step, with no request or "
                "response; copy the value into a step output and read that"
            )
        elif site.phase in ("before", "workflow-parameters"):
            why = (
                "parameters and request bodies are evaluated before the request is sent, so "
                "there is no request or response yet; pass a value from an earlier step "
                "through its outputs"
            )
        elif site.runs_workflow is not None and site.phase in ("outputs", "actions"):
            why = (
                f"this step runs workflow '{site.runs_workflow}' and sends no HTTP request; "
                "read that workflow's outputs with $outputs.<name>"
            )
        else:
            return
        self.f.warning("response-context", f"'{text}' is always null here: {why}", site.pointer)

    def response_parameter(
        self, expression: ResponseQuery | ResponsePath, text: str, site: Site
    ) -> None:
        where = "query" if isinstance(expression, ResponseQuery) else "path"
        self.f.warning(
            "response-parameter",
            f"'{text}' is always null: a response has no {where} parameters (the 1.0.1 "
            f"grammar allows the form); to read what the request sent, write "
            f"'$request.{where}.{expression.name}'",
            site.pointer,
        )

    def dotted(self, text: str, what: str, name: str, matched: str, site: Site) -> None:
        member = name[len(matched) + 1 :]
        pointer = "/".join(member.split("."))
        fixed = text.replace(f".{name}", f".{matched}#/{pointer}", 1)
        grammar = (
            f"; the Arazzo 1.1 grammar reads '{name}' as one name, this engine reads "
            f"member '{member}' of {what} as Arazzo 1.0 did"
            if site.version == "1.1"
            else ""
        )
        self.f.warning(
            "dotted-name",
            f"'{text}' reads member '{member}' of {what} through dots, which is ambiguous "
            f"(a name may itself contain dots){grammar}; write '{fixed}'",
            site.pointer,
        )

    def embedded(self, node: Node, site: Site) -> None:
        """Values substituted into a condition are not escaped for its language."""
        written = [f"{{{unparse(e)}}}" for e in walk_expressions(node)]
        if not written:
            return
        self.f.warning(
            "embedded-unescaped",
            f"the condition embeds {', '.join(written)}: each value is substituted as it is, "
            "not escaped for the condition's language, so a value holding regex "
            "metacharacters, quotes or brackets changes what the condition means",
            site.pointer,
        )

    def message(self, text: str, site: Site, workflow: Workflow | None) -> None:
        """``$message`` only has a value in an AsyncAPI (message) step."""
        step = workflow.steps[site.step] if workflow is not None and site.step is not None else None
        if step is not None and step.action is not None:
            return  # a message step: refused as not run yet where it is declared
        where = f"step '{step.step_id}'" if step is not None else "this place"
        self.f.error(
            "message-context",
            f"'{text}' reads the message of an AsyncAPI step (one with 'action: send' or "
            f"'receive'), but {where} has no message; read an HTTP step's $response instead",
            site.pointer,
        )

    def self_uri(self, site: Site) -> None:
        """``$self`` without a ``$self`` field evaluates to the document's location."""
        if self.document.self_uri is None:
            self.f.warning(
                "self-base-uri",
                "'$self' is used but this document has no '$self' field: it evaluates to "
                "the document's base URI (where it was read from); add '$self' to give it "
                "a stable identity",
                site.pointer,
            )
