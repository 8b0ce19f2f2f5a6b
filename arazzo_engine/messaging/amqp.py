"""AMQP 0-9-1 (RabbitMQ) servers: ``amqp`` and ``amqps``, through pika.

Semantics, chosen to match MQTT and NATS (publish/subscribe, every subscriber
gets every message):

* a channel address is a routing key on the ``amq.topic`` exchange, which
  every AMQP 0-9-1 broker pre-declares; ``publish`` sends to it with routing
  key = address, ``subscribe`` declares an exclusive, auto-delete,
  server-named queue, binds it to ``amq.topic`` with routing key = address
  (so the topic wildcards ``*`` and ``#`` work) and starts consuming it before
  returning: once the bind and the consume are confirmed by the broker, a
  message published afterwards reaches the queue;
* message headers are AMQP ``properties.headers`` (values handed over as
  strings), the content type is ``properties.content_type``;
* the publish channel is in confirm mode, so ``publish`` returns once the
  broker took the message (a message nobody is subscribed to is dropped by the
  broker, as in any pub/sub);
* the virtual host is the URL's path (``amqp://host:5672/vhost``, percent
  decoded; none or ``/`` is the default vhost ``/``); the credentials are the
  server's username and password (else the URL's user info, else pika's
  default guest/guest); ``amqps`` uses TLS with the system's trust store
  (``SSL_CERT_FILE`` adds a private CA) and checks the host name;
* each subscription consumes on its own AMQP channel, so the broker closing
  one (or ``Subscription.close``) leaves the others and publishing alone;
* a delivery over ``max_message_bytes`` is dropped when it arrives (pika has
  read it whole by then: AMQP 0-9-1 has no way to refuse it earlier) and
  ``get`` raises :class:`MessageTooLarge` in its place in the order.

pika is not thread-safe, so each connection owns ONE daemon I/O thread
(``arazzo-amqp-io-<host:port>``) that creates the ``BlockingConnection``,
turns its event loop and runs every command (publish, subscribe, cancel) for
the callers, who wait on a bounded result; no pika object is touched by any
other thread.  Deliveries are checked for size and buffered per
subscription; a lost connection (broker gone, closed by the server, missed
heartbeats: 10 s, so a frozen broker is noticed within ~30 s) ends the thread
and wakes every waiting ``get`` with the error.  ``close`` asks the thread to
close the connection cleanly and joins it for at most 2 s.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import unquote, urlsplit

import pika  # type: ignore[import-untyped]
import pika.exceptions  # type: ignore[import-untyped]
from pika.adapters.utils.connection_workflow import (  # type: ignore[import-untyped]
    AMQPConnectorException as _Connector,
)

from arazzo_engine.messaging.transport import (
    IncomingMessage,
    MessageTooLarge,
    MessageTransportError,
    OutgoingMessage,
    ServerTarget,
)

__all__ = ["ADAPTER", "AmqpAdapter", "AmqpConnection", "AmqpSubscription"]

EXCHANGE = "amq.topic"
"""Pre-declared on every broker: topic routing, so subscribers need no set-up by anyone."""

_POLL = 0.5
"""Longest the I/O thread sleeps in pika's loop; commands wake it sooner."""

_JOIN = 2.0
"""How long ``close`` waits for the I/O thread to end."""

_MIN_COMMAND = 5.0
"""A command's floor bound: a short connect timeout should not make publishing flaky."""

_HEARTBEAT = 10
"""Seconds; a broker that stops answering (frozen, network gone) is noticed in ~15-30 s,
not after the 60 s RabbitMQ proposes.  A smaller value the server proposes wins."""

T = TypeVar("T")


class _Command(Generic[T]):
    """One call for the I/O thread to run, and its result for the waiting caller."""

    def __init__(self, action: Callable[[], T]) -> None:
        self.action = action
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        """Run on the I/O thread; keep the outcome, whatever it is."""
        try:
            self.value = self.action()
        except BaseException as exc:  # handed to the caller's thread, re-raised there
            self.error = exc
        self.done.set()

    def fail(self, error: BaseException) -> None:
        """The I/O thread ended before running it."""
        self.error = error
        self.done.set()


