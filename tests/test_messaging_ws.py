"""The WebSocket adapter against a real ``websockets`` server on 127.0.0.1.

The test server answers by path: ``/echo`` sends every frame back as it came,
``/kind`` says whether a frame was text or binary, ``/whoami`` sends the
handshake it saw (path, query, Authorization) on opening, ``/greet`` sends a
frame as soon as the socket opens, ``/big/N`` answers a frame with N bytes then
``after``, ``/bye`` closes with code 4000 and the reason it is sent, ``/abrupt``
drops the TCP connection without a closing handshake when told.  ``/private/...``
needs ``Authorization: Key <KEY>`` or ``?token=<TOKEN>`` (else HTTP 401); any
other path is a 404.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from arazzo_engine.messaging.protocols import adapter_for
from arazzo_engine.messaging.transport import (
    MessageTooLarge,
    MessageTransportError,
    OutgoingMessage,
    ServerTarget,
)
from arazzo_engine.messaging.ws import ADAPTER
from tests.leaks import nothing_left_open

KEY = "key-7f3a9c1e55"
TOKEN = "jwt-b81d0e4422"
LIMIT = 4096


@dataclass
class WsServer:
    """A running test server: its URL and what it saw."""

    server: Server
    thread: threading.Thread
    port: int
    opened: Counter[str] = field(default_factory=Counter)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


def _authorize(connection: ServerConnection, request: Request) -> Response | None:
    path, _, query = request.path.partition("?")
    if path.startswith("/private/"):
        if request.headers.get("Authorization") == f"Key {KEY}" or f"token={TOKEN}" in query:
            return None
        return connection.respond(401, "Unauthorized\n")
    if path.split("/")[1] not in {"echo", "kind", "whoami", "greet", "big", "bye", "abrupt", "a"}:
        return connection.respond(404, "Not Found\n")
    return None


def _handle(ws: WsServer, connection: ServerConnection) -> None:
    assert connection.request is not None
    full = connection.request.path
    path, _, query = full.partition("?")
    ws.opened[path] += 1
    with suppress(ConnectionClosed):  # the client went away: nothing more to serve
        _serve_path(connection, path, query)


def _serve_path(connection: ServerConnection, path: str, query: str) -> None:
    assert connection.request is not None
    if path.endswith("/whoami"):
        headers: Headers = connection.request.headers
        connection.send(
            json.dumps(
                {"path": path, "query": query, "authorization": headers.get("Authorization")}
            )
        )
    if path == "/greet":
        connection.send("hello")
    for frame in connection:
        if path == "/kind":
            connection.send("text" if isinstance(frame, str) else "binary")
        elif path.startswith("/big/"):
            connection.send("x" * int(path.rsplit("/", 1)[1]))
            connection.send("after")
        elif path == "/bye":
            connection.close(4000, str(frame))
        elif path == "/abrupt":
            connection.socket.shutdown(socket.SHUT_RDWR)
        else:
            connection.send(frame)


@contextmanager
def running_ws() -> Iterator[WsServer]:
    """A WebSocket server on 127.0.0.1, ephemeral port, ready when this yields (~ms)."""
    holder: list[WsServer] = []
    server = serve(
        lambda connection: _handle(holder[0], connection),
        "127.0.0.1",
        0,
        process_request=_authorize,
    )
    thread = threading.Thread(target=server.serve_forever, name="test-ws-server", daemon=True)
    handle = WsServer(server, thread, int(server.socket.getsockname()[1]))
    holder.append(handle)
    thread.start()
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def ws_server() -> Iterator[WsServer]:
    with running_ws() as handle:
        yield handle


@pytest.fixture
def no_leaks() -> Iterator[None]:
    """The test leaves no thread or socket behind, whatever failed in it."""
    with nothing_left_open():
        yield


def _target(url: str, **kwargs: object) -> ServerTarget:
    return ServerTarget(protocol="ws", url=url, **kwargs)  # type: ignore[arg-type]


def _connect(url: str, *, limit: int = LIMIT, **kwargs: object):  # type: ignore[no-untyped-def]
    return ADAPTER.connect(_target(url, **kwargs), timeout=3.0, max_message_bytes=limit)


def _json(address: str, value: object) -> OutgoingMessage:
    return OutgoingMessage(address, json.dumps(value).encode(), "application/json")


def test_registry_finds_this_adapter() -> None:
    assert adapter_for("ws") is ADAPTER
    assert adapter_for("WSS") is ADAPTER


def test_round_trip_json_and_binary(ws_server: WsServer) -> None:
    connection = _connect(ws_server.url)
    try:
        subscription = connection.subscribe("echo")
        connection.publish(
            OutgoingMessage("echo", b'{"prompt": "caf\xc3\xa9"}', "application/json", {"X": "1"})
        )
        connection.publish(OutgoingMessage("echo", b"\x00\xffbin", "application/octet-stream"))
        first = subscription.get(3)
        second = subscription.get(3)
    finally:
        connection.close()
    assert first is not None and second is not None
    assert first.payload == '{"prompt": "café"}'.encode()
    assert first.address == "echo"
    assert dict(first.headers) == {}
    assert first.content_type is None
    assert second.payload == b"\x00\xffbin"


def test_text_frames_for_json_and_text_binary_otherwise(ws_server: WsServer) -> None:
    kinds = {
        "application/json": b"{}",
        "application/problem+json; charset=utf-8": b"{}",
        "text/plain": b"hi",
        "application/octet-stream": b"hi",
        "image/png": b"\x89PNG",
    }
    connection = _connect(ws_server.url)
    try:
        subscription = connection.subscribe("kind")
        for content_type, payload in kinds.items():
            connection.publish(OutgoingMessage("kind", payload, content_type))
        seen = [subscription.get(3) for _ in kinds]
    finally:
        connection.close()
    assert [m.payload if m else None for m in seen] == [
        b"text",
        b"text",
        b"text",
        b"binary",
        b"binary",
    ]


def test_json_payload_that_is_not_utf8_is_refused(ws_server: WsServer) -> None:
    connection = _connect(ws_server.url)
    try:
        with pytest.raises(MessageTransportError, match="not UTF-8"):
            connection.publish(OutgoingMessage("echo", b"\xff\xfe", "application/json"))
    finally:
        connection.close()


def test_many_messages_keep_their_order(ws_server: WsServer) -> None:
    connection = _connect(ws_server.url)
    try:
        subscription = connection.subscribe("echo")
        for n in range(50):
            connection.publish(_json("echo", {"n": n}))
        got = [subscription.get(3) for _ in range(50)]
    finally:
        connection.close()
    assert [json.loads(m.payload)["n"] for m in got if m] == list(range(50))


def test_frame_sent_on_open_is_not_lost(ws_server: WsServer) -> None:
    connection = _connect(ws_server.url)
    try:
        subscription = connection.subscribe("greet")
        message = subscription.get(3)
    finally:
        connection.close()
    assert message is not None and message.payload == b"hello"


def test_send_then_receive_share_one_socket_and_replies_are_kept(ws_server: WsServer) -> None:
    before = ws_server.opened["/a/shared"]
    connection = _connect(ws_server.url)
    try:
        connection.publish(_json("a/shared", {"n": 1}))
        connection.publish(_json("a/shared", {"n": 2}))
        time.sleep(0.2)  # the replies arrive before anyone subscribes
        subscription = connection.subscribe("a/shared")
        replies = [subscription.get(3), subscription.get(3)]
    finally:
        connection.close()
    assert [json.loads(m.payload) for m in replies if m] == [{"n": 1}, {"n": 2}]
    assert ws_server.opened["/a/shared"] - before == 1


def test_get_returns_none_after_its_timeout(ws_server: WsServer) -> None:
    connection = _connect(ws_server.url)
    try:
        subscription = connection.subscribe("echo")
        started = time.monotonic()
        assert subscription.get(0.3) is None
        elapsed = time.monotonic() - started
    finally:
        connection.close()
    assert 0.28 <= elapsed < 1.0


def test_url_joins_path_address_and_query(ws_server: WsServer) -> None:
    connection = _connect(
        ws_server.url + "/a/", query={"fal_jwt_token": "t&=1", "max_buffering": "2"}
    )
    try:
        subscription = connection.subscribe("/fal-ai/fast-lcm-diffusion/whoami")
        message = subscription.get(3)
    finally:
        connection.close()
    assert message is not None
    seen = json.loads(message.payload)
    assert seen["path"] == "/a/fal-ai/fast-lcm-diffusion/whoami"
    assert seen["query"] == "fal_jwt_token=t%26%3D1&max_buffering=2"


def test_headers_and_basic_credentials_go_in_the_handshake(ws_server: WsServer) -> None:
    with_header = _connect(ws_server.url, headers={"Authorization": f"Key {KEY}"})
    with_user = _connect(ws_server.url, username="ada", password="pw-secret")
    try:
        header_seen = json.loads(_first(with_header.subscribe("private/whoami")))
        user_seen = json.loads(_first(with_user.subscribe("a/whoami")))
    finally:
        with_header.close()
        with_user.close()
    assert header_seen["authorization"] == f"Key {KEY}"
    assert user_seen["authorization"] == "Basic YWRhOnB3LXNlY3JldA=="


def _first(subscription) -> bytes:  # type: ignore[no-untyped-def]
    message = subscription.get(3)
    assert message is not None
    return bytes(message.payload)


def test_query_credential_is_accepted(ws_server: WsServer) -> None:
    connection = _connect(ws_server.url, query={"token": TOKEN})
    try:
        seen = json.loads(_first(connection.subscribe("private/whoami")))
    finally:
        connection.close()
    assert seen["query"] == f"token={TOKEN}"


def test_wrong_credentials_are_refused_without_naming_them(
    ws_server: WsServer, no_leaks: None
) -> None:
    connection = _connect(
        ws_server.url, headers={"Authorization": "Key wrong-key-0042"}, query={"token": "nope-9"}
    )
    try:
        with pytest.raises(MessageTransportError) as caught:
            connection.subscribe("private/whoami")
        with pytest.raises(MessageTransportError):
            connection.publish(_json("private/whoami", {}))
    finally:
        connection.close()
    text = str(caught.value)
    assert "HTTP 401" in text and "authentication refused" in text
    assert ws_server.url in text and "private/whoami" in text
    assert "wrong-key-0042" not in text and "nope-9" not in text


def test_unknown_path_names_the_status(ws_server: WsServer) -> None:
    connection = _connect(ws_server.url)
    try:
        with pytest.raises(MessageTransportError, match=r"HTTP 404 \(no such path\)"):
            connection.subscribe("nowhere")
    finally:
        connection.close()


def test_nothing_listening_fails_quickly_naming_the_url(no_leaks: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connection = _connect(f"ws://127.0.0.1:{port}")
    started = time.monotonic()
    try:
        with pytest.raises(MessageTransportError) as caught:
            connection.subscribe("echo")
    finally:
        connection.close()
    assert time.monotonic() - started < 2
    assert f"ws://127.0.0.1:{port}" in str(caught.value)
    assert "refused the connection" in str(caught.value)


def test_handshake_that_never_comes_times_out(no_leaks: None) -> None:
    with socket.socket() as silent:  # listens (the kernel accepts TCP) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"ws://127.0.0.1:{silent.getsockname()[1]}"
        connection = ADAPTER.connect(_target(url), timeout=0.5, max_message_bytes=LIMIT)
        started = time.monotonic()
        try:
            with pytest.raises(MessageTransportError, match=r"timed out after 0\.5 s") as caught:
                connection.subscribe("echo")
        finally:
            connection.close()
    assert 0.4 < time.monotonic() - started < 2
    assert url in str(caught.value)


def test_not_a_websocket_url_fails_at_connect() -> None:
    with pytest.raises(MessageTransportError, match="ws:// or wss://"):
        ADAPTER.connect(_target("http://127.0.0.1:1"), timeout=1, max_message_bytes=10)


def test_server_closing_names_code_and_reason_without_credentials(
    ws_server: WsServer, no_leaks: None
) -> None:
    connection = _connect(ws_server.url, query={"token": TOKEN}, headers={"X-Api": f"Key {KEY}"})
    try:
        subscription = connection.subscribe("bye")
        farewell = f"leaving {TOKEN} {KEY}".encode()
        connection.publish(OutgoingMessage("bye", farewell, "text/plain"))
        with pytest.raises(MessageTransportError) as caught:
            subscription.get(3)
        with pytest.raises(MessageTransportError, match="code 4000"):
            subscription.get(0.1)  # still an error, not None
        with pytest.raises(MessageTransportError, match="code 4000"):
            connection.publish(OutgoingMessage("bye", b"again", "text/plain"))
    finally:
        connection.close()
    text = str(caught.value)
    assert "closed by the server with code 4000 (leaving *** ***)" in text
    assert TOKEN not in text and KEY not in text


def test_server_stopped_while_get_waits(no_leaks: None) -> None:
    with running_ws() as server:
        connection = _connect(server.url)
        try:
            subscription = connection.subscribe("echo")
            timer = threading.Timer(0.3, server.stop)
            timer.start()
            started = time.monotonic()
            with pytest.raises(MessageTransportError, match="code 1001") as caught:
                subscription.get(10)
            elapsed = time.monotonic() - started
            timer.join()
        finally:
            connection.close()
    assert 0.2 < elapsed < 3
    assert server.url in str(caught.value)


def test_connection_dropped_while_get_waits(ws_server: WsServer, no_leaks: None) -> None:
    connection = _connect(ws_server.url)
    try:
        subscription = connection.subscribe("abrupt")
        connection.publish(OutgoingMessage("abrupt", b"die", "text/plain"))
        started = time.monotonic()
        with pytest.raises(MessageTransportError, match="lost") as caught:
            subscription.get(10)
    finally:
        connection.close()
    assert time.monotonic() - started < 3
    assert "'abrupt'" in str(caught.value)


def test_oversize_message_is_reported_then_the_lost_socket(
    ws_server: WsServer, no_leaks: None
) -> None:
    connection = _connect(ws_server.url, limit=1000)
    try:
        subscription = connection.subscribe("big/1001")
        connection.publish(OutgoingMessage("big/1001", b"go", "text/plain"))
        with pytest.raises(MessageTooLarge, match="limit of 1000 bytes") as too_large:
            subscription.get(3)
        with pytest.raises(MessageTransportError, match="code 1009") as lost:
            subscription.get(3)
    finally:
        connection.close()
    assert not isinstance(lost.value, MessageTooLarge)
    assert "'big/1001'" in str(too_large.value)


def test_message_at_the_limit_is_delivered(ws_server: WsServer) -> None:
    connection = _connect(ws_server.url, limit=1000)
    try:
        subscription = connection.subscribe("big/1000")
        connection.publish(OutgoingMessage("big/1000", b"go", "text/plain"))
        got = [subscription.get(3), subscription.get(3)]
    finally:
        connection.close()
    assert [len(m.payload) if m else None for m in got] == [1000, 5]


def test_close_leaves_nothing_open_and_is_idempotent(ws_server: WsServer) -> None:
    with nothing_left_open():
        connection = _connect(ws_server.url)
        first = connection.subscribe("echo")
        second = connection.subscribe("kind")
        connection.publish(_json("echo", {"n": 1}))
        assert first.get(3) is not None
        connection.close()
        connection.close()
    with pytest.raises(MessageTransportError, match="closed"):
        second.get(0.1)
    with pytest.raises(MessageTransportError, match="closed"):
        connection.subscribe("echo")
    with pytest.raises(MessageTransportError, match="closed"):
        connection.publish(_json("echo", {}))


def test_closing_a_subscription_keeps_the_socket(ws_server: WsServer) -> None:
    before = ws_server.opened["/echo"]
    with nothing_left_open():
        connection = _connect(ws_server.url)
        try:
            first = connection.subscribe("echo")
            first.close()
            first.close()
            with pytest.raises(MessageTransportError, match="subscription was closed"):
                first.get(0.1)
            connection.publish(_json("echo", {"n": 2}))
            again = connection.subscribe("echo")
            message = again.get(3)
        finally:
            connection.close()
    assert message is not None and json.loads(message.payload) == {"n": 2}
    assert ws_server.opened["/echo"] - before == 1


def test_threads_are_named_while_open(ws_server: WsServer) -> None:
    connection = _connect(ws_server.url)
    try:
        connection.subscribe("echo")
        names = {t.name for t in threading.enumerate()}
    finally:
        connection.close()
    assert "arazzo-ws-reader-echo" in names
    assert "arazzo-ws-events-echo" in names


def test_server_refusing_our_large_frame_is_not_reported_as_ours(ws_server: WsServer) -> None:
    connection = _connect(ws_server.url)  # the server's own limit is 1 MiB
    try:
        subscription = connection.subscribe("echo")
        connection.publish(OutgoingMessage("echo", b"x" * (2**20 + 1), "text/plain"))
        with pytest.raises(MessageTransportError) as caught:
            subscription.get(3)
    finally:
        connection.close()
    assert not isinstance(caught.value, MessageTooLarge)
    assert "closed by the server with code 1009" in str(caught.value)


def test_against_the_fake_fal_realtime_server() -> None:
    from fixtures.fal.fake_fal_realtime import FakeFalRealtime

    address = "fal-ai/fast-lcm-diffusion/realtime"
    with FakeFalRealtime() as fal, nothing_left_open():
        by_key = _connect(fal.url, headers={"Authorization": f"Key {fal.api_key}"})
        by_jwt = _connect(fal.url, query={"fal_jwt_token": fal.jwt_token})
        try:
            by_key.publish(_json(address, {"prompt": "a fox", "request_id": "k-1"}))
            key_reply = _first(by_key.subscribe(address))
            jwt_reply = by_jwt.subscribe(address)
            by_jwt.publish(_json(address, {"request_id": "j-1"}))
            error = _first(jwt_reply)
        finally:
            by_key.close()
            by_jwt.close()
    assert json.loads(key_reply)["request_id"] == "k-1"
    assert json.loads(error)["type"] == "x-fal-error"
    assert json.loads(error)["request_id"] == "j-1"
    assert fal.received[0].data == json.dumps({"prompt": "a fox", "request_id": "k-1"})


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by the openssl binary (~50 ms)."""
    openssl = shutil.which("openssl")
    assert openssl, "the openssl binary is needed for the wss tests: apt-get install openssl"
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=20,
    )
    return cert, key


