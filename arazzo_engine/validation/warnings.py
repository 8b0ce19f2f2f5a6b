"""Warnings: what the specification allows but is most likely a mistake.

Rule ids (all warnings):

``unreachable-step``          no path from the first step reaches the step
``goto-self-loop``            a ``goto`` to its own step with no ``criteria`` to stop it
``unused-output``             a step output no expression of its workflow reads
``missing-success-criteria``  an operation step without ``successCriteria`` (any 2xx passes)
``workflow-step-criteria``    ``successCriteria`` on a step that runs a workflow (ignored)
``reusable-value``            ``value`` on a Reusable Object that names an action (ignored)
``jsonpath-null-test``        a JSONPath filter ``@.x != null``, also true when ``x`` is absent
``jsonpath-goessner``         a comparison outside any filter (``$.x != null``): Goessner-style,
                              not RFC 9535, the dialect a plain ``jsonpath`` type means
``regex-literal``             a ``regex`` condition written as a JavaScript literal (``/^ok$/i``):
                              the slashes and flags are text to Python, so it never matches
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from arazzo_engine.criteria.jsonpath import GOESSNER, JsonPathKind
from arazzo_engine.load.pointers import child
from arazzo_engine.model import (
    ArazzoDocument,
    Criterion,
    FailureAction,
    ReusableObject,
    SuccessAction,
    Workflow,
)
from arazzo_engine.validation.common import Findings
from arazzo_engine.validation.flow import StepGraph
from arazzo_engine.validation.references import ReferenceChecker

__all__ = ["check_warnings"]

COMPARISON = re.compile(r"==|!=|<=|>=|<|>")
# The closing quote is optional so that a string left open never makes the
# search rescan the rest of the condition from every quote (quadratic time).
QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'?|\"(?:[^\"\\]|\\.)*\"?")
JS_LITERAL = re.compile(r"/(?P<body>.+)/(?P<flags>[dgimsuvy]*)", re.DOTALL)
"""A JavaScript regular expression literal: ``/body/flags``."""
INLINE_FLAGS = "ims"
"""JavaScript flags Python writes inline (``(?i)``); the others (g, y, d, u, v) change
nothing for a single search of a str."""
NULL_TEST = re.compile(
    r"@(?P<member>(?:\.[A-Za-z_][\w-]*|\[\s*'[^']*'\s*\]|\[\s*\"[^\"]*\"\s*\])+)\s*!=\s*null\b"
)


def check_warnings(
    findings: Findings,
    document: ArazzoDocument,
    graphs: Mapping[str, StepGraph],
    references: ReferenceChecker,
) -> None:
    for workflow in document.workflows:
        graph = graphs[workflow.pointer]
        unreachable(findings, workflow, graph)
        self_loops(findings, workflow, graph)
        unused_outputs(findings, workflow, references)
        step_criteria(findings, workflow)
        reusable_values(findings, workflow)
    for criterion in all_criteria(document):
        null_tests(findings, criterion)
        goessner(findings, criterion)
        regex_literal(findings, criterion)


def unreachable(findings: Findings, workflow: Workflow, graph: StepGraph) -> None:
    for index, step in enumerate(workflow.steps):
        if index in graph.reachable:
            continue
        findings.warning(
            "unreachable-step",
            f"step '{step.step_id}' can never run: the step before it never falls through to "
            "it (a success action without criteria always runs, and failures stop the "
            "workflow) and no goto or retry that can run names it",
            step.pointer,
        )


def self_loops(findings: Findings, workflow: Workflow, graph: StepGraph) -> None:
    for index, step in enumerate(workflow.steps):
        for actions, when in (
            (graph.success_actions[index], "succeeds"),
            (graph.failure_actions[index], "fails"),
        ):
            for action, pointer in actions:
                if action.type != "goto" or action.step_id != step.step_id or action.criteria:
                    continue
                findings.warning(
                    "goto-self-loop",
                    f"action '{action.name}' sends step '{step.step_id}' back to itself every "
                    f"time it {when}, with no criteria to stop: the loop only ends at max_steps; "
                    "add criteria (or use 'retry' with a retryLimit)",
                    pointer,
                )


def unused_outputs(findings: Findings, workflow: Workflow, references: ReferenceChecker) -> None:
    if workflow.pointer in references.unsure:
        return  # the broken reference is reported; it may well be the missing reader
    for step in workflow.steps:
        for name in step.outputs:
            if (workflow.pointer, step.step_id, name) in references.reads:
                continue
            if (step.step_id, name) in references.component_reads:
                continue
            findings.warning(
                "unused-output",
                f"output '{name}' of step '{step.step_id}' is never read: no expression of "
                f"workflow '{workflow.workflow_id}' uses $steps.{step.step_id}.outputs.{name} "
                "(it only shows in the step's result)",
                child(f"{step.pointer}/outputs", name),
            )


def step_criteria(findings: Findings, workflow: Workflow) -> None:
    for step in workflow.steps:
        if step.workflow_id is not None:
            if step.success_criteria:
                findings.warning(
                    "workflow-step-criteria",
                    f"step '{step.step_id}' runs workflow '{step.workflow_id}', so its "
                    "successCriteria are ignored: it succeeds when that workflow succeeds "
                    "(and there is no $statusCode or $response to test)",
                    f"{step.pointer}/successCriteria",
                )
        elif not step.success_criteria and step.action is None and step.channel_path is None:
            # a message step (Arazzo 1.1) without criteria succeeds on any message
            findings.warning(
                "missing-success-criteria",
                f"operation step '{step.step_id}' has no successCriteria, so any 2xx status "
                "passes; state what success means, e.g. '- condition: $statusCode == 200'",
                step.pointer,
            )


def reusable_values(findings: Findings, workflow: Workflow) -> None:
    lists: list[tuple[SuccessAction | FailureAction | ReusableObject, ...]] = [
        workflow.success_actions,
        workflow.failure_actions,
    ]
    for step in workflow.steps:
        lists.extend((step.on_success, step.on_failure))
    for items in lists:
        for item in items:
            if isinstance(item, ReusableObject) and item.has_value:
                findings.warning(
                    "reusable-value",
                    f"'value' is ignored here: it only overrides the value of a parameter, and "
                    f"'{item.reference}' is an action",
                    f"{item.pointer}/value",
                )


def all_criteria(document: ArazzoDocument) -> Iterator[Criterion]:
    components = document.components
    for table in (components.success_actions, components.failure_actions):
        for action in table.values():
            yield from action.criteria
    for workflow in document.workflows:
        for item in (*workflow.success_actions, *workflow.failure_actions):
            if not isinstance(item, ReusableObject):
                yield from item.criteria
        for step in workflow.steps:
            yield from step.success_criteria
            for item in (*step.on_success, *step.on_failure):
                if not isinstance(item, ReusableObject):
                    yield from item.criteria


def null_tests(findings: Findings, criterion: Criterion) -> None:
    if criterion.type != JsonPathKind.name:
        return
    match = NULL_TEST.search(criterion.condition)
    if match is None:
        return
    member = match.group("member")
    findings.warning(
        "jsonpath-null-test",
        f"'@{member} != null' is also true when {member.lstrip('.')} is absent: in RFC 9535 a "
        f"missing member is Nothing, which differs from null; to require it write "
        f"'@{member}' (present) in the filter",
        f"{criterion.pointer}/condition",
    )


def _outside_filters(text: str) -> str:
    """``text`` without its quoted strings and ``[...]`` selectors (filters included)."""
    text = QUOTED.sub("''", text)
    kept: list[str] = []
    depth = 0
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
        elif not depth:
            kept.append(char)
    return "".join(kept)


def goessner(findings: Findings, criterion: Criterion) -> None:
    if criterion.type != JsonPathKind.name or criterion.version == GOESSNER:
        return
    operator = COMPARISON.search(_outside_filters(criterion.condition))
    if operator is None:
        return
    findings.warning(
        "jsonpath-goessner",
        f"'{criterion.condition}' compares ({operator.group(0)}) outside a filter, which RFC "
        "9535 JSONPath (what type: jsonpath means) does not allow; write it as a filter on "
        "the context, such as '$[?@.id]' (has an id) or '$[?@.count > 0]', or declare the "
        "older dialect with type: "
        f"{{type: jsonpath, version: {GOESSNER}}}",
        f"{criterion.pointer}/condition",
    )


def regex_literal(findings: Findings, criterion: Criterion) -> None:
    """Warn on ``/body/flags`` where the flags or the anchors show a JavaScript literal.

    A plain ``/pets/`` stays quiet: it may well mean the text "/pets/".
    """
    if criterion.type != "regex":
        return
    match = JS_LITERAL.fullmatch(criterion.condition)
    if match is None:
        return
    body, flags = match.group("body"), match.group("flags")
    anchored = body.startswith("^") or (body.endswith("$") and not body.endswith("\\$"))
    if not flags and not anchored:
        return
    inline = "".join(sorted({flag for flag in flags if flag in INLINE_FLAGS}))
    pattern = (f"(?{inline})" if inline else "") + body.replace("\\/", "/")
    findings.warning(
        "regex-literal",
        f"'{criterion.condition}' is written as a JavaScript regex literal, but regex "
        "conditions are Python syntax, where the slashes and flags are text to match, so it "
        f"never matches what it means; write '{pattern}'",
        f"{criterion.pointer}/condition",
    )