class _TooLarge:
    """Stands in the buffer for a dropped oversize message, so order is kept."""

    def __init__(self, routing_key: str, size: int) -> None:
        self.routing_key = routing_key
        self.size = size


class AmqpSubscription:
    """Messages of one bound queue, buffered in arrival order until taken."""

    def __init__(self, connection: AmqpConnection, address: str) -> None:
        self._connection = connection
        self.address = address
        self._items: deque[IncomingMessage | _TooLarge] = deque()
        self._error: MessageTransportError | None = None
        self._cond = threading.Condition()
        self._closed = False
        self.channel: Any = None
        """The pika channel it consumes on; touched only by the I/O thread."""

    # Called on the I/O thread.
    def deliver(self, item: IncomingMessage | _TooLarge) -> None:
        """Buffer one delivery and wake a waiting ``get``."""
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def fail(self, error: MessageTransportError) -> None:
        """No more messages will come: ``get`` raises ``error`` once the buffer is empty."""
        with self._cond:
            if self._error is None:
                self._error = error
            self._cond.notify_all()

    def get(self, timeout: float) -> IncomingMessage | None:
        """The next message, waiting at most ``timeout`` seconds; None when none came."""
        with self._cond:
            self._cond.wait_for(lambda: self._items or self._error is not None, max(timeout, 0))
            if self._items:
                item = self._items.popleft()
            elif self._error is not None:
                raise self._error
            else:
                return None
        if isinstance(item, _TooLarge):
            raise MessageTooLarge(
                f"a message of {item.size} bytes on '{item.routing_key}' from "
                f"{self._connection.public_url} is larger than the limit of "
                f"{self._connection.max_message_bytes} bytes; it was dropped"
            )
        return item

    def close(self) -> None:
        """Cancel the consumer (its auto-delete queue goes with it); idempotent, never raises."""
        if self._closed:
            return
        self._closed = True
        self.fail(
            MessageTransportError(
                f"the subscription to '{self.address}' on {self._connection.public_url} was closed"
            )
        )
        self._connection.unsubscribe(self)


