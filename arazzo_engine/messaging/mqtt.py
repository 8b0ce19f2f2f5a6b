"""MQTT servers (``mqtt``, ``mqtts``, ``secure-mqtt``) through paho-mqtt, MQTT 5.

A channel's address is the topic (or topic filter, to receive), verbatim.
Message headers travel as MQTT 5 user properties and the content type as the
``ContentType`` property, so both come back on the receiving side (a name sent
twice as a user property keeps its last value).  Publish and
subscribe use QoS 1: ``publish`` returns once the broker acknowledged (PUBACK),
``subscribe`` once it granted the subscription (SUBACK).

Threads: each connection runs one network thread of its own
(``arazzo-mqtt-<n>``) around paho's external-loop API (``loop_read``,
``loop_write``, ``loop_misc``) and a wake-up socket pair, rather than
``loop_start``: that way the thread is named, stops on our signal, never
reconnects behind the session's back, and every socket is closed by ``close``.
A caller's ``publish``/``subscribe`` only queues a packet and wakes the thread.

Routing: every subscription gets an MQTT 5 subscription identifier, and an
incoming message goes to the subscriptions whose identifiers it carries (to
those whose filter matches its topic when the broker has no identifiers).
"""

from __future__ import annotations

import contextlib
import itertools
import select
import socket
import ssl
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from paho.mqtt.client import (
    Client,
    ConnectFlags,
    DisconnectFlags,
    MQTTMessage,
    MQTTMessageInfo,
    topic_matches_sub,
)
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from arazzo_engine.messaging.transport import (
    IncomingMessage,
    MessageTooLarge,
    MessageTransportError,
    OutgoingMessage,
    ServerTarget,
)

__all__ = ["ADAPTER", "MqttAdapter", "MqttConnection", "MqttSubscription"]

_TLS_PROTOCOLS = frozenset({"mqtts", "secure-mqtt"})
_AUTH_CODES = frozenset({0x86, 0x87, 0x8C})
"""CONNACK reasons about credentials: bad user name or password, not authorized, bad
authentication method."""
_KEEPALIVE = 60
"""Seconds between MQTT pings when idle; a silent broker is noticed after 1.5x this."""
_TICK = 0.5
"""Longest the network thread sleeps in ``select`` (keep-alive and stop checks)."""
_JOIN = 2.0
"""Bound on joining the network thread in ``close``."""
_FLUSH = 1.0
"""Bound on writing the DISCONNECT packet when closing."""

_thread_numbers = itertools.count(1)


def _connack_properties() -> Properties:
    """Empty CONNACK properties (paho passes None when the broker sent none)."""
    return Properties(PacketTypes.CONNACK)  # type: ignore[no-untyped-call]


def _reason(code: ReasonCode) -> str:
    """A reason code as words and number: 'Not authorized (0x87)'."""
    return f"{code.getName()} (0x{code.value:02x})"


def _os_reason(error: BaseException, timeout: float) -> str:
    """Why a socket could not be opened, in words (never the exception's repr)."""
    if isinstance(error, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(error, (socket.timeout, TimeoutError)):
        return f"it timed out after {timeout:g} s"
    if isinstance(error, socket.gaierror):
        return "the host name could not be resolved"
    if isinstance(error, ssl.SSLError):
        return f"the TLS handshake failed ({error.reason or 'SSL error'})"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[0].lower() + error.strerror[1:]
    return type(error).__name__


def _no_delay(client: Client, userdata: Any, sock: Any) -> None:
    """Send small packets at once (TCP_NODELAY): an ack or a SUBSCRIBE queued behind an
    unacknowledged packet would otherwise wait for the peer's delayed ACK (~40 ms)."""
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _quick_ack(sock: Any) -> None:
    """Acknowledge what arrives at once (Linux TCP_QUICKACK, which the kernel resets, so
    it is set again on every read): a broker that keeps Nagle on (Mosquitto's default)
    holds its next message until we ACK the previous packet, ~40 ms with delayed ACK."""
    option = getattr(socket, "TCP_QUICKACK", None)
    if option is not None:
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.IPPROTO_TCP, option, 1)


