"""How deep and how large a value from outside the engine may be, checked in one place.

Documents, response bodies, event data and inputs all arrive as text or as values
someone else built.  Every walker of such values (redaction, reports, JSON
dumps, copies, pickling a result) recurses over their nesting, and Python's
stack allows about a thousand frames; so every value is held to
:data:`MAX_DEPTH` where it enters, and a composite the engine builds (a payload
template filled with values) is checked again.  Integers are held to Python's
own ``int`` <-> ``str`` conversion limit (``sys.get_int_max_str_digits()``,
4300 digits unless the program or ``PYTHONINTMAXSTRDIGITS`` changes it), so a
value read can always be written back.

:func:`load_json` is :func:`json.loads` within these limits; :func:`too_deep`
and :func:`too_long_int` check values already built.  Both raise or report
:class:`~arazzo_engine.errors.LimitError`, which each reader turns into its own
error (a located :class:`~arazzo_engine.errors.DocumentError`, a
:class:`~arazzo_engine.errors.BodyDecodeError`...).
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from arazzo_engine.errors import LimitError

__all__ = [
    "MAX_DEPTH",
    "int_digits_limit",
    "load_json",
    "too_deep",
    "too_long_int",
]

MAX_DEPTH = 256
"""Deepest nesting of lists and objects accepted from outside (a document, a
response body, an event's data, the inputs) or built into a request body.

Real documents and APIs stay far below; the engine's walkers need about three
stack frames a level, and Python allows a thousand."""


def int_digits_limit() -> int:
    """Most decimal digits an integer may have (Python's limit; 0 means none)."""
    return sys.get_int_max_str_digits()


_powers: dict[int, int] = {}


def too_long_int(value: int) -> bool:
    """Whether ``value`` has more digits than :func:`int_digits_limit` allows."""
    digits = int_digits_limit()
    if not digits:
        return False
    bound = _powers.get(digits)
    if bound is None:
        bound = _powers.setdefault(digits, 10**digits)
    return abs(value) >= bound


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and dicts nest more than ``limit`` levels in ``value``.

    Iterative, so a value of any depth is measured without recursion; it visits
    containers only, and stops at the first one too deep.
    """
    if not isinstance(value, (dict, list, tuple)):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > limit:
            return True
        items = container.values() if isinstance(container, dict) else container
        for item in items:
            if isinstance(item, (dict, list, tuple)):
                stack.append((item, depth + 1))
    return False


def _openers(text: str | bytes) -> int:
    """A cheap upper bound of JSON text's nesting: its count of opening brackets."""
    if isinstance(text, str):
        return text.count("[") + text.count("{")
    return text.count(b"[") + text.count(b"{")


def _as_text(text: str | bytes) -> str:
    return text if isinstance(text, str) else text.decode("utf-8", errors="replace")


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
"""JSON strings (skipped whole) and brackets."""
_LONG_DIGITS = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\d.eE+])(?<![eE]-)\d+')
"""JSON strings (skipped whole) and runs of digits that start a number."""


def _too_deep_at(text: str, limit: int) -> tuple[int, int]:
    """The (line, column) of the first bracket nested more than ``limit`` deep, else (0, 0).

    Only on the error path: a scan of the whole text.
    """
    depth = 0
    for match in _TOKENS.finditer(text):
        first = match.group()[0]
        if first in "[{":
            depth += 1
            if depth > limit:
                return _line_column(text, match.start())
        elif first in "]}":
            depth -= 1
    return 0, 0


def _long_integer_at(text: str) -> tuple[int, int]:
    """The (line, column) of the first integer too long to convert, else (0, 0)."""
    limit = int_digits_limit()
    for match in _LONG_DIGITS.finditer(text):
        found = match.group()
        if not found.startswith('"') and len(found) > limit:
            return _line_column(text, match.start())
    return 0, 0


def load_json(text: str | bytes, **options: Any) -> Any:
    """:func:`json.loads` (same ``options``) within :data:`MAX_DEPTH` and the digits limit.

    Raises :class:`LimitError` for a value nested too deeply or an integer too
    long, :class:`json.JSONDecodeError` (a ValueError) for text that is not JSON.
    The depth is measured only when the text has more opening brackets than
    :data:`MAX_DEPTH`, so a small body costs one ``count``.
    """
    try:
        value = json.loads(text, **options)
    except RecursionError:
        raise _nested_too_deep(text) from None
    except json.JSONDecodeError:
        raise
    except ValueError as error:
        if "integer string conversion" not in str(error):
            raise
        line, column = _long_integer_at(_as_text(text))
        raise LimitError(
            f"holds an integer of more than {int_digits_limit()} digits",
            line=line,
            column=column,
        ) from None
    if _openers(text) > MAX_DEPTH and too_deep(value):
        raise _nested_too_deep(text)
    return value


def _nested_too_deep(text: str | bytes) -> LimitError:
    line, column = _too_deep_at(_as_text(text), MAX_DEPTH)
    return LimitError(f"is nested more than {MAX_DEPTH} levels deep", line=line, column=column)
