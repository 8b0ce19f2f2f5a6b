"""Parameter values to text, by the OpenAPI ``style`` and ``explode`` rules.

Each function returns already percent-encoded text for its place in the
request: a path segment, ``name=value`` query pairs, a header value, or cookie
pairs.  The separators a style adds (``,`` ``.`` ``;`` ``=`` ``&``) stay
literal; those RFC 3986 does not allow in a query (``|``, ``[``, ``]``) and the
space are written percent-encoded (``%7C`` ``%5B`` ``%5D`` ``%20``), as in the
style examples of OpenAPI 3.1.1.  The same characters inside a value are always
percent-encoded, so a value's ``,`` never reads as a separator.

Combinations the specification leaves undefined are written as ``form`` would
write them: a primitive with ``spaceDelimited``, ``pipeDelimited`` or
``deepObject``; any value with ``spaceDelimited``/``pipeDelimited`` and
``explode: true``; an array with ``deepObject``.  ``deepObject`` writes nested
objects as ``name[a][b]=v`` and arrays inside it as ``name[a][]=v``, whatever
``explode`` says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from arazzo_engine.sources.openapi.shapes import ParameterSpec

__all__ = [
    "PATH_RESERVED_KEPT",
    "PATH_SLASH_KEPT",
    "QUERY_RESERVED_KEPT",
    "content_text",
    "encode_component",
    "scalar_text",
    "serialize_cookie",
    "serialize_header",
    "serialize_path",
    "serialize_query",
]

QUERY_RESERVED_KEPT = ":/?@!$'()*,;"
"""RFC 3986 reserved characters a query value with ``allowReserved`` keeps raw.

Not ``#``, ``[``, ``]``: they cannot stand in a query.  Not ``&``, ``=``, ``+``:
they would end the pair, start another or read as a space, so a value could
add a parameter of its own; OpenAPI (3.0.4 and 3.1.1, ``allowReserved``) leaves
encoding the characters with a meaning in ``application/x-www-form-urlencoded``
to the application.
"""

PATH_RESERVED_KEPT = ":@!$&'()*+,;="
"""RFC 3986 reserved characters a path value with ``allowReserved`` keeps raw.

Not ``/``, ``?``, ``#``: OpenAPI's path templating forbids them unescaped in a
path parameter's value (a ``?`` would start a query, a ``#`` end the URL).
"""

PATH_SLASH_KEPT = "/"
"""What a source named in ``path_allow_reserved`` keeps raw in path values: ``/``
only (fal's ``fal-ai/flux/schnell``); ``?``, ``#``, ``%`` and everything else a
segment cannot hold are percent-encoded, and a whole ``.``/``..`` segment too."""

_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_TRIPLET = re.compile(r"%[0-9a-f][0-9A-Fa-f]|%[0-9A-F][a-f]")


def scalar_text(value: Any) -> str:
    """A primitive as text: booleans lower-case, ``None`` empty, objects and arrays JSON."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def content_text(media: str, value: Any) -> str:
    """A ``content``-typed value as text: a string as given, anything else as JSON
    (or as plain text for a non-JSON media type)."""
    if isinstance(value, str):
        return value
    lowered = media.split(";", 1)[0].strip().lower()
    if lowered == "application/json" or lowered.endswith("+json"):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return scalar_text(value)


def encode_component(text: str, allow_reserved: bool = False) -> str:
    """Percent-encode ``text``; with ``allow_reserved``, RFC 6570 reserved expansion as a
    query value's ``allowReserved`` asks: :data:`QUERY_RESERVED_KEPT` and existing
    ``%XX`` triplets pass, a lone ``%`` does not."""
    if not allow_reserved:
        return quote(text, safe="")
    return _reserved(text, QUERY_RESERVED_KEPT)


def _reserved(text: str, kept: str) -> str:
    """``kept`` and existing ``%XX`` triplets pass (in upper case, as they are sent);
    everything else is percent-encoded."""
    encoded = _LONE_PERCENT.sub("%25", quote(text, safe=kept + "%"))
    return _TRIPLET.sub(_upper, encoded) if "%" in encoded else encoded


def _upper(match: re.Match[str]) -> str:
    return match.group(0).upper()


def _pairs(value: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(k), scalar_text(v)) for k, v in value.items() if v is not None]


def _items(value: list[Any]) -> list[str]:
    return [scalar_text(v) for v in value if v is not None]


