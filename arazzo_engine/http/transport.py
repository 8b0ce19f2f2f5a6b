"""Sending requests: one small seam between the interpreter and the wire.

The interpreter hands a :class:`HttpRequest` to a :class:`Transport` and gets an
:class:`~arazzo_engine.http.response.HttpResponse` back, or a :class:`TransportError`
when no usable response came.  :class:`RequestsTransport` is the default.

Its policy (``docs/faults.md`` has the whole of it):

* ``timeout`` bounds connecting and every single read; a non-streaming response
  must also arrive whole within ``max_response_seconds`` (default ten times
  ``timeout``), so a body dripped a byte at a time cannot hold a step forever.
* A non-streaming body is read up to ``max_body_bytes`` (decoded size); a larger
  declared ``Content-Length`` is refused before reading anything.
* Redirects are followed for GET and HEAD only (at most :data:`MAX_REDIRECTS`,
  http and https targets only), and not when the operation declares a 3xx
  response (:attr:`HttpRequest.follow_redirects`); otherwise the 3xx response is
  the step's response.
  When a redirect leaves the origin (scheme, host, port), ``Authorization``,
  ``Cookie``, ``Proxy-Authorization`` and every header named in
  :attr:`HttpRequest.credential_headers` are dropped, for the rest of the chain.
* Every failure is a :class:`TransportError` whose message is one sentence
  naming the cause; no library exception escapes :meth:`RequestsTransport.send`.
"""

from __future__ import annotations

import http.client
import logging
import re
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions

from arazzo_engine.http.response import (
    STREAMING_MEDIA_TYPES,
    BodyError,
    HttpResponse,
    iter_body,
    media_type,
    public_url,
)

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
"""The largest non-streaming response body read (decoded bytes)."""

RESPONSE_TIME_FACTOR = 10
"""``max_response_seconds`` defaults to this many times ``timeout``."""

MAX_REDIRECTS = 10
"""Redirects followed for one GET or HEAD request."""

FOLLOWED_METHODS = frozenset({"GET", "HEAD"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ALWAYS_STRIPPED = frozenset({"authorization", "cookie", "proxy-authorization"})
"""Headers never sent to another origin on a redirect, whoever set them."""

_NO_BODY_STATUSES = frozenset({204, 304})


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

    def __repr__(self) -> str:
        query = "?..." if urlsplit(self.url).query else ""
        return f"<HttpRequest {self.method} {public_url(self.url)}{query}>"


class TransportError(Exception):
    """No usable response came: refused, timed out, reset, too large a body..."""


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
        max_response_seconds: float | None = None,
    ) -> None:
        self._own_session = session is None
        self.session = session if session is not None else _pooled_session()
        self.max_body_bytes = max_body_bytes
        self.max_response_seconds = max_response_seconds
        """The whole of a non-streaming response, redirects included; None: 10 x timeout."""
        mask_query_values_in_urllib3_logs()

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        limit = self.max_response_seconds
        if limit is None:
            limit = RESPONSE_TIME_FACTOR * timeout
        deadline = time.monotonic() + limit
        raw = self._open_following_redirects(request, timeout, deadline, limit)
        headers = raw.headers
        if media_type(headers.get("Content-Type")) in STREAMING_MEDIA_TYPES:
            return HttpResponse(
                status_code=raw.status_code,
                headers=headers,
                url=raw.url,
                content=None,
                raw=raw,
                max_body_bytes=self.max_body_bytes,
                read_timeout=timeout,
            )
        try:
            content = self._read_capped(raw, request.method, timeout, deadline, limit)
        finally:
            raw.close()
        return HttpResponse(
            status_code=raw.status_code, headers=headers, url=raw.url, content=content, raw=None
        )

    def _open_following_redirects(
        self, request: HttpRequest, timeout: float, deadline: float, limit: float
    ) -> requests.Response:
        method = request.method
        url = request.url
        headers = dict(request.headers)
        body = request.body
        follow = request.follow_redirects and method in FOLLOWED_METHODS
        stripped = ALWAYS_STRIPPED | {name.lower() for name in request.credential_headers}
        hops = 0
        while True:
            raw = self._open(method, url, headers, body, timeout)
            status = raw.status_code
            location = raw.headers.get("Location") if status in REDIRECT_STATUSES else None
            if not follow or not location:
                return raw
            raw.close()
            target = urljoin(url, location.strip())
            scheme = urlsplit(target).scheme.lower()
            if scheme not in ("http", "https"):
                raise TransportError(
                    f"HTTP {status} redirects to a {scheme or 'schemeless'} URL; "
                    "only http and https redirects are followed"
                )
            hops += 1
            if hops > MAX_REDIRECTS:
                raise TransportError(
                    f"more than {MAX_REDIRECTS} redirects (the last to {public_url(target)})"
                )
            if _origin(target) != _origin(url):
                headers = {k: v for k, v in headers.items() if k.lower() not in stripped}
            if status in (301, 302, 303) and body is not None:
                body = None
                headers = {
                    k: v
                    for k, v in headers.items()
                    if k.lower() not in ("content-type", "content-length")
                }
            url = target
            if time.monotonic() > deadline:
                raise TransportError(
                    f"no complete response within {limit:g} s after {hops} redirects"
                )

    def _open(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
    ) -> requests.Response:
        try:
            return self.session.request(
                method,
                url,
                headers=headers,
                data=body,
                timeout=(timeout, timeout),
                stream=True,
                allow_redirects=False,
            )
        except requests.ConnectTimeout:
            raise TransportError(f"could not connect within {timeout:g} s") from None
        except requests.Timeout:
            raise TransportError(f"no response within {timeout:g} s") from None
        except requests.ConnectionError as error:
            raise TransportError(_connection_failure(error)) from None
        except requests.exceptions.InvalidHeader:
            raise TransportError(_bad_headers(headers)) from None
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ) as error:
            raise TransportError(
                f"the URL {public_url(url)} cannot be requested: {_short(error)}"
            ) from None
        except UnicodeError:
            raise TransportError(_bad_headers(headers)) from None
        except (
            requests.RequestException,
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
            OSError,
            ValueError,
        ) as error:
            raise TransportError(f"the request failed: {_short(error)}") from None

    def _read_capped(
        self,
        raw: requests.Response,
        method: str,
        timeout: float,
        deadline: float,
        limit: float,
    ) -> bytes:
        status = raw.status_code
        if method == "HEAD" or status in _NO_BODY_STATUSES or status < 200:
            return b""
        cap = self.max_body_bytes
        declared = (raw.headers.get("Content-Length") or "").strip()
        if declared.isdigit() and int(declared) > cap:
            raise TransportError(
                f"HTTP {status}: the response body ({int(declared)} bytes by its "
                f"Content-Length) exceeds max_body_bytes ({cap}); it was not read"
            )
        parts: list[bytes] = []
        size = 0
        try:
            for chunk in iter_body(raw, timeout=timeout):
                size += len(chunk)
                if size > cap:
                    raise TransportError(
                        f"HTTP {status}: the response body exceeds max_body_bytes ({cap}); "
                        "reading stopped there"
                    )
                parts.append(chunk)
                if time.monotonic() > deadline:
                    raise TransportError(
                        f"HTTP {status}: the response did not arrive whole within {limit:g} s "
                        f"(max_response_seconds); {size} bytes of its body had arrived"
                    )
        except BodyError as error:
            raise TransportError(
                f"HTTP {status}: the response body broke off after {error.received} bytes: "
                f"{error.reason}"
            ) from None
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