class _Acks:
    """Broker acknowledgements (PUBACK, SUBACK) by packet id, for waiting callers.

    An ack may come before ``publish``/``subscribe`` has even returned its id,
    so acks are kept until taken; one whose waiter gave up is discarded.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._results: dict[Hashable, object] = {}
        self._abandoned: set[Hashable] = set()
        self._error: str | None = None

    def put(self, key: Hashable, result: object) -> None:
        """Record an ack (network thread)."""
        with self._cond:
            if key in self._abandoned:
                self._abandoned.discard(key)
                return
            self._results[key] = result
            self._cond.notify_all()

    def fail(self, reason: str) -> None:
        """The connection is gone: every waiter raises ``reason``."""
        with self._cond:
            self._error = reason
            self._cond.notify_all()

    def take(self, key: Hashable, deadline: float) -> object | None:
        """The ack for ``key``; None when it did not come by ``deadline``."""
        with self._cond:
            while key not in self._results:
                if self._error is not None:
                    raise MessageTransportError(self._error)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._abandoned.add(key)
                    return None
                self._cond.wait(remaining)
            return self._results.pop(key)


class MqttSubscription:
    """Messages on one topic filter, buffered in order until taken."""

    def __init__(self, connection: MqttConnection, address: str) -> None:
        self.address = address
        self._connection = connection
        self._cond = threading.Condition()
        self._items: deque[IncomingMessage | MessageTooLarge] = deque()
        self._error: str | None = None
        self._closed = False

    def deliver(self, item: IncomingMessage | MessageTooLarge) -> None:
        """Buffer a message or an oversize marker (network thread)."""
        with self._cond:
            if not self._closed:
                self._items.append(item)
                self._cond.notify_all()

    def end(self, reason: str) -> None:
        """No more messages will come: ``get`` raises ``reason`` once the buffer is empty."""
        with self._cond:
            if self._error is None:
                self._error = reason
            self._cond.notify_all()

    def get(self, timeout: float) -> IncomingMessage | None:
        """The next message, waiting at most ``timeout`` seconds; None when none came."""
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._cond:
            while not self._items:
                if self._error is not None:
                    raise MessageTransportError(self._error)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
            item = self._items.popleft()
        if isinstance(item, MessageTooLarge):
            raise item
        return item

    def close(self) -> None:
        """Stop receiving (unsubscribe when no other subscription shares the filter)."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._items.clear()
            self._error = f"the subscription to '{self.address}' was closed"
            self._cond.notify_all()
        self._connection.unsubscribe(self)


@dataclass
class _Filter:
    """One subscription at the broker, shared by the local subscriptions on its filter."""

    address: str
    ident: int
    subscriptions: list[MqttSubscription] = field(default_factory=list)

    def matches(self, topic: str) -> bool:
        """Whether a message on ``topic`` is for this filter (no subscription ids)."""
        pattern = self.address
        if pattern.startswith("$share/"):
            pattern = pattern.split("/", 2)[2] if pattern.count("/") >= 2 else pattern
        try:
            return topic_matches_sub(pattern, topic)
        except ValueError:
            return False


