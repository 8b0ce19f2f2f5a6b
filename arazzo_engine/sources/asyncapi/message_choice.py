"""Which of several messages a send step's payload is: the first whose schema it fits.

A channel may carry several message types.  A send step names none, so the
payload decides (Arazzo 1.1 leaves it open): the first message, in the
order the description lists them, whose ``payload`` schema the value
validates against.  Schemas are read as JSON Schema (AsyncAPI's default schema
format is a superset of draft 7); one that cannot be used counts as not fitting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arazzo_engine.sources.asyncapi.shapes import Message

__all__ = ["first_matching"]


def first_matching(messages: Sequence[Message], value: Any) -> Message | None:
    """The first message whose payload schema ``value`` validates against, or None."""
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import SchemaError

    for message in messages:
        schema = message.payload
        if not isinstance(schema, dict):
            continue
        try:
            if Draft7Validator(schema).is_valid(value):
                return message
        except (SchemaError, LookupError, ValueError, TypeError):  # a $ref it cannot follow...
            continue
    return None
