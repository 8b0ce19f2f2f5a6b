"""Arazzo 1.1 message steps (AsyncAPI), checked once their target is resolved.

Whether ``action``, ``correlationId`` and the parameters fit a step depends on
what it targets, so these checks read each step's call: an
:class:`~arazzo_engine.sources.asyncapi.call.AsyncAPICall` (the operation or
channel, its messages, its address) or an
:class:`~arazzo_engine.sources.openapi.call.OpenAPICall`.  The step's ``action``
is authoritative: it is never compared with the AsyncAPI operation's own.
What the document alone decides (``channelPath`` without ``action``,
``correlationId`` with ``send``) is the model builder's (``step-fields``).

Rule ids:

``message-step``  (error) ``action``/``correlationId``/``in: channel`` on an OpenAPI
                  step; an AsyncAPI operation step without ``action``; ``correlationId``
                  on a ``receive`` step whose messages define none; a parameter ``in``
                  other than ``header``, ``channel`` or ``path``, or a ``channel``/``path``
                  name that is no variable of the channel address.  (warning) a channel
                  with a null address; a ``requestBody`` on a ``receive`` step (ignored);
                  a correlationId read from a header over a protocol without headers;
                  a message's correlationId ``location`` that is no
                  ``$message.header#/...``/``$message.payload#/...`` expression
``message-server`` (error) no server for the step's channel, several without a
                  ``servers=`` choice, or a protocol the engine does not run (Kafka, an
                  unknown one) or whose client library is not installed (the extra named)
"""

from __future__ import annotations

from collections.abc import Mapping

from arazzo_engine.errors import Diagnostic
from arazzo_engine.load.plan import StepPlan, WorkflowPlan
from arazzo_engine.load.pointers import child
from arazzo_engine.load.reader import RawDocument
from arazzo_engine.model import Parameter
from arazzo_engine.sources.asyncapi.call import AsyncAPICall
from arazzo_engine.sources.openapi.call import OpenAPICall
from arazzo_engine.validation.common import Findings, names
from arazzo_engine.validation.operations import merged_parameters

__all__ = ["check_message_steps"]

RULE = "message-step"
SERVER_RULE = "message-server"
HEADERLESS = frozenset({"ws", "wss", "http", "https"})
"""Protocols whose messages have no headers: WebSocket frames, Server-Sent Events."""
MESSAGE_LOCATIONS = ("header", "channel", "path")
"""Where an AsyncAPI step's parameters go: a message header, a channel address variable."""


def check_message_steps(plans: Mapping[str, WorkflowPlan], raw: RawDocument) -> list[Diagnostic]:
    """The §3.4 and §5.2 checks of each step, and the server each message step uses."""
    findings = Findings(raw)
    for plan in plans.values():
        for step_plan in plan.steps:
            given = [
                (parameter, pointer)
                for parameter, pointer, _ in merged_parameters(
                    plan.workflow, step_plan.step, plan.scope.document
                )
            ]
            call = step_plan.call
            if isinstance(call, AsyncAPICall):
                _message_step(findings, step_plan, call, given)
            elif isinstance(call, OpenAPICall):
                _openapi_step(findings, step_plan, call, given)
    return findings.diagnostics


def _openapi_step(
    findings: Findings,
    step_plan: StepPlan,
    call: OpenAPICall,
    given: list[tuple[Parameter, str]],
) -> None:
    step = step_plan.step
    operation = call.operation
    named = f" (operationId '{operation.operation_id}')" if operation.operation_id else ""
    what = f"OpenAPI operation {operation.method} {operation.path_key}{named}"
    for key, present in (
        ("action", step.action is not None),
        ("correlationId", step.correlation_id is not None),
    ):
        if present:
            findings.error(
                RULE,
                f"'{key}' only applies to AsyncAPI steps; step '{step.step_id}' calls {what}: "
                "remove it",
                child(step.pointer, key),
            )
    for parameter, pointer in given:
        if parameter.location == "channel":
            findings.error(
                RULE,
                f"parameter '{parameter.name}' is 'in: channel', which only applies to "
                f"AsyncAPI steps; step '{step.step_id}' calls {what}",
                child(pointer, "in"),
            )


