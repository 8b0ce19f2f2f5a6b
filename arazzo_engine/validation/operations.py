"""Checks that need the run plan: what each step's operation or called workflow expects.

The operation checks are OpenAPI's: they run on steps whose call is an
:class:`~arazzo_engine.sources.openapi.call.OpenAPICall` and read its operation
and its source's security schemes from it.

Rule ids:

``path-parameter``          (error) a path parameter the operation needs is not given
``undeclared-parameter``    (warning) a parameter the operation, or the called workflow's
                            inputs schema, does not declare
``missing-workflow-input``  (error) an input the called workflow requires is not passed
``unpassed-workflow-input`` (warning) an optional input the called workflow reads, with no
                            default, is not passed
``no-response-body``        (warning) ``$response.body`` read from an operation whose
                            responses declare no body
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from arazzo_engine.errors import Diagnostic
from arazzo_engine.expressions import Version, dialect_of
from arazzo_engine.expressions.ast import InputRef, ResponseBody, walk_expressions
from arazzo_engine.load.plan import StepPlan, WorkflowPlan
from arazzo_engine.load.reader import RawDocument
from arazzo_engine.load.refs import DOCUMENT_URI, Located, RefResolver
from arazzo_engine.model import ArazzoDocument, Parameter, Step, Workflow, parameter_key
from arazzo_engine.sources.openapi.call import OpenAPICall
from arazzo_engine.sources.openapi.shapes import Operation, SecurityScheme
from arazzo_engine.validation.common import (
    Findings,
    declared_by,
    match_name,
    names,
    resolve_parameter,
    resolve_schema,
)
from arazzo_engine.validation.sites import Site, parse_site, workflow_sites

__all__ = ["check_plans"]

TEMPLATE_VARIABLE = re.compile(r"\{([^{}]+)\}")
UNDECLARABLE_HEADERS = ("accept", "content-type", "authorization")
"""Headers OpenAPI ignores as parameters: passing them is normal and needs no declaration."""


def check_plans(
    plans: Mapping[str, WorkflowPlan],
    every_plan: Mapping[str, WorkflowPlan],
    raw: RawDocument,
) -> list[Diagnostic]:
    """Problems between the steps of ``plans`` and the operations or workflows they call.

    ``every_plan`` holds the plans of every document loaded so far (called workflows
    may live in another document).
    """
    findings = Findings(raw)
    for plan in plans.values():
        undeclared: dict[str, list[tuple[str, Parameter, Operation]]] = {}
        reading: dict[int, list[Site]] = {}  # step index -> sites judged after its response
        for site in workflow_sites(plan.workflow, dialect_of(plan.scope.document.arazzo)):
            if site.step is not None and site.phase in ("criteria", "outputs", "actions"):
                reading.setdefault(site.step, []).append(site)
        for step_plan in plan.steps:
            given = list(merged_parameters(plan.workflow, step_plan.step, plan.scope.document))
            call = step_plan.call
            if isinstance(call, OpenAPICall):
                operation = call.operation
                missing = check_path_parameters(findings, step_plan, operation, given)
                known = call.security_schemes
                for parameter, pointer, from_workflow in given:
                    if _declared(parameter, operation, known):
                        continue
                    if missing and parameter.location == "path":
                        continue  # the path-parameter error names it
                    if from_workflow:
                        entry = (step_plan.step_id, parameter, operation)
                        undeclared.setdefault(pointer, []).append(entry)
                    else:
                        _undeclared(findings, parameter, operation, pointer, None)
                check_response_body(
                    findings, reading.get(step_plan.index, []), step_plan, operation
                )
            elif (child := every_plan.get(step_plan.child_workflow or "")) is not None:
                check_child_inputs(findings, step_plan, child, given)
        for pointer, entries in undeclared.items():
            _, parameter, operation = entries[0]
            step_ids = [step_id for step_id, _, _ in entries]
            _undeclared(findings, parameter, operation, pointer, step_ids)
    return findings.diagnostics


def merged_parameters(
    workflow: Workflow, step: Step, document: ArazzoDocument
) -> Iterator[tuple[Parameter, str, bool]]:
    """(parameter, pointer of its entry, whether it comes from the workflow) a step gets."""
    merged: dict[tuple[str, str | None], tuple[Parameter, str, bool]] = {}
    for items, from_workflow in ((workflow.parameters, True), (step.parameters, False)):
        for item in items:
            resolved = resolve_parameter(item, document.components)
            if resolved is None:
                continue
            parameter, pointer = resolved
            location = parameter.location
            key = parameter_key(parameter.name, location) if location else (parameter.name, None)
            merged[key] = (parameter, pointer, from_workflow)
    yield from merged.values()


def _declared(
    parameter: Parameter, operation: Operation, schemes: Mapping[str, SecurityScheme]
) -> bool:
    location = parameter.location
    if location is None:
        return True  # a missing 'in' is reported by the parameter-in rule
    if parameter_key(parameter.name, location) in operation.parameters:
        return True
    if location == "header" and parameter.name.lower() in UNDECLARABLE_HEADERS:
        return True
    for requirement in operation.security:
        for scheme_name in requirement:
            scheme = schemes.get(scheme_name)
            if (
                scheme is not None
                and scheme.type == "apiKey"
                and scheme.location == location
                and (scheme.parameter_name or "").lower() == parameter.name.lower()
            ):
                return True
    return False


def _describe(operation: Operation) -> str:
    named = f" (operationId '{operation.operation_id}')" if operation.operation_id else ""
    return f"{operation.method} {operation.path_key}{named}"


def _undeclared(
    findings: Findings,
    parameter: Parameter,
    operation: Operation,
    pointer: str,
    step_ids: list[str] | None,
) -> None:
    location = parameter.location
    same = sorted(spec.name for spec in operation.parameters.values() if spec.location == location)
    steps = f" (applied to step {names(step_ids)})" if step_ids else ""
    findings.warning(
        "undeclared-parameter",
        f"parameter '{parameter.name}' (in: {location}){steps} is not declared by operation "
        f"{_describe(operation)}, whose {location} parameters are {names(same)}; it is sent "
        "anyway, but a misspelt name is the usual cause",
        pointer,
    )


def check_path_parameters(
    findings: Findings,
    step_plan: StepPlan,
    operation: Operation,
    given: list[tuple[Parameter, str, bool]],
) -> bool:
    """Report each path parameter the step does not give; whether any is missing."""
    needed = {spec.name for spec in operation.parameters.values() if spec.location == "path"}
    needed.update(TEMPLATE_VARIABLE.findall(operation.path_template))
    provided = {p.name for p, _, _ in given if p.location in ("path", None)}
    stray = sorted(provided - needed)
    for name in sorted(needed - provided):
        hint = f"; the step gives path parameter {names(stray)} instead" if stray else ""
        findings.error(
            "path-parameter",
            f"step '{step_plan.step_id}' calls {_describe(operation)}, whose path needs "
            f"parameter '{name}', but neither the step nor its workflow gives it; add "
            f"'- name: {name}' with 'in: path' and a 'value'{hint}",
            step_plan.step.pointer,
        )
    return bool(needed - provided)


def check_response_body(
    findings: Findings, sites: list[Site], step_plan: StepPlan, operation: Operation
) -> None:
    """Warn when a step reads ``$response.body`` of an operation that declares none."""
    if operation.response_media_types:
        return
    for site in sites:
        node = parse_site(site)
        if node is None:
            continue
        if any(isinstance(e, ResponseBody) for e in walk_expressions(node)):
            findings.warning(
                "no-response-body",
                f"step '{step_plan.step_id}' reads $response.body, but no response of "
                f"{_describe(operation)} declares a body (content); the value is likely "
                "null (a redirect's data is in its Location header: $response.header.Location)",
                site.pointer,
            )
            return


def child_schema(workflow: Workflow, document: ArazzoDocument) -> Any:
    """The called workflow's inputs schema, ``#/components/inputs/...`` references followed.

    None when a reference leads elsewhere or nowhere: only the document's
    ``components.inputs`` are at hand here, not the rest of its data.
    """
    inputs = {"components": {"inputs": document.components.inputs}}
    refs = RefResolver(DOCUMENT_URI, inputs, read_files=False)
    return resolve_schema(
        Located(workflow.inputs, DOCUMENT_URI, f"{workflow.pointer}/inputs"), refs
    )


def check_child_inputs(
    findings: Findings,
    step_plan: StepPlan,
    child: WorkflowPlan,
    given: list[tuple[Parameter, str, bool]],
) -> None:
    schema = child_schema(child.workflow, child.scope.document)
    if child.workflow.inputs is not None and not isinstance(schema, Mapping):
        return
    wid = child.workflow_id
    passed = {p.name: pointer for p, pointer, _ in given if p.location is None}
    resolved: Mapping[str, Any] = schema if isinstance(schema, Mapping) else {}
    found = declared_by(resolved) if resolved else (frozenset(), False)
    if found is not None:
        declared = found[0]
        for name, pointer in passed.items():
            if name not in declared:
                findings.warning(
                    "undeclared-parameter",
                    f"parameter '{name}' is passed to workflow '{wid}', whose inputs schema does "
                    f"not declare it (its inputs: {names(declared)}); it is dropped or refused",
                    pointer,
                )
    required = resolved.get("required")
    required_names = (
        [r for r in required if isinstance(r, str)] if isinstance(required, list) else []
    )
    for name in required_names:
        if name not in passed:
            findings.error(
                "missing-workflow-input",
                f"step '{step_plan.step_id}' runs workflow '{wid}', whose inputs schema requires "
                f"'{name}', but no parameter passes it; add '- name: {name}' with a 'value' "
                "(and no 'in')",
                step_plan.step.pointer,
            )
    properties = resolved.get("properties")
    if not isinstance(properties, Mapping):
        return
    version = dialect_of(child.scope.document.arazzo)
    for name in sorted(_inputs_read(child.workflow, frozenset(properties), version)):
        prop = properties.get(name)
        has_default = isinstance(prop, Mapping) and "default" in prop
        if name in passed or name in required_names or has_default:
            continue
        findings.warning(
            "unpassed-workflow-input",
            f"step '{step_plan.step_id}' runs workflow '{wid}' without input '{name}', which "
            f"that workflow reads ($inputs.{name}) and which has no default: it will be null",
            step_plan.step.pointer,
        )


def _inputs_read(workflow: Workflow, declared: frozenset[str], version: Version) -> set[str]:
    found: set[str] = set()
    for site in workflow_sites(workflow, version):
        node = parse_site(site)
        if node is None:
            continue
        for expression in walk_expressions(node):
            if isinstance(expression, InputRef):
                matched, _ = match_name(expression.name, declared)
                if matched is not None:
                    found.add(matched)
    return found
