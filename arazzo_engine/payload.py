"""Payload replacements: JSON Pointer edits applied to an evaluated request body."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

from arazzo_engine.errors import RequestBuildError


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise RequestBuildError(
            f"payload replacement target '{pointer}' is not a JSON Pointer "
            "(a JSON pointer must start with '/')"
        )
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def apply_replacements(body: Any, replacements: Sequence[tuple[str, Any]]) -> Any:
    """Apply each (target, value) in order; a missing last member of an object is added.

    A string body holding JSON text is parsed and the edited value returned, so
    the request encodes it once by its media type (JSON text stays JSON text,
    not a JSON string holding it).
    """
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            raise RequestBuildError(
                "payload replacements need a JSON payload; this payload is text that is not JSON"
            ) from None
    body = copy.deepcopy(body)
    for target, value in replacements:
        tokens = _tokens(target)
        if not tokens:
            body = value
            continue
        parent = body
        for token in tokens[:-1]:
            parent = _step(parent, token, target)
        last = tokens[-1]
        if isinstance(parent, dict):
            parent[last] = value
        elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
            parent[int(last)] = value
        else:
            raise RequestBuildError(f"payload replacement target '{target}' does not exist")
    return body


def _step(node: Any, token: str, target: str) -> Any:
    if isinstance(node, dict) and token in node:
        return node[token]
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    raise RequestBuildError(f"payload replacement target '{target}' does not exist")
