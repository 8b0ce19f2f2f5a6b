"""The Server-Sent Events adapter against real HTTP servers on 127.0.0.1.

``SseServer`` is a tiny event-stream server of this file (stdlib http.server in
a thread): every GET is answered ``text/event-stream`` and kept open; the test
pushes events to every open stream with :meth:`SseServer.send`, ends them with
:meth:`SseServer.end`, or cuts them with :meth:`SseServer.stop`.  The fake fal
server's queue status stream is the second server.
"""

from __future__ import annotations

import contextlib
import json
import queue
import select
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from arazzo_engine.messaging.protocols import adapter_for
from arazzo_engine.messaging.sse import ADAPTER, SseAdapter, channel_url
from arazzo_engine.messaging.transport import (
    Connection,
    IncomingMessage,
    MessageTooLarge,
    MessageTransportError,
    OutgoingMessage,
    ServerTarget,
)
from fixtures.fal.fake_fal_server import FakeFalServer
from tests.leaks import nothing_left_open

TOKEN = "s3cret-token-value"
LIMIT = 4096


class SseServer:
    """An event-stream server: GET -> 200 text/event-stream, held open until ended.

    ``/plain`` answers 200 text/plain, ``/missing`` 404; with ``token`` set, any
    request without ``Authorization: Bearer <token>`` gets 401.  ``requests``
    keeps each request's path and headers.
    """

    def __init__(self, *, token: str | None = None) -> None:
        self.token = token
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.streams: list[queue.Queue[bytes | None]] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), name="sse-test-serve", daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def send(self, data: str, *, event: str | None = None, event_id: str | None = None) -> None:
        """One event to every open stream."""
        lines = [f"event: {event}"] if event else []
        if event_id is not None:
            lines.append(f"id: {event_id}")
        lines += [f"data: {line}" for line in data.split("\n")]
        self.raw(("\n".join(lines) + "\n\n").encode())

    def raw(self, data: bytes) -> None:
        with self.lock:
            for stream in self.streams:
                stream.put(data)

    def wait_for_streams(self, count: int, timeout: float = 3.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.streams) < count:
            assert time.monotonic() < deadline, f"{count} streams never opened"
            time.sleep(0.01)

    def end(self) -> None:
        """End every open stream normally (the zero-size chunk)."""
        with self.lock:
            for stream in self.streams:
                stream.put(None)

    def stop(self) -> None:
        """Kill the server: cut every connection, stop listening."""
        self.stopping.set()
        with self.lock:
            connections = list(self.connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join(5)
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with outer.lock:
                    outer.requests.append((self.path, dict(self.headers.items())))
                    outer.connections.add(self.connection)
                if outer.token and self.headers.get("Authorization") != f"Bearer {outer.token}":
                    self._answer(401, b'{"detail": "bad token"}', "application/json")
                elif self.path.startswith("/missing"):
                    self._answer(404, b'{"detail": "not found"}', "application/json")
                elif self.path.startswith("/plain"):
                    self._answer(200, b"hello", "text/plain")
                else:
                    self._stream()

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _stream(self) -> None:
                events: queue.Queue[bytes | None] = queue.Queue()
                with outer.lock:  # registered before the headers go: nothing sent is lost
                    outer.streams.append(events)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.close_connection = True
                try:
                    while not outer.stopping.is_set():
                        if self._client_gone():
                            return
                        try:
                            data = events.get(timeout=0.02)
                        except queue.Empty:
                            continue
                        if data is None:
                            self.wfile.write(b"0\r\n\r\n")
                            return
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                except OSError:
                    return
                finally:
                    with outer.lock:
                        outer.streams.remove(events)

            def _client_gone(self) -> bool:
                readable, _, _ = select.select([self.connection], [], [], 0)
                return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""

        return Handler


@pytest.fixture
def sse_server() -> Iterator[SseServer]:
    server = SseServer()
    try:
        yield server
    finally:
        server.stop()


def _connect(
    url: str, *, adapter: SseAdapter = ADAPTER, timeout: float = 3.0, **target: Any
) -> Connection:
    server = ServerTarget(protocol=url.split(":", 1)[0], url=url, **target)
    return adapter.connect(server, timeout=timeout, max_message_bytes=LIMIT)


def _get(subscription: Any, timeout: float = 3.0) -> IncomingMessage:
    message = subscription.get(timeout)
    assert message is not None, "no message within the timeout"
    assert isinstance(message, IncomingMessage)
    return message


def test_registry_names_this_module_for_http_and_https() -> None:
    assert adapter_for("http") is ADAPTER
    assert adapter_for("HTTPS") is ADAPTER


def test_round_trip_request_and_events(sse_server: SseServer) -> None:
    connection = _connect(
        sse_server.url + "/base/",
        headers={"Authorization": "Bearer x", "Accept": "application/json"},
        query={"logs": "1"},
    )
    try:
        subscription = connection.subscribe("/fal-ai/flux dev/requests/r-1/status/stream")
        path, headers = sse_server.requests[-1]
        assert path == "/base/fal-ai/flux%20dev/requests/r-1/status/stream?logs=1"
        assert headers["Accept"] == "text/event-stream"
        assert headers["Authorization"] == "Bearer x"
        sse_server.send('{"status": "IN_QUEUE"}', event="status", event_id="7")
        sse_server.send("line one\nline two \u00e9")
        first = _get(subscription)
        assert first.payload == b'{"status": "IN_QUEUE"}'
        assert dict(first.headers) == {"event": "status", "id": "7"}
        assert first.content_type is None
        assert first.address == "/fal-ai/flux dev/requests/r-1/status/stream"
        second = _get(subscription)
        assert second.payload == "line one\nline two \u00e9".encode()
        assert dict(second.headers) == {"event": "message", "id": "7"}  # the id persists
    finally:
        connection.close()


def test_channel_url_joins_once_and_keeps_the_server_query() -> None:
    target = ServerTarget("https", "https://queue.example/v1?a=1", query={"k": "v w"})
    assert (
        channel_url(target, "m/x/requests/1") == "https://queue.example/v1/m/x/requests/1?a=1&k=v+w"
    )
    bare = ServerTarget("http", "http://h:8080")
    assert channel_url(bare, "a/b") == "http://h:8080/a/b"
    assert channel_url(bare, "a%2Fb/c") == "http://h:8080/a%2Fb/c"


def test_many_events_keep_their_order(sse_server: SseServer) -> None:
    connection = _connect(sse_server.url)
    try:
        subscription = connection.subscribe("orders")
        for n in range(50):
            sse_server.send(f"event {n}")
        received = [_get(subscription).payload for _ in range(50)]
        assert received == [f"event {n}".encode() for n in range(50)]
    finally:
        connection.close()


def test_an_event_sent_right_after_subscribe_returns_is_not_lost(sse_server: SseServer) -> None:
    connection = _connect(sse_server.url)
    try:
        for n in range(5):
            subscription = connection.subscribe(f"topic/{n}")
            sse_server.raw(f"data: first {n}\n\n".encode())
            assert _get(subscription).payload == f"first {n}".encode()
            subscription.close()
    finally:
        connection.close()


def test_get_returns_none_after_about_timeout(sse_server: SseServer) -> None:
    connection = _connect(sse_server.url)
    try:
        subscription = connection.subscribe("quiet")
        sse_server.raw(b": a comment is not an event\n\n")
        started = time.monotonic()
        assert subscription.get(0.3) is None
        elapsed = time.monotonic() - started
        assert 0.28 <= elapsed < 1.0
        assert subscription.get(0) is None
    finally:
        connection.close()


def test_nothing_listening_fails_quickly_naming_the_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connection = _connect(f"http://127.0.0.1:{port}/base", query={"key": TOKEN})
    try:
        started = time.monotonic()
        with pytest.raises(MessageTransportError) as caught:
            connection.subscribe("events")
        assert time.monotonic() - started < 2.0
        text = str(caught.value)
        assert f"http://127.0.0.1:{port}/base" in text and "'events'" in text
        assert TOKEN not in text
    finally:
        connection.close()


def test_a_server_that_never_answers_is_given_up_after_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts the connection, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with nothing_left_open():
            connection = _connect(url, timeout=0.5)
            started = time.monotonic()
            with pytest.raises(MessageTransportError, match="no response within") as caught:
                connection.subscribe("events")
            assert 0.4 < time.monotonic() - started < 2.0
            assert f"'events' at {url}" in str(caught.value)
            connection.close()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://", "no host"),
        ("http://127.0.0.1:notaport/x", "port"),
        ("ftp://127.0.0.1/x", "scheme"),
    ],
)
def test_connect_rejects_a_bad_url(url: str, why: str) -> None:
    with pytest.raises(MessageTransportError, match=why):
        ADAPTER.connect(ServerTarget("http", url), timeout=1.0, max_message_bytes=LIMIT)