class AmqpConnection:
    """One AMQP connection, run by its own I/O thread."""

    def __init__(self, server: ServerTarget, *, timeout: float, max_message_bytes: int) -> None:
        self.public_url = server.public_url
        self.max_message_bytes = max_message_bytes
        self._timeout = timeout
        self._parameters = _parameters(server, timeout)
        self._lock = threading.Lock()
        self._commands: deque[_Command[Any]] = deque()
        self._subscriptions: list[AmqpSubscription] = []
        self._stopping = False
        self._ended = False
        self._error: MessageTransportError | None = None
        self._pika: Any = None
        self._publisher: Any = None
        self._ready = threading.Event()
        host = self._parameters.host
        self._thread = threading.Thread(
            target=self._run,
            name=f"arazzo-amqp-io-{host}:{self._parameters.port}",
            daemon=True,
        )

    # ---- caller side -------------------------------------------------------

    def open(self) -> None:
        """Start the I/O thread and wait (bounded) until it is connected."""
        self._thread.start()
        if not self._ready.wait(self._timeout + 0.5):
            self._abandon()
            raise MessageTransportError(
                f"could not connect to {self.public_url}: timed out after {self._timeout:g} s"
            )
        if self._error is not None:
            self._thread.join(_JOIN)
            raise self._error

    def subscribe(self, address: str) -> AmqpSubscription:
        """Bind a fresh queue to ``address`` and consume it; active once this returns."""
        subscription = AmqpSubscription(self, address)
        self._call(lambda: self._do_subscribe(subscription), f"subscribe to '{address}'")
        return subscription

    def publish(self, message: OutgoingMessage) -> None:
        """Publish ``message`` and wait for the broker's confirmation."""
        self._call(lambda: self._do_publish(message), f"publish to '{message.address}'")

    def unsubscribe(self, subscription: AmqpSubscription) -> None:
        """Cancel ``subscription``'s consumer; never raises (the connection may be gone)."""
        with contextlib.suppress(MessageTransportError):
            self._call(lambda: self._do_unsubscribe(subscription), "unsubscribe")

    def close(self) -> None:
        """Close the connection and join the I/O thread (bounded); idempotent, never raises."""
        with self._lock:
            self._stopping = True
        self._wake()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(_JOIN)

    def _call(self, action: Callable[[], T], what: str) -> T:
        """Run ``action`` on the I/O thread and return its result, waiting a bounded time."""
        command: _Command[T] = _Command(action)
        with self._lock:
            if self._ended or self._stopping:
                raise self._gone(what)
            self._commands.append(command)
        self._wake()
        bound = max(self._timeout, _MIN_COMMAND)
        if not command.done.wait(bound):
            raise MessageTransportError(
                f"could not {what} on {self.public_url}: no answer after {bound:g} s"
            )
        if command.error is not None:
            raise _translate(command.error, self.public_url, what) from None
        return command.value  # type: ignore[return-value]

    def _gone(self, what: str) -> MessageTransportError:
        if self._error is not None:
            return self._error
        return MessageTransportError(
            f"could not {what} on {self.public_url}: the connection is closed"
        )

    def _wake(self) -> None:
        """Make the I/O thread leave pika's loop now (the only thread-safe pika call)."""
        connection = self._pika
        if connection is None:
            return
        with contextlib.suppress(Exception):  # closed already: the thread is ending anyway
            connection.add_callback_threadsafe(_nothing)

    def _abandon(self) -> None:
        """``open`` gave up: the thread closes whatever it manages to open, then ends."""
        with self._lock:
            self._stopping = True

    # ---- I/O thread --------------------------------------------------------

    def _run(self) -> None:
        """Connect, then turn pika's loop and run commands until stopped or lost."""
        try:
            self._pika = pika.BlockingConnection(self._parameters)
            self._publisher = self._open_publisher()
        except Exception as exc:
            self._error = _connect_error(exc, self.public_url, self._timeout)
            self._end()
            self._shut()
            self._ready.set()
            return
        self._ready.set()
        try:
            self._loop()
        except Exception as exc:
            self._error = _lost_error(exc, self.public_url)
        self._end()
        self._shut()

    def _loop(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
            self._pika.process_data_events(time_limit=_POLL)
            self._run_commands()
            self._check_channels()

    def _run_commands(self) -> None:
        while True:
            with self._lock:
                if not self._commands:
                    return
                command = self._commands.popleft()
            command.run()
            if isinstance(command.error, pika.exceptions.AMQPConnectionError):
                raise command.error

    def _end(self) -> None:
        """No command is taken any more; fail the pending ones and every subscription."""
        with self._lock:
            self._ended = True
            pending = list(self._commands)
            self._commands.clear()
            subscriptions = list(self._subscriptions)
        error = self._error or MessageTransportError(
            f"the connection to {self.public_url} was closed"
        )
        for command in pending:
            command.fail(error)
        for subscription in subscriptions:
            subscription.fail(error)

    def _shut(self) -> None:
        """Close the pika connection if it is still open (this also closes its socket)."""
        connection = self._pika
        try:
            if connection is not None and connection.is_open:
                connection.close()
        except Exception:  # noqa: S110 - closing: nothing to tell anyone
            pass

    def _open_publisher(self) -> Any:
        channel = self._pika.channel()
        channel.confirm_delivery()
        return channel

    def _do_publish(self, message: OutgoingMessage) -> None:
        if self._publisher is None or not self._publisher.is_open:
            self._publisher = self._open_publisher()
        properties = pika.BasicProperties(
            content_type=message.content_type or None,
            headers=dict(message.headers) or None,
        )
        self._publisher.basic_publish(
            exchange=EXCHANGE,
            routing_key=message.address,
            body=message.payload,
            properties=properties,
        )

    def _do_subscribe(self, subscription: AmqpSubscription) -> None:
        channel = self._pika.channel()
        try:
            declared = channel.queue_declare(queue="", exclusive=True, auto_delete=True)
            queue = declared.method.queue
            channel.queue_bind(queue=queue, exchange=EXCHANGE, routing_key=subscription.address)
            channel.add_on_cancel_callback(lambda _frame: self._cancelled(subscription))
            channel.basic_consume(
                queue=queue,
                on_message_callback=self._receiver(subscription),
                auto_ack=True,
                exclusive=True,
            )
        except Exception:
            if channel.is_open:
                channel.close()
            raise
        subscription.channel = channel
        with self._lock:
            self._subscriptions.append(subscription)

    def _do_unsubscribe(self, subscription: AmqpSubscription) -> None:
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)
        channel = subscription.channel
        if channel is not None and channel.is_open:
            channel.close()

    def _receiver(self, subscription: AmqpSubscription) -> Callable[[Any, Any, Any, bytes], None]:
        """The consumer callback: size check, then buffer (runs on the I/O thread)."""

        def on_message(_channel: Any, method: Any, properties: Any, body: bytes) -> None:
            routing_key = str(method.routing_key)
            if len(body) > self.max_message_bytes:
                subscription.deliver(_TooLarge(routing_key, len(body)))
                return
            subscription.deliver(
                IncomingMessage(
                    address=routing_key,
                    payload=bytes(body),
                    headers=_headers(properties.headers),
                    content_type=properties.content_type,
                )
            )

        return on_message

    def _cancelled(self, subscription: AmqpSubscription) -> None:
        """The broker cancelled the consumer (its queue was deleted)."""
        subscription.fail(
            MessageTransportError(
                f"the subscription to '{subscription.address}' on {self.public_url} "
                "was cancelled by the server"
            )
        )

    def _check_channels(self) -> None:
        """A subscription whose channel the broker closed gets nothing more: say so."""
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            if subscription.channel is not None and subscription.channel.is_closed:
                with self._lock:
                    self._subscriptions.remove(subscription)
                subscription.fail(
                    MessageTransportError(
                        f"the subscription to '{subscription.address}' on {self.public_url} "
                        "ended: the server closed its channel"
                    )
                )


