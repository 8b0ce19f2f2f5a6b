"""Message steps end to end: a send and a correlated receive over each real protocol.

One workflow body runs against every protocol the engine speaks to a broker:
WebSocket (a real ``websockets`` hub), HTTP with Server-Sent Events (an HTTP hub:
a send is a POST, a receive an event stream), MQTT (Mosquitto), NATS
(nats-server) and AMQP (RabbitMQ), each started by the tests on 127.0.0.1 with
authentication where the broker has it.  The order service (:mod:`tests.order_service`) answers
every order with a decoy for another request first, then the real answer, at
once: the receive step must have subscribed before the send, and must skip the
decoy by its correlation id.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine, StepMessage
from arazzo_engine.events import Event, MessageReceived, MessageSent
from arazzo_engine.messaging.transport import ServerTarget
from tests.broker_mosquitto import running_mosquitto
from tests.broker_nats import running_nats
from tests.broker_rabbitmq import running_rabbitmq
from tests.leaks import nothing_left_open
from tests.order_service import BrokerResponder
from tests.sse_hub import running_sse_hub
from tests.ws_hub import running_hub

SERVICE = Path(__file__).parent / "documents" / "asyncapi" / "order-service.asyncapi.yaml"
USER, PASSWORD = "arazzo", "pw-51c7e0a9"

WORKFLOW = """\
arazzo: 1.1.0
info: {title: orders over messages, version: '1'}
sourceDescriptions:
  - {name: events, url: order-service.asyncapi.yaml, type: asyncapi}