def test_wrong_credentials_name_the_status_never_the_secret() -> None:
    server = SseServer(token="right")
    try:
        connection = _connect(
            server.url, headers={"Authorization": f"Bearer {TOKEN}"}, query={"api_key": TOKEN}
        )
        try:
            with pytest.raises(MessageTransportError) as caught:
                connection.subscribe("private/stream")
            text = str(caught.value)
            assert "HTTP 401" in text and f"{server.url}/private/stream" in text
            assert TOKEN not in text and "api_key" not in text
            right = _connect(server.url, headers={"Authorization": "Bearer right"})
            try:
                subscription = right.subscribe("private/stream")
                server.send("ok")
                assert _get(subscription).payload == b"ok"
            finally:
                right.close()
        finally:
            connection.close()
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("address", "expected"),
    [("missing/x", "HTTP 404"), ("plain/x", "HTTP 200 with text/plain, not text/event-stream")],
)
def test_an_answer_that_is_not_an_event_stream_is_refused(
    sse_server: SseServer, address: str, expected: str
) -> None:
    connection = _connect(sse_server.url)
    try:
        with (
            nothing_left_open(),
            pytest.raises(MessageTransportError, match=expected) as caught,
        ):
            connection.subscribe(address)
        assert f"{sse_server.url}/{address}" in str(caught.value)
    finally:
        connection.close()


