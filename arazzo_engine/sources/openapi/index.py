"""The operation index of one OpenAPI source: found by one cheap pass, resolved on use.

Loading a description walks only ``paths`` (and the security schemes): it
maps each operationId and each operation pointer to its path and method.
An operation's parameters, request body, responses, servers and security are
resolved, ``$ref`` s included (local, in other files, nested, cycles reported),
the first time a step asks for it, and kept.  Nothing validates the whole
description: a 3 MB description loads in about the time ``json.loads`` takes.

Each version is read by its adapter, picked here by version: OpenAPI 3.0, 3.1
and 3.2 (its ``query`` method, ``additionalOperations`` and ``$self`` base URI
read here) by :mod:`~arazzo_engine.sources.openapi.openapi3`, Swagger 2.0 by
:mod:`~arazzo_engine.sources.openapi.swagger2`; both produce the shapes of
:mod:`~arazzo_engine.sources.openapi.shapes`.  A problem found while resolving
an operation a step uses is kept in ``problems`` (the loader reports it as an
error of the source); shapes that make no sense are skipped, never raised as
Python errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import urljoin

from arazzo_engine.errors import ArazzoError
from arazzo_engine.load.pointers import child
from arazzo_engine.load.refs import Located, RefError, RefResolver
from arazzo_engine.sources.base import LoadedSource
from arazzo_engine.sources.openapi.openapi3 import OPENAPI3
from arazzo_engine.sources.openapi.shapes import (
    HTTP_METHODS,
    HTTP_METHODS_32,
    Adapter,
    Operation,
    OperationDetail,
    OperationParts,
    SecurityScheme,
    ServerSpec,
    security_requirements,
)
from arazzo_engine.sources.openapi.swagger2 import SWAGGER2

__all__ = ["OpenAPIShapeError", "OperationIndex", "build_operation_index"]

_METHODS = frozenset(HTTP_METHODS)
_METHODS_32 = frozenset(HTTP_METHODS_32)
_ADDITIONAL = "additionalOperations"

_ADAPTERS: Mapping[str, Adapter] = MappingProxyType(
    {"2.0": SWAGGER2, "3.0": OPENAPI3, "3.1": OPENAPI3, "3.2": OPENAPI3}
)
"""The adapter that reads each version (3.3 and later are read as 3.2)."""


class OpenAPIShapeError(ArazzoError):
    """An OpenAPI description lacks something the engine needs to call it."""


@dataclass(frozen=True, slots=True)
class _Entry:
    """Where one operation sits: its Path Item (``$ref`` followed) and method."""

    path_key: str
    """The ``paths`` key; the path template is the part before any ``?``."""
    method: str
    """The method as sent: a fixed field in upper case, an ``additionalOperations`` key
    as written."""
    key: tuple[str, ...]
    """Where the operation sits in its Path Item: ``("get",)``, ``("additionalOperations",
    "COPY")``."""
    pointer: str
    item: Located
    operation_id: str | None


class _LazyOperations(Mapping[str, Operation]):
    """A read-only mapping whose values are resolved on first access."""

    __slots__ = ("_get", "_keys")

    def __init__(self, keys: Mapping[str, str], get: Callable[[str], Operation]) -> None:
        self._keys = keys
        self._get = get

    def __getitem__(self, key: str) -> Operation:
        return self._get(self._keys[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys


class OperationIndex:
    """Every operation of one OpenAPI source, by operationId and by JSON pointer.

    ``by_id`` and ``by_pointer`` know every key at once; an operation is
    resolved when first looked up.
    """

    def __init__(
        self,
        source: LoadedSource,
        *,
        version: str,
        resolver: RefResolver,
        entries: dict[str, _Entry],
        ids: dict[str, str],
        duplicate_ids: tuple[str, ...],
        security_schemes: Mapping[str, SecurityScheme],
    ) -> None:
        self.source = source
        self.version = version
        """'2.0', '3.0', '3.1' or '3.2' (later 3.x read as 3.2)."""
        self.adapter = _ADAPTERS[version]
        self.resolver = resolver
        self._entries = entries
        self._resolved: dict[str, Operation] = {}
        self.by_id: Mapping[str, Operation] = _LazyOperations(ids, self.operation)
        self.by_pointer: Mapping[str, Operation] = _LazyOperations(
            {pointer: pointer for pointer in entries}, self.operation
        )
        self.security_schemes = security_schemes
        self.duplicate_ids = duplicate_ids
        self.problems: list[str] = []
        """Why operations that were looked up could not be resolved."""
        root = resolver.root.value
        self.root_security = security_requirements(
            root.get("security") if isinstance(root, Mapping) else None
        )
        self._root_servers: tuple[ServerSpec, ...] | None = None

    @property
    def dialect(self) -> str:
        return "oas31" if self.version in ("3.1", "3.2") else "oas30"

    def operation(self, pointer: str) -> Operation:
        """The operation at ``/paths/<path>/<method>``, resolved once."""
        found = self._resolved.get(pointer)
        if found is None:
            found = self._resolve(self._entries[pointer])
            self._resolved[pointer] = found
        return found

    def root_servers(self) -> tuple[ServerSpec, ...]:
        """The document's servers (``/`` when it lists none), read once."""
        if self._root_servers is None:
            found = self.adapter.root_servers(self.resolver)
            self._root_servers = found or (ServerSpec(url="/", variables={}),)
        return self._root_servers

    def _resolve(self, entry: _Entry) -> Operation:
        try:
            parts = self.adapter.operation_parts(self, entry.item, entry.key)
        except (RefError, RecursionError, TypeError, ValueError, AttributeError) as error:
            where = f"{entry.method} {entry.path_key}"
            reason = str(error) if isinstance(error, RefError) else repr(error)
            self.problems.append(
                f"source description '{self.source.name}' ({self.source.location}): "
                f"operation {where} cannot be resolved: {reason}"
            )
            return self._build(entry, OperationParts(servers=self.root_servers()), None)
        detail = OperationDetail(
            dialect=self.dialect,
            resolver=self.resolver,
            parameters=MappingProxyType(parts.parameter_schemas),
            request_body_required=parts.request_body_required,
            request_schemas=MappingProxyType(parts.request_schemas),
            responses=MappingProxyType(
                {status: MappingProxyType(media) for status, media in parts.responses.items()}
            ),
        )
        return self._build(entry, parts, detail)

    def _build(
        self, entry: _Entry, parts: OperationParts, detail: OperationDetail | None
    ) -> Operation:
        response_media = (m for media in parts.responses.values() for m in media)
        path_template, _, query_template = entry.path_key.partition("?")
        return Operation(
            source=self.source.name,
            operation_id=entry.operation_id,
            method=entry.method,
            path_template=path_template,
            query_template=query_template,
            pointer=entry.pointer,
            parameters=MappingProxyType(parts.parameters),
            request_media_types=tuple(parts.request_media_types),
            servers=parts.servers,
            security=parts.security,
            response_media_types=tuple(dict.fromkeys(response_media)),
            response_statuses=tuple(parts.responses),
            request_encodings=MappingProxyType(parts.request_encodings),
            detail=detail,
        )