class MqttConnection:
    """One MQTT 5 connection: a paho client, its network thread and the subscriptions."""

    def __init__(self, server: ServerTarget, *, timeout: float, max_message_bytes: int) -> None:
        self._server = server
        self._url = server.public_url
        self._timeout = timeout
        self._max_bytes = max_message_bytes
        self._lock = threading.Lock()
        self._ops = threading.Lock()
        """Serialises subscribe/unsubscribe (never held by the network thread)."""
        self._filters: dict[str, _Filter] = {}
        self._by_ident: dict[int, _Filter] = {}
        self._idents = itertools.count(1)
        self._use_idents = True
        self._acks = _Acks()
        self._connack: tuple[ReasonCode, Properties] | None = None
        self._connected = threading.Event()
        self._lost: str | None = None
        self._closing = False
        self._closed = False
        self._stop = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._client = self._make_client()
        self._thread = threading.Thread(
            target=self._run, name=f"arazzo-mqtt-{next(_thread_numbers)}", daemon=True
        )

    # -- set-up -------------------------------------------------------------

    def _make_client(self) -> Client:
        """A paho client for MQTT 5 with our callbacks; credentials and TLS per the server."""
        client = Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"arazzo-mqtt-{uuid.uuid4().hex[:16]}",
            protocol=MQTTProtocolVersion.MQTTv5,
            reconnect_on_failure=False,
        )
        client.connect_timeout = self._timeout
        if self._server.protocol.lower() in _TLS_PROTOCOLS:
            client.tls_set_context(ssl.create_default_context())
        if self._server.username is not None or self._server.password is not None:
            client.username_pw_set(self._server.username or "", self._server.password)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        client.on_subscribe = self._on_subscribe
        # A packet queued by another thread wakes ours instead of being written there.
        client.on_socket_register_write = self._on_register_write
        client.on_socket_open = _no_delay
        return client

    def _host_port(self) -> tuple[str, int]:
        """The broker's host and port from the server URL (1883, or 8883 with TLS)."""
        parts = urlsplit(self._server.url)
        default = 8883 if self._server.protocol.lower() in _TLS_PROTOCOLS else 1883
        try:
            port = parts.port or default
        except ValueError as error:
            raise MessageTransportError(
                f"the MQTT server URL {self._url} has a bad port"
            ) from error
        if not parts.hostname:
            raise MessageTransportError(f"the MQTT server URL {self._url} names no host")
        return parts.hostname, port

    def open(self) -> None:
        """Connect and wait for the broker's CONNACK, all within ``timeout``."""
        deadline = time.monotonic() + self._timeout
        host, port = self._host_port()
        try:
            self._client.connect(host, port, keepalive=_KEEPALIVE)
        except Exception as error:  # the library boundary: nothing of paho's escapes
            self.close()
            raise MessageTransportError(
                f"cannot connect to MQTT server {self._url}: {_os_reason(error, self._timeout)}"
            ) from None
        self._thread.start()
        self._connected.wait(max(deadline - time.monotonic(), 0.0))
        failure = self._connect_failure()
        if failure is not None:
            self.close()
            raise MessageTransportError(failure)

    def _connect_failure(self) -> str | None:
        """Why the connection is not usable after waiting for CONNACK; None when it is."""
        if self._connack is None:
            if self._lost is not None:
                return f"cannot connect to MQTT server {self._url}: {self._lost}"
            return (
                f"cannot connect to MQTT server {self._url}: no answer (CONNACK) "
                f"within {self._timeout:g} s"
            )
        code, properties = self._connack
        if code.is_failure:
            hint = " (check the username and password)" if code.value in _AUTH_CODES else ""
            return f"MQTT server {self._url} refused the connection: {_reason(code)}{hint}"
        if getattr(properties, "SubscriptionIdentifierAvailable", 1) == 0:
            self._use_idents = False
        return None

    # -- network thread -----------------------------------------------------

    def _run(self) -> None:
        """The network loop: wait on the socket and the wake-up pair, then let paho work."""
        flush_deadline: float | None = None
        while True:
            sock = self._client.socket()
            if sock is None:
                break
            if self._stop.is_set():
                flush_deadline = flush_deadline or time.monotonic() + _FLUSH
                if not self._client.want_write() or time.monotonic() > flush_deadline:
                    break
            if not self._step(sock):
                break
        self._connection_ended()

    def _step(self, sock: Any) -> bool:
        """One round of the loop; False once the connection is gone."""
        pending = sock.pending() if hasattr(sock, "pending") else 0
        writers = [sock] if self._client.want_write() else []
        try:
            readable, _, _ = select.select(
                [sock, self._wake_r], writers, [], 0.0 if pending else _TICK
            )
        except (OSError, ValueError, TypeError):
            return False
        if self._wake_r in readable:
            self._drain_wake()
        steps: list[Callable[[], MQTTErrorCode]] = []
        if sock in readable or pending:
            steps.append(self._client.loop_read)
            _quick_ack(sock)
        steps += [self._client.loop_write, self._client.loop_misc]
        for work in steps:
            if work() != MQTTErrorCode.MQTT_ERR_SUCCESS or self._client.socket() is None:
                return False
        return True

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    def _wake(self) -> None:
        """Make the network thread look at the outgoing queue now."""
        with contextlib.suppress(OSError):  # full (already woken) or closed
            self._wake_w.send(b"\0")

    def _connection_ended(self) -> None:
        """The socket is closed: wake everyone waiting, with why."""
        if not self._closing:
            self._mark_lost("the connection was closed")
        self._connected.set()

    def _mark_lost(self, why: str) -> None:
        """Record the first reason the connection ended; fail every waiter with it."""
        with self._lock:
            if self._lost is not None:
                return
            self._lost = why
            subscriptions = [s for f in self._filters.values() for s in f.subscriptions]
        reason = f"the connection to MQTT server {self._url} was lost: {why}"
        self._acks.fail(reason)
        for subscription in subscriptions:
            subscription.end(reason)

    # -- paho callbacks (network thread) ------------------------------------

    def _on_register_write(self, client: Client, userdata: Any, sock: Any) -> None:
        self._wake()

    def _on_connect(
        self,
        client: Client,
        userdata: Any,
        flags: ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._connack = (reason_code, properties or _connack_properties())
        self._connected.set()

    def _on_disconnect(
        self,
        client: Client,
        userdata: Any,
        flags: DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if self._closing:
            return
        if flags.is_disconnect_packet_from_server:
            self._mark_lost(f"closed by the server with reason {_reason(reason_code)}")
        elif reason_code.getName() == "Keep alive timeout":
            self._mark_lost(f"no answer to keep-alive pings within {_KEEPALIVE * 1.5:g} s")
        else:
            self._mark_lost("the socket was closed (the broker stopped or the network failed)")

    def _on_publish(
        self,
        client: Client,
        userdata: Any,
        mid: int,
        reason_code: ReasonCode,
        properties: Properties,
    ) -> None:
        self._acks.put(("publish", mid), reason_code)

    def _on_subscribe(
        self,
        client: Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties,
    ) -> None:
        self._acks.put(("subscribe", mid), reason_codes)

    def _on_message(self, client: Client, userdata: Any, message: MQTTMessage) -> None:
        """Hand a message (or, over the size limit, a marker) to its subscriptions."""
        try:
            topic = message.topic
        except UnicodeDecodeError:
            return  # not a valid MQTT topic: no subscription can be waiting for it
        properties = getattr(message, "properties", None)
        item = self._incoming(topic, message.payload, properties)
        for subscription in self._route(topic, properties):
            subscription.deliver(item)

    def _incoming(
        self, topic: str, payload: bytes | bytearray, properties: Properties | None
    ) -> IncomingMessage | MessageTooLarge:
        if len(payload) > self._max_bytes:
            return MessageTooLarge(
                f"a message on '{topic}' from MQTT server {self._url} has {len(payload)} "
                f"bytes, over max_message_bytes ({self._max_bytes}); it was dropped"
            )
        pairs = getattr(properties, "UserProperty", None) or []
        content_type = getattr(properties, "ContentType", None)
        return IncomingMessage(
            address=topic,
            payload=bytes(payload),
            headers={str(name): str(value) for name, value in pairs},
            content_type=content_type if isinstance(content_type, str) else None,
        )

    def _route(self, topic: str, properties: Properties | None) -> list[MqttSubscription]:
        """The local subscriptions a message is for (by subscription id, else by filter)."""
        idents = getattr(properties, "SubscriptionIdentifier", None)
        with self._lock:
            if idents:
                filters = [self._by_ident[i] for i in idents if i in self._by_ident]
            else:
                filters = [f for f in self._filters.values() if f.matches(topic)]
            return [s for f in filters for s in f.subscriptions]

    # -- the Connection interface -------------------------------------------

    def _check_usable(self, doing: str) -> None:
        if self._closed:
            raise MessageTransportError(
                f"cannot {doing}: the connection to MQTT server {self._url} is closed"
            )
        if self._lost is not None:
            raise MessageTransportError(
                f"cannot {doing}: the connection to MQTT server {self._url} was lost: {self._lost}"
            )

    def subscribe(self, address: str) -> MqttSubscription:
        """Subscribe to ``address`` at QoS 1; returns once the broker granted it (SUBACK)."""
        subscription = MqttSubscription(self, address)
        with self._ops:
            self._check_usable(f"subscribe to '{address}'")
            with self._lock:
                known = self._filters.get(address)
                if known is not None:  # already active at the broker
                    known.subscriptions.append(subscription)
                    return subscription
                entry = _Filter(address, next(self._idents), [subscription])
                self._filters[address] = entry
                self._by_ident[entry.ident] = entry
            try:
                self._subscribe_at_broker(entry)
            except MessageTransportError:
                self._forget(entry)
                raise
        return subscription

    def _subscribe_at_broker(self, entry: _Filter) -> None:
        """Send SUBSCRIBE and check the SUBACK's reason code."""
        deadline = time.monotonic() + self._timeout
        where = f"'{entry.address}' on MQTT server {self._url}"
        properties = Properties(PacketTypes.SUBSCRIBE)  # type: ignore[no-untyped-call]
        if self._use_idents:
            properties.SubscriptionIdentifier = entry.ident
        try:
            rc, mid = self._client.subscribe(entry.address, qos=1, properties=properties)
        except Exception as error:  # the library boundary: a bad filter, mostly
            raise MessageTransportError(f"cannot subscribe to {where}: {error}") from None
        self._wake()
        if rc != MQTTErrorCode.MQTT_ERR_SUCCESS or mid is None:
            raise MessageTransportError(f"cannot subscribe to {where}: the connection is closed")
        codes = self._acks.take(("subscribe", mid), deadline)
        if codes is None:
            raise MessageTransportError(
                f"subscribing to {where} timed out after {self._timeout:g} s (no SUBACK)"
            )
        code = codes[0] if isinstance(codes, list) and codes else None
        if not isinstance(code, ReasonCode) or code.is_failure:
            why = _reason(code) if isinstance(code, ReasonCode) else "no reason code"
            raise MessageTransportError(f"the subscription to {where} was refused: {why}")

    def _forget(self, entry: _Filter) -> None:
        with self._lock:
            self._filters.pop(entry.address, None)
            self._by_ident.pop(entry.ident, None)

    def unsubscribe(self, subscription: MqttSubscription) -> None:
        """Drop ``subscription``; the last one on its filter unsubscribes at the broker."""
        with self._ops, self._lock:
            entry = self._filters.get(subscription.address)
            if entry is None or subscription not in entry.subscriptions:
                return
            entry.subscriptions.remove(subscription)
            if entry.subscriptions:
                return
            self._filters.pop(entry.address, None)
            self._by_ident.pop(entry.ident, None)
            if self._closed or self._lost is not None:
                return
        try:
            self._client.unsubscribe(entry.address)
            self._wake()
        except Exception:  # noqa: S110 -- closing never raises; routing already stopped
            pass

    def publish(self, message: OutgoingMessage) -> None:
        """Publish at QoS 1; returns once the broker acknowledged it (PUBACK)."""
        where = f"'{message.address}' on MQTT server {self._url}"
        self._check_usable(f"publish to '{message.address}'")
        deadline = time.monotonic() + self._timeout
        try:
            info = self._client.publish(
                message.address, message.payload, qos=1, properties=self._properties(message)
            )
        except Exception as error:  # the library boundary: a bad topic or property
            raise MessageTransportError(f"cannot publish to {where}: {error}") from None
        self._wake()
        self._await_puback(info, where, deadline)

    @staticmethod
    def _properties(message: OutgoingMessage) -> Properties:
        """Content type and headers as MQTT 5 PUBLISH properties."""
        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        if message.content_type:
            properties.ContentType = message.content_type
        if message.headers:
            properties.UserProperty = [(str(k), str(v)) for k, v in message.headers.items()]
        return properties

    def _await_puback(self, info: MQTTMessageInfo, where: str, deadline: float) -> None:
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            self._check_usable("publish")
            raise MessageTransportError(
                f"cannot publish to {where}: the connection is not open ({info.rc.name})"
            )
        code = self._acks.take(("publish", info.mid), deadline)
        if code is None:
            raise MessageTransportError(
                f"publishing to {where} timed out after {self._timeout:g} s (no PUBACK)"
            )
        if isinstance(code, ReasonCode) and code.is_failure:
            raise MessageTransportError(f"publishing to {where} was refused: {_reason(code)}")

    def close(self) -> None:
        """Disconnect, stop and join the network thread, close every socket; never raises."""
        if self._closed:
            return
        self._closed = True
        self._closing = True
        try:
            self._disconnect()
        finally:
            self._release()

    def _disconnect(self) -> None:
        """Send DISCONNECT (written by the network thread) and let the thread end."""
        try:
            if self._client.socket() is not None:
                self._client.disconnect()
        except Exception:  # noqa: S110 -- closing never raises
            pass
        self._stop.set()
        self._wake()
        if self._thread.is_alive():
            self._thread.join(_JOIN)

    def _release(self) -> None:
        """Close what is left: the client's socket, the wake-up pair; end subscriptions."""
        sock = self._client.socket()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
        for end in (self._wake_r, self._wake_w):
            end.close()
        with self._lock:
            subscriptions = [s for f in self._filters.values() for s in f.subscriptions]
        reason = f"the connection to MQTT server {self._url} was closed"
        self._acks.fail(reason)
        for subscription in subscriptions:
            subscription.end(reason)


class MqttAdapter:
    """Makes MQTT 5 connections (QoS 1, user properties as headers)."""

    def connect(
        self, server: ServerTarget, *, timeout: float, max_message_bytes: int
    ) -> MqttConnection:
        """An open connection to ``server``; MessageTransportError within ``timeout``."""
        connection = MqttConnection(server, timeout=timeout, max_message_bytes=max_message_bytes)
        connection.open()
        return connection


ADAPTER = MqttAdapter()
