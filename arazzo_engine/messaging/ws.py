"""WebSocket servers (``ws``, ``wss``): one socket per channel address.

A WebSocket has no topics: the channel address is the URL path, so a
connection opens one socket per address, on the first ``subscribe`` or
``publish`` to it, and keeps it until :meth:`WebSocketConnection.close`.  A
run's send and receive steps on one address therefore share a socket - the
replies to what a send step wrote come back on it.  Every socket has one reader
thread that takes frames off the library as they arrive and buffers them for
the address from the moment the socket opens, so a ``subscribe`` made after a
``publish`` still sees the replies that came in between.

The library (``websockets``, its threaded client) enforces ``max_size``: a
frame over ``max_message_bytes`` makes it close the socket with code 1009.
That is reported as :class:`MessageTooLarge` for the dropped message, then as
the loss of the socket (:class:`MessageTransportError`); WebSocket cannot drop
one message and go on.
"""

from __future__ import annotations

import base64
import contextlib
import ssl
import threading
import time
from collections import deque
from typing import TypeAlias
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI
from websockets.sync.client import ClientConnection, connect

from arazzo_engine.messaging.transport import (
    IncomingMessage,
    MessageTooLarge,
    MessageTransportError,
    OutgoingMessage,
    ServerTarget,
)

__all__ = ["ADAPTER", "WebSocketAdapter", "WebSocketConnection", "WebSocketSubscription"]

_JOIN_SECONDS = 2.0
"""How long ``close`` waits for each thread: a bound, never forever."""
_CLOSE_HANDSHAKE_SECONDS = 2.0
"""The longest ``close`` waits for the server to answer the closing handshake."""
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
"""Characters an address keeps as they are in the URL path (``%``: already encoded)."""
_REASONS = {
    401: "authentication refused",
    403: "access forbidden",
    404: "no such path",
}

_Item: TypeAlias = "bytes | MessageTooLarge"
"""What a socket buffers: a frame's payload, or the notice of an oversize one."""


class WebSocketAdapter:
    """Makes :class:`WebSocketConnection` objects; sockets open on first use."""

    def connect(
        self, server: ServerTarget, *, timeout: float, max_message_bytes: int
    ) -> WebSocketConnection:
        """A connection to ``server``; only the URL is checked now (sockets are per address)."""
        _check_url(server)
        return WebSocketConnection(server, timeout=timeout, max_message_bytes=max_message_bytes)


class WebSocketConnection:
    """One server, one socket per address, all closed together."""

    def __init__(self, server: ServerTarget, *, timeout: float, max_message_bytes: int) -> None:
        self._server = server
        self._timeout = timeout
        self._max_bytes = max_message_bytes
        self._lock = threading.Lock()
        self._sockets: dict[str, _Socket] = {}
        self._closed = False

    def subscribe(self, address: str) -> WebSocketSubscription:
        """Receive on ``address``: its socket is open (the handshake done) once this returns."""
        return self._socket(address).subscribe()

    def publish(self, message: OutgoingMessage) -> None:
        """Send one frame: text for JSON and ``text/*`` payloads, binary otherwise."""
        self._socket(message.address).send(message)

    def close(self) -> None:
        """Close every socket and join every thread; idempotent, never raises."""
        with self._lock:
            self._closed = True
            sockets = list(self._sockets.values())
            self._sockets.clear()
        for sock in sockets:
            sock.close()

    def _socket(self, address: str) -> _Socket:
        """The socket of ``address``, opened now when it is the first use."""
        with self._lock:
            if self._closed:
                raise MessageTransportError(
                    f"The connection to WebSocket server {self._server.public_url} is closed; "
                    f"'{address}' cannot be used."
                )
            sock = self._sockets.get(address)
            if sock is None:
                sock = _Socket.open(self._server, address, self._timeout, self._max_bytes)
                self._sockets[address] = sock
            return sock


class WebSocketSubscription:
    """The frames of one address, taken in order; shares the address's socket."""

    def __init__(self, owner: _Socket, items: deque[_Item]) -> None:
        self._owner = owner
        self._items = items
        self._closed = False

    def get(self, timeout: float) -> IncomingMessage | None:
        """The next frame within ``timeout`` seconds, else None; errors once the socket is gone."""
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._owner.ready:
            while True:
                if self._closed:
                    raise self._owner.failure("the subscription was closed")
                if self._items:
                    return self._take()
                if self._owner.error is not None:
                    raise MessageTransportError(str(self._owner.error))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._owner.ready.wait(remaining)

    def close(self) -> None:
        """Stop receiving; the socket stays open for the address's other uses."""
        with self._owner.ready:
            self._closed = True
            self._items.clear()
        self._owner.unsubscribe(self)

    def put(self, item: _Item) -> None:
        """Buffer ``item`` (the socket holds the lock)."""
        self._items.append(item)

    def _take(self) -> IncomingMessage:
        item = self._items.popleft()
        if isinstance(item, MessageTooLarge):
            raise MessageTooLarge(str(item))
        return IncomingMessage(address=self._owner.address, payload=item)


