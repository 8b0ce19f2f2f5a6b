"""arazzo_engine: runs API workflows written in the OpenAPI Arazzo 1.0.x specification.

The public surface (see API.md): load a document with :meth:`Engine.load`, run a
workflow with :meth:`Engine.run`, read the :class:`RunResult`.  ``MockTransport``
runs workflows with no network (``Engine.load(..., transport=MockTransport(handler))``).
"""

from arazzo_engine.engine import Engine
from arazzo_engine.errors import (
    ArazzoError,
    ArazzoValidationError,
    ConfigurationError,
    Diagnostic,
    DocumentError,
    EvaluationError,
    ExpressionSyntaxError,
    InputValidationError,
    Location,
    RequestBuildError,
    StreamError,
    TransportError,
    WorkflowNotFoundError,
)
from arazzo_engine.http.mock import MockTransport
from arazzo_engine.http.response import HttpResponse
from arazzo_engine.http.sse import ServerSentEvent
from arazzo_engine.http.transport import HttpRequest
from arazzo_engine.results import RunResult, StepResult

__all__ = [
    "ArazzoError",
    "ArazzoValidationError",
    "ConfigurationError",
    "Diagnostic",
    "DocumentError",
    "Engine",
    "EvaluationError",
    "ExpressionSyntaxError",
    "HttpRequest",
    "HttpResponse",
    "InputValidationError",
    "Location",
    "MockTransport",
    "RequestBuildError",
    "RunResult",
    "ServerSentEvent",
    "StepResult",
    "StreamError",
    "TransportError",
    "WorkflowNotFoundError",
]
