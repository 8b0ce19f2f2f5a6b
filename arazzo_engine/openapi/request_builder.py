"""Builds the HTTP request of an operation step from evaluated values.

Parameters are serialized by their OpenAPI declaration (undeclared ones by the
default style of their location); the body is encoded by its content type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from arazzo_engine.errors import RequestBuildError
from arazzo_engine.openapi.index import Operation, ParameterSpec, ServerSpec, parameter_key
from arazzo_engine.openapi.security import AppliedCredentials
from arazzo_engine.openapi.serialize import (
    scalar_text,
    serialize_cookie,
    serialize_header,
    serialize_path,
    serialize_query,
)
from arazzo_engine.response import is_json_media_type, is_text_media_type
from arazzo_engine.transport import HttpRequest

_TEMPLATE_VARIABLE = re.compile(r"\{([^{}]+)\}")


def server_base_url(server: ServerSpec) -> str:
    """A server URL with its variables at their defaults, without a trailing slash."""
    url = _TEMPLATE_VARIABLE.sub(lambda m: server.variables.get(m.group(1), m.group(0)), server.url)
    return url.rstrip("/")


def is_absolute_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme and parts.netloc)


def _default_spec(name: str, location: str) -> ParameterSpec:
    style = "form" if location in ("query", "cookie") else "simple"
    return ParameterSpec(
        name=name,
        location=location,
        required=False,
        style=style,
        explode=style == "form",
        allow_reserved=False,
        schema=None,
        content_type=None,
    )


def encode_body(value: Any, content_type: str | None) -> tuple[bytes | None, str | None]:
    """Encode a request body by its media type; returns (bytes, Content-Type)."""
    if value is None:
        return None, content_type
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if isinstance(value, bytes):
        return value, content_type or "application/octet-stream"
    if isinstance(value, str):
        # A string payload is the body's text: JSON text with placeholders already
        # substituted, a form string, XML... It is sent as it is, never re-encoded.
        return value.encode("utf-8"), content_type or "text/plain; charset=utf-8"
    if media == "application/x-www-form-urlencoded":
        if not isinstance(value, Mapping):
            raise RequestBuildError(
                f"a form-urlencoded body must be an object or a string, got {type(value).__name__}"
            )
        pairs = [(str(k), scalar_text(v)) for k, v in value.items() if v is not None]
        return urlencode(pairs).encode("ascii"), content_type
    if not media or is_json_media_type(media):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8"), content_type or "application/json"
    if is_text_media_type(media):
        return scalar_text(value).encode("utf-8"), content_type
    raise RequestBuildError(
        f"cannot encode a {type(value).__name__} body as {media}; "
        "give the payload as a string or use a JSON or form content type"
    )


def build_request(
    operation: Operation,
    *,
    base_url: str,
    parameters: Sequence[tuple[str, str, Any]],
    body: Any,
    has_body: bool,
    content_type: str | None,
    credentials: AppliedCredentials,
    path_allow_reserved: bool,
) -> HttpRequest:
    """The request for one execution of an operation step.

    ``parameters`` holds (name, in, value) after evaluation; a ``None`` value is
    not sent, and a required path parameter without one fails before sending.
    """
    declared = operation.parameters
    path_values: dict[str, Any] = {}
    query_values: dict[str, Any] = {}
    query: list[str] = []
    headers: dict[str, str] = {}
    cookies: list[str] = []
    given: set[tuple[str, str]] = set()
    for name, location, value in parameters:
        key = parameter_key(name, location)
        given.add(key)
        spec = declared.get(key) or _default_spec(name, location)
        if value is None:
            if spec.has_default:
                value = spec.default
            else:
                continue
        if location == "path":
            path_values[name] = value
        elif location == "query":
            query_values[name] = value
            query.extend(serialize_query(spec, value))
        elif location == "header":
            headers[name] = serialize_header(spec, value)
        elif location == "cookie":
            cookies.extend(serialize_cookie(spec, value))
    for key, spec in declared.items():
        if key not in given and spec.has_default and spec.location in ("query", "path"):
            if spec.location == "path":
                path_values[spec.name] = spec.default
            else:
                query_values[spec.name] = spec.default
                query.extend(serialize_query(spec, spec.default))

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in path_values:
            raise RequestBuildError(
                f"path parameter '{name}' of {operation.method} {operation.path_template} "
                "has no value"
            )
        spec = declared.get((name, "path")) or _default_spec(name, "path")
        return serialize_path(spec, path_values[name], allow_reserved=path_allow_reserved)

    path = _TEMPLATE_VARIABLE.sub(fill, operation.path_template)
    for name, value in credentials.query:
        query.append(f"{quote(name, safe='')}={quote(value, safe='')}")
    for name, value in credentials.cookies:
        cookies.append(f"{name}={value}")
    headers.update(credentials.headers)
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    url = base_url + path + ("?" + "&".join(query) if query else "")
    encoded: bytes | None = None
    if has_body:
        media = content_type
        if media is None and len(operation.request_media_types) == 1:
            media = operation.request_media_types[0]
        encoded, media = encode_body(body, media)
        if media is not None and encoded is not None:
            headers.setdefault("Content-Type", media)
    return HttpRequest(
        method=operation.method,
        url=url,
        headers=headers,
        body=encoded,
        body_value=body if has_body else None,
        path_values=path_values,
        query_values=query_values,
        credential_headers=frozenset(credentials.headers)
        | (frozenset({"Cookie"}) if credentials.cookies else frozenset()),
        follow_redirects=not declares_redirect(operation),
    )


def declares_redirect(operation: Operation) -> bool:
    """Whether the operation documents a 3xx answer (then a redirect is its response).

    Reads ``Operation.response_statuses``, the keys of the operation's
    ``responses`` (``'302'``, ``'3XX'``...).
    """
    return any(status.strip()[:1] == "3" for status in operation.response_statuses)
