"""Arazzo 1.1 ``in: querystring``: one parameter that is the whole URL query.

The value is matched to the operation's OpenAPI 3.2 ``in: querystring``
parameter by name; that parameter's ``content`` media type says how it is
written (none declared: form, ``application/x-www-form-urlencoded``).

* Form: a string is the query as written, its literal text counting as already
  encoded (only characters a query cannot hold are percent-encoded); each
  embedded ``{$...}`` value is percent-encoded by the form rules, so a value
  holding ``&`` or ``=`` stays one value.  An object is form-encoded
  (``name=value`` pairs, an array repeating its name).
* Other media (``application/json``...): the string, embedded values written in
  as text, is percent-encoded whole as the query.
* Any other value is an error naming the parameter; a leading ``?`` is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus

from arazzo_engine.errors import RequestBuildError
from arazzo_engine.expressions import Template, ValueNode
from arazzo_engine.expressions.evaluate import compile_node, to_text
from arazzo_engine.sources.openapi.serialize import scalar_text

__all__ = ["FORM", "is_form", "query_pairs", "querystring_text", "template_reader"]

FORM = "application/x-www-form-urlencoded"

_QUERY_KEPT = "!$&'()*+,;=:@/?%"
"""What RFC 3986 allows in a query besides letters, digits and ``-._~`` (``%`` only
as the start of a ``%XX`` triplet): a form string's literal text keeps these."""
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def is_form(content_type: str | None) -> bool:
    """Whether a querystring's media type is form data (also when none is declared)."""
    return content_type is None or content_type.split(";", 1)[0].strip().lower() == FORM


def template_reader(node: ValueNode, content_type: str | None) -> Callable[[Any], Any] | None:
    """For a form querystring written with embedded ``{$...}`` values: a reader that
    percent-encodes each value by the form rules and leaves the literal text as written.
    None for every other value (it is read as any parameter value is)."""
    if not isinstance(node, Template) or not is_form(content_type):
        return None
    parts = tuple(part if isinstance(part, str) else compile_node(part) for part in node.parts)

    def render(context: Any) -> str:
        return "".join(
            part if isinstance(part, str) else quote_plus(to_text(part(context)), safe="")
            for part in parts
        )

    return render


def querystring_text(name: str, content_type: str | None, value: Any) -> str:
    """The query (without ``?``) a querystring parameter's value gives."""
    form = is_form(content_type)
    if isinstance(value, str):
        text = value[1:] if value.startswith("?") else value
        if form:
            return _LONE_PERCENT.sub("%25", quote(text, safe=_QUERY_KEPT))
        return quote(text, safe="")
    if form and isinstance(value, Mapping):
        return "&".join(_pairs(value))
    media = content_type or FORM
    raise RequestBuildError(
        f"querystring parameter '{name}' must be a string (the whole query"
        + (", or an object to form-encode" if form else "")
        + f"), got {type(value).__name__}; its media type is {media}"
    )


def _pairs(value: Mapping[Any, Any]) -> list[str]:
    pieces: list[str] = []
    for raw_name, item in value.items():
        key = quote_plus(str(raw_name), safe="")
        for each in item if isinstance(item, list) else [item]:
            if each is not None:
                pieces.append(f"{key}={quote_plus(scalar_text(each), safe='')}")
    return pieces


def query_pairs(query: str) -> dict[str, Any]:
    """A sent query read as form data: each name's value, a list when it repeats."""
    found: dict[str, Any] = {}
    for key, item in parse_qsl(query, keep_blank_values=True):
        if key not in found:
            found[key] = item
        elif isinstance(found[key], list):
            found[key].append(item)
        else:
            found[key] = [found[key], item]
    return found
