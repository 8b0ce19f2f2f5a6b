"""NATS (core publish/subscribe) through nats-py, behind the synchronous transport seam.

nats-py is asyncio-only, so each :class:`NatsConnection` runs ONE event loop
on its own daemon thread (``arazzo-nats-<host:port>``); the caller's thread
hands it coroutines with :func:`asyncio.run_coroutine_threadsafe` and waits
for the result, bounded by the connect ``timeout``.  Messages come back the
other way: the subscription's handler (on the loop) appends to a buffer that
``get`` waits on under a :class:`threading.Condition`, so ``get`` never needs
the loop.

* The channel address is the NATS subject, verbatim (wildcards allowed).
* Headers travel as NATS headers (nats-server 2.2+).  The content type is sent
  as the ``Content-Type`` header; on receipt it is taken out of the headers
  into :attr:`IncomingMessage.content_type` (found case-insensitively).
* ``subscribe`` and ``publish`` end with PING/PONG round trips (``flush``, two
  of them: see :meth:`NatsConnection._flush_checked`): the server has then
  processed the SUB (a later message is delivered) or received the PUB.  A
  ``-ERR 'Permissions Violation ...'`` the server sends for that subject before
  the PONG turns into a :class:`MessageTransportError`.
* Credentials: ``server.username``/``server.password`` (else the URL's user
  info), sent in the CONNECT; the client neither logs nor reports them.
* The client never reconnects: a lost connection runs the disconnected/closed
  callbacks, which mark every subscription lost; ``get`` raises once its buffer
  is empty.
* A message whose payload is over ``max_message_bytes`` is replaced in the
  buffer by a marker, so ``get`` raises :class:`MessageTooLarge` in its place.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from nats import errors as nats_errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription as _ClientSubscription

from arazzo_engine.messaging.transport import (
    IncomingMessage,
    MessageTooLarge,
    MessageTransportError,
    OutgoingMessage,
    ServerTarget,
)

__all__ = ["ADAPTER", "NatsAdapter", "NatsConnection", "NatsSubscription"]

T = TypeVar("T")

CONTENT_TYPE = "Content-Type"
DEFAULT_PORT = 4222
CLOSE_BOUND = 2.0
"""Seconds ``close`` waits for the client to close and for the loop thread to end."""
_MARGIN = 0.5
"""Extra seconds the caller waits beyond a coroutine's own ``wait_for`` bound."""
_RECENT_ERRORS = 32


class NatsAdapter:
    """Makes :class:`NatsConnection` s to ``nats://`` servers."""

    def connect(
        self, server: ServerTarget, *, timeout: float, max_message_bytes: int
    ) -> NatsConnection:
        """A connected client; :class:`MessageTransportError` within about ``timeout`` s."""
        return NatsConnection.open(server, timeout=timeout, max_message_bytes=max_message_bytes)


ADAPTER = NatsAdapter()


@dataclass(frozen=True)
class _TooLarge:
    """Stands in the buffer for a dropped oversize message."""

    subject: str
    size: int