def test_a_send_the_server_does_not_take_fails_naming_its_status(sse_server: SseServer) -> None:
    connection = _connect(sse_server.url)
    try:  # this server answers GET only: a POST gets 501
        with pytest.raises(MessageTransportError, match="the server answered 501") as caught:
            connection.publish(OutgoingMessage("orders", b"{}", "application/json"))
        assert "'orders'" in str(caught.value) and sse_server.url in str(caught.value)
    finally:
        connection.close()


def test_the_stream_ending_is_an_error_after_the_buffered_events(sse_server: SseServer) -> None:
    connection = _connect(sse_server.url)
    try:
        subscription = connection.subscribe("finite")
        sse_server.send("one")
        sse_server.send("two")
        sse_server.end()
        time.sleep(0.2)  # the end has arrived before the events are taken
        assert _get(subscription).payload == b"one"
        assert _get(subscription).payload == b"two"
        for _ in range(2):  # and it stays ended
            with pytest.raises(MessageTransportError, match=r"the event stream .* ended$"):
                subscription.get(1.0)
    finally:
        connection.close()


def test_a_stream_ending_mid_event_says_so(sse_server: SseServer) -> None:
    connection = _connect(sse_server.url)
    try:
        subscription = connection.subscribe("cut")
        sse_server.raw(b"data: never finished\n")
        sse_server.end()
        with pytest.raises(MessageTransportError, match="in the middle of an event"):
            subscription.get(3.0)
    finally:
        connection.close()


def test_server_killed_while_get_waits() -> None:
    server = SseServer()
    connection = _connect(server.url)
    try:
        subscription = connection.subscribe("live")
        server.send("before")
        assert _get(subscription).payload == b"before"
        threading.Timer(0.3, server.stop).start()
        started = time.monotonic()
        with pytest.raises(MessageTransportError, match="was lost") as caught:
            subscription.get(5.0)
        assert 0.25 < time.monotonic() - started < 3.0
        assert server.url in str(caught.value)
    finally:
        connection.close()
        server.stop()


def test_a_silent_stream_is_lost_after_idle_timeout(sse_server: SseServer) -> None:
    connection = _connect(sse_server.url, adapter=SseAdapter(idle_timeout=0.5))
    try:
        subscription = connection.subscribe("silent")
        started = time.monotonic()
        assert subscription.get(0.2) is None
        with pytest.raises(MessageTransportError, match="was lost"):
            subscription.get(3.0)
        assert time.monotonic() - started < 2.0
    finally:
        connection.close()


