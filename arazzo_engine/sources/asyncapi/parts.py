"""Reading the parts both AsyncAPI versions share: messages, correlation ids, parameters."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from arazzo_engine.load.pointers import child, split
from arazzo_engine.sources.asyncapi.shapes import AsyncAPIShapeError, Correlation, Message, Reader

__all__ = ["default_content_type", "last_token", "mapping", "message", "parameters"]


def last_token(pointer: str) -> str:
    """The last token of a JSON pointer, unescaped ('' for the root)."""
    tokens = split(pointer)
    return tokens[-1] if tokens else ""


def mapping(value: Any, pointer: str, what: str) -> Mapping[str, Any]:
    """``value`` when it is an object (absent: empty); raises naming ``what`` otherwise."""
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, Mapping):
        raise AsyncAPIShapeError(f"{what} at #{pointer} must be an object")
    return value


def default_content_type(reader: Reader) -> str | None:
    data = reader.data
    found = data.get("defaultContentType") if isinstance(data, Mapping) else None
    return found if isinstance(found, str) else None


def message(reader: Reader, value: Any, pointer: str, name: str | None) -> Message:
    """The Message Object ``value`` written at ``pointer`` (its ``$ref`` s followed)."""
    found, where = reader.deref(value, pointer)
    body = mapping(found, where, "a Message Object")
    own = body.get("name")
    label = name or (own if isinstance(own, str) else last_token(where))
    content_type = body.get("contentType")
    correlation = None
    if "correlationId" in body:
        raw, at = reader.deref(body["correlationId"], child(where, "correlationId"))
        fields = mapping(raw, at, "a Correlation ID Object")
        location = fields.get("location")
        correlation = Correlation(at, location if isinstance(location, str) else None)
    return Message(
        pointer=where,
        name=label,
        content_type=content_type
        if isinstance(content_type, str)
        else default_content_type(reader),
        correlation=correlation,
        payload=body.get("payload"),
        headers=body.get("headers"),
    )


def parameters(reader: Reader, value: Any, pointer: str) -> Mapping[str, Any]:
    """A channel's Parameter Objects by name, each ``$ref`` followed."""
    at = child(pointer, "parameters")
    found: dict[str, Any] = {}
    for name, item in mapping(value, at, "'parameters'").items():
        resolved, _ = reader.deref(item, child(at, str(name)))
        found[str(name)] = resolved
    return MappingProxyType(found)
