"""The parts of message steps that need no broker: servers, credentials, correlation,
the message a payload is, the protocol registry, and the run's buffer of messages.

The buffer is exercised with a subscription made of a queue (the engine's own
:class:`~arazzo_engine.messaging.transport.Subscription` protocol, no library
patched); the same buffer runs against real brokers in tests/test_message_workflows.py.
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import pytest

from arazzo_engine.load.reader import read_data
from arazzo_engine.messaging.protocols import (
    PROTOCOLS,
    ProtocolEntry,
    check_protocol,
    missing_library,
)
from arazzo_engine.messaging.session import Buffered, MessageCancelled
from arazzo_engine.messaging.transport import IncomingMessage, MessageTransportError
from arazzo_engine.sources.asyncapi.correlation import correlation_reader
from arazzo_engine.sources.asyncapi.endpoint import Endpoint, choose_server, server_target
from arazzo_engine.sources.asyncapi.message_choice import first_matching
from arazzo_engine.sources.asyncapi.servers import SecurityScheme, Server
from arazzo_engine.sources.asyncapi.shapes import Message

# -- the protocol registry ---------------------------------------------------------------


def test_every_protocol_the_issue_names_has_an_adapter_and_kafka_is_refused() -> None:
    for protocol in ("ws", "wss", "mqtt", "nats", "amqp", "http", "https"):
        assert protocol in PROTOCOLS and check_protocol(protocol) is None, protocol
    assert check_protocol("kafka") == (
        "protocol 'kafka' (Kafka) is not supported by this engine yet (supported: amqp, amqps, "
        "http, https, mqtt, mqtts, nats, secure-mqtt, ws, wss)"
    )
    assert (check_protocol("smtp") or "").startswith("protocol 'smtp' is not one this engine runs")


def test_a_missing_client_library_names_the_extra_that_installs_it() -> None:
    entry = ProtocolEntry("arazzo_engine.messaging.mqtt", "arazzo_no_such_library", "mqtt")
    assert missing_library("mqtt", entry) == (
        "protocol 'mqtt' needs the 'arazzo_no_such_library' library, which is not installed: "
        "pip install 'arazzo-engine[mqtt]'"
    )
    assert missing_library("mqtt", PROTOCOLS["mqtt"]) is None


# -- choosing the server -----------------------------------------------------------------

SERVERS = {
    "a": Server("a", "mqtt", "mqtt://a:1883", ("login",)),
    "b": Server("b", "nats", "nats://b:4222", ()),
}
SCHEMES = {"login": SecurityScheme("login", "userPassword")}


def test_one_server_is_used_several_need_a_choice_and_none_needs_an_override() -> None:
    only_a = choose_server("ev", SERVERS, ("a",), SCHEMES, {}, "orders")
    assert only_a == Endpoint("a", "mqtt", "mqtt://a:1883", (SCHEMES["login"],))
    both = choose_server("ev", SERVERS, None, SCHEMES, {}, "orders")
    assert both == (
        "channel 'orders' of source 'ev' is on several servers (a, b): choose one with servers= "
        "naming 'ev.a', 'ev.b'"
    )
    chosen = choose_server("ev", SERVERS, None, SCHEMES, {"ev.b": "nats://127.0.0.1:5"}, "orders")
    assert chosen == Endpoint("b", "nats", "nats://127.0.0.1:5", ())
    assert choose_server("ev", {}, None, {}, {}, "orders") == (
        "source 'ev' defines no server for channel 'orders': give one with "
        "servers={'ev': 'protocol://host:port'}"
    )
    unknown = choose_server("ev", SERVERS, ("c",), SCHEMES, {}, "orders")
    assert unknown == (
        "channel 'orders' is on server 'c', which source 'ev' does not define (its servers: "
        "'a', 'b')"
    )
    kafka = choose_server("ev", SERVERS, ("a",), SCHEMES, {"ev": "kafka://k:9092"}, "orders")
    assert isinstance(kafka, str) and "protocol 'kafka' (Kafka) is not supported" in kafka


def test_credentials_map_onto_the_connection_by_scheme_type() -> None:
    schemes = (
        SecurityScheme("login", "userPassword"),
        SecurityScheme("key", "httpApiKey", "header", "Authorization"),
        SecurityScheme("token", "httpApiKey", "query", "fal_jwt_token"),
    )
    endpoint = Endpoint("s", "wss", "wss://fal.run", schemes)
    target = server_target(endpoint, {"login": "me:p:w", "key": "Key k1", "token": "t1"})
    assert (target.username, target.password) == ("me", "p:w")
    assert dict(target.headers) == {"Authorization": "Key k1"}
    assert dict(target.query) == {"fal_jwt_token": "t1"}
    bearer = Endpoint("s", "https", "https://h", (SecurityScheme("b", "http", scheme="bearer"),))
    assert dict(server_target(bearer, {"b": "abc"}).headers) == {"Authorization": "Bearer abc"}
    assert dict(server_target(bearer, {}).headers) == {}  # no credential given: nothing sent
    assert "me:p:w" not in repr(target) and "k1" not in repr(target)


# -- correlation ids -----------------------------------------------------------------------


def test_a_correlation_location_reads_a_header_or_the_payload() -> None:
    by_header = correlation_reader("$message.header#/X-Request-Id")
    assert by_header({"x-request-id": "r1"}, None) == "r1"
    by_payload = correlation_reader("$message.payload#/meta/id")
    assert by_payload({}, {"meta": {"id": 7}}) == 7
    assert by_payload({}, {"meta": []}) is None  # not there: that message does not match
    for bad in ("$request.header#/x", "$message.header", "$message.payload#meta"):
        with pytest.raises(ValueError, match="correlationId location"):
            correlation_reader(bad)


# -- which message a payload is ------------------------------------------------------------


def test_the_first_message_whose_schema_the_payload_fits_is_the_one_sent(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        "components:\n  schemas:\n    Text: {type: string}\n"
        "  messages:\n"
        "    order: {payload: {type: object, required: [item]}}\n"
        "    note: {payload: {$ref: '#/components/schemas/Text'}, contentType: text/plain}\n",
        encoding="utf-8",
    )
    document = read_data(path).data
    order = Message("/components/messages/order", "order", None, None, {"type": "object"}, None)
    note = Message("/components/messages/note", "note", "text/plain", None, {"$ref": "x"}, None)
    assert first_matching([order, note], "hello", document) is note  # via its $ref
    assert first_matching([order, note], {"item": "x"}, document) is order
    assert first_matching([order, note], 5, document) is None


# -- the run's buffer --------------------------------------------------------------------


class QueueSubscription:
    """A Subscription fed by the test: messages, errors, or nothing."""

    def __init__(self) -> None:
        self.items: queue.Queue[IncomingMessage | Exception] = queue.Queue()

    def get(self, timeout: float) -> IncomingMessage | None:
        try:
            item = self.items.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(item, Exception):
            raise item
        return item

    def close(self) -> None:
        pass


def message(text: str) -> IncomingMessage:
    return IncomingMessage("a", text.encode())


def test_unmatched_messages_stay_buffered_for_a_later_step_each_taken_once() -> None:
    source = QueueSubscription()
    buffered = Buffered(source, "a")
    for text in ("one", "two", "three"):
        source.items.put(message(text))
    never = threading.Event()
    deadline = time.monotonic() + 1
    taken = buffered.take(lambda m: m.payload == b"two", deadline, never)
    assert taken is not None and taken.payload == b"two" and buffered.skipped == 1
    # "one" was kept; "three" still waits in the subscription
    first = buffered.take(lambda m: True, deadline, never)
    assert first is not None and first.payload == b"one"
    third = buffered.take(lambda m: True, deadline, never)
    assert third is not None and third.payload == b"three"
    started = time.monotonic()
    assert buffered.take(lambda m: True, time.monotonic() + 0.2, never) is None
    assert 0.15 < time.monotonic() - started < 2


def test_a_full_buffer_drops_the_oldest_and_counts_it() -> None:
    source = QueueSubscription()
    buffered = Buffered(source, "a")
    for number in range(buffered.pending.maxlen + 5):  # type: ignore[operator]
        source.items.put(message(str(number)))
    assert buffered.take(lambda m: False, time.monotonic() + 0.5, threading.Event()) is None
    assert buffered.dropped == 5
    assert buffered.pending[0].payload == b"5"


def test_a_lost_connection_and_a_cancellation_end_the_wait() -> None:
    source = QueueSubscription()
    source.items.put(MessageTransportError("the broker went away"))
    with pytest.raises(MessageTransportError, match="went away"):
        Buffered(source, "a").take(lambda m: True, time.monotonic() + 5, threading.Event())
    cancel = threading.Event()
    threading.Timer(0.1, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(MessageCancelled, match="cancelled"):
        Buffered(QueueSubscription(), "a").take(lambda m: True, time.monotonic() + 5, cancel)
    assert time.monotonic() - started < 1


# -- client libraries are imported only when a run connects ------------------------------


def test_broker_libraries_are_imported_only_when_a_run_connects_to_such_a_server() -> None:
    import subprocess
    import sys

    program = """
import sys
from arazzo_engine import Engine
libraries = ("paho", "nats", "pika", "websockets")
engine = Engine.load(
    "tests/documents/asyncapi/order-flow.arazzo.yaml",
    servers={"events": "mqtt://127.0.0.1:9"},
)
print(sorted(name for name in libraries if name in sys.modules))
result = engine.run("order", {"requestId": "r", "item": "x"})
print(sorted(name for name in libraries if name in sys.modules))
print(result.error)
"""
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded, after, error = done.stdout.splitlines()
    assert loaded == "[]"  # loading checks the library is there without importing it
    assert after == "['paho']"  # the run connected to an MQTT server: only its library
    assert error.startswith("step 'place' of workflow 'order': sending to channel 'orders.create'")
