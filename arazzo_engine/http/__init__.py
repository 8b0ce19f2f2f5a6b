"""HTTP on the wire: the transport seam, the response record and Server-Sent Events.

Everything that talks to a network library lives here (``requests`` and
``urllib3`` are imported by :mod:`~arazzo_engine.http.requests_transport` and
:mod:`~arazzo_engine.http.requests_failures` only).  The rest of the engine
sees :class:`HttpRequest`, the :class:`Transport` protocol, and the
:class:`HttpResponse` whose body is a :class:`ByteStream`.
"""

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
