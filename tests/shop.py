"""The shop API of tests/workflows/shop on a RecordingServer: stock, orders, a status poll.

Three credentials, one per security scheme, so every place a secret can leak
(a header, a bearer token, a query parameter, an echoed response body) is
exercised.
"""

from __future__ import annotations

import time
from pathlib import Path

from tests.http_server import Received, RecordingServer, Reply

SHOP = Path(__file__).parent / "workflows" / "shop" / "shop.arazzo.yaml"

API_KEY = "sk-live-4f1c9a77e2"
TOKEN = "tok-b82d0c55aa91"
QUERY_KEY = "qk-73e9d1f0c4"
SECRETS = (API_KEY, TOKEN, QUERY_KEY)
AUTH_ARGS = (
    "--auth",
    f"ApiKey={API_KEY}",
    "--auth",
    f"Bearer={TOKEN}",
    "--auth",
    f"QueryKey={QUERY_KEY}",
)
CREDENTIALS = {"ApiKey": API_KEY, "Bearer": TOKEN, "QueryKey": QUERY_KEY}


def stock_route(stock: int = 5, padding: int = 0) -> object:
    """GET /items/widget: echoes the API key it got (a careless API), optionally padded."""

    def answer(request: Received) -> Reply:
        body = {
            "id": "widget",
            "stock": stock,
            "price": 9.5,
            "debug": {"seenKey": request.header("X-Api-Key")},
        }
        if padding:
            body["padding"] = "x" * padding
        return Reply(200, body)

    return answer


def serve_shop(
    server: RecordingServer,
    *,
    stock: int = 5,
    states: tuple[str, ...] = ("packing", "shipped"),
    busy_first: bool = True,
    padding: int = 0,
    busy_headers: dict[str, str] | None = None,
) -> None:
    """Routes for the 'order' workflow: a 503 first (retried), then the states in turn."""
    server.route("GET", "/items/widget", stock_route(stock, padding))  # type: ignore[arg-type]
    server.route("POST", "/orders", Reply(201, {"id": "o-1"}))
    busy = Reply(503, {"detail": "busy"}, headers=busy_headers or {})
    replies = [busy] if busy_first else []
    replies += [Reply(200, {"state": state}) for state in states]
    server.route("GET", "/status/o-1", replies)


def slow_route(seconds: float) -> object:
    def answer(request: Received) -> Reply:
        time.sleep(seconds)
        return Reply(200, {"done": True})

    return answer