class _LoopThread:
    """One asyncio event loop on a named daemon thread, and a bounded way to run on it."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._submit = threading.Lock()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            self._finish()

    def _finish(self) -> None:
        """Cancel and await what is left, so no task is destroyed pending; close the loop."""
        loop = self.loop
        try:
            for _ in range(3):  # cancelling a task may start another (nats-py's close does)
                pending = asyncio.all_tasks(loop)
                if not pending:
                    break
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """The coroutine's result, run on the loop; ``TimeoutError`` after ``timeout`` s.

        The bound is applied on the loop (``wait_for``), so a timed-out coroutine is
        cancelled there rather than left running.
        """
        with self._submit:  # nothing is handed over once stop() began
            if self._stopping or not self._thread.is_alive():
                coro.close()
                raise nats_errors.ConnectionClosedError
            future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(coro, timeout), self.loop)
        try:
            return future.result(timeout + _MARGIN)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def stop(self) -> None:
        """Stop the loop and join the thread (bounded); the thread closes the loop."""
        with self._submit:
            if self._stopping:
                return
            self._stopping = True
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread is not threading.current_thread():
            self._thread.join(CLOSE_BOUND)


def _endpoint(server: ServerTarget) -> tuple[str, str | None, str | None]:
    """The URL nats-py connects to (no user info, no path) and the credentials to send."""
    parts = urlsplit(server.url)
    host = parts.hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise MessageTransportError(
            f"cannot connect to {server.public_url}: the URL's port is not a number"
        ) from None
    username = server.username if server.username is not None else _unquoted(parts.username)
    password = server.password if server.password is not None else _unquoted(parts.password)
    return f"nats://{host}:{port}", username, password


def _unquoted(value: str | None) -> str | None:
    return unquote(value) if value is not None else None


def _why(error: BaseException, timeout: float) -> str:
    """Why an operation failed, in words that never hold a credential or a header value."""
    if isinstance(
        error, (asyncio.TimeoutError, concurrent.futures.TimeoutError, nats_errors.TimeoutError)
    ):
        return f"timed out after {timeout:g} s"
    if (
        isinstance(error, nats_errors.AuthorizationError)
        or "authorization violation" in str(error).lower()
    ):
        return "authentication refused (Authorization Violation)"
    if isinstance(error, nats_errors.ConnectionClosedError):
        return "the connection is closed"
    if isinstance(error, nats_errors.BadSubjectError):
        return "it is not a valid NATS subject"
    if isinstance(error, nats_errors.BadHeaderError):
        return "a header name is not a valid token"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, OSError):
        return f"network error ({error.strerror or type(error).__name__})"
    if isinstance(error, nats_errors.Error):
        text = str(error).removeprefix("nats: ").strip("' ")
        return text or type(error).__name__
    return type(error).__name__


class NatsConnection:
    """One nats-py client on its own event loop thread."""

    def __init__(
        self, server: ServerTarget, runner: _LoopThread, timeout: float, max_message_bytes: int
    ) -> None:
        self.server = server
        self._runner = runner
        self._client = Client()
        self._timeout = timeout
        self._max_bytes = max_message_bytes
        self._lock = threading.Lock()
        self._subscriptions: list[NatsSubscription] = []
        self._errors: deque[tuple[int, str]] = deque(maxlen=_RECENT_ERRORS)
        self._error_count = 0
        self._lost: str | None = None
        self._closed = False

    @classmethod
    def open(
        cls, server: ServerTarget, *, timeout: float, max_message_bytes: int
    ) -> NatsConnection:
        """Connect, or raise :class:`MessageTransportError` and leave nothing running."""
        url, username, password = _endpoint(server)
        runner = _LoopThread(f"arazzo-nats-{urlsplit(url).netloc}")
        connection = cls(server, runner, timeout, max_message_bytes)
        try:
            runner.run(connection._connect(url, username, password), timeout)
        except BaseException as error:
            connection.close()
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            why = connection._connect_failure(error)
            raise MessageTransportError(
                f"cannot connect to NATS server {server.public_url}: {why}"
            ) from None
        return connection

    async def _connect(self, url: str, username: str | None, password: str | None) -> None:
        await self._client.connect(
            url,
            name="arazzo-engine",
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=0,
            connect_timeout=max(1, math.ceil(self._timeout)),
            user=username,
            password=password,
            error_cb=self._on_error,
            disconnected_cb=self._on_disconnected,
            closed_cb=self._on_disconnected,
        )

    def _connect_failure(self, error: BaseException) -> str:
        """The reason for a failed connect: the first error the client saw, else ``error``."""
        if isinstance(error, nats_errors.NoServersError) and self._errors:
            return self._errors[0][1]
        return _why(error, self._timeout)

    async def _on_error(self, error: Exception) -> None:
        """Remember asynchronous errors: connect failures, ``-ERR`` permission violations."""
        self._error_count += 1
        self._errors.append((self._error_count, _why(error, self._timeout)))

    async def _on_disconnected(self) -> None:
        """The connection is gone: every subscription's ``get`` raises once drained."""
        with self._lock:
            if self._lost is None:
                self._lost = self._lost_reason()
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription._fail(self._lost)

    def _lost_reason(self) -> str:
        if self._closed:
            return "the connection was closed"
        error = self._client.last_error
        detail = f" ({_why(error, self._timeout)})" if error is not None else ""
        return f"the connection was lost{detail}"

    def _run(self, coro: Coroutine[Any, Any, T], what: str) -> T:
        """Run ``coro`` on the loop; any failure becomes one :class:`MessageTransportError`."""
        with self._lock:
            gone = "the connection is closed" if self._closed else self._lost
        if gone is not None:
            coro.close()
            raise MessageTransportError(
                f"cannot {what} on NATS server {self.server.public_url}: {gone}"
            )
        try:
            return self._runner.run(coro, self._timeout)
        except MessageTransportError:
            raise
        except Exception as error:
            why = _why(error, self._timeout)
            raise MessageTransportError(
                f"cannot {what} on NATS server {self.server.public_url}: {why}"
            ) from None

    async def _flush_checked(self, kind: str, subject: str, before: int) -> None:
        """Make sure the server has processed what was sent; raise if it reported a
        permission violation for ``subject`` (an error numbered after ``before``).

        Two round trips: nats-py writes a flush's PING straight to the socket, ahead of
        the commands its flusher task has not written yet, so the first PONG can come
        before the server has even read the SUB or PUB.  By the time it comes the
        flusher has run (it was ready first), so the second PING follows them.
        """
        for _ in range(2):
            await self._client.flush(max(1, math.ceil(self._timeout)))
        needle = f'permissions violation for {kind} to "{subject}"'.lower()
        for serial, text in self._errors:
            if serial > before and needle in text.lower():
                raise nats_errors.Error(text)

    def subscribe(self, address: str) -> NatsSubscription:
        """Subscribe to subject ``address``; the server has the SUB when this returns."""
        subscription = NatsSubscription(self, address, self._max_bytes)
        with self._lock:
            self._subscriptions.append(subscription)
        try:
            self._run(self._subscribe(subscription), f"subscribe to '{address}'")
        except MessageTransportError:
            subscription.close()
            raise
        return subscription

    async def _subscribe(self, subscription: NatsSubscription) -> None:
        before = self._error_count
        subscription._nats = await self._client.subscribe(
            subscription.address, cb=subscription._deliver
        )
        await self._flush_checked("subscription", subscription.address, before)

    def publish(self, message: OutgoingMessage) -> None:
        """Publish to subject ``message.address``; the server has it when this returns."""
        headers = dict(message.headers)
        if message.content_type:
            headers = {k: v for k, v in headers.items() if k.lower() != CONTENT_TYPE.lower()}
            headers[CONTENT_TYPE] = message.content_type
        self._run(self._publish(message, headers or None), f"publish to '{message.address}'")

    async def _publish(self, message: OutgoingMessage, headers: dict[str, str] | None) -> None:
        client = self._client
        if client.is_connected and len(message.payload) > client.max_payload:
            raise nats_errors.Error(
                f"the payload ({len(message.payload)} bytes) is over the server's max_payload "
                f"({client.max_payload} bytes)"
            )
        before = self._error_count
        await client.publish(message.address, message.payload, headers=headers)
        await self._flush_checked("publish", message.address, before)

    def _unsubscribe(self, subscription: NatsSubscription) -> None:
        """Drop ``subscription``; tell the server when the connection still stands."""
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)
            usable = not self._closed and self._lost is None
        handle = subscription._nats
        if usable and handle is not None:
            # Never raises: should the UNSUB not get through, closing the connection ends it.
            with contextlib.suppress(Exception):
                self._runner.run(_quietly(handle.unsubscribe), min(self._timeout, CLOSE_BOUND))

    def close(self) -> None:
        """Close the client, stop the loop, join its thread; idempotent, never raises."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription._fail("the connection was closed")
        with contextlib.suppress(Exception):  # the loop is stopped below whatever happened
            self._runner.run(_quietly(self._client.close), CLOSE_BOUND)
        self._runner.stop()


async def _quietly(action: Callable[[], Awaitable[None]]) -> None:
    """Await ``action()``, ignoring the client's errors (used while tearing down)."""
    with contextlib.suppress(nats_errors.Error, OSError):
        await action()


