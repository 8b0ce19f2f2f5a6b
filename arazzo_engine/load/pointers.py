"""JSON Pointer (RFC 6901): the one place that escapes, joins, splits and follows pointers.

A pointer is ``""`` (the whole value) or a ``/``-separated list of reference
tokens in which ``~`` is written ``~0`` and ``/`` is written ``~1``.  Following a
pointer, a token names an object member, or an array item when it is a decimal
index without leading zeros (``0``, ``7``, ``12``; never ``01``, ``+1`` or the
``-`` past-the-end marker).

Only the standard library is imported here: expressions, the reader and the
checks all use this module, and it must stay cheap to import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from arazzo_engine.errors import PointerError

__all__ = [
    "PointerError",
    "array_index",
    "child",
    "escape",
    "find",
    "follow",
    "join",
    "split",
    "unescape",
]


def escape(token: str) -> str:
    """One reference token as written in a pointer (``~`` -> ``~0``, ``/`` -> ``~1``)."""
    if "~" in token or "/" in token:
        return token.replace("~", "~0").replace("/", "~1")
    return token


def unescape(token: str) -> str:
    """One reference token as written in a pointer, read back (``~1`` -> ``/``, ``~0`` -> ``~``)."""
    if "~" in token:
        return token.replace("~1", "/").replace("~0", "~")
    return token


def child(pointer: str, *tokens: str | int) -> str:
    """``pointer`` extended by ``tokens`` (member names are escaped, indices written as is)."""
    for token in tokens:
        pointer += "/" + (escape(token) if isinstance(token, str) else str(token))
    return pointer


def join(tokens: Iterable[str | int]) -> str:
    """The pointer made of ``tokens`` (``""`` for none)."""
    return child("", *tokens)


def split(pointer: str) -> tuple[str, ...]:
    """The unescaped tokens of ``pointer``; PointerError when it does not start with ``/``."""
    if not pointer:
        return ()
    if pointer[0] != "/":
        raise PointerError(f"'{pointer}' is not a JSON pointer (it must start with '/')")
    return tuple(unescape(token) for token in pointer[1:].split("/"))


def array_index(token: str) -> int | None:
    """The array index ``token`` names, or None (leading zeros, signs, ``-``, non-digits)."""
    if token.isascii() and token.isdigit() and (len(token) == 1 or token[0] != "0"):
        return int(token)
    return None


def follow(data: Any, tokens: Sequence[str]) -> Any:
    """The value ``tokens`` lead to in ``data``; PointerError names the token that finds nothing."""
    value = data
    for token in tokens:
        if isinstance(value, Mapping):
            if token not in value:
                raise PointerError(f"no member '{token}'", token)
            value = value[token]
        elif isinstance(value, list):
            index = array_index(token)
            if index is None or index >= len(value):
                raise PointerError(f"no item '{token}' in an array of {len(value)}", token)
            value = value[index]
        else:
            raise PointerError(f"'{token}' goes into a value that is not a container", token)
    return value


def find(data: Any, pointer: str) -> tuple[bool, Any]:
    """(found, value) of ``pointer`` in ``data``; a malformed pointer finds nothing."""
    try:
        return True, follow(data, split(pointer))
    except PointerError:
        return False, None
