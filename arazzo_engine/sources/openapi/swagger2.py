"""Swagger 2.0 (OpenAPI 2.0) operations in the shapes the engine uses for OpenAPI 3.

Only what the index needs is converted, one operation at a time:

* ``schemes`` + ``host`` + ``basePath`` -> servers (one per scheme, in order;
  ``https`` when ``schemes`` is absent; a relative ``basePath`` without a host);
  an operation's own ``schemes`` override the document's.
* parameters: ``path``/``query``/``header`` keep their name, ``in`` and
  ``required``; ``type``/``format``/``items``/``enum``/limits become their schema;
  ``collectionFormat`` becomes ``style``/``explode`` (``csv`` -> ``form``/``simple``
  without explode, ``multi`` -> ``form`` exploded, ``ssv`` -> ``spaceDelimited``,
  ``pipes`` -> ``pipeDelimited``; ``tsv`` has no OpenAPI 3 style and is written
  as ``csv``).
* a ``body`` parameter -> a request body with each media type of ``consumes``
  (``application/json`` when none); ``formData`` parameters -> an object schema
  for ``multipart/form-data`` (when ``consumes`` names it or a parameter is a
  ``file``) or ``application/x-www-form-urlencoded``, with an encoding per array.
* responses: their ``schema`` under each media type of ``produces``
  (``application/json`` when none).
* ``securityDefinitions``: ``basic`` -> http ``basic``; ``apiKey`` as is;
  ``oauth2`` keeps the ``application`` flow's ``tokenUrl`` (client credentials).

Schemas are JSON Schema draft 4 with OpenAPI extensions, close enough to the
OpenAPI 3.0 dialect to be validated by it; ``type: file`` is not checked.

An adapter: it imports only the shared shapes
(:mod:`~arazzo_engine.sources.openapi.shapes`); the index picks it by version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from arazzo_engine.load.refs import Located, RefResolver
from arazzo_engine.sources.openapi.shapes import (
    Adapter,
    DocumentDefaults,
    OperationParts,
    ParameterKey,
    ParameterSpec,
    SchemaAt,
    SecurityScheme,
    ServerSpec,
    parameter_key,
    security_requirements,
)

__all__ = ["SWAGGER2", "operation_parts", "root_servers", "security_schemes", "servers"]

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON = "application/json"

_SCHEMA_FIELDS = (
    "type",
    "format",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
)

_QUERY_STYLES = {
    "multi": ("form", True),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def servers(root: Mapping[str, Any], operation: Mapping[str, Any] | None) -> tuple[ServerSpec, ...]:
    """The servers of the document (or of one operation with its own ``schemes``)."""
    host = root.get("host")
    base = root.get("basePath")
    base_path = str(base).rstrip("/") if isinstance(base, str) else ""
    if not isinstance(host, str) or not host:
        return (ServerSpec(url=base_path or "/", variables={}),)
    declared = _list(operation.get("schemes")) if operation is not None else []
    schemes = [str(s) for s in declared or _list(root.get("schemes")) if isinstance(s, str)]
    return tuple(
        ServerSpec(url=f"{scheme}://{host}{base_path}", variables={})
        for scheme in schemes or ["https"]
    )


def root_servers(resolver: RefResolver) -> tuple[ServerSpec, ...]:
    """The document's servers, from ``schemes``, ``host`` and ``basePath``."""
    return servers(resolver.root.value, None)


def security_schemes(resolver: RefResolver) -> dict[str, SecurityScheme]:
    """``securityDefinitions`` as OpenAPI 3 security schemes."""
    found: dict[str, SecurityScheme] = {}
    table = resolver.root.child("securityDefinitions")
    for name in table.value if isinstance(table.value, Mapping) else ():
        data = resolver.deref(table.child(str(name))).value
        if not isinstance(data, Mapping):
            continue
        kind = str(data.get("type", ""))
        if kind == "basic":
            found[str(name)] = SecurityScheme(name=str(name), type="http", scheme="basic")
        elif kind == "apiKey":
            found[str(name)] = SecurityScheme(
                name=str(name),
                type="apiKey",
                location=str(data.get("in", "header")),
                parameter_name=str(data.get("name", "")),
            )
        else:
            token_url = data.get("tokenUrl") if data.get("flow") == "application" else None
            found[str(name)] = SecurityScheme(
                name=str(name),
                type=kind,
                token_url=str(token_url) if token_url is not None else None,
            )
    return found


