"""Patterns and queries from documents, descriptions and responses, evaluated in bounded time.

No pattern or query a document, a description or a server supplies may hang a
run.  :mod:`~arazzo_engine.patterns.matching` compiles regular expressions once
and bounds every match (``MATCH_SECONDS``); :mod:`~arazzo_engine.patterns.budget`
bounds a whole evaluation (``EVALUATION_SECONDS``) for the JSONPath and XPath
hooks to check; :mod:`~arazzo_engine.patterns.json_schema` gives JSON Schema
validators bounded ``pattern``, ``patternProperties``, ``additionalProperties``
and ``unevaluatedProperties`` keywords.  Going over a limit raises
:class:`~arazzo_engine.errors.EvaluationLimitError`; a pattern that cannot be
compiled raises :class:`~arazzo_engine.errors.PatternError`.
"""

from __future__ import annotations

from arazzo_engine.patterns.budget import EVALUATION_SECONDS, checkpoint, time_budget
from arazzo_engine.patterns.matching import (
    MATCH_SECONDS,
    MAX_PATTERN_EXPANSION,
    MAX_PATTERN_LENGTH,
    Pattern,
    compile_pattern,
)

__all__ = [
    "EVALUATION_SECONDS",
    "MATCH_SECONDS",
    "MAX_PATTERN_EXPANSION",
    "MAX_PATTERN_LENGTH",
    "Pattern",
    "checkpoint",
    "compile_pattern",
    "time_budget",
]
