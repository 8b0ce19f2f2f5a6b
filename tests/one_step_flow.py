"""A one-step workflow written into a test's folder: GET /thing, judged on its status.

For tests whose subject is what a server answers, not the document: the step
reads nothing but ``$statusCode`` unless the test asks for more (``criteria``,
``outputs``), and ``retry_after`` adds a ``retry`` action on failure (one retry,
so a ``Retry-After`` header is read).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "hostile server", "version": "1.0.0"},
    "servers": [{"url": "http://127.0.0.1:9"}],
    "paths": {
        "/thing": {
            "get": {
                "operationId": "getThing",
                "responses": {"200": {"description": "anything at all"}},
            }
        }
    },
}


def write_flow(
    folder: Path,
    *,
    criteria: tuple[str, ...] = ("$statusCode == 200",),
    outputs: dict[str, str] | None = None,
    retry_after: float | None = None,
) -> Path:
    """The Arazzo document's path; its source ``api`` is the API above, next to it."""
    (folder / "api.openapi.json").write_text(json.dumps(API))
    step: dict[str, Any] = {
        "stepId": "call",
        "operationId": "getThing",
        "successCriteria": [{"condition": c} for c in criteria],
    }
    if outputs:
        step["outputs"] = outputs
    if retry_after is not None:
        step["onFailure"] = [
            {"name": "again", "type": "retry", "retryAfter": retry_after, "retryLimit": 1}
        ]
    flow = {
        "arazzo": "1.0.1",
        "info": {"title": "hostile server", "version": "1.0.0"},
        "sourceDescriptions": [{"name": "api", "url": "api.openapi.json", "type": "openapi"}],
        "workflows": [{"workflowId": "flow", "steps": [step]}],
    }
    path = folder / "flow.arazzo.json"
    path.write_text(json.dumps(flow))
    return path