workflows:
  - workflowId: order
    inputs:
      type: object
      properties: {requestId: {type: string}, item: {type: string}}
    steps:
      - stepId: place
        operationId: $sourceDescriptions.events.placeOrder
        action: send
        parameters:
          - {name: X-Request-Id, in: header, value: $inputs.requestId}
        requestBody:
          payload: {requestId: $inputs.requestId, item: $inputs.item}
        outputs:
          sentItem: $message.payload#/item
      - stepId: confirmed
        operationId: $sourceDescriptions.events.REPLIES
        action: receive
        correlationId: $inputs.requestId
        timeout: TIMEOUT
        parameters:
          - {name: region, in: channel, value: eu}
        successCriteria:
          - condition: $message.payload#/status == 'accepted'
        onFailure:
          - {name: again, type: retry, retryAfter: 0, retryLimit: 2,
             criteria: [{condition: $message.payload#/status == 'pending'}]}
        outputs:
          orderId: $message.payload#/orderId
          status: $message.payload#/status
    outputs:
      orderId: $steps.confirmed.outputs.orderId
"""


@dataclass
class Service:
    """The order service on one protocol: where it is, how to log in, how to break it."""

    protocol: str
    url: str
    credentials: dict[str, str]
    headers: bool
    """Whether the protocol carries message headers (WebSocket frames do not)."""
    orders: list[Any]
    """What the service received, in its own form (to check what was sent)."""
    kill: Callable[[], None]
    """Take the service's server away at once (the connection is lost)."""


@contextmanager
def serving(protocol: str, tmp: Path) -> Iterator[Service]:
    """The order service on ``protocol``, its broker started here."""
    if protocol == "ws":
        with running_hub() as hub:
            yield Service("ws", hub.url, {}, False, hub.orders, hub.drop_all)
        return
    if protocol == "http":
        with running_sse_hub() as sse:
            yield Service("http", sse.url, {}, False, sse.orders, sse.drop_all)
        return
    if protocol == "mqtt":
        broker: Any = running_mosquitto(tmp, username=USER, password=PASSWORD)
    elif protocol == "nats":
        broker = running_nats(tmp, username=USER, password=PASSWORD)
    else:
        broker = running_rabbitmq(tmp)
    with broker as running:
        user = getattr(running, "username", None) or USER
        password = getattr(running, "password", None) or PASSWORD
        target = ServerTarget(protocol, running.url, username=user, password=password)
        responder = BrokerResponder(target)
        try:
            login = {"login": f"{user}:{password}"}
            yield Service(protocol, running.url, login, True, responder.seen, running.stop)
        finally:
            responder.close()


PROTOCOLS = ["ws", "http", "mqtt", "nats", "amqp"]


@pytest.fixture(scope="module", params=PROTOCOLS)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    with serving(request.param, tmp_path_factory.mktemp(request.param)) as running:
        yield running


def flow(tmp_path: Path, *, replies: str = "orderReplies", timeout: int = 5000) -> Path:
    shutil.copy(SERVICE, tmp_path / SERVICE.name)
    path = tmp_path / "orders.arazzo.yaml"
    text = WORKFLOW.replace("REPLIES", replies).replace("TIMEOUT", str(timeout))
    path.write_text(text, encoding="utf-8")
    return path


def engine_for(service: Service, path: Path, **options: Any) -> Engine:
    return Engine.load(
        path, servers={"events": service.url}, credentials=service.credentials, **options
    )


_ids = iter(range(1_000_000))


def request_id() -> str:
    return f"r-{time.monotonic_ns()}-{next(_ids)}"


# -- the happy path ----------------------------------------------------------------------


def test_a_send_and_a_correlated_receive_run_green(service: Service, tmp_path: Path) -> None:
    rid = request_id()
    events: list[Event] = []
    with nothing_left_open(), engine_for(service, flow(tmp_path)) as engine:
        result = engine.run("order", {"requestId": rid, "item": "book"}, on_event=events.append)
    assert result.succeeded, result.error
    assert result.outputs == {"orderId": "o-book"}
    place, confirmed = result.steps
    assert place.message == StepMessage(
        "send",
        "orders.create",
        {"X-Request-Id": rid},
        {"requestId": rid, "item": "book"},
        "application/json",
    )
    assert place.outputs == {"sentItem": "book"} and place.status_code is None
    assert confirmed.message is not None and confirmed.status_code is None
    assert (confirmed.message.action, confirmed.message.channel) == ("receive", "orders.eu.replies")
    assert confirmed.message.payload == {
        "requestId": rid,
        "orderId": "o-book",
        "status": "accepted",
    }
    assert confirmed.outputs == {"orderId": "o-book", "status": "accepted"}
    sent = [e for e in events if isinstance(e, MessageSent)]
    received = [e for e in events if isinstance(e, MessageReceived)]
    assert [(e.step_id, e.channel, e.server) for e in sent] == [
        ("place", "orders.create", service.url)
    ]
    assert [(e.step_id, e.channel) for e in received] == [("confirmed", "orders.eu.replies")]
    assert 0 <= received[0].waited < 5 and f'"requestId":"{rid}"' in received[0].payload
    if service.headers:  # the header parameter went with the message
        assert any(h.get("X-Request-Id") == rid for h, _ in service.orders)
    assert PASSWORD not in repr(result) and "guest:guest" not in repr(result)


def test_the_correlation_id_may_be_read_from_a_header(service: Service, tmp_path: Path) -> None:
    rid = request_id()
    with engine_for(service, flow(tmp_path, replies="orderRepliesByHeader")) as engine:
        warned = [d.message for d in engine.warnings if d.rule == "message-step"]
        if not service.headers:  # WebSocket frames carry none: the load says so
            assert warned == [
                "step 'confirmed' receives on AsyncAPI operation 'orderRepliesByHeader' "
                "(channel 'orders.{region}.replies') of source 'events' over "
                f"{service.protocol}, whose messages carry no headers, and its messages' "
                "correlationId is read from a header: no message can match, so the step will "
                "wait until its timeout"
            ]
            return
        assert warned == []
        result = engine.run("order", {"requestId": rid, "item": "pen"})
    assert result.succeeded, result.error
    confirmed = result.steps[-1].message
    assert confirmed is not None and confirmed.headers.get("X-Request-Id") == rid


def test_a_retry_waits_again_and_the_next_message_decides(service: Service, tmp_path: Path) -> None:
    rid = request_id()
    with engine_for(service, flow(tmp_path)) as engine:
        result = engine.run("order", {"requestId": rid, "item": "slow"})
    assert result.succeeded, result.error
    assert [(s.step_id, s.attempt, s.succeeded) for s in result.steps] == [
        ("place", 1, True),
        ("confirmed", 1, False),
        ("confirmed", 2, True),
    ]
    assert result.outputs == {"orderId": "o-slow"}


def test_an_answer_the_criteria_reject_fails_the_step(service: Service, tmp_path: Path) -> None:
    with engine_for(service, flow(tmp_path)) as engine:
        result = engine.run("order", {"requestId": request_id(), "item": "nothing"})
    assert not result.succeeded
    assert result.error is not None
    assert "step 'confirmed' of workflow 'order': successCriteria not met: " in result.error
    assert "(message received on 'orders.eu.replies')" in result.error


def test_the_receive_step_subscribes_before_the_send_goes(tmp_path: Path) -> None:
    """The hub shows it: the replies channel was open before the order arrived."""
    rid = request_id()
    with running_hub() as hub, Engine.load(flow(tmp_path), servers={"events": hub.url}) as engine:
        result = engine.run("order", {"requestId": rid, "item": "book"})
        log = list(hub.log)
    assert result.succeeded, result.error
    order = next(i for i, (kind, text) in enumerate(log) if kind == "order" and rid in text)
    assert ("open", "orders.eu.replies") in log[:order]


# -- faults: each a failed step with a clear error, nothing left open -----------------------


def test_a_correlation_id_that_never_comes_times_out(service: Service, tmp_path: Path) -> None:
    started = time.monotonic()
    with nothing_left_open(), engine_for(service, flow(tmp_path, timeout=400)) as engine:
        result = engine.run("order", {"requestId": request_id(), "item": "silent"})
    assert time.monotonic() - started < 4
    assert not result.succeeded and result.error is not None
    assert "the step's timeout of 400 ms expired" in result.error
    assert "no message with correlationId 'r-" in result.error
    assert "on channel 'orders.eu.replies' on " in result.error
    assert "1 other message(s) came that did not match" in result.error


def test_a_message_that_is_not_json_fails_the_step(service: Service, tmp_path: Path) -> None:
    with nothing_left_open(), engine_for(service, flow(tmp_path)) as engine:
        result = engine.run("order", {"requestId": request_id(), "item": "garbage"})
    assert not result.succeeded and result.error is not None
    assert "the message on channel 'orders.eu.replies' is not valid JSON" in result.error


def test_a_message_over_max_body_bytes_fails_the_step(service: Service, tmp_path: Path) -> None:
    with nothing_left_open(), engine_for(service, flow(tmp_path), max_body_bytes=1000) as engine:
        result = engine.run("order", {"requestId": request_id(), "item": "huge"})
    assert not result.succeeded and result.error is not None
    assert "receiving on channel 'orders.eu.replies'" in result.error
    assert "1000" in result.error, result.error


def test_a_run_cancelled_while_it_waits_stops_at_once(service: Service, tmp_path: Path) -> None:
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    started = time.monotonic()
    with nothing_left_open(), engine_for(service, flow(tmp_path, timeout=20000)) as engine:
        timer.start()
        result = engine.run("order", {"requestId": request_id(), "item": "silent"}, cancel=cancel)
        timer.join()
    assert time.monotonic() - started < 5
    assert not result.succeeded and result.error is not None
    assert "the run was cancelled while the step waited" in result.error


def test_a_broker_that_is_not_there_fails_the_first_message_step(
    service: Service, tmp_path: Path
) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    nowhere = f"{service.protocol}://127.0.0.1:{port}"
    started = time.monotonic()
    with (
        nothing_left_open(),
        Engine.load(
            flow(tmp_path), servers={"events": nowhere}, credentials=service.credentials
        ) as engine,
    ):
        result = engine.run("order", {"requestId": request_id(), "item": "book"})
    assert time.monotonic() - started < 10
    assert not result.succeeded and result.error is not None
    assert result.error.startswith("step 'place' of workflow 'order': sending to channel ")
    assert f"127.0.0.1:{port}" in result.error
    assert PASSWORD not in result.error


@pytest.mark.parametrize("protocol", ["ws", "http", "mqtt", "nats"])
def test_a_connection_lost_while_a_step_waits_fails_it(protocol: str, tmp_path: Path) -> None:
    (tmp_path / "flow").mkdir()
    # the broker, the service and the engine all go: nothing of any may be left open
    with (
        nothing_left_open(),
        serving(protocol, tmp_path / "broker") as own,
        engine_for(own, flow(tmp_path / "flow", timeout=20000)) as engine,
    ):
        timer = threading.Timer(0.5, own.kill)
        timer.start()
        started = time.monotonic()
        result = engine.run("order", {"requestId": request_id(), "item": "silent"})
        timer.join()
    assert time.monotonic() - started < 10
    assert not result.succeeded and result.error is not None
    assert "step 'confirmed' of workflow 'order': receiving on channel 'orders.eu.replies'" in (
        result.error
    )