def serialize_path(spec: ParameterSpec, value: Any, *, allow_reserved: bool) -> str:
    """A path parameter (styles ``simple``, ``label``, ``matrix``).

    ``allow_reserved`` (the source is in ``path_allow_reserved``) keeps ``/`` raw;
    the parameter's own ``allowReserved`` keeps :data:`PATH_RESERVED_KEPT` and
    ``%XX`` triplets.  ``?`` and ``#`` are encoded whatever is allowed.
    """
    slash = PATH_SLASH_KEPT if allow_reserved else ""

    def enc(text: str) -> str:
        if spec.allow_reserved:
            return _reserved(text, PATH_RESERVED_KEPT + slash)
        return quote(text, safe=slash)

    style, explode = spec.style, spec.explode
    name = encode_component(spec.name)
    if spec.content_type is not None:
        return enc(content_text(spec.content_type, value))
    if isinstance(value, list):
        items = [enc(v) for v in _items(value)]
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
        return f";{name}={text}" if text else f";{name}"
    return text


_QUERY_DELIMITERS = {"spaceDelimited": "%20", "pipeDelimited": "%7C"}


def _deep(prefix: str, value: Any, enc: Callable[[str], str]) -> list[str]:
    """``deepObject`` pieces: ``prefix[key]=value``, nested objects and arrays below."""
    if isinstance(value, Mapping):
        pieces: list[str] = []
        for key, item in value.items():
            if item is not None:
                pieces.extend(_deep(f"{prefix}%5B{encode_component(str(key))}%5D", item, enc))
        return pieces
    if isinstance(value, list):
        inner = f"{prefix}%5B%5D"
        return [p for item in value if item is not None for p in _deep(inner, item, enc)]
    return [f"{prefix}={enc(scalar_text(value))}"]


def serialize_query(spec: ParameterSpec, value: Any) -> list[str]:
    """A query parameter as encoded ``name=value`` pieces (joined later with ``&``)."""

    def enc(text: str) -> str:
        return encode_component(text, spec.allow_reserved)

    name = encode_component(spec.name)
    if spec.content_type is not None:
        return [f"{name}={enc(content_text(spec.content_type, value))}"]
    style, explode = spec.style, spec.explode
    if style == "deepObject" and isinstance(value, Mapping):
        return _deep(name, value, enc)
    delimiter = _QUERY_DELIMITERS.get(style) if not explode else None
    if isinstance(value, list):
        items = [enc(v) for v in _items(value)]
        if not items:
            return []
        if delimiter is not None:
            return [f"{name}=" + delimiter.join(items)]
        if explode or style == "deepObject":
            return [f"{name}={i}" for i in items]
        return [f"{name}=" + ",".join(items)]
    if isinstance(value, Mapping):
        pairs = [(enc(k), enc(v)) for k, v in _pairs(value)]
        if not pairs:
            return []
        if delimiter is not None:
            return [f"{name}=" + delimiter.join(f"{k}{delimiter}{v}" for k, v in pairs)]
        if explode:
            return [f"{k}={v}" for k, v in pairs]
        return [f"{name}=" + ",".join(f"{k},{v}" for k, v in pairs)]
    return [f"{name}={enc(scalar_text(value))}"]


def serialize_header(spec: ParameterSpec, value: Any) -> str:
    """A header value (style ``simple``); no percent-encoding."""
    if spec.content_type is not None:
        return content_text(spec.content_type, value)
    if isinstance(value, list):
        return ",".join(_items(value))
    if isinstance(value, Mapping):
        sep = "=" if spec.explode else ","
        return ",".join(f"{k}{sep}{v}" for k, v in _pairs(value))
    return scalar_text(value)


_COOKIE_UNSAFE = re.compile(r'[\x00-\x20\x7f",;\\]')


def serialize_cookie(spec: ParameterSpec, value: Any) -> list[str]:
    """A cookie parameter (style ``form``) as ``name=value`` pieces joined by ``; ``.

    ``form`` values are percent-encoded as RFC 6570 form expansion does; a
    ``content``-typed value (``text/plain``) goes as it is, only the characters
    a cookie cannot hold (controls, space, ``"`` ``,`` ``;`` ``\\``) encoded.
    """
    name = spec.name
    if spec.content_type is not None:
        text = content_text(spec.content_type, value)
        return [f"{name}=" + _COOKIE_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), text)]

    def enc(text: str) -> str:
        return quote(text, safe="")

    if isinstance(value, list):
        items = [enc(v) for v in _items(value)]
        if spec.explode:
            return [f"{name}={i}" for i in items]
        return [f"{name}=" + ",".join(items)]
    if isinstance(value, Mapping):
        pairs = [(enc(k), enc(v)) for k, v in _pairs(value)]
        if spec.explode:
            return [f"{k}={v}" for k, v in pairs]
        return [f"{name}=" + ",".join(f"{k},{v}" for k, v in pairs)]
    return [f"{name}={enc(scalar_text(value))}"]
