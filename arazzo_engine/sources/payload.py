"""Payload replacements applied to an evaluated request body, in order.

A JSON payload (a value, or text holding JSON) takes JSON Pointer targets; an
XML payload (text starting with ``<``) takes XPath targets selecting elements
(their content is replaced) or, written ``.../@name``, an attribute, spliced
into the text so everything else is sent as written
(:mod:`arazzo_engine.sources.xml_edit`).  A target that selects nothing is an
error naming it.

It sits with the sources, not the step loop, because a kind's call applies
the replacements while it builds what it sends (an HTTP body now, an AsyncAPI
message payload next).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from arazzo_engine.errors import LimitError, RequestBuildError
from arazzo_engine.limits import MAX_DEPTH, load_json, too_deep
from arazzo_engine.load.pointers import PointerError, array_index, follow, split

__all__ = ["apply_replacements"]


def _tokens(pointer: str) -> tuple[str, ...]:
    try:
        return split(pointer)
    except PointerError:
        raise RequestBuildError(
            f"payload replacement target '{pointer}' is not a JSON Pointer "
            "(a JSON pointer must start with '/')"
        ) from None


def apply_replacements(body: Any, replacements: Sequence[tuple[str, Any]]) -> Any:
    """Apply each (target, value) in order; a missing last member of an object is added.

    A string body holding JSON text is parsed and the edited value returned, so
    the request encodes it once by its media type (JSON text stays JSON text,
    not a JSON string holding it).  The edited body nests at most
    :data:`~arazzo_engine.limits.MAX_DEPTH` levels (a value put inside can
    nest it deeper): RequestBuildError beyond.
    """
    if isinstance(body, str) and body.lstrip("\ufeff \t\r\n").startswith("<"):
        from arazzo_engine.sources.xml_edit import edit_xml  # only XML bodies need it

        return edit_xml(body, replacements)
    if isinstance(body, str):
        try:
            body = load_json(body)
        except LimitError as error:
            raise RequestBuildError(f"the JSON payload to edit {error}") from None
        except ValueError:
            raise RequestBuildError(
                "payload replacements need a JSON payload; this payload is text that is not JSON"
            ) from None
    _check_depth(body, "the payload")
    body = copy.deepcopy(body)
    for target, value in replacements:
        tokens = _tokens(target)
        if not tokens:
            body = value
            continue
        try:
            parent = follow(body, tokens[:-1])
        except PointerError:
            raise RequestBuildError(
                f"payload replacement target '{target}' does not exist"
            ) from None
        last = tokens[-1]
        index = array_index(last)
        if isinstance(parent, dict):
            parent[last] = value
        elif isinstance(parent, list) and index is not None and index < len(parent):
            parent[index] = value
        else:
            raise RequestBuildError(f"payload replacement target '{target}' does not exist")
    _check_depth(body, "the request body, its replacements applied,")
    return body


def _check_depth(body: Any, what: str) -> None:
    if too_deep(body, MAX_DEPTH):
        raise RequestBuildError(
            f"{what} nests more than {MAX_DEPTH} levels deep; "
            "the engine builds values nested up to that depth"
        )
