"""Response headers: a read-only mapping whose lookups ignore case, and reading their numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

__all__ = ["MAX_LENGTH_DIGITS", "Headers", "content_length", "header_values"]

MAX_LENGTH_DIGITS = 18
"""The most digits a Content-Length may have (just under an exabyte); more is invalid."""

_LENGTH = re.compile(f"[0-9]{{1,{MAX_LENGTH_DIGITS}}}")
"""ASCII digits only: ``str.isdigit`` is True for '²', which ``int`` refuses, and
``int`` reads '٣' as 3; neither is a Content-Length (RFC 9110 8.6)."""


def content_length(value: str | None) -> int | None:
    """The byte count a ``Content-Length`` value declares; None without one.

    A list of one repeated count (``"5, 5"``, from duplicated headers) is that
    count.  Anything else raises ``ValueError`` with a sentence saying why: the
    response's framing is invalid and RFC 9112 6.3 has the client discard it.
    """
    if value is None:
        return None
    counts = {part.strip() for part in value.split(",")}
    if len(counts) == 1:
        (count,) = counts
        if _LENGTH.fullmatch(count):
            return int(count)
    shown = value if len(value) <= 40 else value[:40] + "..."
    raise ValueError(
        f"its Content-Length {shown!r} is not a byte count (one number of at most "
        f"{MAX_LENGTH_DIGITS} ASCII digits)"
    )


class Headers(Mapping[str, str]):
    """Header names keep their case for display; ``get``, ``in`` and ``[]`` ignore it.

    Built from a mapping or from ``(name, value)`` pairs; a name given twice keeps
    both values joined with ``", "`` (RFC 9110 5.3), as requests does, and each
    one apart for :meth:`get_all` (``Set-Cookie`` values cannot be joined).
    """

    __slots__ = ("_items", "_repeated")

    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = (
            headers
            if isinstance(headers, (list, tuple))  # pairs; a Mapping is neither
            else headers.items()
            if isinstance(headers, Mapping)
            else headers
        )
        items: dict[str, tuple[str, str]] = {}
        repeated: dict[str, list[str]] = {}
        for name, value in pairs:
            key, text = name.lower(), str(value)
            known = items.get(key)
            if known is None:
                items[key] = (name, text)
            else:
                repeated.setdefault(key, [known[1]]).append(text)
                items[key] = (name, f"{known[1]}, {text}")
        self._items = items
        self._repeated = repeated

    def get_all(self, name: str) -> list[str]:
        """Each value given for ``name``, apart, in order; [] when it is absent."""
        key = name.lower()
        if key in self._repeated:
            return list(self._repeated[key])
        item = self._items.get(key)
        return [] if item is None else [item[1]]

    def pairs(self) -> list[tuple[str, str]]:
        """Every (name, value) given, repeated names apart, in order of first appearance."""
        found: list[tuple[str, str]] = []
        for key, (name, value) in self._items.items():
            found.extend((name, v) for v in self._repeated.get(key, [value]))
        return found

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def get(self, name: str, default: Any = None) -> Any:
        """The value of ``name`` (any case), else ``default``: one lookup, no exception."""
        item = self._items.get(name.lower()) if isinstance(name, str) else None
        return default if item is None else item[1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


def header_values(headers: Mapping[str, str], name: str) -> list[str]:
    """Each value of ``name`` apart when ``headers`` keeps them so, else its one value."""
    if isinstance(headers, Headers):
        return headers.get_all(name)
    value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return [] if value is None else [value]
