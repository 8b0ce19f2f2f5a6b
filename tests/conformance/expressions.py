"""The peer-expressions corpus: runtime expressions checked, taken apart and evaluated.

Each ``cases/<peer>.json`` holds ``source`` (the peer's repository), named
``contexts`` (plain JSON run states) and ``cases``.  A case's ``mode`` says
which engine function answers it:

==============  =======================================================================
mode            the engine's answer, compared with ``expect``
==============  =======================================================================
expression      ``parse_expression``: ``valid``; ``parts`` against the node's fields
condition       ``parse_condition``: ``valid``; ``parts`` (``op``, ``left``, ``right``)
value           ``parse_value``: ``kind`` (expression, constant, not-expression), ``result``
extract         the expressions ``parse_value`` finds, as text (a rejected string has none)
interpolate     ``evaluate(parse_template(input))``: ``result``
evaluate        ``evaluate(parse_value(input))``: ``result``
condition_eval  ``evaluate_condition(parse_condition(input))``: ``result``
==============  =======================================================================

A case's ``context`` names one of the file's contexts or is one itself.  A
context maps ``steps.<id>`` to that step's outputs, ``workflows.<id>`` to
``inputs``/``outputs``, ``request``/``response`` to ``headers``/``body``
(``query``/``path`` too for a request).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from arazzo_engine.errors import ArazzoError
from arazzo_engine.expressions import (
    evaluate,
    evaluate_condition,
    parse_condition,
    parse_expression,
    parse_template,
    parse_value,
    unparse,
)
from arazzo_engine.expressions.ast import (
    Compare,
    ComponentRef,
    Constant,
    Expression,
    InputRef,
    Literal,
    Method,
    OutputRef,
    RequestBody,
    RequestHeader,
    RequestPath,
    RequestQuery,
    ResponseBody,
    ResponseHeader,
    SourceDescriptionRef,
    StatusCode,
    StepOutputRef,
    Template,
    Url,
    WorkflowInputRef,
    WorkflowOutputRef,
)
from tests.conformance.outcome import Outcome, dispute_class, same_json

CORPUS = "peer-expressions"
REJECTED = (ArazzoError, TypeError, ValueError)
"""What counts as the engine rejecting an input (a non-string input raises TypeError)."""


def _header(headers: Mapping[str, Any], name: str) -> Any:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


class JsonContext:
    """An EvaluationContext over one of the corpus's plain JSON run states."""

    def __init__(self, state: Mapping[str, Any]) -> None:
        self.state = state

    def _part(self, *keys: str) -> Any:
        value: Any = self.state
        for key in keys:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        return value

    @property
    def url(self) -> str | None:
        return cast("str | None", self._part("url"))

    @property
    def method(self) -> str | None:
        return cast("str | None", self._part("method"))

    @property
    def status_code(self) -> int | None:
        return cast("int | None", self._part("statusCode"))

    def request_header(self, name: str) -> str | None:
        return cast("str | None", _header(self._part("request", "headers") or {}, name))

    def request_query(self, name: str) -> Any:
        return (self._part("request", "query") or {}).get(name)

    def request_path(self, name: str) -> Any:
        return (self._part("request", "path") or {}).get(name)

    def request_body(self) -> Any:
        return self._part("request", "body")

    def response_header(self, name: str) -> str | None:
        return cast("str | None", _header(self._part("response", "headers") or {}, name))

    def response_body(self) -> Any:
        return self._part("response", "body")

    def message_header(self, name: str) -> str | None:
        return cast("str | None", _header(self._part("message", "headers") or {}, name))

    def message_payload(self) -> Any:
        return self._part("message", "payload")

    def inputs(self) -> Mapping[str, Any]:
        return self._part("inputs") or {}

    def outputs(self) -> Mapping[str, Any]:
        return self._part("outputs") or {}

    def step_outputs(self, step_id: str) -> Mapping[str, Any] | None:
        return cast("Mapping[str, Any] | None", self._part("steps", step_id))

    def workflow_inputs(self, workflow_id: str) -> Mapping[str, Any] | None:
        return cast("Mapping[str, Any] | None", self._part("workflows", workflow_id, "inputs"))

    def workflow_outputs(self, workflow_id: str) -> Mapping[str, Any] | None:
        return cast("Mapping[str, Any] | None", self._part("workflows", workflow_id, "outputs"))

    def source_description(self, name: str, field: str) -> Any:
        return self._part("sourceDescriptions", name, field)

    def component(self, kind: str, name: str) -> Any:
        return self._part("components", kind, name)

    def self_uri(self) -> str | None:
        return cast("str | None", self._part("self"))


def _pointer(pointer: tuple[str, ...] | None) -> list[str] | None:
    return None if pointer is None else list(pointer)


