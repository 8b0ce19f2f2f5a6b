"""OpenAPI 3.x operations (3.0, 3.1, 3.2) in the engine's shapes.

The description is already in the shapes' terms; this adapter resolves an
operation's pieces (``$ref`` s followed through the description's documents)
and applies OpenAPI's defaults: parameter ``style``/``explode`` by location,
path parameters required, servers from the operation, else its path item,
else the document, and the document's ``security`` unless the operation has
its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from arazzo_engine.load.refs import Located, RefResolver
from arazzo_engine.sources.openapi.shapes import (
    Adapter,
    DocumentDefaults,
    OperationParts,
    ParameterSpec,
    SchemaAt,
    SecurityScheme,
    ServerSpec,
    parameter_key,
    security_requirements,
    server_spec,
)

__all__ = ["OPENAPI3", "operation_parts", "root_servers", "security_schemes"]


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _servers(where: Located) -> tuple[ServerSpec, ...]:
    listed = _get(where.value, "servers")
    if not isinstance(listed, list):
        return ()
    return tuple(server_spec(server) for server in listed if isinstance(server, Mapping))


def root_servers(resolver: RefResolver) -> tuple[ServerSpec, ...]:
    """The document's ``servers`` (none when it lists none)."""
    return _servers(resolver.root)


def security_schemes(resolver: RefResolver) -> dict[str, SecurityScheme]:
    """``components.securitySchemes``; a self-referencing table counts as none."""
    try:
        return _security_schemes(resolver)
    except RecursionError:
        return {}


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


def operation_parts(
    document: DocumentDefaults, item: Located, key: tuple[str, ...]
) -> OperationParts:
    """One operation of the Path Item ``item``, resolved."""
    resolver = document.resolver
    deref = resolver.deref
    op = item.child(*key)
    parts = OperationParts()
    for where in (item, op):
        listed = where.child("parameters")
        if not isinstance(listed.value, list):
            continue
        for i in range(len(listed.value)):
            parameter = deref(listed.child(i))
            if isinstance(parameter.value, Mapping):
                spec, schema = _parameter(resolver, parameter)
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
            parts.request_schemas[str(media)] = _schema(resolver, media_type.child("schema"))
            encoding = _get(media_type.value, "encoding")
            if isinstance(encoding, Mapping):
                parts.request_encodings[str(media)] = dict(encoding)
    responses = op.child("responses")
    for status in responses.value if isinstance(responses.value, Mapping) else ():
        response = deref(responses.child(str(status)))
        content = response.child("content")
        parts.responses[str(status)] = {
            str(media): _schema(resolver, deref(content.child(str(media))).child("schema"))
            for media in (content.value if isinstance(content.value, Mapping) else ())
        }
    parts.servers = _servers(op) or _servers(item) or document.root_servers()
    security = _get(op.value, "security")
    parts.security = document.root_security if security is None else security_requirements(security)
    return parts


def _schema(resolver: RefResolver, at: Located) -> SchemaAt | None:
    """A schema's place (its top-level ``$ref`` followed), or None when absent."""
    if at.value is None:
        return None
    found = resolver.deref(at)
    return SchemaAt(found.value, found.uri, found.pointer)


def _parameter(resolver: RefResolver, parameter: Located) -> tuple[ParameterSpec, SchemaAt | None]:
    data = parameter.value
    location = str(data.get("in", ""))
    default_style = {"query": "form", "cookie": "form"}.get(location, "simple")
    style = str(data.get("style", default_style))
    schema_at = _schema(resolver, parameter.child("schema"))
    content = data.get("content")
    content_type = None
    if isinstance(content, Mapping) and content:
        content_type = str(next(iter(content)))
        media = resolver.deref(parameter.child("content", content_type))
        schema_at = schema_at or _schema(resolver, media.child("schema"))
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


OPENAPI3 = Adapter(
    security_schemes=security_schemes,
    root_servers=root_servers,
    operation_parts=operation_parts,
)
"""The adapter for OpenAPI 3.0, 3.1 and 3.2 descriptions."""
