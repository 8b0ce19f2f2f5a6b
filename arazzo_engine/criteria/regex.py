"""``regex`` criteria: a regular expression searched for in the criterion's context.

``search`` semantics (not anchored: write ``^...$``) on the evaluated
``context``; a value that is not a string is turned into text first: JSON
text for objects and arrays, ``true``/``false``/``null``, numbers as Python
writes them, bytes decoded as UTF-8.

Patterns come from documents that may be hostile.  With the ``google-re2``
package installed they run on RE2 (linear time); otherwise on Python's ``re``
with bounds: patterns up to ``MAX_REGEX_PATTERN`` characters and subjects up
to ``MAX_REGEX_SUBJECT`` characters (a longer subject fails the criterion with
that reason).
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

from arazzo_engine.criteria.kind import ContextKind, Verdict, check_length
from arazzo_engine.errors import CriterionCompileError
from arazzo_engine.model import Criterion

__all__ = ["MAX_REGEX_PATTERN", "MAX_REGEX_SUBJECT", "REGEX_ENGINE", "RegexKind", "stringify"]

MAX_REGEX_PATTERN = 2_000
"""The longest regular expression compiled."""
MAX_REGEX_SUBJECT = 1_000_000
"""The longest text a regular expression is searched in."""

try:  # RE2 guarantees linear-time matching when available.
    import re2 as _regex_engine  # type: ignore[import-not-found, unused-ignore]

    REGEX_ENGINE = "re2"
except ImportError:  # pragma: no cover - depends on the environment
    _regex_engine = re
    REGEX_ENGINE = "re"


class Pattern(Protocol):
    """A compiled regular expression, from ``re`` or ``re2``."""

    def search(self, subject: str) -> object | None: ...


class RegexKind(ContextKind[Pattern]):
    """``type: regex``: the condition is a regular expression searched in the context."""

    name = "regex"

    def compile_condition(self, criterion: Criterion) -> Pattern:
        check_length(criterion.condition, MAX_REGEX_PATTERN, "the regular expression")
        try:
            pattern: Pattern = _regex_engine.compile(criterion.condition)
        except Exception as error:  # re.error, or re2's own error type
            raise CriterionCompileError(
                "condition", f"the regular expression does not compile: {error}"
            ) from None
        return pattern

    def judge_value(self, condition: Pattern, value: Any) -> Verdict:
        subject = stringify(value)
        if len(subject) > MAX_REGEX_SUBJECT:
            return False, (
                f"the regex subject is {len(subject)} characters long; the limit is "
                f"{MAX_REGEX_SUBJECT}"
            )
        return condition.search(subject) is not None, None


def stringify(value: Any) -> str:
    """The text a regex criterion searches."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)
