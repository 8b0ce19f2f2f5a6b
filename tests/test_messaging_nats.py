"""The NATS adapter against a real nats-server (tests/broker_nats.py).

Two module-scoped servers serve most tests (one open, one with a user,
denied subjects and a small max_payload); tests that kill the server start
their own.  Every subject is unique per test, so tests sharing a server never
see each other's messages.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from arazzo_engine.messaging.nats import ADAPTER, NatsConnection
from arazzo_engine.messaging.protocols import adapter_for
from arazzo_engine.messaging.transport import (
    IncomingMessage,
    MessageTooLarge,
    MessageTransportError,
    OutgoingMessage,
    ServerTarget,
)
from tests.broker_nats import NatsBroker, running_nats
from tests.leaks import nothing_left_open

USER = "arazzo"
PASSWORD = "s3cret-Pa55word"
DENIED = "forbidden.>"
SERVER_MAX_PAYLOAD = 4096
LIMIT = 1 << 20
_serial = itertools.count()


def subject(name: str) -> str:
    """A subject no other test uses."""
    return f"test.{name}.{next(_serial)}"


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsBroker]:
    with running_nats(tmp_path_factory.mktemp("nats-open")) as running:
        yield running


@pytest.fixture(scope="module")
def strict_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsBroker]:
    """A user and password required, ``forbidden.>`` denied, 4 KiB max_payload."""
    path = tmp_path_factory.mktemp("nats-strict")
    with running_nats(
        path, USER, PASSWORD, max_payload=SERVER_MAX_PAYLOAD, deny=[DENIED]
    ) as running:
        yield running


def target(url: str, username: str | None = None, password: str | None = None) -> ServerTarget:
    return ServerTarget(protocol="nats", url=url, username=username, password=password)


def connect(
    server: NatsBroker | ServerTarget, *, timeout: float = 5.0, limit: int = LIMIT
) -> NatsConnection:
    if isinstance(server, NatsBroker):
        server = target(server.url, server.username, server.password)
    return ADAPTER.connect(server, timeout=timeout, max_message_bytes=limit)


def message(address: str, payload: bytes, **headers: str) -> OutgoingMessage:
    return OutgoingMessage(address, payload, "application/json", headers)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_registry_finds_this_adapter() -> None:
    assert adapter_for("nats") is ADAPTER
    assert adapter_for("NATS") is ADAPTER


def test_round_trip_keeps_payload_headers_and_content_type(broker: NatsBroker) -> None:
    address = subject("round")
    with nothing_left_open():
        connection = connect(broker)
        try:
            subscription = connection.subscribe(address)
            connection.publish(message(address, b'{"n": 1}', **{"X-Trace": "abc 123"}))
            got = subscription.get(5.0)
        finally:
            connection.close()
    assert isinstance(got, IncomingMessage)
    assert got.address == address
    assert got.payload == b'{"n": 1}'
    assert got.content_type == "application/json"
    assert dict(got.headers) == {"X-Trace": "abc 123"}


def test_no_headers_and_no_content_type_arrive_as_none(broker: NatsBroker) -> None:
    address = subject("bare")
    connection = connect(broker)
    try:
        subscription = connection.subscribe(address)
        connection.publish(OutgoingMessage(address, b"plain", ""))
        got = subscription.get(5.0)
    finally:
        connection.close()
    assert got is not None
    assert (got.payload, dict(got.headers), got.content_type) == (b"plain", {}, None)


def test_a_content_type_header_in_any_case_is_the_content_type(broker: NatsBroker) -> None:
    address = subject("ctype")
    connection = connect(broker)
    try:
        subscription = connection.subscribe(address)
        connection.publish(OutgoingMessage(address, b"<a/>", "", {"content-type": "text/xml"}))
        got = subscription.get(5.0)
    finally:
        connection.close()
    assert got is not None
    assert got.content_type == "text/xml"
    assert dict(got.headers) == {}


def test_the_address_is_the_subject_verbatim_wildcards_included(broker: NatsBroker) -> None:
    base = subject("wild")
    connection = connect(broker)
    try:
        subscription = connection.subscribe(f"{base}.*")
        connection.publish(message(f"{base}.left", b"1"))
        connection.publish(message(f"{base}.right.deeper", b"2"))  # `*` is one token only
        connection.publish(message(f"{base}.right", b"3"))
        first, second = subscription.get(5.0), subscription.get(5.0)
        rest = subscription.get(0.2)
    finally:
        connection.close()
    assert first is not None and second is not None
    assert [(first.address, first.payload), (second.address, second.payload)] == [
        (f"{base}.left", b"1"),
        (f"{base}.right", b"3"),
    ]
    assert rest is None


def test_messages_keep_their_order(broker: NatsBroker) -> None:
    address = subject("order")
    subscriber, publisher = connect(broker), connect(broker)
    try:
        subscription = subscriber.subscribe(address)
        for n in range(200):
            publisher.publish(message(address, str(n).encode()))
        got = [subscription.get(5.0) for _ in range(200)]
    finally:
        subscriber.close()
        publisher.close()
    assert [m.payload if m else None for m in got] == [str(n).encode() for n in range(200)]


def test_a_message_published_right_after_subscribe_returns_is_never_lost(
    broker: NatsBroker,
) -> None:
    """From another connection, so only the SUB's round trip can make it arrive."""
    subscriber, publisher = connect(broker), connect(broker)
    try:
        for n in range(30):
            address = subject("race")
            subscription = subscriber.subscribe(address)
            publisher.publish(message(address, str(n).encode()))
            got = subscription.get(2.0)
            assert got is not None, f"message {n} was lost"
            assert got.payload == str(n).encode()
            subscription.close()
    finally:
        subscriber.close()
        publisher.close()


