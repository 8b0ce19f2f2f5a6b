"""A WebSocket publish/subscribe hub running the order service, for message workflow tests.

Each WebSocket connection is on one channel: the path it opened (``/orders.create``).
A frame sent on ``/orders.create`` is an order: the hub answers it with
:func:`tests.order_service.answers`, each reply sent to every connection open on
the reply's channel.  WebSocket frames carry no headers, so only payload
correlation applies here.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request
from websockets.sync.server import Server, ServerConnection, serve

from tests.order_service import REQUESTS, answers

__all__ = ["WsHub", "running_hub"]


class WsHub:
    """The running hub: its URL, and the connections open on each channel."""

    def __init__(self) -> None:
        self.channels: dict[str, set[ServerConnection]] = defaultdict(set)
        self.lock = threading.Lock()
        self.orders: list[bytes] = []
        self.log: list[tuple[str, str]] = []
        """What happened, in order: ("open", channel) and ("order", payload text)."""
        self.server: Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def register(self, connection: ServerConnection, request: Request) -> None:
        """Put the connection on its channel before the handshake completes, so that a
        client whose connect returned never misses a message sent to its channel."""
        channel = request.path.partition("?")[0].lstrip("/")
        with self.lock:
            self.channels[channel].add(connection)
            self.log.append(("open", channel))

    def handle(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        channel = connection.request.path.partition("?")[0].lstrip("/")
        try:
            with suppress(ConnectionClosed):
                for frame in connection:
                    data = frame.encode("utf-8") if isinstance(frame, str) else frame
                    if channel == REQUESTS:
                        with self.lock:
                            self.log.append(("order", data.decode("utf-8", "replace")))
                        self.orders.append(data)
                        self._answer(data)
        finally:
            with self.lock:
                self.channels[channel].discard(connection)

    def _answer(self, order: bytes) -> None:
        for reply in answers(order, {}):
            if reply.delay:
                time.sleep(reply.delay)
            with self.lock:
                listeners = list(self.channels[reply.address])
            for listener in listeners:
                with suppress(ConnectionClosed):
                    listener.send(reply.payload.decode("utf-8", "replace"))

    def drop_all(self) -> None:
        """Close every connection without a closing handshake (a lost connection)."""
        with self.lock:
            connections = [c for group in self.channels.values() for c in group]
        for connection in connections:
            with suppress(OSError):
                connection.socket.shutdown(socket.SHUT_RDWR)


@contextmanager
def running_hub() -> Iterator[WsHub]:
    """The hub on 127.0.0.1, ephemeral port, ready when this yields."""
    hub = WsHub()
    server = serve(hub.handle, "127.0.0.1", 0, process_request=hub.register)
    hub.server = server
    hub.port = int(server.socket.getsockname()[1])
    thread = threading.Thread(target=server.serve_forever, name="test-ws-hub", daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        thread.join(5)
