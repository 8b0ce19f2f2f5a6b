"""The operation index of one OpenAPI source: found by one cheap pass, resolved on use.

Loading a description walks only ``paths`` (and ``components.securitySchemes``):
it maps each operationId and each operation pointer to its path and method.
An operation's parameters, request body, responses, servers and security are
resolved, ``$ref`` s included (local, in other files, nested, cycles reported),
the first time a step asks for it, and kept.  Nothing validates the whole
description: a 3 MB description loads in about the time ``json.loads`` takes.

OpenAPI 3.0 and 3.1 are read as they are; Swagger 2.0 operations are converted
to the same shapes by :mod:`arazzo_engine.sources.openapi.swagger2`.  A problem found
while resolving an operation a step uses is kept in ``problems`` (the loader
reports it as an error of the source); shapes that make no sense are skipped,
never raised as Python errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from arazzo_engine.errors import ArazzoError
from arazzo_engine.load.pointers import child
from arazzo_engine.load.refs import Located, RefError, RefResolver
from arazzo_engine.sources.reading import LoadedSource

__all__ = [
    "HTTP_METHODS",
    "OpenAPIShapeError",
    "Operation",
    "OperationDetail",
    "OperationIndex",
    "OperationParts",
    "ParameterKey",
    "ParameterSpec",
    "SchemaAt",
    "SecurityScheme",
    "ServerSpec",
    "build_operation_index",
    "parameter_key",
    "security_requirements",
    "server_spec",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_METHODS = frozenset(HTTP_METHODS)

ParameterKey = tuple[str, str]
"""(name, in) with header names lower-cased: a parameter's identity."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class OpenAPIShapeError(ArazzoError):
    """An OpenAPI description lacks something the engine needs to call it."""


def parameter_key(name: str, location: str) -> ParameterKey:
    """The identity of a parameter; header names compare case-insensitively."""
    return (name.lower() if location == "header" else name, location)


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """An OpenAPI Parameter Object, reduced to what serialization needs."""

    name: str
    location: str
    required: bool
    style: str
    explode: bool
    allow_reserved: bool
    schema: Mapping[str, Any] | None
    content_type: str | None
    default: Any = None
    has_default: bool = False


@dataclass(frozen=True, slots=True)
class ServerSpec:
    """An OpenAPI Server Object: a URL template and its variables' defaults."""

    url: str
    variables: Mapping[str, str]
    enums: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Each variable's ``enum``, when it declares one."""


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    """An OpenAPI Security Scheme Object, with the fields credentials need."""

    name: str
    type: str
    location: str | None = None
    parameter_name: str | None = None
    scheme: str | None = None
    token_url: str | None = None
    """oauth2: the ``clientCredentials`` flow's ``tokenUrl``."""
    openid_url: str | None = None
    """openIdConnect: the ``openIdConnectUrl`` (discovery document)."""


@dataclass(frozen=True, slots=True)
class SchemaAt:
    """A Schema Object and where it sits; ``pointer`` is None for one made up here
    (Swagger 2.0 parameters), whose ``$ref`` s are relative to ``uri``."""

    schema: Any
    uri: str
    pointer: str | None

    @property
    def ref(self) -> str | None:
        return f"{self.uri}#{self.pointer}" if self.pointer is not None else None


