"""What a protocol adapter implements: connect to a server, publish, subscribe.

A message step never sees a broker library.  It asks the run's
:class:`~arazzo_engine.messaging.session.MessageSession` for a
:class:`Connection` to a :class:`ServerTarget`; the session asks the adapter
registered for the server's protocol (:mod:`arazzo_engine.messaging.protocols`)
to ``connect``.  Everything is synchronous for the caller: an adapter whose
library is asynchronous (nats-py) or callback-driven (paho-mqtt) runs it on
its own thread and hands messages over through a thread-safe queue.

The contract every adapter keeps:

* ``connect`` returns a usable connection or raises :class:`MessageTransportError`
  (one sentence naming the server and why) within ``timeout`` seconds;
* ``subscribe(address)`` returns once the subscription is active at the
  server (a message published after it returns is delivered); messages that
  arrive are kept in the subscription's own buffer, in order, until taken;
* ``publish`` returns once the message is handed to the network (Arazzo 1.1:
  a send step "completes immediately after the message is sent"); it never
  waits for a reply;
* ``Subscription.get`` waits at most ``timeout`` seconds and returns the next
  message or None; a lost connection raises :class:`MessageTransportError`
  (also after the messages buffered before it were taken);
* a message larger than ``max_message_bytes`` is never handed over: ``get``
  raises :class:`MessageTooLarge` for it;
* ``close`` closes every socket and ends every thread the connection started
  (joined, bounded in time); it is idempotent and never raises.

Errors name the server by its public URL, never a credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from arazzo_engine.errors import TransportError

__all__ = [
    "Connection",
    "IncomingMessage",
    "MessageTooLarge",
    "MessageTransportError",
    "OutgoingMessage",
    "ProtocolAdapter",
    "ServerTarget",
    "Subscription",
]


class MessageTransportError(TransportError):
    """No connection, a lost connection, a refused publish or subscription."""


class MessageTooLarge(MessageTransportError):
    """A received message is larger than ``max_message_bytes``; it was dropped."""


@dataclass(frozen=True, repr=False)
class ServerTarget:
    """Where to connect, and as whom.

    ``url`` is the server's full URL with the protocol as its scheme and the
    server's pathname, if any (``mqtt://127.0.0.1:1883``,
    ``wss://fal.run/base``); channel addresses are relative to it.  Its repr
    shows the URL without user info, never a credential.
    """

    protocol: str
    """Lower case: 'ws', 'wss', 'mqtt', 'mqtts', 'nats', 'amqp', 'amqps', 'http', 'https'."""
    url: str
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Headers for a handshake or request (WebSocket, HTTP): ``Authorization`` from an
    ``httpApiKey`` or ``http`` security scheme."""
    query: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Query parameters added to a WebSocket or HTTP URL (an ``httpApiKey`` in query)."""

    @property
    def public_url(self) -> str:
        """The URL without user info or query, for messages."""
        from arazzo_engine.http.response import public_url

        return public_url(self.url)

    def __repr__(self) -> str:
        return f"<ServerTarget {self.public_url}>"


@dataclass(frozen=True, repr=False)
class OutgoingMessage:
    """A message ready to publish: its address (the channel's, variables filled in)."""

    address: str
    payload: bytes
    content_type: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<OutgoingMessage to {self.address!r}, {len(self.payload)} bytes>"


@dataclass(frozen=True, repr=False)
class IncomingMessage:
    """A message as it came off the wire; the session decodes its payload."""

    address: str
    payload: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = None
    """What the protocol said (an MQTT 5 / AMQP content type, an SSE stream's); None
    when it says nothing and the AsyncAPI message's content type applies."""

    def __repr__(self) -> str:
        return f"<IncomingMessage on {self.address!r}, {len(self.payload)} bytes>"


class Subscription(Protocol):
    """Messages arriving on one address, buffered in order until taken."""

    def get(self, timeout: float) -> IncomingMessage | None:
        """The next message, waiting at most ``timeout`` seconds; None when none came.

        Raises :class:`MessageTooLarge` for a message over the limit (it is dropped;
        the next call goes on), :class:`MessageTransportError` once the connection
        is lost and every message received before was taken.
        """
        ...

    def close(self) -> None:
        """Stop receiving (unsubscribe); idempotent."""
        ...


class Connection(Protocol):
    """One open connection to one server, used by one run."""

    def subscribe(self, address: str) -> Subscription:
        """Start receiving on ``address``; active at the server once this returns."""
        ...

    def publish(self, message: OutgoingMessage) -> None:
        """Send ``message``; returns once it is handed to the network."""
        ...

    def close(self) -> None:
        """Close every socket and join every thread it started; idempotent, never raises."""
        ...


class ProtocolAdapter(Protocol):
    """One protocol family: makes connections to its servers."""

    def connect(
        self, server: ServerTarget, *, timeout: float, max_message_bytes: int
    ) -> Connection:
        """A connection to ``server``; :class:`MessageTransportError` within ``timeout``
        seconds when none can be made (refused, unreachable, bad credentials)."""
        ...
