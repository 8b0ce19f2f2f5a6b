"""Calling an OpenAPI operation over HTTP: the OpenAPI kind's side of the call seam.

An :class:`OpenAPICall` is made at load for each step that targets an OpenAPI
operation: the operation, its base URL and security schemes, the step's parsed
parameters and body.  Performing it evaluates those values, applies the
payload replacements, chooses credentials (an OAuth token is fetched through
the run's transport), builds the request, checks it against the description
(``validate=``), sends it through the transport and takes the response; the
request and the response go on the step's context for ``$request``,
``$response``, ``$statusCode``, ``$url`` and ``$method``.  A step with no
``successCriteria`` succeeds on a 2xx status.  After the criteria, the answer
may still fail the step: a body that does not decode as its content type, or a
response that breaks the description in strict mode; a 401 or 403 failure
names the security schemes no credential was given for.

It lives with the OpenAPI kind, not in the step loop, so that each kind is one
package: the interpreter performs calls without knowing they are HTTP.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from arazzo_engine.errors import RequestBuildError
from arazzo_engine.expressions import ValueNode, evaluate
from arazzo_engine.expressions.ast import ArrayValue, ObjectValue
from arazzo_engine.expressions.evaluate import compile_node
from arazzo_engine.fixes import fix
from arazzo_engine.http.transport import HttpRequest, TransportError
from arazzo_engine.limits import MAX_DEPTH, too_deep
from arazzo_engine.sources.call import (
    CallContext,
    CallFailed,
    CallOutcome,
    CallRuntime,
    StepRequest,
)
from arazzo_engine.sources.openapi.oauth import TokenContext
from arazzo_engine.sources.openapi.querystring import template_reader
from arazzo_engine.sources.openapi.request_builder import RequestPlan
from arazzo_engine.sources.openapi.security import apply_credentials
from arazzo_engine.sources.openapi.shapes import Operation, ParameterSpec, SecurityScheme
from arazzo_engine.sources.openapi.value_depth import DepthCheck
from arazzo_engine.sources.payload import apply_replacements

if TYPE_CHECKING:
    from arazzo_engine.http.response import HttpResponse

__all__ = ["EvaluatedRequest", "OpenAPICall"]

logger = logging.getLogger("arazzo_engine")


def _within_depth(node: ValueNode, value: Any, parameter: str | None) -> Any:
    """``value``, refused when the list or object written around expressions nests too deep.

    Values read (bodies, inputs, documents) are held to ``MAX_DEPTH`` where they
    enter; a document's list or object with an expression inside can nest one
    of them deeper, and a request body can be read back and nested again, so a
    value built that way is measured too.  Other values are not walked.
    """
    if type(node) in _CONTAINERS and too_deep(value, MAX_DEPTH):
        raise _nested_too_deep(parameter)
    return value


_CONTAINERS = (ObjectValue, ArrayValue)


def _nested_too_deep(parameter: str | None) -> RequestBuildError:
    what = f"parameter '{parameter}'" if parameter is not None else "the request body"
    return RequestBuildError(
        f"{what} nests more than {MAX_DEPTH} levels deep once its expressions are "
        "filled in; the engine builds values nested up to that depth"
    )


class _CallPlan:
    """A step's request plan, and its parameters as (name, in, node, reader, nested)."""

    __slots__ = ("build", "readers")

    def __init__(self, plan: RequestPlan, readers: tuple[Reader, ...]) -> None:
        self.build = plan.build
        self.readers = readers


Reader = tuple[str, str, ValueNode, Callable[[Any], Any], bool]
"""A parameter with an ``in``: its name and ``in``, its value node and compiled reader,
and whether the node is a list or object (whose value is measured for depth)."""


def _reader(node: ValueNode, location: str, spec: ParameterSpec) -> Callable[[Any], Any]:
    """How a parameter's value is read: compiled, or for a form querystring with embedded
    values, each value percent-encoded as it is written in."""
    if location == "querystring":
        reader = template_reader(node, spec.content_type)
        if reader is not None:
            return reader
    return compile_node(node)


class EvaluatedRequest(NamedTuple):
    """The request, with the parameter values and body it was built from (to report)."""

    request: HttpRequest
    parameters: list[tuple[str, str, Any]]
    body: Any


