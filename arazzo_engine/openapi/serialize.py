"""Parameter values to text, by the OpenAPI ``style`` and ``explode`` rules.

Each function returns already percent-encoded text for its place in the
request: a path segment, ``name=value`` query pairs, a header value, or cookie
pairs.  Separators the style adds (``,`` ``.`` ``;`` ``=`` ``&``) stay literal.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from arazzo_engine.openapi.index import ParameterSpec

# RFC 3986 reserved characters kept as they are when a parameter allows them.
_RESERVED = ":/?#[]@!$&'()*+,;="


def scalar_text(value: Any) -> str:
    """A primitive as text: booleans lower-case, ``None`` empty, others ``str``."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _encode(text: str, allow_reserved: bool) -> str:
    return quote(text, safe=_RESERVED if allow_reserved else "")


def _pairs(value: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(k), scalar_text(v)) for k, v in value.items()]


def serialize_path(spec: ParameterSpec, value: Any, *, allow_reserved: bool) -> str:
    """A path parameter (styles ``simple``, ``label``, ``matrix``)."""

    def enc(text: str) -> str:
        return _encode(text, allow_reserved)

    style, explode, name = spec.style, spec.explode, spec.name
    if spec.content_type is not None:
        return enc(scalar_text(value) if not isinstance(value, str) else value)
    if isinstance(value, list):
        items = [enc(scalar_text(v)) for v in value]
        if style == "label":
            return "." + ("." if explode else ",").join(items)
        if style == "matrix":
            if explode:
                return "".join(f";{name}={i}" for i in items)
            return f";{name}=" + ",".join(items)
        return ",".join(items)
    if isinstance(value, Mapping):
        pairs = [(enc(k), enc(v)) for k, v in _pairs(value)]
        if explode:
            joined = [f"{k}={v}" for k, v in pairs]
            if style == "label":
                return "." + ".".join(joined)
            if style == "matrix":
                return "".join(f";{j}" for j in joined)
            return ",".join(joined)
        flat = ",".join(f"{k},{v}" for k, v in pairs)
        if style == "label":
            return "." + flat
        if style == "matrix":
            return f";{name}=" + flat
        return flat
    text = enc(scalar_text(value))
    if style == "label":
        return "." + text
    if style == "matrix":
        return f";{name}={text}"
    return text


def serialize_query(spec: ParameterSpec, value: Any) -> list[str]:
    """A query parameter as encoded ``name=value`` pieces (joined later with ``&``)."""

    def enc(text: str) -> str:
        return _encode(text, spec.allow_reserved)

    name = enc(spec.name)
    if spec.content_type is not None:
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        return [f"{name}={enc(text)}"]
    style, explode = spec.style, spec.explode
    if isinstance(value, list):
        items = [enc(scalar_text(v)) for v in value]
        if style == "spaceDelimited" and not explode:
            return [f"{name}=" + "%20".join(items)]
        if style == "pipeDelimited" and not explode:
            return [f"{name}=" + "|".join(items)]
        if explode:
            return [f"{name}={i}" for i in items]
        return [f"{name}=" + ",".join(items)]
    if isinstance(value, Mapping):
        pairs = [(enc(k), enc(v)) for k, v in _pairs(value)]
        if style == "deepObject":
            return [f"{name}[{k}]={v}" for k, v in pairs]
        if explode:
            return [f"{k}={v}" for k, v in pairs]
        return [f"{name}=" + ",".join(f"{k},{v}" for k, v in pairs)]
    return [f"{name}={enc(scalar_text(value))}"]


def serialize_header(spec: ParameterSpec, value: Any) -> str:
    """A header value (style ``simple``); no percent-encoding."""
    if spec.content_type is not None and not isinstance(value, str):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, list):
        return ",".join(scalar_text(v) for v in value)
    if isinstance(value, Mapping):
        sep = "=" if spec.explode else ","
        return ",".join(f"{k}{sep}{v}" for k, v in _pairs(value))
    return scalar_text(value)


def serialize_cookie(spec: ParameterSpec, value: Any) -> list[str]:
    """A cookie parameter (style ``form``) as ``name=value`` pieces joined by ``; ``."""
    name = spec.name

    def enc(text: str) -> str:
        return quote(text, safe="")

    if isinstance(value, list):
        items = [enc(scalar_text(v)) for v in value]
        if spec.explode:
            return [f"{name}={i}" for i in items]
        return [f"{name}=" + ",".join(items)]
    if isinstance(value, Mapping):
        pairs = [(enc(k), enc(v)) for k, v in _pairs(value)]
        if spec.explode:
            return [f"{k}={v}" for k, v in pairs]
        return [f"{name}=" + ",".join(f"{k},{v}" for k, v in pairs)]
    return [f"{name}={enc(scalar_text(value))}"]
