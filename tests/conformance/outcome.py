"""What one case gave, and the counts per origin that the table prints."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

DISPUTED_CLASSES = frozenset({"b", "c"})
"""Dispute classes that take a case out of the pass/fail count (``a`` does not)."""


@dataclass(frozen=True)
class Outcome:
    """One case: did the engine do what the case expects, and why not."""

    corpus: str
    origin: str
    case_id: str
    passed: bool
    reason: str = ""
    dispute: str | None = None
    """The dispute class (``b``/``c``) when the case's expectation is disputed."""

    @property
    def disputed(self) -> bool:
        return self.dispute in DISPUTED_CLASSES

    @property
    def counted_failure(self) -> bool:
        return not self.passed and not self.disputed


def dispute_class(case: Mapping[str, Any]) -> str | None:
    """The class of a case's ``dispute`` field, None when it has none."""
    dispute = case.get("dispute")
    if isinstance(dispute, Mapping):
        value = dispute.get("class")
        return str(value) if value is not None else None
    return None


@dataclass
class Tally:
    """Counts for one (corpus, origin) row of the table."""

    corpus: str
    origin: str
    passed: int = 0
    failed: int = 0
    disputed: int = 0
    disputed_failed: int = 0
    """Disputed cases the engine fails in the peer's sense (not counted as failures)."""

    def add(self, outcome: Outcome) -> None:
        if outcome.disputed:
            self.disputed += 1
            self.disputed_failed += 0 if outcome.passed else 1
        elif outcome.passed:
            self.passed += 1
        else:
            self.failed += 1


def tally(outcomes: Iterable[Outcome]) -> list[Tally]:
    """One row per (corpus, origin), in first-seen order."""
    rows: dict[tuple[str, str], Tally] = {}
    for outcome in outcomes:
        key = (outcome.corpus, outcome.origin)
        if key not in rows:
            rows[key] = Tally(outcome.corpus, outcome.origin)
        rows[key].add(outcome)
    return list(rows.values())


def same_json(a: Any, b: Any) -> bool:
    """JSON equality: ``True`` is not ``1``, ``1`` equals ``1.0``, key order is irrelevant."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (
            isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
        )
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


@dataclass
class RealWorldSummary:
    """The real-world corpus: what happened to each document when it was loaded."""

    accepted: int = 0
    rejected: int = 0
    crashes: list[tuple[str, str]] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)
    rules: Counter[str] = field(default_factory=Counter)
    """Rejected documents per rule id (a document counts once per rule it breaks)."""
    seconds: dict[str, float] = field(default_factory=dict)
    per_origin: dict[str, Counter[str]] = field(default_factory=dict)
    """Per repository: accepted / rejected / crash / timeout counts."""

    @property
    def documents(self) -> int:
        return self.accepted + self.rejected + len(self.crashes) + len(self.timeouts)
