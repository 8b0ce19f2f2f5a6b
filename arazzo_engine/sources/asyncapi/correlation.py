"""Reading a message's correlation id where its AsyncAPI ``correlationId.location`` says.

The location is an AsyncAPI runtime expression: ``$message.header#/<name>...``
or ``$message.payload#/<pointer>``.  It is compiled once, at load; reading it
from a message that lacks the place yields None (that message does not match).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from arazzo_engine.load.pointers import PointerError, follow, split

__all__ = ["CorrelationReader", "correlation_reader"]

CorrelationReader = Callable[[Mapping[str, str], Any], Any]
"""(headers, decoded payload) -> the correlation id found there, or None."""

_LOCATION = re.compile(r"^\$message\.(header|payload)(?:#(.*))?$")


def correlation_reader(location: str) -> CorrelationReader:
    """The reader of ``location``; ValueError saying why it is not one."""
    found = _LOCATION.match(location.strip())
    if found is None:
        raise ValueError(
            f"the correlationId location {location!r} is not '$message.header#/<name>' or "
            "'$message.payload#/<pointer>'"
        )
    part, pointer = found.group(1), found.group(2) or ""
    try:
        tokens = split(pointer)
    except PointerError as error:
        raise ValueError(f"the correlationId location {location!r}: {error}") from None
    if part == "header":
        if not tokens:
            raise ValueError(
                f"the correlationId location {location!r} names no header: write "
                "'$message.header#/<name>'"
            )
        name, rest = tokens[0], tokens[1:]

        def from_header(headers: Mapping[str, str], payload: Any) -> Any:
            value = headers.get(name)
            if value is None:
                lowered = name.lower()
                value = next((v for k, v in headers.items() if k.lower() == lowered), None)
            return _follow(value, rest)

        return from_header

    def from_payload(headers: Mapping[str, str], payload: Any) -> Any:
        return _follow(payload, tokens)

    return from_payload


def _follow(value: Any, tokens: tuple[str, ...]) -> Any:
    if not tokens:
        return value
    try:
        return follow(value, tokens)
    except PointerError:
        return None
