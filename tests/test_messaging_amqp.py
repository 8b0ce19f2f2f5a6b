"""The AMQP 0-9-1 adapter against a real RabbitMQ node (one per module: it takes ~6 s to start).

The last test kills the shared node: keep it last.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest

from arazzo_engine.messaging.amqp import ADAPTER, AmqpConnection
from arazzo_engine.messaging.protocols import adapter_for
from arazzo_engine.messaging.transport import (
    MessageTooLarge,
    MessageTransportError,
    OutgoingMessage,
    ServerTarget,
)
from tests.broker_rabbitmq import RabbitMQ, running_rabbitmq
from tests.leaks import nothing_left_open

LIMIT = 1024


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabbitMQ]:
    with running_rabbitmq(tmp_path_factory.mktemp("amqp")) as node:
        yield node


def target(broker: RabbitMQ, url: str | None = None, password: str | None = None) -> ServerTarget:
    return ServerTarget(
        protocol="amqp",
        url=url or broker.url,
        username=broker.username,
        password=password if password is not None else broker.password,
    )


@pytest.fixture
def connection(broker: RabbitMQ) -> Iterator[AmqpConnection]:
    conn = ADAPTER.connect(target(broker), timeout=5.0, max_message_bytes=LIMIT)
    yield conn
    conn.close()


def address() -> str:
    """A fresh routing key per test: the module's node is shared."""
    return f"test.{secrets.token_hex(4)}"


def message(to: str, payload: bytes, **headers: str) -> OutgoingMessage:
    return OutgoingMessage(
        address=to, payload=payload, content_type="application/json", headers=headers
    )


def test_the_registry_runs_amqp_and_amqps_with_this_adapter() -> None:
    assert adapter_for("amqp") is ADAPTER
    assert adapter_for("AMQPS") is ADAPTER


def test_round_trip_keeps_payload_headers_and_content_type(connection: AmqpConnection) -> None:
    to = address()
    subscription = connection.subscribe(to)
    connection.publish(message(to, b'{"id": 7}', correlationId="c-1", trace="t"))
    got = subscription.get(5.0)
    assert got is not None
    assert got.address == to
    assert got.payload == b'{"id": 7}'
    assert dict(got.headers) == {"correlationId": "c-1", "trace": "t"}
    assert got.content_type == "application/json"


def test_a_message_without_headers_or_content_type_says_none(
    connection: AmqpConnection,
) -> None:
    to = address()
    subscription = connection.subscribe(to)
    connection.publish(OutgoingMessage(address=to, payload=b"plain", content_type=""))
    got = subscription.get(5.0)
    assert got is not None
    assert (got.payload, dict(got.headers), got.content_type) == (b"plain", {}, None)


def test_header_values_of_other_types_arrive_as_strings(
    broker: RabbitMQ, connection: AmqpConnection
) -> None:
    to = address()
    subscription = connection.subscribe(to)
    raw = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", broker.port))
    try:
        raw.channel().basic_publish(
            "amq.topic",
            to,
            b"x",
            pika.BasicProperties(headers={"count": 3, "ok": True, "raw": b"bytes"}),
        )
    finally:
        raw.close()
    got = subscription.get(5.0)
    assert got is not None
    assert dict(got.headers) == {"count": "3", "ok": "True", "raw": "bytes"}


def test_messages_keep_their_order(connection: AmqpConnection) -> None:
    to = address()
    subscription = connection.subscribe(to)
    for number in range(50):
        connection.publish(message(to, str(number).encode()))
    got = [subscription.get(5.0) for _ in range(50)]
    assert [m.payload if m else None for m in got] == [str(n).encode() for n in range(50)]
    assert subscription.get(0.05) is None


def test_a_message_published_right_after_subscribe_is_never_lost(
    broker: RabbitMQ, connection: AmqpConnection
) -> None:
    publisher = ADAPTER.connect(target(broker), timeout=5.0, max_message_bytes=LIMIT)
    try:
        for number in range(20):
            to = address()
            subscription = connection.subscribe(to)
            publisher.publish(message(to, f"m{number}".encode()))
            got = subscription.get(5.0)
            assert got is not None and got.payload == f"m{number}".encode()
            subscription.close()
    finally:
        publisher.close()


def test_every_subscriber_gets_each_message(connection: AmqpConnection) -> None:
    to = address()
    first, second = connection.subscribe(to), connection.subscribe(to)
    connection.publish(message(to, b"both"))
    for subscription in (first, second):
        got = subscription.get(5.0)
        assert got is not None and got.payload == b"both"


def test_topic_wildcards_match_and_the_real_routing_key_is_the_address(
    connection: AmqpConnection,
) -> None:
    base = address()
    subscription = connection.subscribe(f"{base}.*")
    connection.publish(message(f"{base}.eu", b"eu"))
    connection.publish(message(f"{base}.eu.deep", b"not matched by *"))
    got = subscription.get(5.0)
    assert got is not None and (got.address, got.payload) == (f"{base}.eu", b"eu")
    assert subscription.get(0.3) is None


def test_get_returns_none_after_about_timeout_when_nothing_comes(
    connection: AmqpConnection,
) -> None:
    subscription = connection.subscribe(address())
    started = time.monotonic()
    assert subscription.get(0.4) is None
    elapsed = time.monotonic() - started
    assert 0.35 <= elapsed < 1.5


def test_an_oversize_message_raises_and_the_next_one_still_comes(
    connection: AmqpConnection,
) -> None:
    to = address()
    subscription = connection.subscribe(to)
    connection.publish(message(to, b"x" * (LIMIT + 1)))
    connection.publish(message(to, b"x" * LIMIT))
    with pytest.raises(MessageTooLarge) as raised:
        subscription.get(5.0)
    assert f"{LIMIT + 1} bytes" in str(raised.value)
    got = subscription.get(5.0)
    assert got is not None and len(got.payload) == LIMIT