@dataclass(frozen=True)
class OperationDetail:
    """The schemas of one operation, for request and response validation."""

    dialect: str
    """``oas30`` (OpenAPI 3.0 and Swagger 2.0 schemas) or ``oas31`` (JSON Schema 2020-12)."""
    resolver: RefResolver = field(repr=False)
    parameters: Mapping[ParameterKey, SchemaAt]
    request_body_required: bool
    request_schemas: Mapping[str, SchemaAt | None]
    """Per request media type, its schema (None when it declares none)."""
    responses: Mapping[str, Mapping[str, SchemaAt | None]]
    """Per ``responses`` key ('200', '4XX', 'default'), per media type, its schema."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One HTTP operation: what a step needs to build its request."""

    source: str
    operation_id: str | None
    method: str
    path_template: str
    pointer: str
    parameters: Mapping[ParameterKey, ParameterSpec]
    request_media_types: tuple[str, ...]
    servers: tuple[ServerSpec, ...]
    security: tuple[Mapping[str, tuple[str, ...]], ...]
    """Alternative requirements (OR); each maps scheme names that must all apply (AND)."""
    response_media_types: tuple[str, ...] = ()
    response_statuses: tuple[str, ...] = ()
    """The keys of the operation's ``responses`` ('200', '302', '4XX', 'default')."""
    request_encodings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per request media type, its ``encoding`` object (property -> Encoding Object)."""
    detail: OperationDetail | None = field(default=None, compare=False, repr=False)
    """Schemas for validation; None for an operation that could not be resolved."""


@dataclass
class OperationParts:
    """An operation's resolved pieces, as either OpenAPI version produces them."""

    parameters: dict[ParameterKey, ParameterSpec] = field(default_factory=dict)
    parameter_schemas: dict[ParameterKey, SchemaAt] = field(default_factory=dict)
    request_media_types: list[str] = field(default_factory=list)
    request_encodings: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    request_schemas: dict[str, SchemaAt | None] = field(default_factory=dict)
    request_body_required: bool = False
    responses: dict[str, dict[str, SchemaAt | None]] = field(default_factory=dict)
    servers: tuple[ServerSpec, ...] = ()
    security: tuple[Mapping[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class _Entry:
    """Where one operation sits: its Path Item (``$ref`` followed) and method."""

    path_template: str
    method: str
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
        """'2.0', '3.0' or '3.1' (3.2 and later read as 3.1)."""
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
        root = resolver.root
        self.root_security = security_requirements(_get(root.value, "security"))
        self._root_servers: tuple[ServerSpec, ...] | None = None

    @property
    def dialect(self) -> str:
        return "oas31" if self.version == "3.1" else "oas30"

    def operation(self, pointer: str) -> Operation:
        """The operation at ``/paths/<path>/<method>``, resolved once."""
        found = self._resolved.get(pointer)
        if found is None:
            found = self._resolve(self._entries[pointer])
            self._resolved[pointer] = found
        return found

    def root_servers(self) -> tuple[ServerSpec, ...]:
        if self._root_servers is None:
            if self.version == "2.0":
                from arazzo_engine.sources.openapi.swagger2 import servers

                found = servers(self.resolver.root.value, None)
            else:
                found = _servers(self.resolver.root)
            self._root_servers = found or (ServerSpec(url="/", variables={}),)
        return self._root_servers

    def _resolve(self, entry: _Entry) -> Operation:
        try:
            if self.version == "2.0":
                from arazzo_engine.sources.openapi.swagger2 import operation_parts

                parts = operation_parts(self, entry.item, entry.method)
            else:
                parts = self._parts(entry.item, entry.method)
        except (RefError, RecursionError, TypeError, ValueError, AttributeError) as error:
            where = f"{entry.method.upper()} {entry.path_template}"
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
        return Operation(
            source=self.source.name,
            operation_id=entry.operation_id,
            method=entry.method.upper(),
            path_template=entry.path_template,
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

    # -- OpenAPI 3.x -----------------------------------------------------------------
    def _parts(self, item: Located, method: str) -> OperationParts:
        deref = self.resolver.deref
        op = item.child(method)
        parts = OperationParts()
        for where in (item, op):
            listed = where.child("parameters")
            if not isinstance(listed.value, list):
                continue
            for i in range(len(listed.value)):
                parameter = deref(listed.child(i))
                if isinstance(parameter.value, Mapping):
                    spec, schema = self._parameter(parameter)
                    key = parameter_key(spec.name, spec.location)
                    parts.parameters[key] = spec
                    if schema is not None:
                        parts.parameter_schemas[key] = schema
                    else:
                        parts.parameter_schemas.pop(key, None)
        body = op.child("requestBody")
        if body.value is not None:
            body = deref(body)
            parts.request_body_required = _get(body.value, "required") is True
            content = body.child("content")
            for media in content.value if isinstance(content.value, Mapping) else ():
                media_type = deref(content.child(str(media)))
                parts.request_media_types.append(str(media))
                parts.request_schemas[str(media)] = self._schema(media_type.child("schema"))
                encoding = _get(media_type.value, "encoding")
                if isinstance(encoding, Mapping):
                    parts.request_encodings[str(media)] = dict(encoding)
        responses = op.child("responses")
        for status in responses.value if isinstance(responses.value, Mapping) else ():
            response = deref(responses.child(str(status)))
            content = response.child("content")
            parts.responses[str(status)] = {
                str(media): self._schema(deref(content.child(str(media))).child("schema"))
                for media in (content.value if isinstance(content.value, Mapping) else ())
            }
        parts.servers = _servers(op) or _servers(item) or self.root_servers()
        security = _get(op.value, "security")
        parts.security = self.root_security if security is None else security_requirements(security)
        return parts

    def _schema(self, at: Located) -> SchemaAt | None:
        """A schema's place (its top-level ``$ref`` followed), or None when absent."""
        if at.value is None:
            return None
        found = self.resolver.deref(at)
        return SchemaAt(found.value, found.uri, found.pointer)

    def _parameter(self, parameter: Located) -> tuple[ParameterSpec, SchemaAt | None]:
        data = parameter.value
        location = str(data.get("in", ""))
        default_style = {"query": "form", "cookie": "form"}.get(location, "simple")
        style = str(data.get("style", default_style))
        schema_at = self._schema(parameter.child("schema"))
        content = data.get("content")
        content_type = None
        if isinstance(content, Mapping) and content:
            content_type = str(next(iter(content)))
            media = self.resolver.deref(parameter.child("content", content_type))
            schema_at = schema_at or self._schema(media.child("schema"))
        schema = schema_at.schema if schema_at is not None and "schema" in data else None
        schema = dict(schema) if isinstance(schema, Mapping) else None
        return (
            ParameterSpec(
                name=str(data.get("name", "")),
                location=location,
                required=bool(data.get("required", location == "path")),
                style=style,
                explode=bool(data.get("explode", style == "form")),
                allow_reserved=bool(data.get("allowReserved", False)),
                schema=schema,
                content_type=content_type,
                default=schema.get("default") if schema is not None else None,
                has_default=schema is not None and "default" in schema,
            ),
            schema_at,
        )


# -- helpers ---------------------------------------------------------------------------
def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else None


def _servers(where: Located) -> tuple[ServerSpec, ...]:
    listed = _get(where.value, "servers")
    if not isinstance(listed, list):
        return ()
    return tuple(server_spec(server) for server in listed if isinstance(server, Mapping))


def server_spec(server: Mapping[str, Any]) -> ServerSpec:
    """A Server Object's URL, variables' defaults and enums."""
    raw = server.get("variables")
    declared = raw if isinstance(raw, Mapping) else _EMPTY
    variables = {
        str(k): str(v.get("default", "")) if isinstance(v, Mapping) else ""
        for k, v in declared.items()
    }
    enums = {
        str(k): tuple(str(e) for e in v["enum"])
        for k, v in declared.items()
        if isinstance(v, Mapping) and isinstance(v.get("enum"), list)
    }
    return ServerSpec(url=str(server.get("url", "/")), variables=variables, enums=enums)


def security_requirements(raw: Any) -> tuple[Mapping[str, tuple[str, ...]], ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        MappingProxyType(
            {str(k): tuple(v) if isinstance(v, list) else () for k, v in requirement.items()}
        )
        for requirement in raw
        if isinstance(requirement, Mapping)
    )


def _security_schemes(resolver: RefResolver) -> dict[str, SecurityScheme]:
    schemes: dict[str, SecurityScheme] = {}
    table = resolver.root.child("components", "securitySchemes")
    for name in table.value if isinstance(table.value, Mapping) else ():
        data = resolver.deref(table.child(str(name))).value
        if not isinstance(data, Mapping):
            continue
        flows = data.get("flows")
        client = _get(flows, "clientCredentials")
        token_url = _get(client, "tokenUrl")
        openid_url = data.get("openIdConnectUrl")
        schemes[str(name)] = SecurityScheme(
            name=str(name),
            type=str(data.get("type", "")),
            location=_text(data.get("in")),
            parameter_name=_text(data.get("name")),
            scheme=str(data["scheme"]).lower() if data.get("scheme") is not None else None,
            token_url=_text(token_url),
            openid_url=_text(openid_url),
        )
    return schemes


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _version(data: Mapping[str, Any]) -> str | None:
    openapi = data.get("openapi")
    if isinstance(openapi, str) and openapi.startswith("3."):
        return "3.0" if openapi.startswith("3.0") else "3.1"
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
            f"{found!r}; this engine reads Swagger 2.0 and OpenAPI 3.0 and 3.1 descriptions"
        )
    resolver = RefResolver(source.document.path.as_uri(), data, json_schema=version == "3.1")
    entries: dict[str, _Entry] = {}
    ids: dict[str, str] = {}
    duplicates: list[str] = []
    paths = data.get("paths")
    root_uri = resolver.root_uri
    methods = _METHODS
    for template, raw_item in paths.items() if isinstance(paths, dict) else ():
        template = str(template)
        item_pointer = child("/paths", template)
        item = Located(raw_item, root_uri, item_pointer)
        if isinstance(raw_item, dict) and "$ref" in raw_item:
            item = _path_item(resolver, item, source)
        if not isinstance(item.value, dict):
            continue
        for method, operation in item.value.items():
            if method not in methods or not isinstance(operation, dict):
                continue
            raw_id = operation.get("operationId")
            operation_id = None if raw_id is None else str(raw_id)
            pointer = f"{item_pointer}/{method}"
            entries[pointer] = _Entry(template, method, pointer, item, operation_id)
            if operation_id is not None:
                if operation_id in ids:
                    duplicates.append(operation_id)
                ids[operation_id] = pointer
    try:
        if version == "2.0":
            from arazzo_engine.sources.openapi.swagger2 import security_schemes

            schemes = security_schemes(resolver)
        else:
            try:
                schemes = _security_schemes(resolver)
            except RecursionError:
                schemes = {}
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