def _schema_of(parameter: Mapping[str, Any], depth: int = 0) -> dict[str, Any]:
    """The JSON schema a non-body parameter (or an Items Object) describes."""
    if parameter.get("type") == "file":
        return {}
    schema = {key: parameter[key] for key in _SCHEMA_FIELDS if key in parameter}
    items = parameter.get("items")
    if isinstance(items, Mapping) and depth < 8:
        schema["items"] = _schema_of(items, depth + 1)
    return schema


def _style(location: str, parameter: Mapping[str, Any]) -> tuple[str, bool]:
    if parameter.get("type") != "array":
        return ("form", True) if location in ("query", "formData") else ("simple", False)
    collection = parameter.get("collectionFormat", "csv")
    if location in ("query", "formData"):
        return _QUERY_STYLES.get(str(collection), ("form", False))
    return ("simple", False)


def operation_parts(
    document: DocumentDefaults, item: Located, key: tuple[str, ...]
) -> OperationParts:
    """One Swagger 2.0 operation of the Path Item ``item``, converted."""
    resolver = document.resolver
    root = resolver.root.value
    op = item.child(*key)
    data = op.value if isinstance(op.value, Mapping) else {}
    parts = OperationParts()
    merged: dict[ParameterKey, Located] = {}
    for where in (item, op):
        listed = where.child("parameters")
        for i in range(len(_list(listed.value))):
            parameter = resolver.deref(listed.child(i))
            if isinstance(parameter.value, Mapping):
                value = parameter.value
                merged[(str(value.get("name", "")), str(value.get("in", "")))] = parameter
    consumes = [str(m) for m in _list(data.get("consumes", root.get("consumes")))]
    produces = [str(m) for m in _list(data.get("produces", root.get("produces")))]
    form_properties: dict[str, Any] = {}
    form_required: list[str] = []
    form_encoding: dict[str, Any] = {}
    has_file = False
    for (name, location), parameter in merged.items():
        value = parameter.value
        if location == "body":
            schema = parameter.child("schema")
            at = None
            if schema.value is not None:
                found = resolver.deref(schema)
                at = SchemaAt(found.value, found.uri, found.pointer)
            for media in consumes or [JSON]:
                parts.request_media_types.append(media)
                parts.request_schemas[media] = at
            parts.request_body_required = value.get("required") is True
            continue
        style, explode = _style(location, value)
        schema_of = _schema_of(value)
        if location == "formData":
            form_properties[name] = schema_of
            has_file = has_file or value.get("type") == "file"
            if value.get("required") is True:
                form_required.append(name)
            if value.get("type") == "file":
                form_encoding[name] = {"contentType": "application/octet-stream"}
            elif value.get("type") == "array":
                form_encoding[name] = {"style": style, "explode": explode}
            continue
        key = parameter_key(name, location)
        parts.parameters[key] = ParameterSpec(
            name=name,
            location=location,
            required=value.get("required", location == "path") is True,
            style=style,
            explode=explode,
            allow_reserved=False,
            schema=schema_of,
            content_type=None,
            default=value.get("default"),
            has_default="default" in value,
        )
        parts.parameter_schemas[key] = SchemaAt(schema_of, resolver.root_uri, None)
    if form_properties:
        media_types = [m for m in consumes if m in (FORM, MULTIPART)]
        if not media_types:
            media_types = [MULTIPART if has_file else FORM]
        form: dict[str, Any] = {"type": "object", "properties": form_properties}
        if form_required:
            form["required"] = form_required
            parts.request_body_required = True
        for media in media_types:
            parts.request_media_types.append(media)
            parts.request_schemas[media] = SchemaAt(form, resolver.root_uri, None)
            if form_encoding:
                parts.request_encodings[media] = dict(form_encoding)
    responses = op.child("responses")
    for status in responses.value if isinstance(responses.value, Mapping) else ():
        response = resolver.deref(responses.child(str(status)))
        schema = response.child("schema")
        if schema.value is None:
            parts.responses[str(status)] = {}
            continue
        found = resolver.deref(schema)
        at = SchemaAt(found.value, found.uri, found.pointer)
        if isinstance(found.value, Mapping) and found.value.get("type") == "file":
            at = None
        parts.responses[str(status)] = dict.fromkeys(produces or [JSON], at)
    own = servers(root, data) if "schemes" in data else ()
    parts.servers = own or document.root_servers()
    security = data.get("security")
    parts.security = document.root_security if security is None else security_requirements(security)
    return parts


SWAGGER2 = Adapter(
    security_schemes=security_schemes,
    root_servers=root_servers,
    operation_parts=operation_parts,
)
"""The adapter for Swagger 2.0 (OpenAPI 2.0) descriptions."""
