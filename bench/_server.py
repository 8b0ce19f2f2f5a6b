"""A loopback JSON server for benchmarks (TCP_NODELAY, keep-alive, tiny bodies)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _JsonHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, TCP_NODELAY, silent; answers 200 with a JSON body."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send_json(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Handler(_JsonHandler):
    latency = 0.0

    def do_GET(self) -> None:
        if self.latency:
            time.sleep(self.latency)
        n = self.path.rsplit("/", 1)[-1]
        self._send_json(json.dumps({"status": "ok", "next": f"{n}x", "items": [1, 2, 3]}).encode())


class BenchServer:
    """Context manager: a threaded server on 127.0.0.1 with optional fixed latency."""

    def __init__(self, latency: float = 0.0, handler: type[_JsonHandler] | None = None) -> None:
        handler = handler or type("Handler", (_Handler,), {"latency": latency})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> BenchServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


OPENAPI = """\
openapi: 3.1.0
info: {title: bench, version: '1'}
servers: [{url: 'http://127.0.0.1:1'}]
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: ok}}
"""


def chain_document(steps: int, *, jsonpath: bool = True, extra_outputs: int = 0) -> str:
    """An Arazzo document of ``steps`` chained steps, each feeding the next."""
    lines = [
        "arazzo: 1.0.1",
        "info: {title: chain, version: '1'}",
        "sourceDescriptions: [{name: api, url: api.openapi.yaml, type: openapi}]",
        "workflows:",
        "- workflowId: chain",
        "  steps:",
    ]
    for i in range(steps):
        value = "n" if i == 0 else f"$steps.s{i - 1}.outputs.next"
        lines += [
            f"  - stepId: s{i}",
            "    operationId: getItem",
            f"    parameters: [{{name: id, in: path, value: {value}}}]",
            "    successCriteria:",
            "    - condition: $statusCode == 200 && $response.body#/status == 'ok'",
            "    - {context: $statusCode, condition: '^2', type: regex}",
            *(
                ["    - {context: $response.body, condition: '$.items[?@ > 1]', type: jsonpath}"]
                if jsonpath
                else []
            ),
            "    outputs:",
            "      next: $response.body#/next",
            *(f"      extra{k}: $response.body#/items/{k % 3}" for k in range(extra_outputs)),
        ]
    lines += ["  outputs:", f"    last: $steps.s{steps - 1}.outputs.next"]
    return "\n".join(lines) + "\n"


class _PeerHandler(_JsonHandler):
    """``GET /items/{id}`` returns an item; ``POST /echo`` returns its JSON body."""

    def do_GET(self) -> None:
        n = int(self.path.rsplit("/", 1)[-1])
        item = {"id": n, "next": n + 1, "name": f"item-{n}", "tags": [{"k": "a"}]}
        self._send_json(json.dumps(item).encode())

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self._send_json(self.rfile.read(length))


class PeerServer(BenchServer):
    """The items/echo server the chained-steps benchmark talks to."""

    def __init__(self) -> None:
        super().__init__(handler=_PeerHandler)


PEER_OPENAPI = """\
openapi: 3.0.3
info: {title: items, version: '1'}
servers: [{url: 'http://127.0.0.1:1'}]
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
      - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {'200': {description: an item}}
  /echo:
    post:
      operationId: echo
      requestBody:
        required: true
        content: {application/json: {schema: {type: object}}}
      responses: {'200': {description: the request body, echoed}}
"""

_GET_STEP = """\
  - stepId: s{i}
    operationId: getItem
    parameters: [{{name: id, in: path, value: {value}}}]
    successCriteria:
    - condition: $statusCode == 200
    - {{context: '$response.body#/name', condition: '^item-\\d+$', type: regex}}
    - {{context: $response.body, condition: "$..tags[?(@.k == 'a')]", type: jsonpath}}
    outputs:
      next: $response.body#/next
      name: $response.body#/name
"""

_POST_STEP = """\
  - stepId: s{i}
    operationId: echo
    requestBody:
      contentType: application/json
      payload:
        id: $steps.s{p}.outputs.next
        label: 'from-{{$steps.s{p}.outputs.name}}'
        tags: [{{k: a}}]
    successCriteria:
    - condition: $statusCode == 200
    - {{context: '$response.body#/label', condition: '^from-item-\\d+$', type: regex}}
    - {{context: $response.body, condition: "$..tags[?(@.k == 'a')]", type: jsonpath}}
    outputs:
      next: $response.body#/id
"""


def peer_chain_document(steps: int, *, posts: bool = True) -> str:
    """Chained steps like real workflows: GET and POST alternate (``posts``), JSON
    bodies with a ``{$...}`` template, and a simple, a regex and a JSONPath
    criterion on every step; each step is fed by the previous one's outputs."""
    lines = [
        "arazzo: 1.0.1",
        "info: {title: peer chain, version: '1'}",
        "sourceDescriptions: [{name: items, url: items.openapi.yaml, type: openapi}]",
        "workflows:",
        "- workflowId: chain",
        "  steps:",
    ]
    text = "\n".join(lines) + "\n"
    last_get = 0
    for i in range(steps):
        if posts and i % 2 == 1:
            text += _POST_STEP.format(i=i, p=last_get)
        else:
            value = "1" if i == 0 else f"$steps.s{i - 1}.outputs.next"
            text += _GET_STEP.format(i=i, value=value)
            last_get = i
    return text + f"  outputs:\n    last: $steps.s{steps - 1}.outputs.next\n"
