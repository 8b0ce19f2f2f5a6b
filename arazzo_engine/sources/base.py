"""What a source kind is: the interface every kind of source description implements.

A ``sourceDescriptions`` entry points at a document of some *kind* (its
``type``): an OpenAPI description, another Arazzo document, and next an
AsyncAPI description.  A kind (:class:`SourceKind`) says

* how to recognise its documents (``root_fields``) and how to read them
  (``keeps_positions``: with line numbers, for a kind whose documents get
  their own diagnostics);
* how to *open* a loaded document into what steps can target: an
  :class:`OperationSource` (operations found by ``operationId`` or
  ``operationPath``) or an :class:`ExternalDocument` (workflows run by
  ``workflowId``);
* what it contributes to the load: security scheme names (which
  ``credentials=`` may name) and problems, reported against the source
  description through the :class:`OpenContext` it is given, under the rule
  ids it lists in ``rules``;
* for operations, what a step that targets one needs at run time: an
  :class:`OperationTarget` prepares, at load, the step's
  :class:`~arazzo_engine.sources.call.OperationCall` (see
  :mod:`arazzo_engine.sources.call`).

The kinds are found by ``type`` in one registry, :mod:`arazzo_engine.sources.kinds`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from arazzo_engine.load.reader import RawDocument
from arazzo_engine.sources.call import OperationCall, StepRequest

__all__ = [
    "ExternalDocument",
    "LoadedSource",
    "OpenContext",
    "Opened",
    "OperationSource",
    "OperationTarget",
    "SourceKind",
]


@dataclass(frozen=True)
class LoadedSource:
    """One source description's document, read and typed."""

    name: str
    type: str
    """The name of its kind (the ``type`` it has or would have): 'openapi', 'arazzo'."""
    url: str
    """The ``url`` as the Arazzo document wrote it."""
    location: str
    """Where it was actually read from: an absolute path or a URL."""
    document: RawDocument


@dataclass(frozen=True)
class ExternalDocument:
    """An Arazzo source description, opened: its scope and the workflow ids it defines."""

    prefix: str
    """Prepended to its workflow ids to make their run-wide keys."""
    workflow_ids: frozenset[str]


class OperationTarget(Protocol):
    """An operation a step names, found in its source; it prepares the step's call."""

    def prepare(self, request: StepRequest) -> OperationCall:
        """The step's call, ready to perform (everything structural settled now, at load)."""
        ...


class OperationSource(Protocol):
    """An opened source whose steps call operations (OpenAPI, AsyncAPI)."""

    @property
    def name(self) -> str:
        """The source description's name."""
        ...

    @property
    def title(self) -> str:
        """How messages name its kind: 'OpenAPI', 'AsyncAPI'."""
        ...

    @property
    def pointer_field(self) -> str:
        """The step field whose JSON pointers it resolves: 'operationPath', 'channelPath'."""
        ...

    @property
    def location(self) -> str:
        """Where its document was read from (for messages)."""
        ...

    @property
    def operation_ids(self) -> Collection[str]:
        """Every operationId it defines, without resolving any operation."""
        ...

    @property
    def scheme_names(self) -> Collection[str]:
        """The security scheme names it declares (what ``credentials=`` may name)."""
        ...

    @property
    def server_names(self) -> Collection[str]:
        """Names ``servers=`` may use besides the source's own (``<source>.<server>``)."""
        ...

    def find_by_id(self, operation_id: str) -> OperationTarget | None:
        """The operation with this ``operationId``, or None."""
        ...

    def find_by_pointer(self, pointer: str) -> OperationTarget | None:
        """What this JSON pointer of its document names (an OpenAPI ``operationPath``'s
        operation, an AsyncAPI ``channelPath``'s channel), or None."""
        ...

    def pointer_hint(self, pointer: str) -> str:
        """Why ``pointer`` names no operation, as a clause to append ('' when unknown)."""
        ...

    def problems(self) -> Sequence[tuple[str, str]]:
        """(rule id, message) of each problem met while steps were planned against it."""
        ...


Opened = OperationSource | ExternalDocument
"""What opening a source gives: operations to call, or workflows to run."""


class OpenContext(Protocol):
    """What the loader lends a kind while it opens one source description."""

    @property
    def servers(self) -> Mapping[str, str]:
        """``servers=`` overrides by source name."""
        ...

    @property
    def server_variables(self) -> Mapping[str, Mapping[str, str]]:
        """``server_variables=`` by source name."""
        ...

    def report(self, rule: str, message: str) -> None:
        """Record an error located at the source description being opened."""
        ...

    def load_workflows(self, source: LoadedSource) -> ExternalDocument | None:
        """Load an Arazzo document (once per run of the loader) with its own sources."""
        ...


class SourceKind(Protocol):
    """One kind of source description, registered under its ``type``."""

    @property
    def name(self) -> str:
        """The ``type`` value that names it: 'openapi', 'arazzo'."""
        ...

    @property
    def title(self) -> str:
        """How messages name its documents: 'OpenAPI', 'Arazzo'."""
        ...

    @property
    def root_fields(self) -> tuple[str, ...]:
        """Root fields that make a document one of this kind (when ``type`` is absent)."""
        ...

    @property
    def keeps_positions(self) -> bool:
        """Whether its documents are read with line numbers (their own diagnostics need them)."""
        ...

    @property
    def rules(self) -> tuple[str, ...]:
        """The rule ids of the errors it reports about a source ('source-openapi').

        A source with such an error failed: the plan's reports that only repeat
        it (an operation not found there) are dropped.
        """
        ...

    def open(self, source: LoadedSource, context: OpenContext) -> Opened | None:
        """What steps can target in ``source``; None (reported) when it cannot be used."""
        ...
