"""Why each remaining non-disputed failure fails: one entry per cause, naming its cases.

The scoreboard groups failures by these causes; a failure no cause names is
listed as unexplained, so a new failure cannot hide behind an old explanation.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.conformance.outcome import Outcome


@dataclass(frozen=True)
class Cause:
    title: str
    explanation: str
    case_ids: frozenset[str] = frozenset()
    corpus: str | None = None
    """Every failure of this corpus has this cause (when ``case_ids`` is empty)."""

    def explains(self, outcome: Outcome) -> bool:
        if self.case_ids:
            return outcome.case_id in self.case_ids
        return outcome.corpus == self.corpus


CAUSES: tuple[Cause, ...] = ()
"""No failure has a known cause today: every one is listed as unexplained."""


def explain(failures: list[Outcome]) -> tuple[list[tuple[Cause, list[Outcome]]], list[Outcome]]:
    """The failures grouped by cause (in the order of :data:`CAUSES`), and the rest."""
    grouped: list[tuple[Cause, list[Outcome]]] = []
    left = list(failures)
    for cause in CAUSES:
        mine = [o for o in left if cause.explains(o)]
        if mine:
            grouped.append((cause, mine))
            left = [o for o in left if not cause.explains(o)]
    return grouped, left
