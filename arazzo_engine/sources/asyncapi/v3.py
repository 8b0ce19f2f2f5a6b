"""AsyncAPI 3.x: operations keyed by their ``operations`` key, channels by pointer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from arazzo_engine.load.pointers import child
from arazzo_engine.sources.asyncapi.parts import last_token, mapping, message, parameters
from arazzo_engine.sources.asyncapi.servers import channel_servers
from arazzo_engine.sources.asyncapi.shapes import (
    AsyncAPIShapeError,
    Channel,
    Message,
    Operation,
    Reader,
)

__all__ = ["ASYNCAPI3", "AsyncAPI3", "read_channel"]


def _keys(data: Any, *path: str) -> list[str]:
    for token in path:
        data = data.get(token) if isinstance(data, Mapping) else None
    return [str(key) for key in data] if isinstance(data, Mapping) else []


def _ref_pointer(item: Any) -> str | None:
    """The pointer a local ``$ref`` names (its first hop), or None."""
    ref = item.get("$ref") if isinstance(item, Mapping) else None
    return unquote(ref[1:]) if isinstance(ref, str) and ref.startswith("#") else None


def _ref_name(item: Any) -> str | None:
    """The last token of the ``$ref`` an operation's message entry is written as."""
    pointer = _ref_pointer(item)
    return last_token(pointer) if pointer else None


def read_channel(reader: Reader, value: Any, written: str, pointer: str, key: str) -> Channel:
    """The 3.x Channel Object ``value`` written at ``written``, known as ``pointer``."""
    found, where = reader.deref(value, written)
    body = mapping(found, where, "a Channel Object")
    address = body.get("address")
    if address is not None and not isinstance(address, str):
        raise AsyncAPIShapeError(f"the channel at #{where} has an 'address' that is not a string")
    at = child(where, "messages")
    messages: list[Message] = [
        message(reader, item, child(at, str(name)), str(name))
        for name, item in mapping(body.get("messages"), at, "'messages'").items()
    ]
    return Channel(
        pointer=pointer,
        key=key,
        address=address,
        parameters=parameters(reader, body.get("parameters"), where),
        messages=tuple(messages),
        servers=channel_servers(body),
    )


class AsyncAPI3:
    """Reads AsyncAPI 3.x documents."""

    def operation_pointers(self, reader: Reader) -> tuple[dict[str, str], list[str]]:
        keys = _keys(reader.data, "operations")
        return {key: child("/operations", key) for key in keys}, []

    def channel_pointers(self, reader: Reader) -> list[str]:
        data = reader.data
        return [child("/channels", k) for k in _keys(data, "channels")] + [
            child("/components/channels", k) for k in _keys(data, "components", "channels")
        ]

    def channel(self, reader: Reader, pointer: str) -> Channel:
        found, where = reader.at(pointer)
        return read_channel(reader, found, where, pointer, last_token(pointer))

    def operation(self, reader: Reader, key: str, pointer: str) -> Operation:
        found, where = reader.at(pointer)
        body = mapping(found, where, "an Operation Object")
        if "channel" not in body:
            raise AsyncAPIShapeError(f"operation '{key}' (#{where}) has no 'channel'")
        ref = body["channel"]
        named = _ref_pointer(ref) or child(where, "channel")
        channel = read_channel(reader, ref, child(where, "channel"), named, last_token(named))
        at = child(where, "messages")
        listed = body.get("messages")
        if listed is not None and not isinstance(listed, list):
            raise AsyncAPIShapeError(f"'messages' of operation '{key}' (#{at}) must be a list")
        own = tuple(
            message(reader, item, child(at, index), _ref_name(item))
            for index, item in enumerate(listed or ())
        )
        action = body.get("action")
        return Operation(
            key=key,
            pointer=pointer,
            action=action if isinstance(action, str) else None,
            channel=channel,
            messages=own or channel.messages,
        )


ASYNCAPI3 = AsyncAPI3()
