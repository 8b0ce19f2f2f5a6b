"""Regular expressions compiled once and matched with a time bound.

Every pattern a document, a description or a response supplies (regex
criteria, JSONPath ``match()``/``search()``/``=~``, XPath ``matches()``,
``replace()``, ``tokenize()``, JSON Schema ``pattern`` and
``patternProperties``) goes through :func:`compile_pattern`.  Patterns run on
the ``regex`` package (mrab), in its version 0, which reads Python ``re``
syntax; unlike ``re`` (and like RE2, which the engine no longer uses) it can
stop a match: each one gets ``MATCH_SECONDS``, or what is left of the running
:func:`~arazzo_engine.patterns.budget.time_budget` when that is less.  A match
that runs out raises :class:`~arazzo_engine.errors.EvaluationLimitError`
naming the pattern; it never counts as a match or as a miss.

Compiling cannot be stopped, and ``regex`` expands counted repeats when it
compiles (``(?:a{1000}){10000}`` takes seconds), so before compiling, a pattern
longer than ``MAX_PATTERN_LENGTH`` characters, or whose counted repeats expand
to more than ``MAX_PATTERN_EXPANSION`` characters, is refused with
:class:`~arazzo_engine.errors.PatternError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final, TypeVar

from arazzo_engine.errors import PatternError
from arazzo_engine.patterns.budget import exceeded, remaining

__all__ = [
    "DOTALL",
    "IGNORECASE",
    "MATCH_SECONDS",
    "MAX_PATTERN_EXPANSION",
    "MAX_PATTERN_LENGTH",
    "MULTILINE",
    "VERBOSE",
    "Pattern",
    "compile_pattern",
    "expansion",
]

MATCH_SECONDS = 0.25
"""The longest one match (a search, a full match, a substitution, a split) may run.
Read at each match, so a program may set it (process-wide)."""
MAX_PATTERN_LENGTH: Final = 10_000
"""The longest pattern compiled, in characters."""
MAX_PATTERN_EXPANSION: Final = 100_000
"""The most characters a pattern's counted repeats may expand to when it is compiled."""

# ``regex`` is imported by the first compile: loading a document without patterns
# never pays for it.  Its flags have ``re``'s values (tests/test_cli_startup.py).
IGNORECASE: Final = int(re.IGNORECASE)
MULTILINE: Final = int(re.MULTILINE)
DOTALL: Final = int(re.DOTALL)
VERBOSE: Final = int(re.VERBOSE)
_FLAGS: Final = IGNORECASE | MULTILINE | DOTALL | VERBOSE
_SHOWN: Final = 60

T = TypeVar("T")


def _shown(source: str) -> str:
    return repr(source if len(source) <= _SHOWN else source[:_SHOWN] + "...")


class Pattern:
    """A compiled regular expression; every match runs with a time bound."""

    __slots__ = ("_compiled", "source")

    def __init__(self, source: str, compiled: Any) -> None:
        self.source = source
        self._compiled = compiled

    def shown_as(self, source: str) -> Pattern:
        """The same compiled pattern, named in messages by ``source`` (the text a user wrote)."""
        return Pattern(source, self._compiled)

    @property
    def groups(self) -> int:
        """How many capturing groups the pattern has."""
        count: int = self._compiled.groups
        return count

    def search(self, text: str) -> bool:
        """Whether the pattern matches somewhere in ``text``."""
        return self._bounded(self._compiled.search, text) is not None

    def fullmatch(self, text: str) -> bool:
        """Whether the pattern matches the whole of ``text``."""
        return self._bounded(self._compiled.fullmatch, text) is not None

    def sub(self, replacement: str | Callable[[Any], str], text: str) -> str:
        """``text`` with every match replaced (``re`` replacement syntax: ``\\1``, ``\\g<1>``)."""
        result: str = self._bounded(lambda t, **kw: self._compiled.sub(replacement, t, **kw), text)
        return result

    def split(self, text: str) -> list[str | None]:
        """``text`` cut at every match (groups included, as ``re.split`` gives them)."""
        result: list[str | None] = self._bounded(self._compiled.split, text)
        return result

    def _bounded(self, match: Callable[..., T], text: str) -> T:
        limit = MATCH_SECONDS
        left = remaining()
        if left is not None:
            if left <= 0:
                raise exceeded(self._too_long(text, None))
            limit = min(limit, left)
        try:
            return match(text, timeout=limit)
        except TimeoutError:
            raise exceeded(self._too_long(text, limit if limit < MATCH_SECONDS else None)) from None

    def _too_long(self, text: str, budget: float | None) -> str:
        spent = f"{MATCH_SECONDS:g} s" if budget is None else "the time left to the evaluation"
        return (
            f"the regular expression {_shown(self.source)} took longer than {spent} "
            f"on a {len(text)}-character text"
        )

    def __repr__(self) -> str:
        return f"Pattern({self.source!r})"