def expression_parts(node: Expression) -> dict[str, Any]:
    """The node's fields in the corpus's ``parts`` vocabulary."""
    match node:
        case Url():
            return {"kind": "url"}
        case Method():
            return {"kind": "method"}
        case StatusCode():
            return {"kind": "statusCode"}
        case RequestHeader(name=name):
            return {"kind": "request.header", "name": name.lower()}
        case RequestQuery(name=name):
            return {"kind": "request.query", "name": name}
        case RequestPath(name=name):
            return {"kind": "request.path", "name": name}
        case RequestBody(pointer=pointer):
            return {"kind": "request.body", "pointer": _pointer(pointer)}
        case ResponseHeader(name=name):
            return {"kind": "response.header", "name": name.lower()}
        case ResponseBody(pointer=pointer):
            return {"kind": "response.body", "pointer": _pointer(pointer)}
        case InputRef(name=name, pointer=pointer):
            return {"kind": "inputs", "name": name, "pointer": _pointer(pointer)}
        case OutputRef(name=name, pointer=pointer):
            return {"kind": "outputs", "name": name, "pointer": _pointer(pointer)}
        case StepOutputRef(step_id=step, name=name, pointer=pointer):
            return {
                "kind": "steps",
                "stepId": step,
                "field": "outputs",
                "name": name,
                "pointer": _pointer(pointer),
            }
        case WorkflowInputRef(workflow_id=wf, name=name, pointer=pointer):
            return {
                "kind": "workflows",
                "workflowId": wf,
                "field": "inputs",
                "name": name,
                "pointer": _pointer(pointer),
            }
        case WorkflowOutputRef(workflow_id=wf, name=name, pointer=pointer):
            return {
                "kind": "workflows",
                "workflowId": wf,
                "field": "outputs",
                "name": name,
                "pointer": _pointer(pointer),
            }
        case SourceDescriptionRef(name=name, field=field):
            return {"kind": "sourceDescriptions", "sourceName": name, "reference": field}
        case ComponentRef(kind=kind, name=name):
            return {"kind": "components", "componentType": kind, "componentName": name}
    return {"kind": type(node).__name__}


def _side(node: object) -> dict[str, Any]:
    if isinstance(node, Literal):
        return {"literal": node.value}
    if isinstance(node, Expression):
        return {"expr": unparse(node)}
    return {"node": type(node).__name__}


def condition_parts(node: object) -> dict[str, Any]:
    """A comparison as ``{op, left, right}``; anything else by its node name."""
    if isinstance(node, Compare):
        return {"op": node.op, "left": _side(node.left), "right": _side(node.right)}
    return {"node": type(node).__name__}


def value_kind(node: object) -> str:
    if isinstance(node, Expression):
        return "expression"
    if isinstance(node, Constant):
        return "constant"
    return "not-expression"


def extracted(text: Any) -> list[str]:
    """The expressions the engine finds in an ``any | {expression}`` string."""
    try:
        node = parse_value(text)
    except REJECTED:
        return []
    if isinstance(node, Expression):
        return [unparse(node)]
    if isinstance(node, Template):
        return [unparse(part) for part in node.parts if isinstance(part, Expression)]
    return []


def _describe(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= 120 else text[:117] + "..."


def _check_validity(
    parse: Callable[[Any], Any], case: Mapping[str, Any], parts: Callable[[Any], Any]
) -> str:
    expect = case["expect"]
    try:
        node = parse(case["input"])
    except REJECTED as error:
        if expect.get("valid") is False:
            return ""
        return f"rejected: {str(error).splitlines()[0]}"
    if expect.get("valid") is False:
        return "accepted, the case expects a rejection"
    if "parts" in expect:
        got = parts(node)
        if not same_json(got, expect["parts"]):
            return f"parts {_describe(got)}, expected {_describe(expect['parts'])}"
    return ""


def _check_result(got: Any, expect: Mapping[str, Any]) -> str:
    if same_json(got, expect["result"]):
        return ""
    return f"result {_describe(got)}, expected {_describe(expect['result'])}"


EXPECTATIONS = {
    "expression": frozenset({"valid", "parts"}),
    "condition": frozenset({"valid", "parts"}),
    "value": frozenset({"kind", "result"}),
    "extract": frozenset({"expressions"}),
    "interpolate": frozenset({"result"}),
    "evaluate": frozenset({"result"}),
    "condition_eval": frozenset({"result"}),
}
"""What each mode checks; a case expecting anything else fails, saying so."""


def check_case(case: Mapping[str, Any], contexts: Mapping[str, Any]) -> str:
    """Empty when the engine does what the case expects, else why not."""
    mode = case["mode"]
    expect = case["expect"]
    unchecked = set(expect) - EXPECTATIONS.get(mode, frozenset())
    if unchecked:
        return f"the runner does not check {sorted(unchecked)} in mode {mode!r}"
    text = case["input"]
    state = case.get("context", {})
    ctx = JsonContext(state if isinstance(state, Mapping) else contexts.get(state, {}))
    if mode == "expression":
        return _check_validity(parse_expression, case, expression_parts)
    if mode == "condition":
        return _check_validity(parse_condition, case, condition_parts)
    if mode == "extract":
        got = extracted(text)
        if got == list(expect["expressions"]):
            return ""
        return f"extracted {_describe(got)}, expected {_describe(expect['expressions'])}"
    try:
        if mode == "value":
            node = parse_value(text)
            kind = value_kind(node)
            wanted = expect["kind"]
            if kind != wanted and not (wanted == "not-expression" and kind == "constant"):
                return f"kind {kind}, expected {wanted}"
            return _check_result(evaluate(node, ctx), expect) if "result" in expect else ""
        if mode == "interpolate":
            return _check_result(evaluate(parse_template(text), ctx), expect)
        if mode == "evaluate":
            return _check_result(evaluate(parse_value(text), ctx), expect)
        if mode == "condition_eval":
            return _check_result(evaluate_condition(parse_condition(text), ctx), expect)
    except REJECTED as error:
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return f"unknown mode {mode!r}"


def origin_of(source: Mapping[str, Any], fallback: str) -> str:
    return str(source.get("repo") or fallback)


def run(folder: Path) -> list[Outcome]:
    """Every case of every ``cases/*.json`` file under ``folder``."""
    outcomes: list[Outcome] = []
    for path in sorted((folder / "cases").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        origin = origin_of(data.get("source", {}), path.stem)
        contexts = data.get("contexts", {})
        for case in data["cases"]:
            try:
                reason = check_case(case, contexts)
            except Exception as error:  # a crash in the engine is a failure, not a stop
                reason = f"crash: {type(error).__name__}: {error}"
            outcomes.append(
                Outcome(CORPUS, origin, case["id"], not reason, reason, dispute_class(case))
            )
    return outcomes