class _Socket:
    """One open WebSocket, its reader thread, and the frames not yet taken."""

    def __init__(
        self,
        server: ServerTarget,
        address: str,
        ws: ClientConnection,
        stack: contextlib.ExitStack,
        max_bytes: int,
    ) -> None:
        self.address = address
        self.ready = threading.Condition()
        self.error: MessageTransportError | None = None
        self._server = server
        self._ws = ws
        self._stack = stack
        self._pending: deque[_Item] = deque()
        self._subscribers: list[WebSocketSubscription] = []
        self._closing = False
        self._max_bytes = max_bytes
        self._reader = threading.Thread(
            target=self._read, name=f"arazzo-ws-reader-{address}", daemon=True
        )

    @classmethod
    def open(cls, server: ServerTarget, address: str, timeout: float, max_bytes: int) -> _Socket:
        """Open the socket of ``address`` and start reading it; errors name the server."""
        stack = contextlib.ExitStack()
        try:
            # The library wants connect() used as a context manager; the stack keeps
            # it entered for the connection's life and leaves it in close().
            ws = stack.enter_context(
                connect(
                    _socket_url(server, address),
                    additional_headers=_handshake_headers(server),
                    open_timeout=timeout,
                    close_timeout=min(timeout, _CLOSE_HANDSHAKE_SECONDS),
                    max_size=max_bytes,
                )
            )
        except Exception as exc:
            stack.close()
            raise _open_error(server, address, timeout, exc) from None
        sock = cls(server, address, ws, stack, max_bytes)
        _name_library_threads(ws, address)
        sock._reader.start()
        return sock

    def subscribe(self) -> WebSocketSubscription:
        """A subscription that first gets what came while nobody listened."""
        with self.ready:
            items, self._pending = self._pending, deque()
            subscription = WebSocketSubscription(self, items)
            self._subscribers.append(subscription)
            return subscription

    def unsubscribe(self, subscription: WebSocketSubscription) -> None:
        """Stop handing frames to ``subscription``; with none left, frames wait in pending."""
        with self.ready:
            if subscription in self._subscribers:
                self._subscribers.remove(subscription)
            self.ready.notify_all()

    def send(self, message: OutgoingMessage) -> None:
        """Hand one frame to the network; a closed socket is an error naming why."""
        frame = _frame(self._server, message)
        with self.ready:
            if self.error is not None:
                raise MessageTransportError(str(self.error))
        try:
            self._ws.send(frame)
        except ConnectionClosed as exc:
            raise MessageTransportError(
                _sentence(self._server, self.address, _closed_reason(exc))
            ) from None
        except Exception as exc:
            raise MessageTransportError(
                _sentence(self._server, self.address, f"sending failed ({type(exc).__name__})")
            ) from None

    def failure(self, reason: str) -> MessageTransportError:
        """An error about this socket's address, saying ``reason``."""
        return MessageTransportError(_sentence(self._server, self.address, reason))

    def close(self) -> None:
        """Closing handshake (bounded), then join the reader and the library's threads."""
        with self.ready:
            self._closing = True
        with contextlib.suppress(Exception):  # close never raises; the socket goes anyway
            self._stack.close()
        for thread in (self._reader, *_library_threads(self._ws)):
            if thread is not threading.current_thread():
                thread.join(_JOIN_SECONDS)

    def _read(self) -> None:
        """The reader thread: every frame into the buffers until the socket ends."""
        while True:
            try:
                data = self._ws.recv()
            except Exception as exc:  # ConnectionClosed, or the library failing: the end
                self._finish(exc)
                return
            self._deliver(data.encode() if isinstance(data, str) else bytes(data))

    def _deliver(self, item: _Item) -> None:
        with self.ready:
            if not self._subscribers:
                self._pending.append(item)
            for subscription in self._subscribers:
                subscription.put(item)
            self.ready.notify_all()

    def _finish(self, exc: Exception) -> None:
        """The socket ended: an oversize notice when that was why, then the error."""
        with self.ready:
            closing = self._closing
        if closing:
            reason = "its connection was closed"
        elif isinstance(exc, ConnectionClosed) and _we_refused_a_large_frame(exc):
            self._deliver(
                MessageTooLarge(
                    _sentence(
                        self._server,
                        self.address,
                        f"a message over the limit of {self._max_bytes} bytes was dropped",
                    )
                )
            )
            reason = (
                "the socket was closed with code 1009 after a message over the limit of "
                f"{self._max_bytes} bytes"
            )
        elif isinstance(exc, ConnectionClosed):
            reason = _closed_reason(exc)
        else:
            reason = f"the connection was lost ({type(exc).__name__})"
        with self.ready:
            self.error = MessageTransportError(_sentence(self._server, self.address, reason))
            self.ready.notify_all()