class NatsSubscription:
    """Messages on one subject, buffered in arrival order until ``get`` takes them."""

    def __init__(self, connection: NatsConnection, address: str, max_message_bytes: int) -> None:
        self.address = address
        self._connection = connection
        self._max_bytes = max_message_bytes
        self._buffer: deque[IncomingMessage | _TooLarge] = deque()
        self._ready = threading.Condition()
        self._ended: str | None = None
        self._nats: _ClientSubscription | None = None
        self._closed = False

    async def _deliver(self, msg: Msg) -> None:
        """Called on the loop for each message, in order: buffer it (or its too-large marker)."""
        item: IncomingMessage | _TooLarge
        if len(msg.data) > self._max_bytes:
            item = _TooLarge(msg.subject, len(msg.data))
        else:
            item = _incoming(msg)
        with self._ready:
            if not self._closed:
                self._buffer.append(item)
                self._ready.notify_all()

    def _fail(self, reason: str) -> None:
        """No more messages will come; ``get`` raises ``reason`` once the buffer is empty."""
        with self._ready:
            if self._ended is None:
                self._ended = reason
            self._ready.notify_all()

    def get(self, timeout: float) -> IncomingMessage | None:
        """The next message within ``timeout`` s, or None; raises as the contract says."""
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._ready:
            while not self._buffer:
                if self._ended is not None:
                    raise MessageTransportError(self._ended_message())
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._ready.wait(remaining)
            item = self._buffer.popleft()
        if isinstance(item, _TooLarge):
            url = self._connection.server.public_url
            raise MessageTooLarge(
                f"a message on '{item.subject}' from NATS server {url} "
                f"was {item.size} bytes, over the limit of {self._max_bytes} bytes; it was dropped"
            )
        return item

    def _ended_message(self) -> str:
        return (
            f"no more messages on '{self.address}' from NATS server "
            f"{self._connection.server.public_url}: {self._ended}"
        )

    def close(self) -> None:
        """Unsubscribe; idempotent, never raises."""
        with self._ready:
            if self._closed:
                return
            self._closed = True
            self._ended = "the subscription was closed"
            self._buffer.clear()
            self._ready.notify_all()
        self._connection._unsubscribe(self)


def _incoming(msg: Msg) -> IncomingMessage:
    """An :class:`IncomingMessage` from a nats-py message, the content type lifted out."""
    headers: dict[str, str] = dict(msg.headers or {})
    content_type = None
    for name in list(headers):
        if name.lower() == CONTENT_TYPE.lower():
            content_type = headers.pop(name)
    return IncomingMessage(
        address=msg.subject, payload=bytes(msg.data), headers=headers, content_type=content_type
    )