def test_get_returns_none_after_about_the_timeout(broker: NatsBroker) -> None:
    connection = connect(broker)
    try:
        subscription = connection.subscribe(subject("quiet"))
        started = time.monotonic()
        got = subscription.get(0.3)
        elapsed = time.monotonic() - started
        assert subscription.get(0) is None
    finally:
        connection.close()
    assert got is None
    assert 0.28 <= elapsed < 1.0


def test_a_closed_subscription_receives_nothing_more(broker: NatsBroker) -> None:
    address = subject("unsub")
    connection = connect(broker)
    try:
        closed = connection.subscribe(address)
        open_one = connection.subscribe(address)
        closed.close()
        closed.close()  # idempotent
        connection.publish(message(address, b"after"))
        got = open_one.get(5.0)
        with pytest.raises(MessageTransportError, match="subscription was closed"):
            closed.get(0.1)
    finally:
        connection.close()
    assert got is not None and got.payload == b"after"


def test_connecting_where_nothing_listens_fails_quickly_naming_the_url() -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with nothing_left_open(), pytest.raises(MessageTransportError) as raised:
        connect(target(url), timeout=5.0)
    assert time.monotonic() - started < 2.0
    assert url in str(raised.value)
    assert "connection refused" in str(raised.value)


def test_credentials_in_the_url_are_used_and_never_shown(strict_broker: NatsBroker) -> None:
    url = f"nats://{USER}:{PASSWORD}@127.0.0.1:{strict_broker.port}"
    connection = connect(target(url))
    try:
        address = subject("userinfo")
        subscription = connection.subscribe(address)
        connection.publish(message(address, b"ok"))
        got = subscription.get(5.0)
    finally:
        connection.close()
    assert got is not None and got.payload == b"ok"
    with pytest.raises(MessageTransportError) as raised:
        connect(target(f"nats://{USER}:{PASSWORD}@127.0.0.1:{free_port()}"))
    assert PASSWORD not in str(raised.value)
    assert "nats://127.0.0.1:" in str(raised.value)


def test_wrong_credentials_are_refused_without_showing_the_password(
    strict_broker: NatsBroker,
) -> None:
    wrong = "wr0ng-Pa55word"
    with nothing_left_open(), pytest.raises(MessageTransportError) as raised:
        connect(target(strict_broker.url, USER, wrong))
    text = str(raised.value)
    assert strict_broker.url in text
    assert "authentication refused" in text
    assert wrong not in text and PASSWORD not in text
    with pytest.raises(MessageTransportError, match="authentication refused"):
        connect(target(strict_broker.url))  # none at all


def test_a_denied_subscription_or_publish_is_an_error(strict_broker: NatsBroker) -> None:
    """Repeated: the server's -ERR must come before the round trip that ends the call.

    (nats-py writes a flush's PING ahead of a queued SUB/PUB; a single flush let
    about one denied call in 25 pass as a success.)
    """
    connection = connect(strict_broker)
    try:
        for n in range(50):
            with pytest.raises(MessageTransportError) as raised:
                connection.subscribe(f"forbidden.news.{n}")
            assert f"'forbidden.news.{n}'" in str(raised.value)
            assert "permissions violation" in str(raised.value).lower()
            with pytest.raises(MessageTransportError, match=r"(?i)permissions violation"):
                connection.publish(message(f"forbidden.news.{n}", b"x"))
        # The connection survives a permission violation.
        address = subject("allowed")
        subscription = connection.subscribe(address)
        connection.publish(message(address, b"fine"))
        got = subscription.get(5.0)
    finally:
        connection.close()
    assert got is not None and got.payload == b"fine"


def test_a_server_that_never_answers_times_out_within_the_bound() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel accepts, nobody sends INFO
        url = f"nats://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with nothing_left_open(), pytest.raises(MessageTransportError) as raised:
            connect(target(url), timeout=0.5)
        elapsed = time.monotonic() - started
    assert 0.45 <= elapsed < 1.5
    assert f"{url}: timed out after 0.5 s" in str(raised.value)


