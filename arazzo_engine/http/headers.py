"""Response headers: a read-only mapping whose lookups ignore case."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

__all__ = ["Headers"]


class Headers(Mapping[str, str]):
    """Header names keep their case for display; ``get``, ``in`` and ``[]`` ignore it.

    Built from a mapping or from ``(name, value)`` pairs; a name given twice keeps
    both values joined with ``", "`` (RFC 9110 5.3), as requests does.
    """

    __slots__ = ("_items",)

    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        items: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = name.lower()
            known = items.get(key)
            items[key] = (name, f"{known[1]}, {value}" if known else str(value))
        self._items = items

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"