@lru_cache(maxsize=1024)
def compile_pattern(
    source: str, flags: int = 0, *, max_length: int | None = MAX_PATTERN_LENGTH
) -> Pattern:
    """``source`` compiled (Python ``re`` syntax), cached; PatternError when it cannot be.

    ``flags`` combines ``IGNORECASE``, ``MULTILINE``, ``DOTALL`` and ``VERBOSE``.
    ``max_length=None`` is for a pattern the engine made from one it already
    bounded (XPath's translation of an XML Schema pattern spells classes out).
    """
    if max_length is not None and len(source) > max_length:
        raise PatternError(source, f"is {len(source)} characters long; the limit is {max_length}")
    size = expansion(source)
    if size > MAX_PATTERN_EXPANSION:
        raise PatternError(
            source,
            f"expands to {size} characters when compiled (counted repeats multiply); "
            f"the limit is {MAX_PATTERN_EXPANSION}",
        )
    import regex

    try:
        compiled = regex.compile(source, (flags & _FLAGS) | regex.VERSION0)
    except (regex.error, ValueError, TypeError, OverflowError, RecursionError) as error:
        raise PatternError(source, f"does not compile: {error}") from None
    return Pattern(source, compiled)


def expansion(source: str) -> int:
    """An upper estimate of the characters ``source`` expands to when it is compiled.

    Each atom (a character, an escape, a class) counts 1; a group counts the sum
    of what it holds (all branches); a counted repeat ``{n}``, ``{n,}``,
    ``{n,m}`` multiplies what it applies to by ``n`` (at least 1).  Linear in the
    length of the pattern.
    """
    stack: list[int] = [0]
    last = 0  # the weight of the atom a quantifier would apply to
    i, end = 0, len(source)
    while i < end:
        char = source[i]
        if char == "\\":
            i = _escape_end(source, i)
            stack[-1] += 1
            last = 1
            continue
        if char == "[":
            i = _class_end(source, i)
            stack[-1] += 1
            last = 1
            continue
        if char == "(":
            stack.append(0)
            last = 0
            i += 1
            continue
        if char == ")" and len(stack) > 1:
            last = stack.pop()
            stack[-1] += last
            i += 1
            continue
        if char == "{":
            count, after = _counted_repeat(source, i)
            if count is not None:
                stack[-1] += last * (max(count, 1) - 1)
                last *= max(count, 1)
                i = after
                continue
        if char not in "*+?":  # a quantifier keeps the weight of what it applies to
            stack[-1] += 1
            last = 1
        i += 1
    return sum(stack)


def _escape_end(source: str, i: int) -> int:
    """The index after the escape starting at ``i`` (``\\p{...}``, ``\\x{...}`` included)."""
    if i + 2 < len(source) and source[i + 2] == "{" and source[i + 1] in "pPNxuU":
        close = source.find("}", i + 3)
        return len(source) if close < 0 else close + 1
    return i + 2


def _class_end(source: str, i: int) -> int:
    """The index after the character class starting at ``i``."""
    j = i + 1
    if j < len(source) and source[j] == "^":
        j += 1
    if j < len(source) and source[j] == "]":
        j += 1
    while j < len(source):
        if source[j] == "\\":
            j += 2
            continue
        if source[j] == "]":
            return j + 1
        j += 1
    return len(source)


def _counted_repeat(source: str, i: int) -> tuple[int | None, int]:
    """The minimum count of the ``{n}``, ``{n,}`` or ``{n,m}`` at ``i``, and the index after."""
    close = source.find("}", i + 1, i + 40)
    if close < 0:
        return None, i
    low, comma, high = source[i + 1 : close].partition(",")
    low, high = low.strip(), high.strip()
    if not (_is_count(low) or (comma and not low)) or (high and not _is_count(high)):
        return None, i
    return (int(low) if low else 0), close + 1


def _is_count(text: str) -> bool:
    return text.isascii() and text.isdigit()
