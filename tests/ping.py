"""The smallest runnable pair: an API with one operation and a flow of one step that calls it.

For tests about how a description or a response reaches the engine (a remote
source, a mock transport), where the workflow itself is beside the point.
Workflow ``ping`` has one step ``ping`` calling ``GET /ping`` (operationId
``ping``) on the API named ``api``.
"""

from __future__ import annotations

from pathlib import Path

import yaml


def ping_openapi(server_url: str) -> str:
    """An OpenAPI 3.1 description of ``GET /ping``, served under ``server_url``."""
    return (
        "openapi: 3.1.0\n"
        "info: {title: ping, version: '1'}\n"
        f"servers: [{{url: '{server_url}'}}]\n"
        "paths:\n"
        "  /ping:\n"
        "    get:\n"
        "      operationId: ping\n"
        "      responses: {'200': {description: ok}}\n"
    )


def write_ping_flow(
    folder: Path,
    source_url: str,
    *,
    criteria: tuple[str, ...] = ("$statusCode == 200",),
    step_outputs: dict[str, str] | None = None,
    outputs: dict[str, str] | None = None,
) -> Path:
    """Write ``folder``/flow.arazzo.yaml, its API read from ``source_url``; the path."""
    step: dict[str, object] = {
        "stepId": "ping",
        "operationId": "ping",
        "successCriteria": [{"condition": condition} for condition in criteria],
    }
    if step_outputs:
        step["outputs"] = step_outputs
    workflow: dict[str, object] = {"workflowId": "ping", "steps": [step]}
    if outputs:
        workflow["outputs"] = outputs
    document = {
        "arazzo": "1.0.1",
        "info": {"title": "ping", "version": "1"},
        "sourceDescriptions": [{"name": "api", "url": source_url, "type": "openapi"}],
        "workflows": [workflow],
    }
    path = folder / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path
