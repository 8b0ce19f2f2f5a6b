"""The one table of Arazzo versions: which ``arazzo:`` values load, and what each adds.

Documents are dispatched on ``major.minor`` (the patch never changes meaning):
``1.0.x`` keeps the 1.0 model, ``1.1.x`` gets the 1.1 fields and values, any other
version is refused.  The model builder asks here whether a field or a value
exists in a document's version, so a 1.1-only field in a 1.0 document is
reported as such, naming the version that has it, and never as a plain unknown
field.  Criterion expression-type versions keep their own table
(:func:`arazzo_engine.criteria.registry.allowed_versions`), keyed by the same
``major.minor``.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "ASYNCAPI",
    "EXPRESSION_VERSIONS",
    "SUPPORTED",
    "added_field",
    "added_value",
    "fields_in",
    "minor_of",
    "supported_minor",
    "values_in",
]

SUPPORTED: Final = ("1.0", "1.1")
"""The ``major.minor`` versions this engine loads, oldest first."""

ASYNCAPI: Final = "asyncapi"
"""The 1.1 source type of AsyncAPI descriptions (read and checked; their steps not run yet)."""

_VERSION: Final = re.compile(r"^(\d+)\.(\d+)\.\d+(-.+)?$")

_ADDED_FIELDS: Final[dict[str, dict[str, str]]] = {
    "Arazzo document": {"$self": "1.1"},
    "Step": {
        "timeout": "1.1",
        "dependsOn": "1.1",
        "channelPath": "1.1",
        "action": "1.1",
        "correlationId": "1.1",
    },
    "Success Action": {"parameters": "1.1"},
    "Failure Action": {"parameters": "1.1"},
    "Payload Replacement": {"targetSelectorType": "1.1"},
}
"""Fields a version added to an object, by object kind, with the first version having them."""

_ADDED_VALUES: Final[dict[tuple[str, str], dict[str, str]]] = {
    ("Source Description", "type"): {"asyncapi": "1.1"},
    ("Parameter", "in"): {"querystring": "1.1", "channel": "1.1"},
}
"""Values a version added to a fixed set, by (object kind, field)."""

EXPRESSION_VERSIONS: Final[dict[str, tuple[str, ...]]] = {
    "jsonpath": ("rfc9535", "draft-goessner-dispatch-jsonpath-00"),
    "xpath": ("xpath-31", "xpath-30", "xpath-20", "xpath-10"),
    "jsonpointer": ("rfc6901",),
}
"""Arazzo 1.1 Expression Type Object versions by type, the default first: all of them for
Selectors and ``targetSelectorType``; criterion types check theirs against the criterion
kinds (:func:`arazzo_engine.criteria.registry.allowed_versions`) and take only the default
from here."""


def minor_of(version: str) -> str | None:
    """``major.minor`` of an ``arazzo`` value such as ``1.1.0-rc1``, or None when malformed."""
    match = _VERSION.match(version)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def supported_minor(version: object) -> str | None:
    """The ``major.minor`` of ``version`` when this engine loads it, else None."""
    if not isinstance(version, str):
        return None
    minor = minor_of(version)
    return minor if minor in SUPPORTED else None


def _later(first: str, minor: str) -> bool:
    """Whether ``first`` comes after ``minor`` (both ``major.minor``)."""
    return tuple(map(int, first.split("."))) > tuple(map(int, minor.split(".")))


def added_field(kind: str, key: str, minor: str) -> str | None:
    """The version that added field ``key`` to ``kind`` when ``minor`` lacks it, else None."""
    first = _ADDED_FIELDS.get(kind, {}).get(key)
    return first if first is not None and _later(first, minor) else None


def fields_in(kind: str, minor: str) -> tuple[str, ...]:
    """The fields a version added to ``kind`` that ``minor`` has."""
    return tuple(k for k, first in _ADDED_FIELDS.get(kind, {}).items() if not _later(first, minor))


def added_value(kind: str, key: str, value: str, minor: str) -> str | None:
    """The version that added ``value`` to the set of ``kind.key`` when ``minor`` lacks it."""
    first = _ADDED_VALUES.get((kind, key), {}).get(value)
    return first if first is not None and _later(first, minor) else None


def values_in(kind: str, key: str, minor: str) -> tuple[str, ...]:
    """The values a version added to the set of ``kind.key`` that ``minor`` has."""
    table = _ADDED_VALUES.get((kind, key), {})
    return tuple(v for v, first in table.items() if not _later(first, minor))
