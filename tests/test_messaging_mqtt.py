"""The MQTT adapter against a real Mosquitto broker (MQTT 5, QoS 1).

One password-protected broker serves the module; tests that kill a broker
start their own.  Every topic is unique to its test, so tests never see each
other's messages.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from arazzo_engine.messaging.mqtt import ADAPTER, MqttConnection
from arazzo_engine.messaging.protocols import adapter_for
from arazzo_engine.messaging.transport import (
    MessageTooLarge,
    MessageTransportError,
    OutgoingMessage,
    ServerTarget,
)
from tests.broker_mosquitto import Mosquitto, running_mosquitto
from tests.leaks import nothing_left_open

USER = "arazzo"
PASSWORD = "s3cret-Pa55-9f1c"
LIMIT = 1024


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    with running_mosquitto(
        tmp_path_factory.mktemp("mosquitto"), username=USER, password=PASSWORD
    ) as running:
        yield running


def target(broker: Mosquitto, password: str | None = PASSWORD) -> ServerTarget:
    return ServerTarget("mqtt", broker.url, username=USER, password=password)


def connect(broker: Mosquitto, timeout: float = 5.0) -> MqttConnection:
    return ADAPTER.connect(target(broker), timeout=timeout, max_message_bytes=LIMIT)


@pytest.fixture
def conn(broker: Mosquitto) -> Iterator[MqttConnection]:
    connection = connect(broker)
    yield connection
    connection.close()


@pytest.fixture
def topic() -> str:
    return f"arazzo/test/{uuid.uuid4().hex[:12]}"


def test_the_registry_runs_mqtt_mqtts_and_secure_mqtt_with_this_adapter() -> None:
    for protocol in ("mqtt", "mqtts", "secure-mqtt", "MQTT"):
        assert adapter_for(protocol) is ADAPTER


def test_round_trip_keeps_payload_headers_and_content_type(
    conn: MqttConnection, topic: str
) -> None:
    subscription = conn.subscribe(topic)
    headers = {"x-correlation-id": "abc-123", "x-note": "héllo wörld"}
    conn.publish(OutgoingMessage(topic, b'{"n": 1}', "application/json", headers))

    message = subscription.get(5.0)

    assert message is not None
    assert message.address == topic
    assert message.payload == b'{"n": 1}'
    assert dict(message.headers) == headers
    assert message.content_type == "application/json"


def test_a_message_without_headers_or_content_type_comes_back_bare(
    conn: MqttConnection, topic: str
) -> None:
    subscription = conn.subscribe(topic)
    conn.publish(OutgoingMessage(topic, b"", ""))

    message = subscription.get(5.0)

    assert message is not None
    assert message.payload == b""
    assert dict(message.headers) == {}
    assert message.content_type is None


def test_many_messages_keep_their_order(conn: MqttConnection, topic: str) -> None:
    subscription = conn.subscribe(topic)
    for n in range(100):
        conn.publish(OutgoingMessage(topic, str(n).encode(), "text/plain"))

    received = []
    for _ in range(100):
        message = subscription.get(5.0)
        assert message is not None
        received.append(int(message.payload))

    assert received == list(range(100))


def test_a_message_published_right_after_subscribe_returns_is_never_lost(
    broker: Mosquitto, conn: MqttConnection, topic: str
) -> None:
    sender = connect(broker)
    try:
        for n in range(20):
            subscription = conn.subscribe(f"{topic}/{n}")
            sender.publish(OutgoingMessage(f"{topic}/{n}", b"first", "text/plain"))
            message = subscription.get(5.0)
            assert message is not None, f"message {n} lost"
            assert message.payload == b"first"
            subscription.close()
    finally:
        sender.close()


def test_a_reply_comes_without_delayed_ack_stalls(
    broker: Mosquitto, conn: MqttConnection, topic: str
) -> None:
    """Request/reply round trips take about a millisecond on loopback, not the ~40 ms
    a broker with Nagle on adds when our ACKs are delayed."""
    replier = connect(broker)
    try:
        requests = replier.subscribe(f"{topic}/request")
        replies = conn.subscribe(f"{topic}/reply")
        times = []
        for n in range(11):
            started = time.monotonic()
            conn.publish(OutgoingMessage(f"{topic}/request", str(n).encode(), "text/plain"))
            request = requests.get(5.0)
            assert request is not None and request.payload == str(n).encode()
            replier.publish(OutgoingMessage(f"{topic}/reply", request.payload, "text/plain"))
            reply = replies.get(5.0)
            assert reply is not None and reply.payload == str(n).encode()
            times.append(time.monotonic() - started)
    finally:
        replier.close()

    assert sorted(times)[5] < 0.025, f"median round trip {sorted(times)[5] * 1000:.0f} ms"


def test_get_returns_none_after_about_its_timeout_when_nothing_comes(
    conn: MqttConnection, topic: str
) -> None:
    subscription = conn.subscribe(topic)

    started = time.monotonic()
    assert subscription.get(0.3) is None
    elapsed = time.monotonic() - started

    assert 0.28 <= elapsed < 1.0


def test_wildcards_and_shared_filters_deliver_one_copy_to_each_subscription(
    conn: MqttConnection, topic: str
) -> None:
    everything = conn.subscribe(f"{topic}/#")
    exact = conn.subscribe(f"{topic}/x")
    exact_again = conn.subscribe(f"{topic}/x")

    conn.publish(OutgoingMessage(f"{topic}/x", b"to x", "text/plain"))
    conn.publish(OutgoingMessage(f"{topic}/y", b"to y", "text/plain"))

    got = [m.payload if m else None for m in (everything.get(5.0), everything.get(5.0))]
    assert got == [b"to x", b"to y"]
    for subscription in (exact, exact_again):
        message = subscription.get(5.0)
        assert message is not None and message.payload == b"to x"
        assert message.address == f"{topic}/x"
    for subscription in (everything, exact, exact_again):
        assert subscription.get(0.2) is None


def test_closing_one_of_two_subscriptions_on_a_filter_keeps_the_other(
    conn: MqttConnection, topic: str
) -> None:
    first = conn.subscribe(topic)
    second = conn.subscribe(topic)
    first.close()
    first.close()

    conn.publish(OutgoingMessage(topic, b"still here", "text/plain"))

    message = second.get(5.0)
    assert message is not None and message.payload == b"still here"
    with pytest.raises(MessageTransportError, match="closed"):
        first.get(0.1)


def test_a_closed_subscription_stops_and_the_address_can_be_subscribed_again(
    conn: MqttConnection, topic: str
) -> None:
    conn.subscribe(topic).close()
    again = conn.subscribe(topic)
    conn.publish(OutgoingMessage(topic, b"again", "text/plain"))

    message = again.get(5.0)
    assert message is not None and message.payload == b"again"
    assert again.get(0.2) is None


def test_a_message_over_the_limit_raises_and_the_next_one_still_comes(
    conn: MqttConnection, topic: str
) -> None:
    subscription = conn.subscribe(topic)
    conn.publish(OutgoingMessage(topic, b"x" * (LIMIT + 1), "text/plain"))
    conn.publish(OutgoingMessage(topic, b"y" * LIMIT, "text/plain"))

    with pytest.raises(MessageTooLarge) as raised:
        subscription.get(5.0)
    message = subscription.get(5.0)

    assert message is not None and message.payload == b"y" * LIMIT
    assert f"{LIMIT + 1} bytes" in str(raised.value)
    assert topic in str(raised.value)


def test_publishing_to_a_wildcard_topic_is_a_transport_error(conn: MqttConnection) -> None:
    with pytest.raises(MessageTransportError, match="cannot publish to 'a/#'"):
        conn.publish(OutgoingMessage("a/#", b"x", "text/plain"))


def test_subscribing_to_an_invalid_filter_is_a_transport_error(conn: MqttConnection) -> None:
    with pytest.raises(MessageTransportError, match="cannot subscribe to 'a/#/b'"):
        conn.subscribe("a/#/b")


def test_connecting_where_nothing_listens_fails_quickly_naming_the_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"mqtt://127.0.0.1:{port}"

    started = time.monotonic()
    with pytest.raises(MessageTransportError) as raised:
        ADAPTER.connect(ServerTarget("mqtt", url), timeout=5.0, max_message_bytes=LIMIT)

    assert time.monotonic() - started < 1.0
    assert str(raised.value) == f"cannot connect to MQTT server {url}: the connection was refused"


def test_a_server_that_never_answers_connect_fails_within_the_timeout() -> None:
    with socket.socket() as silent, nothing_left_open():
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"mqtt://127.0.0.1:{silent.getsockname()[1]}"

        started = time.monotonic()
        with pytest.raises(MessageTransportError, match=r"no answer \(CONNACK\) within 0.5 s"):
            ADAPTER.connect(ServerTarget("mqtt", url), timeout=0.5, max_message_bytes=LIMIT)

        assert 0.45 <= time.monotonic() - started < 2.0
        accepted, _ = silent.accept()
        accepted.close()


@pytest.mark.parametrize("password", ["wrong-Pa55-77", None])
def test_wrong_or_missing_credentials_are_refused_without_showing_them(
    broker: Mosquitto, password: str | None
) -> None:
    with nothing_left_open(), pytest.raises(MessageTransportError) as raised:
        ADAPTER.connect(target(broker, password), timeout=5.0, max_message_bytes=LIMIT)

    text = str(raised.value)
    assert text.startswith(f"MQTT server {broker.url} refused the connection: ")
    assert "(0x87)" in text or "(0x86)" in text
    assert "check the username and password" in text
    assert PASSWORD not in text and "wrong-Pa55-77" not in text


def test_errors_name_the_public_url_never_credentials_in_the_url(tmp_path: Path) -> None:
    with running_mosquitto(tmp_path, username=USER, password=PASSWORD) as own:
        url = f"mqtt://{USER}:{PASSWORD}@127.0.0.1:{own.port}"
        server = ServerTarget("mqtt", url, username=USER, password=PASSWORD)
        connection = ADAPTER.connect(server, timeout=5.0, max_message_bytes=LIMIT)
        subscription = connection.subscribe("t")
        own.stop()
        errors = []
        for action in (
            lambda: subscription.get(5.0),
            lambda: connection.publish(OutgoingMessage("t", b"x", "text/plain")),
            lambda: connection.subscribe("u"),
            lambda: ADAPTER.connect(server, timeout=5.0, max_message_bytes=LIMIT),
        ):
            with pytest.raises(MessageTransportError) as raised:
                action()
            errors.append(str(raised.value))
        connection.close()

    for text in errors:
        assert f"mqtt://127.0.0.1:{own.port}" in text
        assert PASSWORD not in text
        assert f"{USER}:" not in text


def test_the_broker_killed_during_a_get_wakes_it_with_an_error(tmp_path: Path) -> None:
    with running_mosquitto(tmp_path) as own, nothing_left_open():
        connection = ADAPTER.connect(
            ServerTarget("mqtt", own.url), timeout=5.0, max_message_bytes=LIMIT
        )
        subscription = connection.subscribe("lost")
        connection.publish(OutgoingMessage("lost", b"before", "text/plain"))
        time.sleep(0.2)  # let "before" reach the buffer
        killer = threading.Timer(0.3, own.stop)
        killer.name = "arazzo-test-killer"
        killer.start()

        first = subscription.get(5.0)
        started = time.monotonic()
        with pytest.raises(MessageTransportError) as raised:
            subscription.get(10.0)
        elapsed = time.monotonic() - started
        killer.join()
        connection.close()

    assert first is not None and first.payload == b"before"
    assert elapsed < 3.0
    assert str(raised.value).startswith(f"the connection to MQTT server {own.url} was lost: ")


def test_close_leaves_no_thread_or_socket_and_is_idempotent(broker: Mosquitto, topic: str) -> None:
    with nothing_left_open():
        connection = connect(broker)
        names = [t.name for t in threading.enumerate() if t.name.startswith("arazzo-mqtt-")]
        subscription = connection.subscribe(topic)
        connection.publish(OutgoingMessage(topic, b"x", "text/plain"))
        connection.close()
        connection.close()
        subscription.close()

    assert len(names) == 1
    with pytest.raises(MessageTransportError, match="closed"):
        connection.publish(OutgoingMessage(topic, b"x", "text/plain"))
    with pytest.raises(MessageTransportError, match="closed"):
        subscription.get(0.1)


def test_close_wakes_a_waiting_get(broker: Mosquitto, topic: str) -> None:
    connection = connect(broker)
    subscription = connection.subscribe(topic)
    closer = threading.Timer(0.2, connection.close)
    closer.name = "arazzo-test-closer"
    closer.start()

    started = time.monotonic()
    with pytest.raises(MessageTransportError, match="was closed"):
        subscription.get(10.0)
    closer.join()

    assert time.monotonic() - started < 2.0
