"""The HTTP request of one operation-step execution, from its plan and the run so far.

Everything structural was settled at load (operation, base URL, merged
parameters, parsed values); here the values are evaluated, replacements
applied, credentials chosen and the request built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arazzo_engine.errors import RequestBuildError
from arazzo_engine.expressions import evaluate
from arazzo_engine.http.transport import HttpRequest, Transport
from arazzo_engine.load.plan import StepPlan
from arazzo_engine.run.context import StepContext
from arazzo_engine.run.payload import apply_replacements
from arazzo_engine.sources.openapi.oauth import TokenContext
from arazzo_engine.sources.openapi.request_builder import build_request
from arazzo_engine.sources.openapi.security import apply_credentials


@dataclass(frozen=True)
class EvaluatedRequest:
    """The request, with the parameter values and body it was built from (for events)."""

    request: HttpRequest
    parameters: list[tuple[str, str, Any]]
    body: Any


def build_step_request(
    step: StepPlan,
    context: StepContext,
    *,
    credentials: Mapping[str, str],
    path_allow_reserved: frozenset[str],
    transport: Transport,
    timeout: float,
) -> EvaluatedRequest:
    """Evaluate the step's parameters and body and build its request.

    Raises RequestBuildError (or the evaluation's own error) when it cannot be built.
    """
    operation = step.operation
    assert operation is not None
    parameters = [
        (p.name, p.location, evaluate(p.value, context))
        for p in step.parameters
        if p.location is not None
    ]
    body = evaluate(step.body, context) if step.body is not None else None
    if step.replacements:
        body = apply_replacements(
            body, [(target, evaluate(value, context)) for target, value in step.replacements]
        )
    base_url = step.base_url
    if base_url is None:
        raise RequestBuildError(
            f"source '{operation.source}' has no absolute server URL; give one with "
            f"servers={{'{operation.source}': URL}} or --server {operation.source}=URL"
        )
    applied = apply_credentials(
        operation,
        step.security_schemes,
        credentials,
        # A client-credentials scheme fetches its token with the engine's transport.
        TokenContext(transport, timeout, base_url),
    )
    request = build_request(
        operation,
        base_url=base_url,
        parameters=parameters,
        body=body,
        has_body=step.body is not None,
        content_type=step.content_type,
        credentials=applied,
        path_allow_reserved=operation.source in path_allow_reserved,
    )
    return EvaluatedRequest(request, parameters, body)


def missing_credentials(step: StepPlan, credentials: Mapping[str, str]) -> tuple[str, ...]:
    """Security schemes the step's operation names that no credential was given for."""
    operation = step.operation
    if operation is None:
        return ()
    return tuple(
        name
        for requirement in operation.security
        for name in requirement
        if name not in credentials
    )
