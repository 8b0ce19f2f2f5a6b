"""A loopback JSON server for benchmarks (TCP_NODELAY, keep-alive, tiny bodies)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    latency = 0.0

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.latency:
            time.sleep(self.latency)
        n = self.path.rsplit("/", 1)[-1]
        body = json.dumps({"status": "ok", "next": f"{n}x", "items": [1, 2, 3]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class BenchServer:
    """Context manager: a threaded server on 127.0.0.1 with optional fixed latency."""

    def __init__(self, latency: float = 0.0) -> None:
        handler = type("Handler", (_Handler,), {"latency": latency})
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
