"""Server-Sent Events channels: an AsyncAPI channel of an ``http``/``https`` server.

Such a channel (fal's queue status stream, ``{model_id}/requests/{id}/status/stream``)
is a ``GET`` answered ``text/event-stream`` when received from; a message sent to
it is a ``POST`` of its payload to the channel's URL (the default method of
AsyncAPI's HTTP binding), taken when the answer is 2xx.
Each subscription is one request through the engine's own HTTP stack
(:class:`~arazzo_engine.http.requests_transport.RequestsTransport`: its redirect,
proxy, TLS and credential policies apply) and one named daemon thread that decodes
the body with :class:`~arazzo_engine.http.sse.SseDecoder` (WHATWG rules) and hands
each event over as an :class:`IncomingMessage`: payload the event's data as UTF-8,
headers ``event`` and, when the stream set one, ``id``.

* ``connect`` opens nothing (HTTP connects per subscription); it only rejects a
  URL that cannot be requested.
* ``subscribe`` returns once the answer's headers came: the server streams from
  then on, so an event it sends after that is delivered.
* An event whose data is larger than ``max_message_bytes`` is dropped
  (:class:`MessageTooLarge` from ``get``) and the stream goes on.  An unfinished
  event is buffered only up to a larger bound (:func:`_decoder_cap`); past it the
  stream is closed, as the engine's own SSE reader does.
* The stream ending, breaking, or staying silent for ``idle_timeout`` seconds ends
  the subscription: ``get`` raises :class:`MessageTransportError` once the events
  received before were taken.
* ``close`` shuts the stream's socket down (which wakes a reader blocked on it),
  joins the thread (bounded) and closes the HTTP session.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from arazzo_engine.errors import StreamError, TransportError
from arazzo_engine.http.requests_transport import RequestsTransport
from arazzo_engine.http.response import HttpResponse, public_url
from arazzo_engine.http.sse import ServerSentEvent, SseDecoder
from arazzo_engine.http.transport import HttpRequest
from arazzo_engine.messaging.transport import (
    IncomingMessage,
    MessageTooLarge,
    MessageTransportError,
    OutgoingMessage,
    ServerTarget,
)

__all__ = ["ADAPTER", "IDLE_TIMEOUT", "SseAdapter", "SseConnection", "SseSubscription"]

IDLE_TIMEOUT = 300.0
"""Seconds a stream may stay silent (no byte, not even a comment) before it counts as lost."""

JOIN_SECONDS = 2.0
"""How long ``close`` waits for a reader thread to end."""

EVENT_STREAM = "text/event-stream"
_SAFE_IN_ADDRESS = "/%:@!$&'()*+,;=~"
"""Characters an address keeps as they are (``%`` so an already encoded one stays so)."""

_thread_numbers = itertools.count(1)


class SseAdapter:
    """Makes :class:`SseConnection` s; ``idle_timeout`` bounds a silent stream."""

    def __init__(self, *, idle_timeout: float = IDLE_TIMEOUT) -> None:
        self.idle_timeout = idle_timeout

    def connect(
        self, server: ServerTarget, *, timeout: float, max_message_bytes: int
    ) -> SseConnection:
        """A connection object for ``server``; nothing is opened until a subscription."""
        _check_url(server)
        return SseConnection(
            server,
            timeout=timeout,
            max_message_bytes=max_message_bytes,
            idle_timeout=self.idle_timeout,
        )


class SseConnection:
    """The subscriptions of one run to one http(s) server, over one HTTP session."""

    def __init__(
        self,
        server: ServerTarget,
        *,
        timeout: float,
        max_message_bytes: int,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self._server = server
        self._timeout = timeout
        self._max_message_bytes = max_message_bytes
        self._idle_timeout = idle_timeout
        self._recorder = _ResponseRecorder()
        self._transport = RequestsTransport(max_body_bytes=_decoder_cap(max_message_bytes))
        self._transport.session.hooks["response"].append(self._recorder.hook)
        self._subscriptions: list[SseSubscription] = []
        self._lock = threading.Lock()
        self._closed = False

    def subscribe(self, address: str) -> SseSubscription:
        """GET the channel's stream; returns once its headers came (the server streams)."""
        where = f"{address!r} at {self._server.public_url}"
        if self._closed:
            raise MessageTransportError(f"cannot subscribe to {where}: the connection is closed")
        url = channel_url(self._server, address)
        request = HttpRequest(
            "GET",
            url,
            _request_headers(self._server.headers),
            credential_headers=frozenset(self._server.headers),
            stream=True,
            deadline=time.monotonic() + self._timeout,
        )
        response, raw = self._exchange(request, self._idle_timeout, f"subscribe to {where}")
        problem = _refusal(response)
        if problem is not None:
            _close_quietly(response)
            raise MessageTransportError(
                f"could not subscribe to {where}: {public_url(response.url or url)} {problem}"
            )
        subscription = SseSubscription(
            address,
            response,
            raw,
            server_url=self._server.public_url,
            max_message_bytes=self._max_message_bytes,
        )
        with self._lock:
            closed = self._closed
            if not closed:
                self._subscriptions.append(subscription)
        if closed:  # closed by another thread meanwhile
            subscription.close()
            raise MessageTransportError(f"cannot subscribe to {where}: the connection is closed")
        subscription.start()
        return subscription

    def publish(self, message: OutgoingMessage) -> None:
        """POST the message to the channel's URL (AsyncAPI's HTTP binding default): its
        payload the body, its content type and headers the request's; a 2xx answer
        means it was taken, anything else is an error naming the status."""
        where = f"{message.address!r} at {self._server.public_url}"
        if self._closed:
            raise MessageTransportError(f"cannot send to {where}: the connection is closed")
        headers = {**message.headers, **self._server.headers}
        headers["Content-Type"] = message.content_type
        request = HttpRequest(
            "POST",
            channel_url(self._server, message.address),
            headers,
            body=message.payload,
            credential_headers=frozenset(self._server.headers),
            deadline=time.monotonic() + self._timeout,
        )
        response, _ = self._exchange(request, self._timeout, f"send to {where}")
        status = response.status_code
        _close_quietly(response)
        if not 200 <= status < 300:
            raise MessageTransportError(f"could not send to {where}: the server answered {status}")

    def _exchange(
        self, request: HttpRequest, timeout: float, doing: str
    ) -> tuple[HttpResponse, Any]:
        """Send ``request``; its response and the raw urllib3 response the hook recorded
        (forgotten as well when no usable answer came).  Every failure is one
        MessageTransportError saying what could not be done (``doing``)."""
        try:
            response = self._transport.send(request, timeout=timeout)
        except TransportError as error:
            raise MessageTransportError(f"could not {doing}: {error}") from None
        except Exception as error:  # a bug below must not escape as a library error
            raise MessageTransportError(f"could not {doing}: {type(error).__name__}") from None
        finally:
            raw = self._recorder.take()
        return response, raw

    def close(self) -> None:
        """Close every subscription (their sockets and threads), then the HTTP session."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            subscriptions, self._subscriptions = self._subscriptions, []
        for subscription in subscriptions:
            subscription.close()
        with contextlib.suppress(Exception):  # close never raises
            self._transport.close()  # its own session: the pools and their sockets


class _End:
    """The queue's last item: why the stream ended."""

    __slots__ = ("error",)

    def __init__(self, error: MessageTransportError) -> None:
        self.error = error


