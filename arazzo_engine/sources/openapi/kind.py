"""The OpenAPI source kind: Swagger 2.0 and OpenAPI 3.0, 3.1 and 3.2 descriptions.

Opening a description indexes its operations (:mod:`~arazzo_engine.sources.openapi.index`,
one cheap pass) and sets up its base URLs (:mod:`~arazzo_engine.sources.openapi.servers`,
``servers=`` and ``server_variables=`` applied, variable names checked now).
A step's operation is found by ``operationId`` or by ``operationPath`` pointer
and prepares an :class:`~arazzo_engine.sources.openapi.call.OpenAPICall`.
A description the engine cannot use is a ``source-openapi`` error of the
source description; so is an operation a step uses that does not resolve.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from arazzo_engine.sources.base import LoadedSource, OpenContext
from arazzo_engine.sources.call import StepRequest
from arazzo_engine.sources.openapi.call import OpenAPICall
from arazzo_engine.sources.openapi.index import (
    OpenAPIShapeError,
    OperationIndex,
    build_operation_index,
)
from arazzo_engine.sources.openapi.servers import BaseUrls
from arazzo_engine.sources.openapi.shapes import Operation

__all__ = ["OPENAPI", "OpenAPIKind", "OpenAPIOperations", "OpenAPITarget"]

RULE = "source-openapi"


@dataclass(frozen=True, slots=True)
class OpenAPITarget:
    """An operation a step names, with the source that knows its server and schemes."""

    source: OpenAPIOperations
    operation: Operation

    def prepare(self, request: StepRequest) -> OpenAPICall:
        operation = self.operation
        return OpenAPICall(
            operation=operation,
            base_url=self.source.base_urls.get((operation.source, operation.pointer)),
            security_schemes=self.source.index.security_schemes,
            request=request,
        )


class OpenAPIOperations:
    """One opened OpenAPI source: its operations, found by id or pointer."""

    title = "OpenAPI"
    pointer_field = "operationPath"

    def __init__(self, index: OperationIndex, base_urls: BaseUrls) -> None:
        self.index = index
        self.base_urls = base_urls

    @property
    def name(self) -> str:
        return self.index.source.name

    @property
    def location(self) -> str:
        return self.index.source.location

    @property
    def operation_ids(self) -> Collection[str]:
        return self.index.by_id.keys()

    @property
    def scheme_names(self) -> Collection[str]:
        return self.index.security_schemes.keys()

    @property
    def server_names(self) -> Collection[str]:
        return ()  # ``servers=`` names an OpenAPI source as a whole

    def find_by_id(self, operation_id: str) -> OpenAPITarget | None:
        found = self.index.by_id.get(operation_id)
        return OpenAPITarget(self, found) if found is not None else None

    def find_by_pointer(self, pointer: str) -> OpenAPITarget | None:
        found = self.index.by_pointer.get(pointer)
        return OpenAPITarget(self, found) if found is not None else None

    def pointer_hint(self, pointer: str) -> str:
        """At a Path Item, the method to add."""
        methods = sorted(
            p.rpartition("/")[2] for p in self.index.by_pointer if p.rpartition("/")[0] == pointer
        )
        if not methods:
            return ""
        return f"; it points at a Path Item: add the method, e.g. '#{pointer}/{methods[0]}'"

    def problems(self) -> Sequence[tuple[str, str]]:
        return [(RULE, problem) for problem in self.index.problems]


class OpenAPIKind:
    """Descriptions with an ``openapi`` or ``swagger`` root field."""

    name = "openapi"
    title = "OpenAPI"
    root_fields = ("openapi", "swagger")
    keeps_positions = False
    """Read fast, without positions: nothing reports a description's lines."""
    rules = (RULE,)

    def open(self, source: LoadedSource, context: OpenContext) -> OpenAPIOperations | None:
        try:
            index = build_operation_index(source)
        except OpenAPIShapeError as error:
            context.report(RULE, str(error))
            return None
        except (KeyError, AttributeError, TypeError, ValueError) as error:
            # A description whose shape breaks the OpenAPI structure somewhere.
            context.report(
                RULE,
                f"source description '{source.name}' ({source.location}) is not a "
                f"well-formed OpenAPI description: {type(error).__name__}: {error}",
            )
            return None
        base_urls = BaseUrls({source.name: index}, context.servers, context.server_variables)
        return OpenAPIOperations(index, base_urls)


OPENAPI = OpenAPIKind()
