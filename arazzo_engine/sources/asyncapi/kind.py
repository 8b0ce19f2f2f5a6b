"""The AsyncAPI source kind: operations found by operationId, channels by ``channelPath``.

A step names an AsyncAPI operation by its operationId (the 3.x ``operations``
key, a 2.6 operation's ``operationId``) or a channel by a ``channelPath``
pointer (``/channels/<key>``, ``/components/channels/<key>``); an
``operationPath`` never names AsyncAPI parts (it is OpenAPI's), so
:meth:`AsyncAPIOperations.find_by_pointer` finds channels only.  Either
prepares an :class:`~arazzo_engine.sources.asyncapi.call.AsyncAPICall`.
A description of a version the engine does not read is a ``source-asyncapi``
error of the source description; so is a part a step uses that does not resolve.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from arazzo_engine.sources.asyncapi.call import AsyncAPICall, ReceiveSteps
from arazzo_engine.sources.asyncapi.endpoint import Endpoint, choose_server
from arazzo_engine.sources.asyncapi.index import AsyncAPIIndex, build_index
from arazzo_engine.sources.asyncapi.shapes import AsyncAPIShapeError, Channel, Operation
from arazzo_engine.sources.base import LoadedSource, OpenContext
from arazzo_engine.sources.call import StepRequest

__all__ = ["ASYNCAPI", "AsyncAPIKind", "AsyncAPIOperations", "AsyncAPITarget"]

RULE = "source-asyncapi"


@dataclass(frozen=True, slots=True)
class AsyncAPITarget:
    """An operation or a channel a step names."""

    opened: AsyncAPIOperations
    operation: Operation | None
    channel: Channel | None

    def prepare(self, request: StepRequest) -> AsyncAPICall:
        opened = self.opened
        return AsyncAPICall.made(
            opened.name,
            self.operation,
            self.channel,
            request,
            opened.endpoint(self.channel) if self.channel is not None else None,
            opened.receivers,
            opened.index.reader.data,
        )


class AsyncAPIOperations:
    """One opened AsyncAPI source."""

    title = "AsyncAPI"
    pointer_field = "channelPath"
    """Pointers into it name channels, written as a step's ``channelPath``."""

    def __init__(self, index: AsyncAPIIndex, servers: Mapping[str, str]) -> None:
        self.index = index
        self.servers = servers
        """``servers=``: by source name, or ``<source>.<server>``."""
        self.receivers = ReceiveSteps()
        self._endpoints: dict[str, Endpoint | str] = {}

    def endpoint(self, channel: Channel) -> Endpoint | str:
        """The server of ``channel`` (once per channel), or why there is none."""
        found = self._endpoints.get(channel.pointer)
        if found is None:
            index = self.index
            if index.server_error is not None:
                found = f"source '{self.name}': {index.server_error}"
            else:
                found = choose_server(
                    self.name,
                    index.servers,
                    channel.servers,
                    index.schemes,
                    self.servers,
                    channel.label,
                )
            self._endpoints[channel.pointer] = found
        return found

    @property
    def server_names(self) -> Collection[str]:
        """``<source>.<server>`` of each server: names ``servers=`` may use as well."""
        return [f"{self.name}.{server}" for server in self.index.servers]

    @property
    def name(self) -> str:
        return self.index.source.name

    @property
    def location(self) -> str:
        return self.index.source.location

    @property
    def operation_ids(self) -> Collection[str]:
        return self.index.operation_pointers.keys()

    @property
    def scheme_names(self) -> Collection[str]:
        return self.index.schemes.keys()

    def find_by_id(self, operation_id: str) -> AsyncAPITarget | None:
        found = self.index.operation(operation_id)
        if found is None:
            return None
        return AsyncAPITarget(self, found, found.channel)

    def find_by_pointer(self, pointer: str) -> AsyncAPITarget | None:
        found = self.index.channel(pointer)
        return AsyncAPITarget(self, None, found) if found is not None else None

    def pointer_hint(self, pointer: str) -> str:
        """The channels there are, when the pointer names none."""
        known = ", ".join(f"'#{p}'" for p in self.index.channel_pointers[:10]) or "none"
        same = [p for p in self.index.channel_pointers if p.lower() == pointer.lower()]
        hint = f"; did you mean '#{same[0]}'? (names are case-sensitive)" if same else ""
        return f" (its channels: {known}){hint}"

    def problems(self) -> Sequence[tuple[str, str]]:
        return [(RULE, problem) for problem in self.index.problems]


class AsyncAPIKind:
    """Descriptions with an ``asyncapi`` root field (3.x and 2.6 are read)."""

    name = "asyncapi"
    title = "AsyncAPI"
    root_fields = ("asyncapi",)
    keeps_positions = False
    rules = (RULE,)

    def open(self, source: LoadedSource, context: OpenContext) -> AsyncAPIOperations | None:
        if not isinstance(source.document.data, Mapping):
            context.report(RULE, f"source description '{source.name}' is not an object")
            return None
        try:
            return AsyncAPIOperations(build_index(source), context.servers)
        except AsyncAPIShapeError as error:
            context.report(RULE, str(error))
            return None


ASYNCAPI = AsyncAPIKind()