def test_a_closed_subscription_stops_receiving_and_closes_twice(
    connection: AmqpConnection,
) -> None:
    to = address()
    kept, closed = connection.subscribe(to), connection.subscribe(to)
    closed.close()
    closed.close()
    connection.publish(message(to, b"after"))
    got = kept.get(5.0)
    assert got is not None and got.payload == b"after"
    with pytest.raises(MessageTransportError, match="closed"):
        closed.get(0.2)


def test_the_vhost_comes_from_the_url_path(broker: RabbitMQ) -> None:
    conn = ADAPTER.connect(target(broker, f"{broker.url}/%2F"), timeout=5.0, max_message_bytes=10)
    conn.close()
    with pytest.raises(MessageTransportError) as raised:
        ADAPTER.connect(target(broker, f"{broker.url}/nowhere"), timeout=5.0, max_message_bytes=10)
    assert f"{broker.url}/nowhere" in str(raised.value)
    assert "virtual host" in str(raised.value)


def test_nothing_listening_is_refused_quickly_naming_the_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"amqp://127.0.0.1:{port}"
    server = ServerTarget(protocol="amqp", url=url, username="guest", password="s3cret-pw")
    started = time.monotonic()
    with nothing_left_open(), pytest.raises(MessageTransportError) as raised:
        ADAPTER.connect(server, timeout=5.0, max_message_bytes=LIMIT)
    assert time.monotonic() - started < 2.0
    assert str(raised.value) == f"could not connect to {url}: connection refused"


def test_a_server_that_never_answers_times_out_within_the_bound() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"amqp://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(MessageTransportError) as raised:
            ADAPTER.connect(ServerTarget("amqp", url), timeout=1.0, max_message_bytes=LIMIT)
        elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 3.0
    assert url in str(raised.value)
    assert "timed out" in str(raised.value)


def test_amqps_to_a_plain_port_fails_the_tls_handshake_within_the_bound(
    broker: RabbitMQ,
) -> None:
    url = f"amqps://127.0.0.1:{broker.port}"
    started = time.monotonic()
    with nothing_left_open(), pytest.raises(MessageTransportError) as raised:
        ADAPTER.connect(target(broker, url), timeout=2.0, max_message_bytes=LIMIT)
    assert time.monotonic() - started < 3.0
    assert str(raised.value).startswith(f"could not connect to {url}: ")


def test_wrong_credentials_are_refused_without_quoting_the_password(broker: RabbitMQ) -> None:
    password = "wrong-Pa55word"
    url = f"amqp://guest:{password}@127.0.0.1:{broker.port}"
    started = time.monotonic()
    with nothing_left_open(), pytest.raises(MessageTransportError) as raised:
        ADAPTER.connect(target(broker, url, password), timeout=5.0, max_message_bytes=LIMIT)
    assert time.monotonic() - started < 5.0
    text = str(raised.value)
    assert text == (
        f"could not connect to amqp://127.0.0.1:{broker.port}: "
        "authentication refused (ACCESS_REFUSED)"
    )
    assert password not in text and password not in repr(raised.value)


def test_close_leaves_no_thread_or_socket_and_is_idempotent(broker: RabbitMQ) -> None:
    with nothing_left_open():
        conn = ADAPTER.connect(target(broker), timeout=5.0, max_message_bytes=LIMIT)
        io_threads = [t for t in threading.enumerate() if t.name.startswith("arazzo-amqp-io-")]
        assert len(io_threads) == 1 and io_threads[0].daemon
        to = address()
        subscription = conn.subscribe(to)
        conn.publish(message(to, b"one"))
        assert subscription.get(5.0) is not None
        conn.close()
        conn.close()
        subscription.close()
    with pytest.raises(MessageTransportError) as raised:
        conn.publish(message(to, b"too late"))
    assert broker.url in str(raised.value)
    with pytest.raises(MessageTransportError, match="closed"):
        subscription.get(0.1)


def test_a_killed_server_wakes_a_waiting_get_with_an_error(broker: RabbitMQ) -> None:
    """Kills the module's node: keep this test last."""
    with nothing_left_open():
        conn = ADAPTER.connect(target(broker), timeout=5.0, max_message_bytes=LIMIT)
        to = address()
        subscription = conn.subscribe(to)
        conn.publish(message(to, b"before"))
        time.sleep(0.2)
        killer = threading.Timer(0.3, broker.stop)
        killer.start()
        started = time.monotonic()
        got = subscription.get(10.0)
        assert got is not None and got.payload == b"before"
        with pytest.raises(MessageTransportError) as raised:
            subscription.get(10.0)
        elapsed = time.monotonic() - started
        killer.join(15)
        assert elapsed < 5.0
        assert str(raised.value).startswith(f"the connection to {broker.url} was lost")
        with pytest.raises(MessageTransportError):
            subscription.get(0.1)
        with pytest.raises(MessageTransportError):
            conn.publish(message(to, b"after"))
        conn.close()


def test_the_fixture_leaves_no_process_of_the_node_behind(broker: RabbitMQ) -> None:
    marker = f"RABBITMQ_NODENAME={broker.node}".encode()
    broker.stop()
    alive = []
    for entry in Path("/proc").iterdir():
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().split(") ")[-1][:1]
        except OSError:
            continue
        if marker in environ.split(b"\0") and state != "Z":
            alive.append(entry.name)
    assert alive == []
