"""A tiny order service on a real message broker, for the message workflow tests.

It listens on ``orders.create`` and answers each order on
``orders.<region>.replies`` (the region from the order, default ``eu``): first a
reply meant for someone else (another request id, in the payload and in the
``X-Request-Id`` header), then the real one.  The item decides the answer:

* ``nothing``: ``status: rejected``;
* ``slow``: ``status: pending`` first, ``accepted`` 0.2 s later (a retry waits again);
* ``garbage``: a payload that is not JSON;
* ``huge``: a 4000-byte reply;
* ``silent``: no answer at all (only the decoy);
* anything else: ``status: accepted``, ``orderId: o-<item>``.

:class:`BrokerResponder` runs it on a broker through the engine's own adapters
(real client libraries, real broker); :mod:`tests.ws_hub` runs the same
:func:`answers` inside a WebSocket server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.messaging.protocols import adapter_for
from arazzo_engine.messaging.transport import (
    MessageTransportError,
    OutgoingMessage,
    ServerTarget,
)

__all__ = ["BrokerResponder", "Reply", "answers"]

REQUESTS = "orders.create"


@dataclass(frozen=True)
class Reply:
    """One message the service sends: where, what, with which headers, after how long."""

    address: str
    payload: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


def _json(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


def answers(payload: bytes, headers: Mapping[str, str]) -> Iterator[Reply]:
    """What the service sends for one order."""
    try:
        order = json.loads(payload)
    except ValueError:
        return
    if not isinstance(order, dict):
        return
    request_id = str(order.get("requestId"))
    item = str(order.get("item"))
    address = f"orders.{order.get('region', 'eu')}.replies"
    decoy = {"requestId": "someone-else", "orderId": "o-other", "status": "accepted"}
    yield Reply(address, _json(decoy), {"X-Request-Id": "someone-else"})
    own = {"X-Request-Id": headers.get("X-Request-Id", request_id)}
    if item == "silent":
        return
    if item == "garbage":
        yield Reply(address, b"{not json", own)
    elif item == "huge":
        yield Reply(address, _json({"requestId": request_id, "pad": "x" * 4000}), own)
    elif item == "nothing":
        yield Reply(address, _json({"requestId": request_id, "status": "rejected"}), own)
    elif item == "slow":
        yield Reply(address, _json({"requestId": request_id, "status": "pending"}), own)
        accepted = {"requestId": request_id, "orderId": "o-slow", "status": "accepted"}
        yield Reply(address, _json(accepted), own, delay=0.2)
    else:
        accepted = {"requestId": request_id, "orderId": f"o-{item}", "status": "accepted"}
        yield Reply(address, _json(accepted), own)


class BrokerResponder:
    """The service on a broker: a thread that answers every order until stopped."""

    def __init__(self, server: ServerTarget) -> None:
        self.connection = adapter_for(server.protocol).connect(
            server, timeout=5.0, max_message_bytes=1 << 20
        )
        self.subscription = self.connection.subscribe(REQUESTS)
        self.seen: list[tuple[dict[str, str], bytes]] = []
        """Each order received: its headers and payload."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="test-order-service", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                order = self.subscription.get(0.05)
            except MessageTransportError:
                return
            if order is None:
                continue
            self.seen.append((dict(order.headers), order.payload))
            for reply in answers(order.payload, order.headers):
                if reply.delay:
                    time.sleep(reply.delay)
                message = OutgoingMessage(
                    reply.address, reply.payload, "application/json", reply.headers
                )
                try:
                    self.connection.publish(message)
                except MessageTransportError:
                    return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.connection.close()
