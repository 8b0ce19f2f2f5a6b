"""The default transport, over a ``requests.Session``.

Its policy (``docs/faults.md`` has the whole of it):

* A step ``timeout`` (:attr:`HttpRequest.deadline`) bounds the whole exchange:
  connecting and every read wait at most until it (a non-streaming body to its
  end, a streaming response to its headers, after which reads go on with
  ``timeout``).
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
* Cookies live in the run's :class:`~arazzo_engine.http.cookies.CookieStore`
  (:attr:`HttpRequest.cookies`), never in the session: each hop gets the stored
  cookies of its own origin, and each answer's ``Set-Cookie`` (a redirect's
  included) is recorded in the store.  The session's cookie jar is neither
  filled (its policy refuses every cookie) nor read.
* The URL built is the URL sent: the request target is the path and query of
  :attr:`HttpRequest.url` as built (``%2E%2E`` stays ``%2E%2E``); requests'
  re-quoting and URL normalization never apply to it.
* Every failure is a :class:`TransportError` whose message is one sentence
  naming the cause; no library exception escapes :meth:`RequestsTransport.send`.
* urllib3 logs request lines at DEBUG, query strings included: query values
  are masked there (:func:`mask_query_values_in_urllib3_logs`).
* What the process environment and the session say about an origin (proxies
  and ``NO_PROXY``, the CA bundle, ``.netrc`` credentials, the session's
  ``proxies``/``verify``/``cert``/``auth``) is read once per transport and
  origin, on the first request to it, exactly as ``requests`` reads it; the
  requests that follow reuse it instead of re-reading the environment on every
  call.  An engine made after the environment changes sees the change.
"""

from __future__ import annotations

import http.client
import logging
import re
import threading
import time
from collections.abc import Iterator, Mapping
from http.cookiejar import Cookie, DefaultCookiePolicy
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions

from arazzo_engine.errors import BodyError, TransportError
from arazzo_engine.http.cookies import origin_of
from arazzo_engine.http.media import media_type
from arazzo_engine.http.origin_settings import OriginSettings
from arazzo_engine.http.requests_failures import (
    bad_headers,
    body_failure,
    connection_failure,
    short,
)
from arazzo_engine.http.response import HttpResponse, public_url
from arazzo_engine.http.stream import ChunkStream, read_capped
from arazzo_engine.http.transport import DEFAULT_MAX_BODY_BYTES, HttpRequest, keeps_body_open

__all__ = [
    "MAX_REDIRECTS",
    "RequestsTransport",
    "Session",
    "mask_query_values",
    "mask_query_values_in_urllib3_logs",
]

Session = requests.Session
"""What ``Engine.load(session=...)`` takes: proxies, TLS settings, mounted adapters.

Cookies are not the session's business: each run keeps its own, per origin
(:class:`~arazzo_engine.http.cookies.CookieStore`).  The transport sets a
policy on the session's cookie jar that refuses every cookie (a caller's
session too), and sends no cookie the jar holds: give a cookie the API needs
as a cookie parameter or an ``apiKey`` credential ``in: cookie``.
"""

RESPONSE_TIME_FACTOR = 10
"""``max_response_seconds`` defaults to this many times ``timeout``."""

MAX_REDIRECTS = 10
"""Redirects followed for one GET or HEAD request."""

READ_SIZE = 65536
"""The most bytes one read asks for; a read returns whatever has arrived, up to this."""

