"""Sending requests: the one seam between the engine and the wire.

The interpreter (and OAuth token fetches, and remote source descriptions at
load) hand a :class:`HttpRequest` to a :class:`Transport` and get an
:class:`~arazzo_engine.http.response.HttpResponse` back, or a
:class:`~arazzo_engine.errors.TransportError` when no usable response came.

What every transport does with the body:

* a streaming media type (:data:`~arazzo_engine.http.media.STREAMING_MEDIA_TYPES`),
  or a request with ``stream=True``, is handed over open: the response owns
  the byte stream and the caller reads it;
* any other body is read whole, at most ``max_body_bytes``
  (:func:`~arazzo_engine.http.stream.read_capped` says it the same way for all).

:class:`~arazzo_engine.http.requests_transport.RequestsTransport` is the
default; :class:`~arazzo_engine.http.mock.MockTransport` answers from a function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from arazzo_engine.errors import TransportError
from arazzo_engine.http.cookies import CookieStore
from arazzo_engine.http.media import STREAMING_MEDIA_TYPES
from arazzo_engine.http.response import HttpResponse, public_url

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "HttpRequest",
    "Transport",
    "TransportError",
    "keeps_body_open",
]

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
"""The largest non-streaming response body read (decoded bytes)."""


@dataclass(frozen=True, repr=False)
class HttpRequest:
    """A request ready to send.

    ``headers`` and the query string may hold credentials, so its repr shows
    neither: ``<HttpRequest GET http://host/path?...>``.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(repr=False)
    body: bytes | None = field(default=None, repr=False)
    body_value: Any = field(default=None, repr=False)
    """The body as the step built it, before encoding (for ``$request.body``)."""
    path_values: Mapping[str, Any] = field(default_factory=dict, repr=False)
    query_values: Mapping[str, Any] = field(default_factory=dict, repr=False)
    credential_headers: frozenset[str] = field(default=frozenset(), repr=False)
    """Names of the headers that carry credentials (security schemes, ``Cookie``).

    They are never sent to another origin when a redirect is followed (nor are
    ``Authorization``, ``Cookie`` and ``Proxy-Authorization``, listed or not).
    """
    follow_redirects: bool = True
    """Follow a 3xx answer to GET or HEAD; False makes the 3xx the response.

    The request builder sets it False when the operation declares a 3xx response
    (an OAuth authorize endpoint whose redirect the workflow reads).
    """
    stream: bool = False
    """Hand the body over unread whatever its media type; the caller reads it within
    its own bounds and closes the response (token and source-description fetches)."""
    deadline: float | None = field(default=None, repr=False, compare=False)
    """When the whole exchange must be over, as ``time.monotonic()`` (a step ``timeout``,
    Arazzo 1.1): connecting, sending, and reading a non-streaming body to its end, or a
    streaming one's headers.  A transport stops there with :class:`TransportError`; one
    that cannot still returns, and the step fails ``timeout`` all the same.  None: only
    ``timeout`` and the transport's own limits apply."""
    cookies: CookieStore | None = field(default=None, repr=False, compare=False)
    """The run's cookie store: a transport adds its cookies for each hop's origin and
    records each answer's ``Set-Cookie`` in it.  None (token and source-description
    fetches): no cookie is sent but the request's own ``Cookie`` header, none is kept."""

    def __repr__(self) -> str:
        query = "?..." if urlsplit(self.url).query else ""
        return f"<HttpRequest {self.method} {public_url(self.url)}{query}>"


class Transport(Protocol):
    """Sends one request and returns its response, streams left open.

    ``send`` raises :class:`TransportError` (one sentence) when no usable
    response came, and nothing else by design.  ``timeout`` bounds connecting
    and each read, in seconds.  ``close`` releases what the transport holds
    (pooled connections); the engine calls it only on a transport it created.
    """

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse: ...

    def close(self) -> None: ...


def keeps_body_open(request: HttpRequest, content_type: str) -> bool:
    """Whether a response's body is handed over open rather than read whole."""
    return request.stream or content_type in STREAMING_MEDIA_TYPES