def _version(data: Mapping[str, Any]) -> str | None:
    openapi = data.get("openapi")
    if isinstance(openapi, str) and openapi.startswith("3."):
        return {"3.0": "3.0", "3.1": "3.1"}.get(openapi[:3], "3.2")
    if str(data.get("swagger", "")) == "2.0" and "openapi" not in data:
        return "2.0"
    return None


def build_operation_index(source: LoadedSource) -> OperationIndex:
    """Index a source's operations with one pass over ``paths``; nothing else is resolved."""
    data = source.document.data
    version = _version(data)
    if version is None:
        found = data.get("openapi", data.get("swagger"))
        raise OpenAPIShapeError(
            f"source description '{source.name}' ({source.location}) is OpenAPI/Swagger "
            f"{found!r}; this engine reads Swagger 2.0 and OpenAPI 3.0 to 3.2 descriptions"
        )
    resolver = RefResolver(
        _base_uri(source, data, version), data, json_schema=version in ("3.1", "3.2")
    )
    entries: dict[str, _Entry] = {}
    ids: dict[str, str] = {}
    duplicates: list[str] = []
    paths = data.get("paths")
    root_uri = resolver.root_uri
    methods = _METHODS_32 if version == "3.2" else _METHODS
    for template, raw_item in paths.items() if isinstance(paths, dict) else ():
        template = str(template)
        item_pointer = child("/paths", template)
        item = Located(raw_item, root_uri, item_pointer)
        if isinstance(raw_item, dict) and "$ref" in raw_item:
            item = _path_item(resolver, item, source)
        if not isinstance(item.value, dict):
            continue
        for method, key, operation in _operations(item.value, methods, version):
            raw_id = operation.get("operationId")
            operation_id = None if raw_id is None else str(raw_id)
            pointer = child(item_pointer, *key)
            entries[pointer] = _Entry(template, method, key, pointer, item, operation_id)
            if operation_id is not None:
                if operation_id in ids:
                    duplicates.append(operation_id)
                ids[operation_id] = pointer
    try:
        schemes = _ADAPTERS[version].security_schemes(resolver)
    except RefError as error:
        raise OpenAPIShapeError(str(error)) from None
    return OperationIndex(
        source,
        version=version,
        resolver=resolver,
        entries=entries,
        ids=ids,
        duplicate_ids=tuple(duplicates),
        security_schemes=MappingProxyType(schemes),
    )