def test_publishing_over_the_servers_max_payload_is_an_error(strict_broker: NatsBroker) -> None:
    connection = connect(strict_broker)
    try:
        with pytest.raises(MessageTransportError, match="max_payload") as raised:
            connection.publish(message(subject("big"), b"x" * (SERVER_MAX_PAYLOAD + 1)))
        assert strict_broker.url in str(raised.value)
    finally:
        connection.close()


def test_a_message_over_the_limit_raises_too_large_and_the_next_still_comes(
    broker: NatsBroker,
) -> None:
    address = subject("oversize")
    connection = connect(broker, limit=100)
    try:
        subscription = connection.subscribe(address)
        connection.publish(message(address, b"a" * 100))
        connection.publish(message(address, b"b" * 101))
        connection.publish(message(address, b"c"))
        first = subscription.get(5.0)
        with pytest.raises(MessageTooLarge) as raised:
            subscription.get(5.0)
        last = subscription.get(5.0)
    finally:
        connection.close()
    assert first is not None and first.payload == b"a" * 100
    assert "101 bytes" in str(raised.value) and broker.url in str(raised.value)
    assert last is not None and last.payload == b"c"


def test_an_invalid_subject_is_an_error_not_a_library_exception(broker: NatsBroker) -> None:
    connection = connect(broker)
    try:
        with pytest.raises(MessageTransportError, match="not a valid NATS subject"):
            connection.subscribe("has space")
        with pytest.raises(MessageTransportError, match="not a valid NATS subject"):
            connection.publish(message("bad\r\nPUB x 1", b"x"))
    finally:
        connection.close()


def test_the_server_killed_while_get_waits_raises_after_the_buffered_messages(
    tmp_path: Path,
) -> None:
    with running_nats(tmp_path, USER, PASSWORD) as dying:
        connection = connect(dying)
        try:
            address = subject("lost")
            subscription = connection.subscribe(address)
            connection.publish(message(address, b"before"))
            time.sleep(0.2)  # delivered to the buffer, not yet taken
            killer = threading.Timer(0.3, dying.stop)
            killer.start()
            started = time.monotonic()
            first = subscription.get(10.0)
            with pytest.raises(MessageTransportError) as raised:
                subscription.get(10.0)
            elapsed = time.monotonic() - started
            killer.join()
            with pytest.raises(MessageTransportError) as again:
                subscription.get(0.1)
            with pytest.raises(MessageTransportError):
                connection.publish(message(address, b"after"))
        finally:
            connection.close()
    assert first is not None and first.payload == b"before"
    assert 0.25 <= elapsed < 3.0
    text = str(raised.value)
    assert "lost" in text and dying.url in text and f"'{address}'" in text
    assert PASSWORD not in text and PASSWORD not in str(again.value)


def test_a_new_subscription_on_a_lost_connection_fails_at_once(tmp_path: Path) -> None:
    with running_nats(tmp_path) as dying:
        connection = connect(dying)
        try:
            dying.stop()
            deadline = time.monotonic() + 3.0
            while time.monotonic() < deadline:  # until the client notices the EOF
                try:
                    connection.subscribe(subject("late")).close()
                except MessageTransportError as error:
                    assert dying.url in str(error)
                    break
                time.sleep(0.02)
            else:
                pytest.fail("subscribing kept succeeding on a dead server")
        finally:
            connection.close()


def test_close_leaves_nothing_open_and_is_idempotent(broker: NatsBroker) -> None:
    address = subject("close")
    with nothing_left_open():
        connection = connect(broker)
        subscription = connection.subscribe(address)
        connection.publish(message(address, b"x"))
        connection.close()
        connection.close()
        subscription.close()
    with pytest.raises(MessageTransportError, match="closed"):
        subscription.get(0.1)
    with pytest.raises(MessageTransportError, match="closed"):
        connection.subscribe(address)
    with pytest.raises(MessageTransportError, match="closed"):
        connection.publish(message(address, b"y"))


def test_close_wakes_a_waiting_get(broker: NatsBroker) -> None:
    connection = connect(broker)
    subscription = connection.subscribe(subject("wake"))
    closer = threading.Timer(0.2, connection.close)
    closer.start()
    started = time.monotonic()
    with pytest.raises(MessageTransportError, match="closed"):
        subscription.get(10.0)
    closer.join()
    assert time.monotonic() - started < 2.0


def test_the_loop_thread_is_named_and_a_daemon(broker: NatsBroker) -> None:
    before = set(threading.enumerate())
    connection = connect(broker)
    try:
        started = set(threading.enumerate()) - before
    finally:
        connection.close()
    assert [t.name for t in started] == [f"arazzo-nats-127.0.0.1:{broker.port}"]
    assert all(t.daemon for t in started)
    assert not any(t.is_alive() for t in started)