_QUERY_VALUE = re.compile(r"([?&][^=&#\s\"']*=)[^&#\s\"']+")
_URLLIB3_URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry")
_filter_lock = threading.Lock()


def mask_query_values(text: str) -> str:
    """``/p?api_key=s3cret&x=1`` -> ``/p?api_key=***&x=***``."""
    return _QUERY_VALUE.sub(r"\1***", text) if "?" in text else text


class _QueryValueMask(logging.Filter):
    """Masks query values in the URLs urllib3 logs at DEBUG (they may be API keys)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_query_values(a) if isinstance(a, str) else a for a in record.args
            )
        elif isinstance(record.msg, str):
            record.msg = mask_query_values(record.msg)
        return True


def mask_query_values_in_urllib3_logs() -> None:
    """Install :class:`_QueryValueMask` on urllib3's URL-logging loggers, once."""
    with _filter_lock:
        for name in _URLLIB3_URL_LOGGERS:
            target = logging.getLogger(name)
            if not any(isinstance(f, _QueryValueMask) for f in target.filters):
                target.addFilter(_QueryValueMask())


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def _chain(error: BaseException) -> list[BaseException]:
    """The error and those it wraps (urllib3/requests keep them in args, reason, cause)."""
    found: list[BaseException] = []
    todo: list[BaseException] = [error]
    while todo and len(found) < 16:
        current = todo.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        todo.extend(a for a in current.args if isinstance(a, BaseException))
        for attribute in ("reason", "__cause__"):
            inner = getattr(current, attribute, None)
            if isinstance(inner, BaseException):
                todo.append(inner)
    return found


def _connection_failure(error: BaseException) -> str:
    """One sentence for a request that got no response."""
    chain = _chain(error)

    def has(kind: type[BaseException] | tuple[type[BaseException], ...]) -> bool:
        return any(isinstance(e, kind) for e in chain)

    text = " ".join(str(e) for e in chain)
    if has(ConnectionRefusedError) or "Connection refused" in text:
        return "connection refused"
    if has(http.client.RemoteDisconnected):  # a ConnectionResetError subclass: first
        return "the server closed the connection without a response"
    if has(ConnectionResetError):
        return "the connection was reset before a response arrived"
    if has(http.client.BadStatusLine):
        line = str(next(e for e in chain if isinstance(e, http.client.BadStatusLine)))
        return f"the answer is not HTTP (it began {line[:40]!r})"
    if has(http.client.HTTPException):
        inner = next(e for e in chain if isinstance(e, http.client.HTTPException))
        return f"the response head is malformed: {_short(inner)}"
    if has((socket.gaierror, urllib3.exceptions.NameResolutionError)):
        return "the host name could not be resolved"
    if has(TimeoutError) or has(urllib3.exceptions.TimeoutError):
        return "the connection timed out"
    return f"the connection failed: {_short(chain[-1])}"


def _bad_headers(headers: Mapping[str, str]) -> str:
    """Which headers cannot be sent, by name only (values may be secrets)."""
    bad = []
    for name, value in headers.items():
        text = str(value)
        if any(c in text for c in "\r\n\0") or text[:1] in (" ", "\t"):
            bad.append(name)
            continue
        try:
            (name + text).encode("latin-1")
        except UnicodeEncodeError:
            bad.append(name)
    if not bad:
        return "a request header cannot be sent"
    names = ", ".join(repr(b) for b in bad)
    return (
        f"request header {names} cannot be sent: control characters, a leading space, "
        "or characters outside Latin-1 in its value"
    )


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) < 300 else text[:297] + "..."