def _operations(
    item: Mapping[str, Any], methods: frozenset[str], version: str
) -> Iterator[tuple[str, tuple[str, ...], Mapping[str, Any]]]:
    """A Path Item's operations: (method as sent, key in the item, Operation Object).

    OpenAPI 3.2 adds the ``query`` field and ``additionalOperations`` (any other
    method, keyed as it is sent: ``COPY``, ``LINK``).
    """
    for method, operation in item.items():
        if method in methods and isinstance(operation, dict):
            yield method.upper(), (method,), operation
    extra = item.get(_ADDITIONAL) if version == "3.2" else None
    for method, operation in extra.items() if isinstance(extra, dict) else ():
        if isinstance(operation, dict):
            yield str(method), (_ADDITIONAL, str(method)), operation


def _base_uri(source: LoadedSource, data: Mapping[str, Any], version: str) -> str:
    """Where the description's ``$ref`` s resolve: its OpenAPI 3.2 ``$self`` (resolved
    against where it was read), else where it was read."""
    found = data.get("$self") if version == "3.2" else None
    if found is None:
        return source.document.uri
    if not isinstance(found, str) or "#" in found:
        raise OpenAPIShapeError(
            f"source description '{source.name}' ({source.location}): '$self' must be a URI "
            f"reference without a fragment, got {found!r}"
        )
    return urljoin(source.document.uri, found)


def _path_item(resolver: RefResolver, item: Located, source: LoadedSource) -> Located:
    """A Path Item given by ``$ref``: the target, with the fields written beside the ref."""
    try:
        target = resolver.deref(item)
    except RefError as error:
        raise OpenAPIShapeError(
            f"source description '{source.name}' ({source.location}): path item "
            f"#{item.pointer} cannot be resolved: {error}"
        ) from None
    if not isinstance(target.value, Mapping):
        return target
    siblings = {k: v for k, v in item.value.items() if k != "$ref"}
    if not siblings:
        return target
    return Located({**target.value, **siblings}, target.uri, target.pointer)
