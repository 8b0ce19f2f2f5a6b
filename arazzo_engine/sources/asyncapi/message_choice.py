"""Which of several messages a send step's payload is: the first whose schema it fits.

A channel may carry several message types.  A send step names none, so the
payload decides (Arazzo 1.1 leaves it open): the first message, in the
order the description lists them, whose ``payload`` schema the value
validates against.  Schemas are read as JSON Schema draft 7 (AsyncAPI's default
schema format is a superset of it) inside their document, so a ``$ref`` to
``#/components/schemas/...`` resolves; one that cannot be used counts as not
fitting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from arazzo_engine.sources.asyncapi.shapes import Message

__all__ = ["first_matching"]

_DOCUMENT = "urn:arazzo-engine:asyncapi-description"


def first_matching(messages: Sequence[Message], value: Any, document: Any) -> Message | None:
    """The first message whose payload schema ``value`` validates against, or None."""
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    registry: Registry[Any] = Registry().with_resource(
        _DOCUMENT, Resource.from_contents(document, default_specification=DRAFT7)
    )
    for message in messages:
        if message.payload is None:
            continue
        where = quote(f"{message.pointer}/payload", safe="/~")
        validator = Draft7Validator({"$ref": f"{_DOCUMENT}#{where}"}, registry=registry)
        try:
            if validator.is_valid(value):
                return message
        except Exception:  # noqa: S112 - a schema it cannot use ($ref to nowhere...) fits nothing
            continue
    return None