def _check_url(server: ServerTarget) -> None:
    """A ``ws``/``wss`` URL with a host, or an error now rather than at the first step."""
    try:
        parts = urlsplit(server.url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise MessageTransportError(
            f"WebSocket server {server.public_url} does not have a ws:// or wss:// URL with a host."
        )


def _socket_url(server: ServerTarget, address: str) -> str:
    """The server's URL, '/', the address (slashes joined once), and the server's query."""
    parts = urlsplit(server.url)
    path_part, _, address_query = address.partition("?")
    path = parts.path.rstrip("/") + "/" + quote(path_part.lstrip("/"), safe=_PATH_SAFE)
    extra = urlencode(dict(server.query)) if server.query else ""
    query = "&".join(q for q in (parts.query, address_query, extra) if q)
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _handshake_headers(server: ServerTarget) -> dict[str, str]:
    """The server's headers, plus HTTP Basic from a username when no Authorization is set."""
    headers = dict(server.headers)
    has_auth = any(name.lower() == "authorization" for name in headers)
    if server.username is not None and not has_auth:
        pair = f"{server.username}:{server.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return headers


def _frame(server: ServerTarget, message: OutgoingMessage) -> str | bytes:
    """A text frame for JSON and text payloads (they are UTF-8), else a binary frame."""
    media = message.content_type.split(";", 1)[0].strip().lower()
    is_text = media.startswith("text/") or media == "application/json" or media.endswith("+json")
    if not is_text:
        return bytes(message.payload)
    try:
        return message.payload.decode("utf-8")
    except UnicodeDecodeError:
        raise MessageTransportError(
            _sentence(
                server,
                message.address,
                f"a {media} payload is not UTF-8 text and cannot be sent as a text frame",
            )
        ) from None


def _open_error(
    server: ServerTarget, address: str, timeout: float, exc: Exception
) -> MessageTransportError:
    """One sentence for a socket that could not be opened (no credential in it)."""
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        why = _REASONS.get(status, "")
        reason = f"refused the WebSocket handshake with HTTP {status}" + (
            f" ({why})" if why else ""
        )
    elif isinstance(exc, InvalidURI):
        reason = "is not a valid WebSocket URL"
    elif isinstance(exc, TimeoutError):
        reason = f"did not complete the handshake: timed out after {timeout:g} s"
    elif isinstance(exc, ssl.SSLCertVerificationError):
        reason = f"presented a certificate that could not be verified ({exc.verify_message})"
    elif isinstance(exc, ssl.SSLError):
        reason = f"failed the TLS handshake ({exc.reason or type(exc).__name__})"
    elif isinstance(exc, ConnectionRefusedError):
        reason = "refused the connection"
    elif isinstance(exc, OSError):
        reason = f"could not be reached ({exc.strerror or type(exc).__name__})"
    else:
        reason = f"failed the WebSocket handshake ({_redact(str(exc), server)})"
    return MessageTransportError(_sentence(server, address, reason, subject=True))


def _closed_reason(exc: ConnectionClosed) -> str:
    """Why the socket ended, from the close frame of the side that closed first."""
    if exc.rcvd is not None and (exc.sent is None or exc.rcvd_then_sent):
        frame, who = exc.rcvd, "by the server"
    elif exc.sent is not None:
        frame, who = exc.sent, "by the client"
    else:
        return "the connection was lost without a closing handshake"
    said = f" ({frame.reason[:120]})" if frame.reason else ""
    return f"the socket was closed {who} with code {frame.code}{said}"


def _we_refused_a_large_frame(exc: ConnectionClosed) -> bool:
    """True when this side closed first with 1009: the library refused an oversize frame."""
    sent_first = exc.rcvd is None or exc.rcvd_then_sent is False
    return exc.sent is not None and exc.sent.code == 1009 and sent_first


def _sentence(server: ServerTarget, address: str, reason: str, *, subject: bool = False) -> str:
    """'WebSocket server URL, address 'a': reason.' - with every credential removed."""
    if subject:
        text = f"WebSocket server {server.public_url} ('{address}') {reason}."
    else:
        text = f"WebSocket server {server.public_url}, address '{address}': {reason}."
    return _redact(text, server)


def _redact(text: str, server: ServerTarget) -> str:
    """``text`` without any header value, query value or password of ``server``.

    A header value's last word is removed on its own too: ``Key abc`` is a scheme
    and a secret, and a server may echo only the secret.
    """
    values = [*server.headers.values(), *server.query.values(), server.password or ""]
    secrets = {*values, *(value.rsplit(" ", 1)[-1] for value in server.headers.values())}
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _library_threads(ws: ClientConnection) -> list[threading.Thread]:
    """The threads the library started for ``ws`` (keepalive: websockets 14+)."""
    threads = [getattr(ws, "recv_events_thread", None), getattr(ws, "keepalive_thread", None)]
    return [t for t in threads if isinstance(t, threading.Thread)]


def _name_library_threads(ws: ClientConnection, address: str) -> None:
    """Give the library's threads names that say whose they are (it leaves them unnamed)."""
    for thread in _library_threads(ws):
        role = "keepalive" if thread is getattr(ws, "keepalive_thread", None) else "events"
        thread.name = f"arazzo-ws-{role}-{address}"


ADAPTER = WebSocketAdapter()
"""The adapter :mod:`~arazzo_engine.messaging.protocols` finds for ``ws`` and ``wss``."""
