"""Checks on one document's model and raw data that need no source description.

:func:`check_document` runs them all; it is called for every document that
builds a model, even one with structural errors, so a document's problems are
listed together.  Names are taken from the raw data so that an object the model
left out (because of a structural error) does not cause a second, false report.

Rule ids (severity error unless noted):

``duplicate-workflow-id``  two workflows with the same ``workflowId``
``duplicate-step-id``      two steps of one workflow with the same ``stepId``
``duplicate-source-name``  two source descriptions with the same ``name``
``duplicate-parameter``    one ``parameters`` list naming a (name, in) twice (an action's:
                           a name twice)
``duplicate-action``       one action list naming an action twice
``source-name-pattern``    a source ``name`` outside ``[A-Za-z0-9_-]+``
``id-pattern``             (warning) a workflowId or stepId outside ``[A-Za-z0-9_-]+``
``parameter-in``           a parameter of an operation step without ``in``
``parameter-in-ignored``   (warning) ``in`` on a parameter that only workflow steps get
``action-parameters``      a reusable action parameter whose component has ``in``
``inputs-ref``             a ``$ref`` of an inputs schema that does not resolve
``inputs-schema``          an inputs schema that is not a valid JSON Schema 2020-12

and those of :mod:`~arazzo_engine.validation.references`,
:mod:`~arazzo_engine.validation.warnings`, :mod:`~arazzo_engine.validation.payloads`,
:mod:`~arazzo_engine.validation.channels` and :mod:`~arazzo_engine.validation.dependencies`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from arazzo_engine.errors import Diagnostic
from arazzo_engine.load.pointers import child, find
from arazzo_engine.load.reader import RawDocument
from arazzo_engine.load.refs import RefError, RefResolver
from arazzo_engine.model import (
    ArazzoDocument,
    Components,
    FailureAction,
    Parameter,
    ReusableObject,
    SuccessAction,
    Workflow,
    parameter_key,
)
from arazzo_engine.validation.channels import check_channel_paths
from arazzo_engine.validation.common import (
    Findings,
    resolve_action,
    resolve_parameter,
)
from arazzo_engine.validation.dependencies import check_step_dependencies
from arazzo_engine.validation.flow import StepGraph
from arazzo_engine.validation.metaschema import surely_valid
from arazzo_engine.validation.payloads import check_payloads
from arazzo_engine.validation.references import ReferenceChecker
from arazzo_engine.validation.symbols import Symbols
from arazzo_engine.validation.warnings import check_warnings

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

__all__ = ["check_document"]

ID = re.compile(r"^[A-Za-z0-9_\-]+$")
SCHEMA_DATA_KEYWORDS = ("enum", "const", "default", "examples", "example")


@cache
def _meta() -> Any:
    """The 2020-12 metaschema's validator, made when a schema first needs it."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(Draft202012Validator.META_SCHEMA)


def _meta_errors(schema: Any) -> Iterator[ValidationError]:
    """The metaschema's complaints about ``schema``; none, unasked, when it is plainly valid."""
    if surely_valid(schema):
        return iter(())
    errors: Iterator[ValidationError] = _meta().iter_errors(schema)
    return errors


def check_document(document: ArazzoDocument, raw: RawDocument) -> list[Diagnostic]:
    """Every semantic problem of one document that its sources are not needed for."""
    findings = Findings(raw)
    data = raw.data if isinstance(raw.data, dict) else {}
    symbols = Symbols.from_raw(data)
    check_ids(findings, data)
    graphs = {w.pointer: StepGraph.build(w, document.components) for w in document.workflows}
    for workflow in document.workflows:
        check_parameters(findings, workflow, document.components, data)
        check_duplicate_actions(findings, workflow, document.components)
    for kind in ("successActions", "failureActions"):
        for action in document.components.table(kind).values():
            if isinstance(action, (SuccessAction, FailureAction)):
                check_action_parameters(findings, action, document.components)
    references = ReferenceChecker(findings, document, symbols)
    references.run(graphs)
    check_warnings(findings, document, graphs, references)
    check_payloads(findings, document, symbols)
    check_input_schemas(findings, data, symbols.refs)
    check_channel_paths(findings, document)
    check_step_dependencies(findings, document, graphs)
    return findings.diagnostics


# -- ids ------------------------------------------------------------------------------