class AmqpAdapter:
    """Makes :class:`AmqpConnection`\\ s for ``amqp`` and ``amqps`` servers."""

    def connect(
        self, server: ServerTarget, *, timeout: float, max_message_bytes: int
    ) -> AmqpConnection:
        """A connected :class:`AmqpConnection`, or MessageTransportError within ``timeout``."""
        try:
            connection = AmqpConnection(
                server, timeout=timeout, max_message_bytes=max_message_bytes
            )
        except MessageTransportError:
            raise
        except Exception as exc:
            raise MessageTransportError(
                f"cannot connect to {server.public_url}: {_describe(exc)}"
            ) from None
        connection.open()
        return connection


ADAPTER = AmqpAdapter()


# ---- helpers ------------------------------------------------------------------


def _nothing() -> None:
    """The wake-up callback: its only effect is to end ``process_data_events`` early."""


def _parameters(server: ServerTarget, timeout: float) -> Any:
    """pika's connection parameters: host, port, vhost, credentials, TLS, time bounds."""
    parts = urlsplit(server.url)
    secure = server.protocol.lower() == "amqps" or parts.scheme.lower() == "amqps"
    host = parts.hostname or "localhost"
    port = parts.port or (5671 if secure else 5672)
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    vhost = unquote(path) if path else "/"
    username = server.username if server.username is not None else parts.username
    password = server.password if server.password is not None else parts.password
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "virtual_host": vhost,
        "connection_attempts": 1,
        "socket_timeout": timeout,
        "stack_timeout": timeout,
        "blocked_connection_timeout": max(timeout, _MIN_COMMAND),
        "heartbeat": _heartbeat,
    }
    if username is not None:
        options["credentials"] = pika.PlainCredentials(
            unquote(username), unquote(password or ""), erase_on_connect=True
        )
    if secure:
        options["ssl_options"] = pika.SSLOptions(ssl.create_default_context(), host)
    return pika.ConnectionParameters(**options)


