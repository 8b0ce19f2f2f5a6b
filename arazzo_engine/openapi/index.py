"""The operation index: every OpenAPI operation of a source, found once at load.

openapi-core's ``SchemaPath`` (imported lazily: it costs ~0.4 s) resolves
``$ref`` s, local and across files; spec validation stays off because it takes
seconds on large APIs and the engine only needs the operations' shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from arazzo_engine.errors import ArazzoError
from arazzo_engine.openapi.sources import LoadedSource

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

ParameterKey = tuple[str, str]
"""(name, in) with header names lower-cased: a parameter's identity."""


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


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    """An OpenAPI Security Scheme Object, with the fields credentials need."""

    name: str
    type: str
    location: str | None = None
    parameter_name: str | None = None
    scheme: str | None = None


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


@dataclass(frozen=True)
class OperationIndex:
    """Every operation of one OpenAPI source, by operationId and by JSON pointer."""

    source: LoadedSource
    by_id: Mapping[str, Operation]
    by_pointer: Mapping[str, Operation]
    security_schemes: Mapping[str, SecurityScheme]
    duplicate_ids: tuple[str, ...] = field(default=())


class OpenAPIShapeError(ArazzoError):
    """An OpenAPI description lacks something the engine needs to call it."""


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _value(node: Any) -> Any:
    """The resolved value at a SchemaPath (one level of ``$ref`` followed)."""
    return node.read_value()


def _servers(node: Any) -> tuple[ServerSpec, ...]:
    if "servers" not in node:
        return ()
    found: list[ServerSpec] = []
    for server in node / "servers":
        data = _value(server)
        variables = {
            str(k): str(v.get("default", "")) if isinstance(v, Mapping) else ""
            for k, v in (data.get("variables") or {}).items()
        }
        found.append(ServerSpec(url=str(data.get("url", "/")), variables=variables))
    return tuple(found)


def _parameter(node: Any) -> ParameterSpec:
    data = _value(node)
    location = str(data.get("in", ""))
    default_style = {"query": "form", "cookie": "form"}.get(location, "simple")
    style = str(data.get("style", default_style))
    schema = dict(_value(node / "schema")) if "schema" in node else None
    content = data.get("content")
    content_type = next(iter(content), None) if isinstance(content, Mapping) else None
    has_default = schema is not None and "default" in schema
    return ParameterSpec(
        name=str(data.get("name", "")),
        location=location,
        required=bool(data.get("required", location == "path")),
        style=style,
        explode=bool(data.get("explode", style == "form")),
        allow_reserved=bool(data.get("allowReserved", False)),
        schema=schema,
        content_type=content_type,
        default=schema.get("default") if schema is not None else None,
        has_default=has_default,
    )


def _security(raw: Any) -> tuple[Mapping[str, tuple[str, ...]], ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        MappingProxyType({str(k): tuple(v or ()) for k, v in requirement.items()})
        for requirement in raw
        if isinstance(requirement, Mapping)
    )


def _security_schemes(spec: Any) -> dict[str, SecurityScheme]:
    schemes: dict[str, SecurityScheme] = {}
    if "components" not in spec or "securitySchemes" not in spec / "components":
        return schemes
    for name, node in (spec / "components" / "securitySchemes").items():
        data = _value(node)
        schemes[str(name)] = SecurityScheme(
            name=str(name),
            type=str(data.get("type", "")),
            location=data.get("in"),
            parameter_name=data.get("name"),
            scheme=str(data["scheme"]).lower() if "scheme" in data else None,
        )
    return schemes


def build_operation_index(source: LoadedSource) -> OperationIndex:
    """Index every operation of an OpenAPI 3.x source once."""
    data = source.document.data
    if "openapi" not in data or not str(data["openapi"]).startswith("3."):
        version = data.get("openapi", data.get("swagger"))
        raise OpenAPIShapeError(
            f"source description '{source.name}' ({source.location}) is OpenAPI/Swagger "
            f"{version!r}; this engine reads OpenAPI 3.0 and 3.1 descriptions"
        )
    from jsonschema_path import SchemaPath

    spec = SchemaPath.from_dict(data, base_uri=source.document.path.as_uri())
    root_servers = _servers(spec) or (ServerSpec(url="/", variables={}),)
    root_security = _security(data.get("security"))
    by_id: dict[str, Operation] = {}
    by_pointer: dict[str, Operation] = {}
    duplicates: list[str] = []
    paths = spec / "paths" if "paths" in spec else None
    for path_template, path_item in paths.items() if paths is not None else ():
        item_params = (
            [_parameter(p) for p in path_item / "parameters"] if "parameters" in path_item else []
        )
        path_servers = _servers(path_item)
        for method in HTTP_METHODS:
            if method not in path_item:
                continue
            op_node = path_item / method
            op_data = _value(op_node)
            params = {parameter_key(p.name, p.location): p for p in item_params}
            if "parameters" in op_node:
                for p in (_parameter(n) for n in op_node / "parameters"):
                    params[parameter_key(p.name, p.location)] = p
            media: tuple[str, ...] = ()
            if "requestBody" in op_node:
                content = _value(op_node / "requestBody").get("content") or {}
                media = tuple(str(m) for m in content)
            responses: list[str] = []
            statuses: list[str] = []
            for status, response in (
                (op_node / "responses").items() if "responses" in op_node else ()
            ):
                statuses.append(str(status))
                responses.extend(str(m) for m in (_value(response).get("content") or {}))
            operation_id = op_data.get("operationId")
            pointer = f"/paths/{_escape(str(path_template))}/{method}"
            operation = Operation(
                source=source.name,
                operation_id=str(operation_id) if operation_id is not None else None,
                method=method.upper(),
                path_template=str(path_template),
                pointer=pointer,
                parameters=MappingProxyType(params),
                request_media_types=media,
                servers=_servers(op_node) or path_servers or root_servers,
                security=_security(op_data["security"]) if "security" in op_data else root_security,
                response_media_types=tuple(dict.fromkeys(responses)),
                response_statuses=tuple(statuses),
            )
            by_pointer[pointer] = operation
            if operation.operation_id is not None:
                if operation.operation_id in by_id:
                    duplicates.append(operation.operation_id)
                by_id[operation.operation_id] = operation
    return OperationIndex(
        source=source,
        by_id=MappingProxyType(by_id),
        by_pointer=MappingProxyType(by_pointer),
        security_schemes=MappingProxyType(_security_schemes(spec)),
        duplicate_ids=tuple(duplicates),
    )