_Item = IncomingMessage | MessageTooLarge | _End


class SseSubscription:
    """One open event stream, read by its own thread into an in-order buffer."""

    def __init__(
        self,
        address: str,
        response: HttpResponse,
        raw: Any,
        *,
        server_url: str,
        max_message_bytes: int,
    ) -> None:
        self.address = address
        self._response = response
        self._raw = raw  # urllib3's response: shut down to wake the reader
        self._where = f"{address!r} at {server_url}"
        self._max_message_bytes = max_message_bytes
        self._decoder = SseDecoder(max_event_bytes=_decoder_cap(max_message_bytes))
        self._items: queue.Queue[_Item] = queue.Queue()
        self._ended: MessageTransportError | None = None
        self._closing = threading.Event()
        self._thread = threading.Thread(
            target=self._read,
            name=f"arazzo-sse-reader-{next(_thread_numbers)}",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()

    def get(self, timeout: float) -> IncomingMessage | None:
        """The next event, waiting at most ``timeout`` seconds; None when none came."""
        if self._closing.is_set():
            raise MessageTransportError(f"the subscription to {self._where} is closed")
        if self._ended is not None:
            raise self._ended
        try:
            item = self._items.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None
        if isinstance(item, _End):
            self._ended = item.error
            raise item.error
        if isinstance(item, MessageTooLarge):
            raise item
        return item

    def close(self) -> None:
        """Stop reading: wake the reader, join it, release the connection; never raises."""
        if self._closing.is_set():
            return
        self._closing.set()
        _shut_down(self._raw)
        self._raw = None  # it holds its connection pool open
        if self._thread.is_alive():
            self._thread.join(JOIN_SECONDS)
        if not self._thread.is_alive():
            _close_quietly(self._response)

    # -- the reader thread ------------------------------------------------

    def _read(self) -> None:
        try:
            self._items.put(_End(self._pump()))
        except Exception as error:  # a bug must still end the subscription, not hang get
            self._items.put(
                _End(
                    MessageTransportError(
                        f"reading the event stream of {self._where} failed: {type(error).__name__}"
                    )
                )
            )
        finally:
            _close_quietly(self._response)

    def _pump(self) -> MessageTransportError:
        """Hand over events until the stream ends; return why it ended."""
        decoder = self._decoder
        chunks: Iterator[bytes] = self._response.iter_bytes()
        while True:
            try:
                chunk = next(chunks, None)
            except StreamError as error:
                return MessageTransportError(
                    f"the event stream of {self._where} was lost: {_detail(error)}"
                )
            if chunk is None:
                break
            try:
                events = decoder.feed(chunk)
            except StreamError as error:
                self._items.put(
                    MessageTooLarge(f"an event on {self._where} was too large: {error}")
                )
                return MessageTransportError(
                    f"the event stream of {self._where} was closed after an event too large "
                    "to buffer"
                )
            for event in events:
                self._items.put(self._message(event))
        partial = " in the middle of an event" if decoder.pending else ""
        decoder.close()
        return MessageTransportError(f"the event stream of {self._where} ended{partial}")

    def _message(self, event: ServerSentEvent) -> IncomingMessage | MessageTooLarge:
        payload = event.data.encode("utf-8")
        if len(payload) > self._max_message_bytes:
            return MessageTooLarge(
                f"an event of {len(payload)} bytes on {self._where} exceeds "
                f"max_message_bytes ({self._max_message_bytes}); it was dropped"
            )
        headers = {"event": event.event}
        if event.id is not None:
            headers["id"] = event.id
        return IncomingMessage(self.address, payload, headers, None)


class _ResponseRecorder:
    """Remembers, per thread, the library response of the last request sent (a session
    ``response`` hook: the one public way in, this package importing no HTTP library).

    ``close`` needs it: shutting the socket down is the one way to wake a thread
    blocked reading a silent stream.
    """

    def __init__(self) -> None:
        self._last = threading.local()

    def hook(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self._last.raw = getattr(response, "raw", None)

    def take(self) -> Any:
        """The urllib3 response of this thread's last request (None if none), forgotten."""
        raw = getattr(self._last, "raw", None)
        self._last.raw = None
        return raw


def channel_url(server: ServerTarget, address: str) -> str:
    """``server.url`` + '/' + ``address`` (one slash between), plus ``server.query``."""
    parts = urlsplit(server.url)
    path = parts.path.rstrip("/") + "/" + quote(address.lstrip("/"), safe=_SAFE_IN_ADDRESS)
    query = parts.query
    if server.query:
        added = urlencode(list(server.query.items()))
        query = f"{query}&{added}" if query else added
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _check_url(server: ServerTarget) -> None:
    """Raise MessageTransportError when ``server.url`` cannot be requested over HTTP."""
    try:
        parts = urlsplit(server.url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        problem = None
        if parts.scheme.lower() not in ("http", "https"):
            problem = "its scheme is not http or https"
        elif not parts.hostname:
            problem = "it has no host"
    except ValueError as error:
        problem = str(error)
    if problem is not None:
        raise MessageTransportError(
            f"the server URL {_safe_public(server.url)} cannot be used for Server-Sent "
            f"Events: {problem}"
        )


def _safe_public(url: str) -> str:
    try:
        return public_url(url)
    except ValueError:
        return "(unparsable URL)"


def _request_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The server's headers with ``Accept: text/event-stream`` (replacing any other)."""
    sent = {k: v for k, v in headers.items() if k.lower() != "accept"}
    sent["Accept"] = EVENT_STREAM
    return sent


def _refusal(response: HttpResponse) -> str | None:
    """Why ``response`` is not an event stream to read; None when it is."""
    status = response.status_code
    if not 200 <= status < 300:
        return f"answered HTTP {status}"
    if response.content_type != EVENT_STREAM:
        given = response.content_type or "no content type"
        return f"answered HTTP {status} with {given}, not {EVENT_STREAM}"
    return None


def _decoder_cap(max_message_bytes: int) -> int:
    """The most an unfinished event may buffer: room to skip an event somewhat too large."""
    return max(2 * max_message_bytes, max_message_bytes + 1024 * 1024)


def _detail(error: StreamError) -> str:
    """The reason part of the HTTP layer's StreamError sentence."""
    text = str(error)
    return text.split(": ", 1)[1] if ": " in text else text


def _shut_down(raw: Any) -> None:
    """Shut the response's socket down for reading: a blocked read returns at once."""
    if raw is None:
        return
    shutdown = getattr(raw, "shutdown", None)
    if callable(shutdown):
        with contextlib.suppress(Exception):  # released to the pool, or already closed
            shutdown()
            return
    with contextlib.suppress(Exception):  # an urllib3 without shutdown(): the socket itself
        raw.connection.sock.shutdown(socket.SHUT_RDWR)


def _close_quietly(response: HttpResponse) -> None:
    with contextlib.suppress(Exception):  # a generator still running in the reader
        response.close()


ADAPTER = SseAdapter()
"""The registry's entry point for ``http`` and ``https`` servers."""