def _heartbeat(_connection: Any, proposed: int) -> int:
    """The heartbeat to agree on: the server's when smaller, else ours (0 means off: ours)."""
    return min(proposed, _HEARTBEAT) if proposed else _HEARTBEAT


def _headers(raw: Mapping[str, Any] | None) -> dict[str, str]:
    """AMQP header table -> strings (bytes decoded as UTF-8, other values by ``str``)."""
    if not raw:
        return {}
    headers = {}
    for name, value in raw.items():
        if isinstance(value, bytes):
            headers[str(name)] = value.decode("utf-8", errors="replace")
        else:
            headers[str(name)] = str(value)
    return headers


def _closed_reason(exc: Any) -> str:
    """'closed by the server with code 320 (CONNECTION_FORCED - ...)'."""
    return f"closed by the server with code {exc.reply_code} ({exc.reply_text})"


def _describe(exc: BaseException) -> str:
    """Why, in a few words, without the library's repr (it may quote parameters)."""
    errors = pika.exceptions
    if isinstance(exc, errors.ConnectionClosed | errors.ChannelClosed):
        return _closed_reason(exc)
    if isinstance(exc, errors.StreamLostError):
        return "the network connection was lost (closed by the other side)"
    if isinstance(exc, errors.AMQPHeartbeatTimeout):
        return "the server stopped answering heartbeats"
    if isinstance(exc, errors.NackError):
        return "the server refused the message (nack)"
    if isinstance(exc, errors.ConnectionBlockedTimeout):
        return "the server blocked the connection (resource alarm) for too long"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or type(exc).__name__})"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return type(exc).__name__


def _connect_error(exc: BaseException, url: str, timeout: float) -> MessageTransportError:
    """The one-sentence reason a connection could not be made."""
    errors = pika.exceptions
    if isinstance(exc, errors.AuthenticationError | errors.ProbableAuthenticationError):
        why = "authentication refused (ACCESS_REFUSED)"
    elif isinstance(exc, errors.ProbableAccessDeniedError):
        why = "access to the virtual host refused"
    elif isinstance(exc, errors.ConnectionClosed):
        why = _closed_reason(exc)
    else:
        root = _root(exc)
        why = f"timed out after {timeout:g} s" if _timed_out(root) else _describe(root)
    return MessageTransportError(f"could not connect to {url}: {why}")


def _timed_out(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or "timeout" in type(exc).__name__.lower()


def _root(exc: BaseException) -> BaseException:
    """The socket-level error a pika connection error wraps (pika nests it, or quotes it)."""
    inner: object = exc
    for _ in range(5):
        wrapped = getattr(inner, "exception", None)
        if isinstance(wrapped, BaseException):
            inner = wrapped
        elif isinstance(inner, pika.exceptions.AMQPConnectionError | _Connector) and inner.args:
            inner = inner.args[0]
        else:
            break
    if isinstance(inner, BaseException) and not isinstance(inner, pika.exceptions.AMQPError):
        return inner
    text = str(inner).lower()
    if "refused" in text:
        return ConnectionRefusedError()
    if "timed out" in text or "timeout" in text:
        return TimeoutError()
    if "eof" in text or "stream" in text:
        lost: BaseException = pika.exceptions.StreamLostError()
        return lost
    return inner if isinstance(inner, BaseException) else exc


def _lost_error(exc: BaseException, url: str) -> MessageTransportError:
    """The connection ended under the I/O thread."""
    return MessageTransportError(f"the connection to {url} was lost: {_describe(exc)}")


def _translate(exc: BaseException, url: str, what: str) -> MessageTransportError:
    """A command's failure as a MessageTransportError naming the server and the action."""
    if isinstance(exc, MessageTransportError):
        return exc
    return MessageTransportError(f"could not {what} on {url}: {_describe(exc)}")