def _message_step(
    findings: Findings,
    step_plan: StepPlan,
    call: AsyncAPICall,
    given: list[tuple[Parameter, str]],
) -> None:
    step = step_plan.step
    by_id = step.channel_path is None
    target = child(step.pointer, "operationId" if by_id else "channelPath")
    what = _target(call)
    if step.action is None and by_id:
        findings.error(
            RULE,
            f"step '{step.step_id}' calls {what}: an AsyncAPI step needs 'action' "
            "(send or receive)",
            step.pointer,
        )
    if call.resolved:
        _correlation(findings, step_plan, call, what)
        _parameters(findings, step_plan, call, given)
    if step.action == "receive" and step.request_body is not None:
        findings.warning(
            RULE,
            f"'requestBody' on step '{step.step_id}', which receives a message, is ignored "
            "(a receive step sends nothing)",
            child(step.pointer, "requestBody"),
        )
    if call.resolved and call.server_problem is not None:
        findings.error(
            SERVER_RULE, f"step '{step.step_id}' ({call.describe()}): {call.server_problem}", target
        )
    if call.correlation_problem is not None and step.action == "receive":
        findings.error(
            RULE,
            f"step '{step.step_id}' receives on {what}, whose {call.correlation_problem}",
            target,
        )


def _target(call: AsyncAPICall) -> str:
    channel = call.channel
    where = f"channel '{channel.label}'" if channel is not None else "a channel"
    if call.operation is not None:
        return f"AsyncAPI operation '{call.operation.key}' ({where}) of source '{call.source}'"
    return f"AsyncAPI {where} of source '{call.source}'"


def _correlation(findings: Findings, step_plan: StepPlan, call: AsyncAPICall, what: str) -> None:
    step = step_plan.step
    if step.correlation_id is None or step.action != "receive":
        return
    locations = [m.correlation.location for m in call.messages if m.correlation is not None]
    endpoint = call.endpoint
    if (
        locations
        and endpoint is not None
        and endpoint.protocol in HEADERLESS
        and all((location or "").startswith("$message.header") for location in locations)
    ):
        findings.warning(
            RULE,
            f"step '{step.step_id}' receives on {what} over {endpoint.protocol}, whose "
            "messages carry no headers, and its messages' correlationId is read from a "
            "header: no message can match, so the step will wait until its timeout",
            child(step.pointer, "correlationId"),
        )
    if locations:
        return
    findings.error(
        RULE,
        f"step '{step.step_id}' receives with a 'correlationId', but no message of {what} "
        f"defines a correlationId (its messages: {names(m.name for m in call.messages)}); "
        "the step's value is matched where the AsyncAPI message's correlationId 'location' "
        "says: add one to the message, or remove 'correlationId' from the step",
        child(step.pointer, "correlationId"),
    )


def _parameters(
    findings: Findings,
    step_plan: StepPlan,
    call: AsyncAPICall,
    given: list[tuple[Parameter, str]],
) -> None:
    step = step_plan.step
    channel = call.channel
    if channel is None:
        return
    variables = channel.variables
    addressed = False
    for parameter, pointer in given:
        location = parameter.location
        if location is None:
            continue  # the parameter-in rule reports it
        if location not in MESSAGE_LOCATIONS:
            findings.error(
                RULE,
                f"parameter '{parameter.name}' of step '{step.step_id}' is 'in: {location}'; "
                "an AsyncAPI step's parameters are 'in: header' (a message header) or "
                "'in: channel' / 'in: path' (a variable of the channel address)",
                child(pointer, "in"),
            )
        elif location != "header":
            addressed = True
            if parameter.name in variables:
                continue
            if channel.address is None:
                why = "has no address (null), so it has no variables"
            else:
                why = f"has address '{channel.address}', whose variables are {names(variables)}"
            findings.error(
                RULE,
                f"parameter '{parameter.name}' (in: {location}) of step '{step.step_id}' names "
                f"no variable of the channel address: channel '{channel.key}' of source "
                f"'{call.source}' {why}",
                pointer,
            )
    if channel.address is None and not addressed:
        findings.warning(
            RULE,
            f"step '{step.step_id}' uses channel '{channel.key}' of source '{call.source}', "
            "whose address is null (unknown or dynamic): nothing says where its messages go",
            child(step.pointer, "channelPath" if step.channel_path else "operationId"),
        )
