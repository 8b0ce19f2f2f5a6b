"""The small model every AsyncAPI version is read into: operations, channels, messages.

AsyncAPI 3.x is read as written (:mod:`~arazzo_engine.sources.asyncapi.v3`);
2.6 is mapped into the same shapes by its adapter
(:mod:`~arazzo_engine.sources.asyncapi.v2`).  Only what load-time checks and a
later message call need is kept: a schema (``payload``, ``headers``) stays as
written, its own ``$ref`` s unfollowed, so a recursive schema costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from arazzo_engine.errors import ArazzoError

__all__ = [
    "Adapter",
    "AsyncAPIShapeError",
    "Channel",
    "Correlation",
    "Message",
    "Operation",
    "Reader",
]

_VARIABLE = re.compile(r"\{([^{}]+)\}")


class AsyncAPIShapeError(ArazzoError):
    """An AsyncAPI description the engine cannot read: its version, or a part a step uses."""


@dataclass(frozen=True, slots=True)
class Correlation:
    """A message's ``correlationId`` object (its ``$ref`` followed)."""

    pointer: str
    location: str | None
    """Where the id sits in a message: an AsyncAPI runtime expression
    (``$message.header#/requestId``); None when the document gives none."""


@dataclass(frozen=True, slots=True)
class Message:
    """A Message Object (its ``$ref`` followed)."""

    pointer: str
    name: str
    """Its key in the channel's ``messages`` (3.x), else its ``name`` or its pointer."""
    content_type: str | None
    """Its own ``contentType``, else the document's ``defaultContentType``."""
    correlation: Correlation | None
    payload: Any
    """The ``payload`` schema as written (None when absent)."""
    headers: Any
    """The ``headers`` schema as written (None when absent)."""


@dataclass(frozen=True, slots=True)
class Channel:
    """A Channel Object: where messages go and what they may be."""

    pointer: str
    """Its JSON pointer (``/channels/<key>`` or ``/components/channels/<key>``)."""
    key: str
    address: str | None
    """The address template (``orders.{orderId}``); None when unknown or dynamic."""
    parameters: Mapping[str, Any]
    """Its Parameter Objects by name (``$ref`` s followed)."""
    messages: tuple[Message, ...]
    servers: tuple[str, ...] | None = None
    """The names of the servers it is on; None: every server of the description."""

    @property
    def variables(self) -> tuple[str, ...]:
        """The ``{name}`` variables of its address, in order."""
        return tuple(_VARIABLE.findall(self.address or ""))

    @property
    def label(self) -> str:
        """How messages name it: its address, else its key."""
        return self.address if self.address is not None else self.key


@dataclass(frozen=True, slots=True)
class Operation:
    """An Operation Object, keyed by its operationId (the 3.x ``operations`` key)."""

    key: str
    pointer: str
    action: str | None
    """The document's own ``send``/``receive`` (2.6: publish -> receive, subscribe -> send).
    Informational: the step's Arazzo ``action`` decides what the step does."""
    channel: Channel | None
    """None only when it could not be resolved (the source then reports why)."""
    messages: tuple[Message, ...]
    """Its own messages, or its channel's when it names none."""


class Reader(Protocol):
    """What an adapter reads a document through: ``$ref`` s followed within it only."""

    @property
    def data(self) -> Any:
        """The whole document."""
        ...

    def at(self, pointer: str) -> tuple[Any, str]:
        """The value at ``pointer`` and where it is, ``$ref`` s followed on the way."""
        ...

    def deref(self, value: Any, pointer: str) -> tuple[Any, str]:
        """``value`` (found at ``pointer``) with its ``$ref`` chain followed, and where."""
        ...


class Adapter(Protocol):
    """One AsyncAPI version's reading into the shapes above."""

    def operation_pointers(self, reader: Reader) -> tuple[dict[str, str], list[str]]:
        """Each operationId's pointer, and the ids defined more than once."""
        ...

    def channel_pointers(self, reader: Reader) -> list[str]:
        """The pointer of every Channel Object a ``channelPath`` may name."""
        ...

    def operation(self, reader: Reader, key: str, pointer: str) -> Operation:
        """The operation at ``pointer``, resolved; raises AsyncAPIShapeError."""
        ...

    def channel(self, reader: Reader, pointer: str) -> Channel:
        """The channel at ``pointer``, resolved; raises AsyncAPIShapeError."""
        ...
