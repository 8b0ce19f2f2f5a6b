"""One run's messaging: its connections, its subscriptions, the messages they buffered.

A run gets one :class:`MessageSession` (on its
:class:`~arazzo_engine.sources.call.CallRuntime`), made empty and closed when
the run ends, whatever way it ends: every connection it opened is closed then,
every adapter thread joined.  Connections are kept per server (its URL and the
credentials used), so a run's send and receive steps on one server share one;
a WebSocket adapter, connection-oriented, keeps one socket per address inside it.

Subscriptions are kept per (server, address) for the whole run: a receive step
that subscribes early (before the send whose reply it waits for,
:meth:`MessageSession.subscribe`) finds the reply buffered.  A message is taken
by at most one receive step; one that does not match a step's correlation id
stays buffered for the next (at most :data:`BUFFERED` per subscription; beyond,
the oldest is dropped and the count says so in the step's error).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from arazzo_engine.messaging.protocols import adapter_for
from arazzo_engine.messaging.transport import (
    Connection,
    IncomingMessage,
    MessageTransportError,
    ServerTarget,
    Subscription,
)

__all__ = ["BUFFERED", "Buffered", "MessageSession"]

BUFFERED = 1000
"""Messages kept per subscription that no receive step has taken yet."""

_POLL = 0.05
"""How long one wait on a subscription lasts before the cancellation flag is looked at."""


@dataclass
class Buffered:
    """A subscription and the messages pulled from it that no step has taken yet."""

    subscription: Subscription
    address: str
    pending: deque[IncomingMessage] = field(default_factory=lambda: deque(maxlen=BUFFERED))
    dropped: int = 0
    """Messages pushed out of ``pending`` by newer ones (it holds at most BUFFERED)."""
    skipped: int = 0
    """Messages seen by the latest wait that did not match (still pending)."""

    def _keep(self, message: IncomingMessage) -> None:
        if len(self.pending) == self.pending.maxlen:
            self.dropped += 1
        self.pending.append(message)

    def take(
        self,
        matches: Callable[[IncomingMessage], bool],
        deadline: float,
        cancelled: threading.Event,
    ) -> IncomingMessage | None:
        """The first message, buffered or arriving before ``deadline``, that ``matches``;
        None at the deadline.  Raises MessageTransportError (the connection is lost, a
        message over the size limit) and MessageCancelled."""
        self.skipped = 0
        for message in list(self.pending):
            if matches(message):
                self.pending.remove(message)
                return message
            self.skipped += 1
        while True:
            if cancelled.is_set():
                raise MessageCancelled("the run was cancelled while the step waited")
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            arrived = self.subscription.get(min(left, _POLL))
            if arrived is None:
                continue
            if matches(arrived):
                return arrived
            self.skipped += 1
            self._keep(arrived)


class MessageCancelled(MessageTransportError):
    """The run was cancelled (:meth:`MessageSession.cancel`) while a step waited."""


class MessageSession:
    """The messaging state of one run; :meth:`close` ends it."""

    def __init__(
        self,
        *,
        timeout: float,
        max_message_bytes: int,
        cancelled: threading.Event | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_message_bytes = max_message_bytes
        self._connections: dict[tuple[object, ...], Connection] = {}
        self._subscriptions: dict[tuple[object, ...], Buffered] = {}
        self._lock = threading.Lock()
        self.cancelled = cancelled if cancelled is not None else threading.Event()
        """Set (by the caller of ``Engine.run(cancel=...)``) to stop a waiting step."""
        self._closed = False

    @staticmethod
    def _key(server: ServerTarget) -> tuple[object, ...]:
        return (
            server.url,
            server.username,
            server.password,
            tuple(sorted(server.headers.items())),
            tuple(sorted(server.query.items())),
        )

    def connection(self, server: ServerTarget) -> Connection:
        """The run's connection to ``server``, opened on first use."""
        key = self._key(server)
        with self._lock:
            if self._closed:
                raise MessageCancelled("the run is over: its connections are closed")
            found = self._connections.get(key)
        if found is not None:
            return found
        adapter = adapter_for(server.protocol)
        opened = adapter.connect(
            server, timeout=self.timeout, max_message_bytes=self.max_message_bytes
        )
        with self._lock:
            if self._closed:
                opened.close()
                raise MessageCancelled("the run is over: its connections are closed")
            self._connections[key] = opened
        return opened

    def subscribed(self, server: ServerTarget, address: str) -> Buffered | None:
        """The subscription to ``address`` on ``server`` if the run has one."""
        return self._subscriptions.get((*self._key(server), address))

    def subscribe(self, server: ServerTarget, address: str) -> Buffered:
        """The run's subscription to ``address`` on ``server``, made on first use."""
        key = (*self._key(server), address)
        found = self._subscriptions.get(key)
        if found is not None:
            return found
        subscription = self.connection(server).subscribe(address)
        made = Buffered(subscription, address)
        self._subscriptions[key] = made
        return made

    def close(self) -> None:
        """Close every subscription and connection; idempotent, never raises."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            subscriptions = list(self._subscriptions.values())
            connections = list(self._connections.values())
            self._subscriptions.clear()
            self._connections.clear()
        for buffered in subscriptions:
            try:
                buffered.subscription.close()
            except Exception:  # noqa: S112 - closing must go on whatever one adapter does
                continue
        for connection in connections:
            try:
                connection.close()
            except Exception:  # noqa: S112 - closing must go on whatever one adapter does
                continue