def _items(data: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _unique(
    findings: Findings,
    seen: dict[str, str],
    value: str,
    pointer: str,
    rule: str,
    what: str,
    scope: str = "",
) -> None:
    first = seen.get(value)
    if first is None:
        seen[value] = pointer
        return
    line = findings.raw.locate(first).line
    findings.error(
        rule,
        f"{what} '{value}' is used twice{scope} (first at line {line}, #{first}); "
        "it must be unique",
        pointer,
    )


def check_ids(findings: Findings, data: Mapping[str, Any]) -> None:
    """Uniqueness and patterns of source names, workflowIds and stepIds."""
    seen: dict[str, str] = {}
    for index, item in _items(data, "sourceDescriptions"):
        name = item.get("name")
        if not isinstance(name, str):
            continue
        where = f"/sourceDescriptions/{index}/name"
        if not ID.match(name):
            findings.error(
                "source-name-pattern",
                f"source description name '{name}' must match [A-Za-z0-9_-]+ (letters, digits, "
                "'_' and '-'): expressions such as $sourceDescriptions.<name>.url end it at the "
                "first other character",
                where,
            )
        _unique(findings, seen, name, where, "duplicate-source-name", "source description name")
    workflows: dict[str, str] = {}
    for index, item in _items(data, "workflows"):
        workflow_id = item.get("workflowId")
        if isinstance(workflow_id, str):
            where = f"/workflows/{index}/workflowId"
            _pattern(findings, "workflowId", workflow_id, where, "$workflows.<workflowId>")
            _unique(findings, workflows, workflow_id, where, "duplicate-workflow-id", "workflowId")
        steps: dict[str, str] = {}
        for position, step in _items(item, "steps"):
            step_id = step.get("stepId")
            if isinstance(step_id, str):
                where = f"/workflows/{index}/steps/{position}/stepId"
                _pattern(findings, "stepId", step_id, where, "$steps.<stepId>")
                scope = f" in workflow '{workflow_id}'" if isinstance(workflow_id, str) else ""
                _unique(findings, steps, step_id, where, "duplicate-step-id", "stepId", scope)


def _pattern(findings: Findings, what: str, value: str, pointer: str, form: str) -> None:
    if not ID.match(value):
        findings.warning(
            "id-pattern",
            f"{what} '{value}' should match [A-Za-z0-9_-]+ (letters, digits, '_' and '-'); "
            f"runtime expressions cannot name it ({form} ends at the first other character)",
            pointer,
        )


# -- parameters and actions -------------------------------------------------------------


def check_parameters(
    findings: Findings, workflow: Workflow, components: Components, data: Any
) -> None:
    """``in`` where the step kind needs it, and no parameter listed twice.

    A parameter whose ``in`` is there but invalid is left to the ``enum`` rule.
    """

    def without_in(parameter: Parameter) -> bool:
        return parameter.location is None and not find(data, f"{parameter.pointer}/in")[0]

    operation_steps = [s for s in workflow.steps if s.workflow_id is None]
    _duplicate_parameters(findings, workflow.parameters, components)
    for item in workflow.parameters:
        resolved = resolve_parameter(item, components)
        if resolved is None:
            continue
        parameter, pointer = resolved
        origin = _origin(item)
        if without_in(parameter) and operation_steps:
            findings.error(
                "parameter-in",
                f"workflow parameter '{parameter.name}'{origin} has no 'in', but workflow "
                "parameters apply to every step, and operation step "
                f"'{operation_steps[0].step_id}' needs 'in' (path, query, header or cookie)",
                pointer,
            )
        elif parameter.location is not None and workflow.steps and not operation_steps:
            findings.warning(
                "parameter-in-ignored",
                f"workflow parameter '{parameter.name}'{origin} has 'in: {parameter.location}', "
                f"but every step of workflow '{workflow.workflow_id}' runs a workflow: only "
                "parameters without 'in' are passed as inputs, so this one is ignored",
                pointer,
            )
    for step in workflow.steps:
        _duplicate_parameters(findings, step.parameters, components)
        for item in step.parameters:
            resolved = resolve_parameter(item, components)
            if resolved is None:
                continue
            parameter, pointer = resolved
            origin = _origin(item)
            if step.workflow_id is None and without_in(parameter):
                findings.error(
                    "parameter-in",
                    f"parameter '{parameter.name}'{origin} of operation step '{step.step_id}' "
                    "needs 'in' (path, query, header or cookie); only the parameters of a step "
                    "that runs a workflow may leave it out",
                    pointer,
                )
            elif step.workflow_id is not None and parameter.location is not None:
                findings.warning(
                    "parameter-in-ignored",
                    f"parameter '{parameter.name}'{origin} has 'in: {parameter.location}', but "
                    f"step '{step.step_id}' runs workflow '{step.workflow_id}': only parameters "
                    "without 'in' are passed to it as inputs, so this one is ignored",
                    pointer,
                )


def _origin(item: Parameter | ReusableObject) -> str:
    return f" (from {item.reference})" if isinstance(item, ReusableObject) else ""


def _duplicate_parameters(
    findings: Findings, items: tuple[Parameter | ReusableObject, ...], components: Components
) -> None:
    seen: dict[tuple[str, str | None], str] = {}
    for item in items:
        resolved = resolve_parameter(item, components)
        if resolved is None:
            continue
        parameter, pointer = resolved
        location = parameter.location
        key = parameter_key(parameter.name, location) if location else (parameter.name, None)
        first = seen.get(key)
        if first is None:
            seen[key] = pointer
            continue
        where = f" (in: {location})" if location else ""
        findings.error(
            "duplicate-parameter",
            f"parameter '{parameter.name}'{where} is listed twice (first at line "
            f"{findings.raw.locate(first).line}); a parameter list names each (name, in) once",
            pointer,
        )


def check_duplicate_actions(findings: Findings, workflow: Workflow, components: Components) -> None:
    """No action list names the same action twice."""
    lists: list[tuple[tuple[SuccessAction | FailureAction | ReusableObject, ...], str]] = [
        (workflow.success_actions, "successActions"),
        (workflow.failure_actions, "failureActions"),
    ]
    for step in workflow.steps:
        lists.append((step.on_success, "successActions"))
        lists.append((step.on_failure, "failureActions"))
    for items, kind in lists:
        seen: dict[str, int] = {}
        for item in items:
            action = resolve_action(item, components, kind)
            if action is None:
                continue
            if item is action:  # an action of the components is checked once, on its own
                check_action_parameters(findings, action, components)
            first = seen.get(action.name)
            if first is None:
                seen[action.name] = findings.raw.locate(item.pointer).line
                continue
            findings.error(
                "duplicate-action",
                f"action '{action.name}' is listed twice in this list (first at line {first}); "
                "only the first could ever run",
                item.pointer,
            )


def check_action_parameters(
    findings: Findings, action: SuccessAction | FailureAction, components: Components
) -> None:
    """A 1.1 action's ``parameters`` are workflow inputs: each name once, never an ``in``
    (an inline ``in`` is the model builder's to report; a reusable one's is here)."""
    seen: dict[str, str] = {}
    for item in action.parameters:
        resolved = resolve_parameter(item, components)
        if resolved is None:
            continue
        parameter, pointer = resolved
        if isinstance(item, ReusableObject) and parameter.location is not None:
            findings.error(
                "action-parameters",
                f"action parameter '{parameter.name}' (from {item.reference}) has "
                f"'in: {parameter.location}', but action parameters are workflow inputs and "
                "must not have 'in': reference a parameter without it",
                pointer,
            )
        first = seen.get(parameter.name)
        if first is None:
            seen[parameter.name] = pointer
            continue
        findings.error(
            "duplicate-parameter",
            f"parameter '{parameter.name}' is listed twice in the parameters of action "
            f"'{action.name}' (first at line {findings.raw.locate(first).line}); each input "
            "is passed once",
            pointer,
        )


# -- inputs schemas ---------------------------------------------------------------------


def _schemas(data: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for index, item in _items(data, "workflows"):
        if "inputs" in item:
            yield f"/workflows/{index}/inputs", item["inputs"]
    components = data.get("components")
    inputs = components.get("inputs") if isinstance(components, dict) else None
    if isinstance(inputs, dict):
        for key, schema in inputs.items():
            yield child("/components/inputs", key), schema


def _refs(schema: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                yield child(pointer, key), value
            elif key not in SCHEMA_DATA_KEYWORDS:
                yield from _refs(value, child(pointer, key))
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _refs(value, child(pointer, index))


def _resolves(refs: RefResolver, ref: str) -> bool:
    try:
        refs.lookup(ref, refs.root_uri)
    except RefError:
        return False
    return True


JSON_TYPES = "array, boolean, integer, null, number, object, string"


def _explain(error: ValidationError) -> str:
    """The metaschema's complaint, in words for the usual mistakes."""
    where = error.absolute_path
    if where and where[-1] == "type" and error.validator == "anyOf":
        return f"'type' must be one of {JSON_TYPES} (or a list of them), got {error.instance!r}"
    return error.message


def check_input_schemas(findings: Findings, data: Mapping[str, Any], refs: RefResolver) -> None:
    """Inputs schemas are JSON Schemas whose ``$ref`` s resolve inside the document."""
    for pointer, schema in _schemas(data):
        if not isinstance(schema, (dict, bool)):
            continue  # the model reports the type
        for error in _meta_errors(schema):
            where = pointer + "".join(
                child("", part if isinstance(part, int) else str(part))
                for part in error.absolute_path
            )
            findings.error(
                "inputs-schema",
                f"this inputs schema is not a valid JSON Schema (2020-12): {_explain(error)}",
                where,
            )
        for where, ref in _refs(schema, pointer):
            if ref.startswith("#"):
                if not _resolves(refs, ref):
                    findings.error(
                        "inputs-ref",
                        f"'$ref: {ref}' does not resolve: the document has nothing at #"
                        f"{ref[1:]} (components.inputs holds reusable input schemas: "
                        "'#/components/inputs/<name>')",
                        where,
                    )
            elif not ref.startswith("https://json-schema.org/"):
                findings.error(
                    "inputs-ref",
                    f"'$ref: {ref}' points outside this document, which inputs schemas cannot "
                    "do; use a local reference such as '#/components/inputs/<name>'",
                    where,
                )