def test_an_event_over_the_limit_is_dropped_and_the_next_comes(sse_server: SseServer) -> None:
    connection = _connect(sse_server.url)
    try:
        subscription = connection.subscribe("big")
        sse_server.send("x" * (LIMIT + 1))
        sse_server.send("y" * LIMIT)  # exactly at the limit: delivered
        with pytest.raises(MessageTooLarge, match=f"{LIMIT + 1} bytes") as caught:
            subscription.get(3.0)
        assert "max_message_bytes" in str(caught.value)
        assert _get(subscription).payload == b"y" * LIMIT
    finally:
        connection.close()


def test_an_event_too_large_to_buffer_ends_the_stream(sse_server: SseServer) -> None:
    connection = _connect(sse_server.url)
    try:
        subscription = connection.subscribe("huge")
        sse_server.send("before")
        sse_server.raw(b"data: " + b"z" * (2 * 1024 * 1024))  # never finished, past the cap
        assert _get(subscription).payload == b"before"
        with pytest.raises(MessageTooLarge):
            subscription.get(3.0)
        with pytest.raises(MessageTransportError, match="too large to buffer"):
            subscription.get(3.0)
    finally:
        connection.close()


def test_close_leaves_nothing_open_and_is_idempotent(sse_server: SseServer) -> None:
    with nothing_left_open():
        connection = _connect(sse_server.url, headers={"Authorization": f"Bearer {TOKEN}"})
        subscriptions = [connection.subscribe(f"s/{n}") for n in range(3)]
        sse_server.send("hello")
        assert all(_get(s).payload == b"hello" for s in subscriptions)
        subscriptions[0].close()
        subscriptions[0].close()
        with pytest.raises(MessageTransportError, match="closed"):
            subscriptions[0].get(0.1)
        started = time.monotonic()
        connection.close()  # two readers blocked on silent streams are woken
        assert time.monotonic() - started < 1.0
        connection.close()
    with pytest.raises(MessageTransportError, match="connection is closed") as caught:
        connection.subscribe("late")
    assert TOKEN not in str(caught.value)


def test_connect_opens_nothing() -> None:
    with nothing_left_open():
        connection = _connect("http://127.0.0.1:9/never-contacted")
        connection.close()


def test_fal_queue_status_stream() -> None:
    with FakeFalServer(platform=True, interval=0.05) as fal, requests.Session() as http:
        submitted = http.post(
            f"{fal.url}/fal-ai/flux/dev",
            json={"prompt": "a fox"},
            headers={"Authorization": "Key test-key"},
        ).json()
        request_id = submitted["request_id"]
        address = f"fal-ai/flux/dev/requests/{request_id}/status/stream"
        with nothing_left_open():
            connection = _connect(
                fal.url, headers={"Authorization": "Key test-key"}, query={"logs": "1"}
            )
            try:
                subscription = connection.subscribe(address)
                statuses = [json.loads(_get(subscription).payload) for _ in range(3)]
                with pytest.raises(MessageTransportError, match="ended"):
                    subscription.get(3.0)
            finally:
                connection.close()
        assert [s["status"] for s in statuses] == ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]
        assert statuses[0]["queue_position"] == 0
        assert statuses[1]["logs"][0]["level"] == "INFO"
        assert statuses[2]["response_url"] == f"{fal.url}/fal-ai/flux/dev/requests/{request_id}"
        result = http.get(statuses[2]["response_url"], headers={"Authorization": "Key test-key"})
        assert result.status_code == 200
        assert fal.requests[-2].headers["Accept"] == "text/event-stream"
        assert fal.errors == []


def test_fal_queue_status_stream_refusals() -> None:
    with FakeFalServer(platform=True, api_key="real-key") as fal:
        wrong = _connect(fal.url, headers={"Authorization": "Key wrong-key"})
        try:
            with pytest.raises(MessageTransportError, match="HTTP 401") as caught:
                wrong.subscribe("fal-ai/flux/dev/requests/x/status/stream")
            assert "wrong-key" not in str(caught.value)
        finally:
            wrong.close()
        right = _connect(fal.url, headers={"Authorization": "Key real-key"})
        try:
            with pytest.raises(MessageTransportError, match="HTTP 404"):
                right.subscribe("fal-ai/flux/dev/requests/unknown/status/stream")
        finally:
            right.close()
