"""``regex`` criteria: a regular expression searched for in the criterion's context.

``search`` semantics (not anchored: write ``^...$``) on the evaluated
``context``; a value that is not a string is turned into text first: JSON
text for objects and arrays, ``true``/``false``/``null``, numbers as Python
writes them, bytes decoded as UTF-8.

Patterns come from documents that may be hostile.  They are Python ``re``
syntax, compiled once at load and matched with a time bound
(:mod:`arazzo_engine.patterns`): patterns up to ``MAX_REGEX_PATTERN``
characters, subjects up to ``MAX_REGEX_SUBJECT`` characters (a longer subject
fails the criterion with that reason), and a search that takes longer than
``MATCH_SECONDS`` fails the criterion with that reason.
"""

from __future__ import annotations

import json
from typing import Any

from arazzo_engine.criteria.kind import ContextKind, Verdict, check_length
from arazzo_engine.errors import CriterionCompileError, EvaluationLimitError, PatternError
from arazzo_engine.model import Criterion
from arazzo_engine.patterns import Pattern, compile_pattern

__all__ = ["MAX_REGEX_PATTERN", "MAX_REGEX_SUBJECT", "RegexKind", "stringify"]

MAX_REGEX_PATTERN = 2_000
"""The longest regular expression compiled."""
MAX_REGEX_SUBJECT = 1_000_000
"""The longest text a regular expression is searched in."""


class RegexKind(ContextKind[Pattern]):
    """``type: regex``: the condition is a regular expression searched in the context."""

    name = "regex"

    def compile_condition(self, criterion: Criterion) -> Pattern:
        check_length(criterion.condition, MAX_REGEX_PATTERN, "the regular expression")
        try:
            return compile_pattern(criterion.condition)
        except PatternError as error:
            raise CriterionCompileError(
                "condition", f"the regular expression {error.reason}"
            ) from None

    def judge_value(self, condition: Pattern, value: Any) -> Verdict:
        subject = stringify(value)
        if len(subject) > MAX_REGEX_SUBJECT:
            return False, (
                f"the regex subject is {len(subject)} characters long; the limit is "
                f"{MAX_REGEX_SUBJECT}"
            )
        try:
            return condition.search(subject), None
        except EvaluationLimitError as error:
            return False, str(error)


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
