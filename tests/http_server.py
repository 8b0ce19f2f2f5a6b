"""A route table for tests that answers and keeps every request, on the wire or not.

RecordingServer: stdlib ThreadingHTTPServer on 127.0.0.1, ephemeral port,
TCP_NODELAY, bounded lifetime; for anything about the wire.
MockServer: the same table behind the engine's MockTransport (no socket); for
tests of workflow logic, where a real socket adds nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from arazzo_engine import HttpRequest, HttpResponse, MockTransport


@dataclass(frozen=True)
class Received:
    """A request as the server saw it."""

    method: str
    path: str
    raw_path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    raw_query: str = ""
    """The query string exactly as received (percent-encoding untouched), without '?'."""
    request_line: str = ""
    """The request line as received: 'GET /p;x=1?q=a%20b HTTP/1.1'."""

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> list[tuple[str, str]]:
        """The body read as application/x-www-form-urlencoded pairs, in order."""
        return parse_qsl(self.body.decode("ascii"), keep_blank_values=True, strict_parsing=True)

    def cookies(self) -> list[tuple[str, str]]:
        """The Cookie header's name=value pairs, in order ([] without the header)."""
        header = self.header("Cookie")
        if not header:
            return []
        return [
            (name.strip(), value.strip())
            for name, _, value in (part.partition("=") for part in header.split(";"))
        ]


@dataclass
class Reply:
    """What the server sends back."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] | None = None
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        if self.body is None:
            return b""
        return json.dumps(self.body).encode("utf-8")


Route = Callable[[Received], Reply]


class RouteTable:
    """Routes by (METHOD, path without query); unknown routes answer 404. Keeps every request."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.routes: dict[tuple[str, str], Route | Reply | list[Reply]] = {}
        self._lock = threading.Lock()

    def route(self, method: str, path: str, reply: Route | Reply | list[Reply]) -> None:
        """Answer METHOD path with a Reply, a function of the request, or Replies in turn."""
        self.routes[(method.upper(), path)] = reply

    def answer_ok(self, *targets: str) -> None:
        """Answer 200 and an empty JSON object at each target, written 'METHOD /path'."""
        for target in targets:
            method, path = target.split(" ", 1)
            self.route(method, path, Reply(200, {}))

    def reset(self) -> None:
        """Forget the routes and the requests (a module-wide server between tests)."""
        self.routes.clear()
        self.requests.clear()

    def _answer(self, received: Received) -> Reply:
        with self._lock:
            self.requests.append(received)
            route = self.routes.get((received.method, received.path))
            if isinstance(route, list):
                reply = route.pop(0) if len(route) > 1 else route[0]
                return reply
        if route is None:
            return Reply(404, {"detail": f"no route for {received.method} {received.path}"})
        if isinstance(route, Reply):
            return route
        return route(received)


class RecordingServer(RouteTable):
    """The route table on a real socket: 127.0.0.1, an ephemeral port."""

    def __init__(self, lifetime: float = 30.0, poll_interval: float = 0.5) -> None:
        super().__init__()
        handler = self._handler_class()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # poll_interval bounds how long shutdown() waits for the serving loop.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(poll_interval,), daemon=True
        )
        self._timer = threading.Timer(lifetime, self._server.shutdown)
        self._timer.daemon = True

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                received = Received(
                    method=self.command,
                    path=unquote(parts.path),
                    raw_path=parts.path,
                    query=parse_qsl(parts.query, keep_blank_values=True),
                    headers=dict(self.headers.items()),
                    body=body,
                    raw_query=parts.query,
                    request_line=self.requestline,
                )
                reply = outer._answer(received)
                payload = reply.encoded()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                for key, value in (reply.headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        return Handler


class MockServer(RouteTable):
    """The route table behind a MockTransport: pass ``transport=server.transport``.

    Requests are seen as the engine built them (no headers a client library
    adds); replies carry Content-Type and the Reply's headers.
    """

    url = "http://api.test"

    def __init__(self) -> None:
        super().__init__()
        self.transport = MockTransport(self._handle)

    def _handle(self, request: HttpRequest) -> HttpResponse:
        parts = urlsplit(request.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        received = Received(
            method=request.method,
            path=unquote(parts.path),
            raw_path=parts.path,
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers=dict(request.headers),
            body=request.body or b"",
            raw_query=parts.query,
            request_line=f"{request.method} {target} HTTP/1.1",
        )
        reply = self._answer(received)
        headers = {"Content-Type": reply.content_type, **(reply.headers or {})}
        return HttpResponse(reply.status, headers, content=reply.encoded())