@dataclass(frozen=True, slots=True)
class OpenAPICall:
    """One step's call of an OpenAPI operation, everything structural settled at load."""

    operation: Operation
    base_url: str | None
    """Where the operation's requests go; None when no absolute server URL is known."""
    security_schemes: Mapping[str, SecurityScheme]
    """The schemes of the operation's source, by name."""
    request: StepRequest
    _plan: _CallPlan | None = field(default=None, init=False, repr=False, compare=False)
    """The request plan, made on the first execution (see :meth:`request_plan`)."""
    _body_depth: DepthCheck | None = field(default=None, init=False, repr=False, compare=False)
    """How deep the body written around expressions nests, settled on first use."""

    def request_plan(self) -> _CallPlan:
        """What building this step's request needs that no value changes; made once.

        Made on first use rather than at load, so loading stays as fast; two
        runs making it at once make equal plans.
        """
        plan = self._plan
        if plan is None:
            step = self.request
            located = [
                (p.name, p.location, p.value) for p in step.parameters if p.location is not None
            ]
            names = [(name, location) for name, location, _ in located]
            request_plan = RequestPlan(self.operation, names, step.content_type)
            plan = _CallPlan(
                request_plan,
                tuple(
                    (name, location, node, _reader(node, location, spec), type(node) in _CONTAINERS)
                    for (name, location, node), spec in zip(
                        located, request_plan.declarations, strict=True
                    )
                ),
            )
            object.__setattr__(self, "_plan", plan)
        return plan

    def _body_too_deep(self, body: Any) -> bool:
        check = self._body_depth
        if check is None:
            node = self.request.body
            assert isinstance(node, _CONTAINERS)
            check = DepthCheck(node, MAX_DEPTH)
            object.__setattr__(self, "_body_depth", check)
        return check.too_deep(body)

    def describe(self) -> str:
        operation = self.operation
        named = f" ({operation.operation_id})" if operation.operation_id else ""
        return f"{operation.method.upper()} {operation.path_key}{named}"

    def perform(self, context: CallContext, runtime: CallRuntime) -> CallOutcome:
        try:
            built = self.build(context, runtime)
        except (RequestBuildError, ValueError, TypeError) as error:
            return CallFailed(str(error))
        observer, redactor, step = runtime.observer, runtime.redactor, self.request
        observed = runtime.observed
        if observed:
            # call.parameters all have an ``in`` (StepRequest): they pair with what build() took.
            for parameter, (_, _, value) in zip(step.parameters, built.parameters, strict=True):
                observer.parameter_evaluated(step, parameter, value)
            if step.body is not None:
                observer.body_evaluated(step, built.body)
        request = built.request
        timeout, deadline = runtime.timeout, context.deadline
        if deadline is not None:  # the step's timeout (1.1) caps the transport's
            left = deadline - time.monotonic()
            if left <= 0:
                context.request = request
                return CallFailed("its time ran out before the request was sent")
            timeout = min(timeout, left)
            request = replace(request, deadline=deadline)
        context.request = request
        checks = runtime.validation
        findings = checks.check_request(self.operation, request) if checks is not None else ()
        if findings and checks is not None and checks.strict:
            return CallFailed(checks.failure("request", findings), findings)
        logging_on = logger.isEnabledFor(logging.INFO)  # masking a URL costs; skip it unheard
        if logging_on:
            logger.info("%s %s", request.method, redactor.text(request.url))
        sent = 0.0
        if observed:
            observer.request_sent(step, request)
            sent = time.perf_counter()
        try:
            response = runtime.transport.send(request, timeout=timeout)
        except TransportError as error:
            return CallFailed(f"{request.method} {redactor.text(request.url)}: {error}")
        context.response = response
        if observed:
            observer.response_received(step, response, time.perf_counter() - sent)
        if logging_on:
            logger.info(
                "%s %s -> %d %s",
                request.method,
                redactor.text(request.url),
                response.status_code,
                response.content_type,
            )
        return _Answered(self, response, runtime, findings)

    def build(self, context: CallContext, runtime: CallRuntime) -> EvaluatedRequest:
        """Evaluate the step's parameters and body and build its request.

        Raises RequestBuildError (or the evaluation's own error) when it cannot be built.
        """
        step, operation = self.request, self.operation
        plan = self._plan or self.request_plan()
        parameters = [
            (name, location, _within_depth(node, read(context), name) if nested else read(context))
            for name, location, node, read, nested in plan.readers
        ]
        body = evaluate(step.body, context) if step.body is not None else None
        if step.replacements:
            body = apply_replacements(
                body, [(target, evaluate(value, context)) for target, value in step.replacements]
            )
        elif type(step.body) in _CONTAINERS and self._body_too_deep(body):
            raise _nested_too_deep(None)  # _within_depth's check, the fixed parts measured once
        base_url = self.base_url
        if base_url is None:
            raise RequestBuildError(
                f"source '{operation.source}' has no absolute server URL; give one with "
                f"{fix('servers', operation.source)}"
            )
        applied = (
            apply_credentials(
                operation,
                self.security_schemes,
                runtime.credentials,
                # A client-credentials scheme fetches its token with the run's transport.
                TokenContext(runtime.transport, runtime.timeout, base_url),
            )
            if operation.security
            else None
        )
        request = plan.build(
            base_url=base_url,
            parameters=parameters,
            body=body,
            has_body=step.body is not None,
            credentials=applied,
            path_allow_reserved=operation.source in runtime.path_allow_reserved,
            cookies=runtime.cookies,
            file_folders=runtime.file_folders,
        )
        return EvaluatedRequest(request, parameters, body)

    def missing_credentials(self, credentials: Mapping[str, str]) -> tuple[str, ...]:
        """Security schemes the operation names that no credential was given for."""
        return tuple(
            name
            for requirement in self.operation.security
            for name in requirement
            if name not in credentials
        )


@dataclass(slots=True)
class _Answered:
    """An HTTP response to judge; it knows what the criteria cannot see."""

    call: OpenAPICall
    response: HttpResponse
    runtime: CallRuntime
    findings: tuple[str, ...]
    failure: ClassVar[None] = None
    """An answer came: nothing kept the call from being judged."""

    @property
    def summary(self) -> str:
        return f"HTTP {self.response.status_code}"

    def without_criteria(self) -> str | None:
        status = self.response.status_code
        if 200 <= status < 300:
            return None
        return f"HTTP {status} (no successCriteria, so a 2xx status was expected)"

    def conclude(self, failure: str | None) -> tuple[str | None, tuple[str, ...]]:
        response, findings = self.response, self.findings
        if failure is None:
            # A body that does not parse as its declared type fails the step.
            failure = response.body_problem
        checks = self.runtime.validation
        if checks is not None:
            found = checks.check_response(self.call.operation, response)
            findings += found
            if found and checks.strict and failure is None:
                failure = checks.failure("response", found)
        if failure is not None and response.status_code in (401, 403):
            missing = self.call.missing_credentials(self.runtime.credentials)
            if missing:
                failure += f" (no credential given for security scheme {', '.join(missing)})"
        return failure, findings
