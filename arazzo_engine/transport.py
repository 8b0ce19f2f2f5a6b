"""Sending requests: one small seam between the interpreter and the wire.

The interpreter hands a :class:`HttpRequest` to a :class:`Transport` and gets an
:class:`~arazzo_engine.response.HttpResponse` back, or a :class:`TransportError`
when no response came.  :class:`RequestsTransport` is the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from arazzo_engine.response import STREAMING_MEDIA_TYPES, HttpResponse, media_type

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class HttpRequest:
    """A request ready to send; ``headers`` may hold credentials, so it never prints them."""

    method: str
    url: str
    headers: Mapping[str, str] = field(repr=False)
    body: bytes | None = field(default=None, repr=False)
    body_value: Any = field(default=None, repr=False)
    """The body as the step built it, before encoding (for ``$request.body``)."""
    path_values: Mapping[str, Any] = field(default_factory=dict, repr=False)
    query_values: Mapping[str, Any] = field(default_factory=dict, repr=False)


class TransportError(Exception):
    """No response came: connection refused, timeout, reset, too large a body..."""


class Transport(Protocol):
    """Sends one request and returns its response (streams left open)."""

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse: ...


class RequestsTransport:
    """The default transport, over a ``requests.Session``."""

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self._own_session = session is None
        self.session = session if session is not None else _pooled_session()
        self.max_body_bytes = max_body_bytes

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        try:
            raw = self.session.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                data=request.body,
                timeout=(timeout, timeout),
                stream=True,
                allow_redirects=request.method in ("GET", "HEAD"),
            )
        except requests.Timeout:
            raise TransportError(f"no response within {timeout:g} s") from None
        except requests.ConnectionError as error:
            raise TransportError(f"connection failed: {_reason(error)}") from None
        except requests.RequestException as error:
            raise TransportError(f"request failed: {_reason(error)}") from None
        headers = raw.headers
        if media_type(headers.get("Content-Type")) in STREAMING_MEDIA_TYPES:
            return HttpResponse(
                status_code=raw.status_code, headers=headers, url=raw.url, content=None, raw=raw
            )
        try:
            content = self._read_capped(raw)
        except requests.RequestException as error:
            raise TransportError(f"the response body broke off: {_reason(error)}") from None
        finally:
            raw.close()
        return HttpResponse(
            status_code=raw.status_code, headers=headers, url=raw.url, content=content, raw=None
        )

    def _read_capped(self, raw: requests.Response) -> bytes:
        declared = raw.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise TransportError(
                f"the response body ({int(declared)} bytes) exceeds max_body_bytes "
                f"({self.max_body_bytes})"
            )
        parts: list[bytes] = []
        size = 0
        for chunk in raw.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > self.max_body_bytes:
                raise TransportError(
                    f"the response body exceeds max_body_bytes ({self.max_body_bytes})"
                )
            parts.append(chunk)
        return b"".join(parts)

    def close(self) -> None:
        if self._own_session:
            self.session.close()


def _pooled_session() -> requests.Session:
    """A session whose connection pools suit ``run_many`` with many threads."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=16, pool_maxsize=64)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _reason(error: BaseException) -> str:
    """The innermost useful sentence of a requests/urllib3 error chain."""
    text = str(error)
    for marker in ("Connection refused", "Connection reset", "Name or service not known"):
        if marker in text:
            return marker.lower()
    return text if len(text) < 300 else text[:297] + "..."
