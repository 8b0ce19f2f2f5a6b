"""AsyncAPI 2.6, mapped into the 3.x shapes.

A 2.6 channel is keyed by its address and carries up to two operations,
``publish`` and ``subscribe``, named by their ``operationId``.  In 2.x these
are the *client's* view ("publish": the application receives), so ``publish``
becomes ``receive`` and ``subscribe`` becomes ``send``; the step's Arazzo
``action`` decides anyway.  A channel's messages are its operations'; an
operation's ``message`` may be one Message Object or ``oneOf`` several.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from arazzo_engine.load.pointers import child, split
from arazzo_engine.sources.asyncapi.parts import last_token, mapping, message, parameters
from arazzo_engine.sources.asyncapi.servers import channel_servers
from arazzo_engine.sources.asyncapi.shapes import Channel, Message, Operation, Reader

__all__ = ["ASYNCAPI26", "AsyncAPI26"]

VERBS = {"publish": "receive", "subscribe": "send"}
"""2.x operation verb -> the 3.x action it means for the application."""


def _keys(data: Any, *path: str) -> list[str]:
    for token in path:
        data = data.get(token) if isinstance(data, Mapping) else None
    return [str(key) for key in data] if isinstance(data, Mapping) else []


def _messages(reader: Reader, value: Any, pointer: str) -> tuple[Message, ...]:
    """The messages of a 2.x operation's ``message`` (one, or ``oneOf`` several)."""
    if value is None:
        return ()
    found, where = reader.deref(value, pointer)
    if isinstance(found, Mapping) and isinstance(found.get("oneOf"), list):
        at = child(where, "oneOf")
        return tuple(
            message(reader, item, child(at, i), None) for i, item in enumerate(found["oneOf"])
        )
    return (message(reader, found, where, None),)


class AsyncAPI26:
    """Reads AsyncAPI 2.6 documents."""

    def operation_pointers(self, reader: Reader) -> tuple[dict[str, str], list[str]]:
        ids: dict[str, str] = {}
        duplicates: list[str] = []
        for key in _keys(reader.data, "channels"):
            pointer = child("/channels", key)
            found_item, where = reader.at(pointer)
            item = mapping(found_item, where, "a Channel Item Object")
            for verb in VERBS:
                operation = item.get(verb)
                found = operation.get("operationId") if isinstance(operation, Mapping) else None
                if not isinstance(found, str):
                    continue
                if found in ids:
                    duplicates.append(found)
                else:
                    ids[found] = child(pointer, verb)
        return ids, duplicates

    def channel_pointers(self, reader: Reader) -> list[str]:
        data = reader.data
        return [child("/channels", k) for k in _keys(data, "channels")] + [
            child("/components/channels", k) for k in _keys(data, "components", "channels")
        ]

    def channel(self, reader: Reader, pointer: str) -> Channel:
        found, where = reader.at(pointer)
        body = mapping(found, where, "a Channel Item Object")
        tokens = split(pointer)
        seen: dict[str, Message] = {}
        for verb in VERBS:
            operation = body.get(verb)
            if isinstance(operation, Mapping):
                at = child(where, verb, "message")
                for found in _messages(reader, operation.get("message"), at):
                    seen.setdefault(found.pointer, found)
        return Channel(
            pointer=pointer,
            key=last_token(pointer),
            address=tokens[-1] if tokens[:1] == ("channels",) else None,
            parameters=parameters(reader, body.get("parameters"), where),
            messages=tuple(seen.values()),
            servers=channel_servers(body),
        )

    def operation(self, reader: Reader, key: str, pointer: str) -> Operation:
        verb = last_token(pointer)
        channel_pointer = pointer.rpartition("/")[0]
        found, where = reader.at(pointer)
        body = mapping(found, where, "an Operation Object")
        channel = self.channel(reader, channel_pointer)
        own = _messages(reader, body.get("message"), child(where, "message"))
        return Operation(
            key=key,
            pointer=pointer,
            action=VERBS.get(verb),
            channel=channel,
            messages=own or channel.messages,
        )


ASYNCAPI26 = AsyncAPI26()
