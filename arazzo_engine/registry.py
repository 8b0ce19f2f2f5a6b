"""One registry per family of interchangeable things, as jsonschema keeps its keywords.

Criterion kinds (by criterion ``type``) and source kinds (by source description
``type``) each keep one :class:`Registry`; message protocols will be next.
Adding a member of a family is one module and one registration.  Registration
order is kept: it is the order lists of names are shown in and, for source
kinds, the order documents are recognised in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Generic, Protocol, TypeVar

from arazzo_engine.errors import ConfigurationError

__all__ = ["Named", "Registry"]


class Named(Protocol):
    """A member of a family: known by its name."""

    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    """The members of one family by name; ``family`` words the errors ("criterion type")."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._members: dict[str, T] = {}
        self.members: Mapping[str, T] = MappingProxyType(self._members)
        """A read-only view, in registration order."""

    def register(self, member: T) -> T:
        """Add ``member`` under its name; a name already taken is refused."""
        name = member.name
        if not isinstance(name, str) or not name:
            raise ConfigurationError(f"a {self.family} needs a non-empty name, got {name!r}")
        if name in self._members:
            raise ConfigurationError(
                f"{self.family} '{name}' is already registered (unregister it first)"
            )
        self._members[name] = member
        return member

    def unregister(self, name: str) -> T:
        """Remove and return the member named ``name``."""
        try:
            return self._members.pop(name)
        except KeyError:
            known = ", ".join(self._members) or "none"
            raise ConfigurationError(
                f"{self.family} '{name}' is not registered (known: {known})"
            ) from None

    def get(self, name: str | None) -> T | None:
        return self._members.get(name) if name is not None else None

    def names(self) -> tuple[str, ...]:
        """Every registered name, in registration order."""
        return tuple(self._members)

    def __iter__(self) -> Iterator[T]:
        return iter(tuple(self._members.values()))