FOLLOWED_METHODS = frozenset({"GET", "HEAD"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ALWAYS_STRIPPED = frozenset({"authorization", "cookie", "proxy-authorization"})
"""Headers never sent to another origin on a redirect, whoever set them."""

_NO_BODY_STATUSES = frozenset({204, 304})


class RequestsTransport:
    """Sends with a ``requests.Session``: the engine's own pooled one, or the caller's.

    ``close`` closes only a session this transport created.
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_response_seconds: float | None = None,
    ) -> None:
        self._own_session = session is None
        self.session = session if session is not None else _pooled_session()
        self.session.cookies.set_policy(_RefuseEveryCookie())
        self._origins = OriginSettings(self.session)
        self.max_body_bytes = max_body_bytes
        self.max_response_seconds = max_response_seconds
        """The whole of a non-streaming response, redirects included; None: 10 x timeout."""
        mask_query_values_in_urllib3_logs()

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        limit = self.max_response_seconds
        if limit is None:
            limit = RESPONSE_TIME_FACTOR * timeout
        now = time.monotonic()
        deadline, limit_name = now + limit, "max_response_seconds"
        step_deadline = request.deadline
        if step_deadline is not None and step_deadline < deadline:
            # A step timeout (Arazzo 1.1) sooner than the transport's own bound replaces it.
            deadline, limit, limit_name = step_deadline, step_deadline - now, "the step's timeout"
        raw = self._open_following_redirects(request, timeout, deadline, limit)
        status, headers = raw.status_code, raw.headers
        if keeps_body_open(request, media_type(headers.get("Content-Type"))):
            if step_deadline is not None:
                _set_read_timeout(raw, timeout)  # the step ended at the headers; reads go on
            stream = ChunkStream(_read1_chunks(raw, timeout), on_close=raw.close)
            return HttpResponse(
                status, headers, content=stream, url=raw.url, max_body_bytes=self.max_body_bytes
            )
        stream = ChunkStream(_read1_chunks(raw, timeout, step_deadline), on_close=raw.close)
        try:
            if request.method == "HEAD" or status in _NO_BODY_STATUSES or status < 200:
                content = b""
            else:
                content = read_capped(
                    stream,
                    status=status,
                    max_body_bytes=self.max_body_bytes,
                    declared_length=headers.get("Content-Length"),
                    deadline=deadline,
                    limit=limit,
                    limit_name=limit_name,
                )
        finally:
            stream.close()
        return HttpResponse(status, headers, content=content, url=raw.url)

    def _open_following_redirects(
        self, request: HttpRequest, timeout: float, deadline: float, limit: float
    ) -> requests.Response:
        method = request.method
        url = request.url
        headers = dict(request.headers)
        body = request.body
        cookies = request.cookies
        follow = request.follow_redirects and method in FOLLOWED_METHODS
        hops = 0
        step_deadline = request.deadline
        while True:
            sent = headers if cookies is None else cookies.request_headers(url, headers)
            hop_timeout = timeout
            if step_deadline is not None:  # each hop within what is left of the step's time
                left = step_deadline - time.monotonic()
                if left <= 0:
                    raise TransportError(
                        "the step's timeout ran out before the request was sent"
                        + (f" (after {hops} redirects)" if hops else "")
                    )
                hop_timeout = min(timeout, left)
            raw = self._open(method, url, sent, body, hop_timeout)
            if cookies is not None:
                cookies.record(url, _set_cookies(raw))
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
            if origin_of(target) != origin_of(url):
                stripped = ALWAYS_STRIPPED | {n.lower() for n in request.credential_headers}
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
            prepared, options = self._origins.prepare(method, url, headers, body)
            _only_given_cookies(prepared, headers)
            return self.session.send(
                prepared, timeout=(timeout, timeout), allow_redirects=False, **options
            )
        except requests.ConnectTimeout:
            raise TransportError(f"could not connect within {timeout:g} s") from None
        except requests.Timeout:
            raise TransportError(f"no response within {timeout:g} s") from None
        except requests.ConnectionError as error:
            raise TransportError(connection_failure(error)) from None
        except requests.exceptions.InvalidHeader as error:
            raise TransportError(bad_headers(headers, error)) from None
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ) as error:
            raise TransportError(
                f"the URL {public_url(url)} cannot be requested: {short(error)}"
            ) from None
        except UnicodeDecodeError:  # requests decodes a 3xx's Location, followed or not
            raise TransportError(
                "the response's Location header is not UTF-8 text, so its redirect cannot be read"
            ) from None
        except UnicodeError:
            raise TransportError(bad_headers(headers)) from None
        except (
            requests.RequestException,
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
            OSError,
            ValueError,
        ) as error:
            raise TransportError(f"the request failed: {short(error)}") from None

    def close(self) -> None:
        if self._own_session:
            self.session.close()


def _read1_chunks(
    raw: requests.Response, timeout: float | None, deadline: float | None = None
) -> Iterator[bytes]:
    """A response's body bytes (Content-Encoding decoded) as soon as they arrive.

    One read of the socket per chunk: urllib3's ``read1`` returns whatever has
    arrived, up to :data:`READ_SIZE`, for chunked and close-delimited bodies
    alike, where ``iter_content(None)`` would wait for a close-delimited body's
    end and ``iter_content(n)`` for ``n`` bytes.  A failure raises
    :class:`BodyError`.  The caller closes ``raw``.

    With a ``deadline`` (``time.monotonic()``, a step timeout) each read waits at
    most until it, so a body trickled a byte at a time cannot outlast it.
    """
    stream = raw.raw
    chunked = bool(getattr(stream, "chunked", False))
    if getattr(stream, "read1", None) is None:  # pragma: no cover - urllib3 < 2.3
        pieces = raw.iter_content(chunk_size=1)

        def read() -> bytes:
            return next(pieces, b"")
    else:

        def read() -> bytes:
            data: bytes = stream.read1(READ_SIZE, decode_content=True)
            return data

    received = 0
    while True:
        wait = timeout
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise BodyError("the step's timeout ran out while it was arriving", received)
            if timeout is not None:
                wait = min(wait, timeout)
            _set_read_timeout(raw, wait)
        try:
            chunk = read()
        except (
            urllib3.exceptions.HTTPError,
            requests.RequestException,
            http.client.HTTPException,
            OSError,
            ValueError,
        ) as error:
            raise BodyError(body_failure(error, chunked=chunked, timeout=wait), received) from None
        if not chunk:
            return
        received += len(chunk)
        yield chunk


def _set_read_timeout(raw: requests.Response, seconds: float | None) -> None:
    """Make the next reads of ``raw``'s socket wait at most ``seconds`` (its connection's
    socket, as urllib3 holds it while the body is read; nothing when it has none)."""
    connection = getattr(raw.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    settimeout = getattr(sock, "settimeout", None)
    if callable(settimeout):
        settimeout(seconds)


def _pooled_session() -> requests.Session:
    """A session whose connection pools suit ``run_many`` with many threads."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=16, pool_maxsize=64)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _set_cookies(raw: requests.Response) -> list[str]:
    """Every ``Set-Cookie`` header of an answer, one value each (requests joins them)."""
    headers = getattr(raw.raw, "headers", None)
    getlist = getattr(headers, "getlist", None)
    if callable(getlist):
        return [str(value) for value in getlist("Set-Cookie")]
    joined = raw.headers.get("Set-Cookie")  # pragma: no cover - an adapter without urllib3
    return [joined] if joined else []


def _only_given_cookies(prepared: requests.PreparedRequest, headers: Mapping[str, str]) -> None:
    """Send the ``Cookie`` header given (the run's and the request's), none from the session."""
    given = next((v for k, v in headers.items() if k.lower() == "cookie"), None)
    if given is None:
        prepared.headers.pop("Cookie", None)
    else:
        prepared.headers["Cookie"] = given


class _RefuseEveryCookie(DefaultCookiePolicy):
    """The session jar's policy: keep nothing (cookies belong to each run's store)."""

    def set_ok(self, cookie: Cookie, request: object) -> bool:
        return False


# '?' cannot be in a key: otherwise a run of '?' is rescanned from each one (quadratic time).
_QUERY_VALUE = re.compile(r"([?&][^=&#?\s\"']*=)[^&#\s\"']+")
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
