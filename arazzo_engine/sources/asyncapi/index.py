"""One AsyncAPI source, indexed: operation keys and channel pointers now, the rest on use.

Opening a description picks its version's adapter (3.x:
:mod:`~arazzo_engine.sources.asyncapi.v3`, 2.6:
:mod:`~arazzo_engine.sources.asyncapi.v2`) and lists the operationIds and
channel pointers; an operation or a channel is resolved the first time a step
names it, and kept.  Only references inside the document (``#/...``) are
followed, each chain at most :data:`~arazzo_engine.load.refs.MAX_HOPS` long and
never round a cycle; the document itself was read within the limits every
document from outside is held to (:mod:`arazzo_engine.limits`).  What cannot be
resolved is kept in ``problems`` (the loader reports it against the source).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from arazzo_engine.errors import RefError
from arazzo_engine.load.pointers import child, split
from arazzo_engine.load.refs import MAX_HOPS, Located, RefResolver
from arazzo_engine.sources.asyncapi.servers import (
    SecurityScheme,
    Server,
    read_schemes,
    read_servers,
)
from arazzo_engine.sources.asyncapi.shapes import (
    Adapter,
    AsyncAPIShapeError,
    Channel,
    Operation,
)
from arazzo_engine.sources.asyncapi.v2 import ASYNCAPI26
from arazzo_engine.sources.asyncapi.v3 import ASYNCAPI3
from arazzo_engine.sources.base import LoadedSource

__all__ = ["ACCEPTED", "AsyncAPIIndex", "DocumentReader", "build_index"]

ACCEPTED = "AsyncAPI 3.x and 2.6 descriptions"
_VERSIONS: tuple[tuple[re.Pattern[str], Adapter, str], ...] = (
    (re.compile(r"^3\.\d+\.\d+(-.+)?$"), ASYNCAPI3, "3"),
    (re.compile(r"^2\.6\.\d+(-.+)?$"), ASYNCAPI26, "2.6"),
)


class DocumentReader:
    """Follows the ``$ref`` s of one document, inside it only."""

    def __init__(self, source: LoadedSource) -> None:
        self.data: Any = source.document.data
        self.uri = source.document.uri
        self.resolver = RefResolver(self.uri, self.data, read_files=False)

    def deref(self, value: Any, pointer: str) -> tuple[Any, str]:
        current = Located(value, self.uri, pointer)
        seen: list[str] = []
        while isinstance(current.value, Mapping) and "$ref" in current.value:
            ref = current.value["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#"):
                raise AsyncAPIShapeError(
                    f"the $ref {ref!r} at #{current.pointer} does not point inside the "
                    "document: only local references ('#/...') are followed"
                )
            seen.append(current.pointer)
            if len(seen) > MAX_HOPS:
                raise AsyncAPIShapeError(f"more than {MAX_HOPS} $ref s in a chain from #{seen[0]}")
            try:
                current = self.resolver.lookup(ref, self.uri)
            except RefError as error:
                raise AsyncAPIShapeError(f"the $ref at #{seen[-1]}: {error}") from None
            if current.pointer in seen:
                chain = " -> ".join(f"#{p}" for p in [*seen, current.pointer])
                raise AsyncAPIShapeError(f"$ref cycle: {chain}")
        return current.value, current.pointer

    def at(self, pointer: str) -> tuple[Any, str]:
        value, where = self.deref(self.data, "")
        for token in split(pointer):
            if isinstance(value, Mapping) and token in value:
                value = value[token]
            elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
                value = value[int(token)]
            else:
                raise AsyncAPIShapeError(f"#{pointer} points at nothing: no '{token}' on the way")
            value, where = self.deref(value, child(where, token))
        return value, where


class AsyncAPIIndex:
    """Every operation (by operationId) and channel (by pointer) of one AsyncAPI source."""

    def __init__(self, source: LoadedSource, adapter: Adapter, version: str) -> None:
        self.source = source
        self.adapter = adapter
        self.version = version
        """'3' or '2.6'."""
        self.reader = DocumentReader(source)
        ids, duplicates = adapter.operation_pointers(self.reader)
        self.operation_pointers: Mapping[str, str] = ids
        self.duplicate_ids = tuple(duplicates)
        self.channel_pointers = tuple(adapter.channel_pointers(self.reader))
        self.servers: Mapping[str, Server] = {}
        self.schemes: Mapping[str, SecurityScheme] = {}
        self.server_error: str | None = None
        """Why the servers could not be read (reported when a step needs one)."""
        try:
            self.servers = read_servers(self.reader, version)
            self.schemes = read_schemes(self.reader)
        except AsyncAPIShapeError as error:
            self.server_error = str(error)
        self._operations: dict[str, Operation] = {}
        self._channels: dict[str, Channel | None] = {}
        self.problems: list[str] = []
        """Why operations or channels that steps named could not be resolved."""

    def _problem(self, what: str, error: AsyncAPIShapeError) -> None:
        self.problems.append(
            f"source description '{self.source.name}' ({self.source.location}): {what} "
            f"cannot be resolved: {error}"
        )

    def operation(self, key: str) -> Operation | None:
        """The operation with operationId ``key``, resolved once; None when there is none."""
        found = self._operations.get(key)
        if found is not None:
            return found
        pointer = self.operation_pointers.get(key)
        if pointer is None:
            return None
        if key in self.duplicate_ids:
            self.problems.append(
                f"source description '{self.source.name}' ({self.source.location}): "
                f"operationId '{key}' is defined more than once; the first one (#{pointer}) "
                "is used"
            )
        try:
            found = self.adapter.operation(self.reader, key, pointer)
        except AsyncAPIShapeError as error:
            self._problem(f"operation '{key}' (#{pointer})", error)
            found = Operation(key=key, pointer=pointer, action=None, channel=None, messages=())
        self._operations[key] = found
        return found

    def channel(self, pointer: str) -> Channel | None:
        """The channel at ``pointer`` (one of ``channel_pointers``), resolved once, or None."""
        if pointer in self._channels:
            return self._channels[pointer]
        found = None
        if pointer in self.channel_pointers:
            try:
                found = self.adapter.channel(self.reader, pointer)
            except AsyncAPIShapeError as error:
                self._problem(f"channel #{pointer}", error)
        self._channels[pointer] = found
        return found


def build_index(source: LoadedSource) -> AsyncAPIIndex:
    """Index one AsyncAPI source; its version must be one this engine reads."""
    data = source.document.data
    found = data.get("asyncapi") if isinstance(data, Mapping) else None
    for pattern, adapter, version in _VERSIONS:
        if isinstance(found, str) and pattern.match(found):
            try:
                return AsyncAPIIndex(source, adapter, version)
            except AsyncAPIShapeError as error:
                raise AsyncAPIShapeError(
                    f"source description '{source.name}' ({source.location}) cannot be "
                    f"read as AsyncAPI {found}: {error}"
                ) from None
    raise AsyncAPIShapeError(
        f"source description '{source.name}' ({source.location}) is AsyncAPI {found!r}; "
        f"this engine reads {ACCEPTED} (convert an older 2.x description to 2.6 or 3.0)"
    )
