"""arazzo_engine: runs API workflows written in the OpenAPI Arazzo 1.0.x specification.

The public surface (see API.md): load a document with :meth:`Engine.load`, run a
workflow with :meth:`Engine.run`, read the :class:`RunResult`.  ``MockTransport``
runs workflows with no network (``Engine.load(..., transport=MockTransport(handler))``).

The names are imported on first use (module ``__getattr__``), so that
``import arazzo_engine.errors`` or ``arazzo --version`` does not pay for the
whole engine.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from arazzo_engine.results import RunResult, StepMessage, StepResult

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
    "StepMessage",
    "StepResult",
    "StreamError",
    "TransportError",
    "WorkflowNotFoundError",
]

_ERRORS = "arazzo_engine.errors"
_HOME: dict[str, str] = {
    "Engine": "arazzo_engine.engine",
    "HttpRequest": "arazzo_engine.http.transport",
    "HttpResponse": "arazzo_engine.http.response",
    "MockTransport": "arazzo_engine.http.mock",
    "RunResult": "arazzo_engine.results",
    "ServerSentEvent": "arazzo_engine.http.sse",
    "StepMessage": "arazzo_engine.results",
    "StepResult": "arazzo_engine.results",
}
"""Where each public name lives; the others are errors (``arazzo_engine.errors``)."""


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'arazzo_engine' has no attribute {name!r}")
    value = getattr(import_module(_HOME.get(name, _ERRORS)), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
