"""HTTP on the wire: the transport seam, the response record and Server-Sent Events.

Everything that talks to a network library lives here (``requests`` and
``urllib3`` are imported by :mod:`~arazzo_engine.http.requests_transport` and
:mod:`~arazzo_engine.http.requests_failures` only).  The rest of the engine
sees :class:`HttpRequest`, the :class:`Transport` protocol, and the
:class:`HttpResponse` whose body is a :class:`ByteStream`.

The names are imported on first use, so that a module of this package (``sse``,
``transport``) can be imported without ``requests``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arazzo_engine.errors import BodyError, TransportError
    from arazzo_engine.http.mock import MockTransport
    from arazzo_engine.http.requests_transport import RequestsTransport
    from arazzo_engine.http.response import HttpResponse
    from arazzo_engine.http.stream import ByteStream, ChunkStream
    from arazzo_engine.http.transport import HttpRequest, Transport

__all__ = [
    "BodyError",
    "ByteStream",
    "ChunkStream",
    "HttpRequest",
    "HttpResponse",
    "MockTransport",
    "RequestsTransport",
    "Transport",
    "TransportError",
]

_HOME: dict[str, str] = {
    "BodyError": "arazzo_engine.errors",
    "ByteStream": "arazzo_engine.http.stream",
    "ChunkStream": "arazzo_engine.http.stream",
    "HttpRequest": "arazzo_engine.http.transport",
    "HttpResponse": "arazzo_engine.http.response",
    "MockTransport": "arazzo_engine.http.mock",
    "RequestsTransport": "arazzo_engine.http.requests_transport",
    "Transport": "arazzo_engine.http.transport",
    "TransportError": "arazzo_engine.errors",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_HOME[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