def test_wss_with_a_trusted_certificate_and_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_leaks: None
) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with serve(_echo, "127.0.0.1", 0, ssl=context) as server:
        thread = threading.Thread(target=server.serve_forever, name="test-wss-server")
        thread.start()
        url = f"wss://127.0.0.1:{server.socket.getsockname()[1]}"
        try:
            untrusted = _connect(url)
            with pytest.raises(MessageTransportError) as refused:
                untrusted.subscribe("echo")
            untrusted.close()
            monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the default context trusts it
            trusted = _connect(url)
            try:
                subscription = trusted.subscribe("echo")
                trusted.publish(_json("echo", {"tls": True}))
                reply = _first(subscription)
            finally:
                trusted.close()
        finally:
            server.shutdown()
            thread.join(5)
    assert "certificate that could not be verified" in str(refused.value)
    assert url in str(refused.value)
    assert json.loads(reply) == {"tls": True}


def _echo(connection: ServerConnection) -> None:
    with suppress(ConnectionClosed):
        for frame in connection:
            connection.send(frame)


def test_two_subscriptions_on_one_address_each_get_every_frame(ws_server: WsServer) -> None:
    connection = _connect(ws_server.url)
    try:
        first = connection.subscribe("echo")
        second = connection.subscribe("echo")
        connection.publish(_json("echo", {"n": 1}))
        got = [_first(first), _first(second)]
    finally:
        connection.close()
    assert got == [b'{"n": 1}', b'{"n": 1}']


def test_closing_a_subscription_wakes_its_waiting_get(ws_server: WsServer) -> None:
    connection = _connect(ws_server.url)
    try:
        subscription = connection.subscribe("echo")
        timer = threading.Timer(0.2, subscription.close)
        timer.start()
        started = time.monotonic()
        with pytest.raises(MessageTransportError, match="subscription was closed"):
            subscription.get(5)
        timer.join()
    finally:
        connection.close()
    assert time.monotonic() - started < 2
