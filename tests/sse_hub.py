"""An HTTP publish/subscribe hub running the order service over Server-Sent Events.

``GET /<channel>`` opens an event stream on that channel (registered before its
headers go, so nothing sent after the subscription is lost); ``POST /<channel>``
sends a message to it: the body is its payload.  A message posted to
``orders.create`` is an order, answered with :func:`tests.order_service.answers`,
each reply one event (``data:`` the payload) on every stream of the reply's
channel.  Events carry no headers: only payload correlation applies.
"""

from __future__ import annotations

import contextlib
import queue
import select
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.order_service import REQUESTS, answers

__all__ = ["SseHub", "running_sse_hub"]


class SseHub:
    """The running hub: its URL, the orders it took, the streams open per channel."""

    def __init__(self) -> None:
        self.streams: dict[str, list[queue.Queue[bytes | None]]] = defaultdict(list)
        self.orders: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        self.connections: set[socket.socket] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), name="test-sse-hub", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def publish(self, channel: str, payload: bytes) -> None:
        event = b"".join(b"data: " + line + b"\n" for line in payload.split(b"\n")) + b"\n"
        with self.lock:
            for stream in self.streams[channel]:
                stream.put(event)

    def order(self, headers: dict[str, str], payload: bytes) -> None:
        self.orders.append((headers, payload))
        for reply in answers(payload, headers):
            if reply.delay:
                time.sleep(reply.delay)
            self.publish(reply.address, reply.payload)

    def drop_all(self) -> None:
        """Cut every open connection (a lost connection)."""
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        with self.lock:
            for streams in self.streams.values():
                for stream in streams:
                    stream.put(None)
        self.drop_all()
        self.server.shutdown()
        self.thread.join(5)
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if self.path.lstrip("/") == REQUESTS:
                    hub.order(dict(self.headers.items()), body)

            def do_GET(self) -> None:
                channel = self.path.partition("?")[0].lstrip("/")
                events: queue.Queue[bytes | None] = queue.Queue()
                with hub.lock:  # registered before the headers go: nothing sent is lost
                    hub.streams[channel].append(events)
                    hub.connections.add(self.connection)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Cache-Control", "no-cache")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.flush()
                    while not self._client_left():
                        try:
                            event = events.get(timeout=0.05)
                        except queue.Empty:
                            continue
                        if event is None:
                            break
                        self.wfile.write(event)
                        self.wfile.flush()
                except OSError:
                    pass  # the client went away
                finally:
                    with hub.lock:
                        hub.streams[channel].remove(events)
                        hub.connections.discard(self.connection)
                    self.close_connection = True

            def _client_left(self) -> bool:
                """Whether the client closed its side (a stream's thread then ends)."""
                readable, _, _ = select.select([self.connection], [], [], 0)
                if not readable:
                    return False
                try:
                    return self.connection.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    return True

        return Handler


@contextmanager
def running_sse_hub() -> Iterator[SseHub]:
    hub = SseHub()
    hub.thread.start()
    try:
        yield hub
    finally:
        hub.stop()
