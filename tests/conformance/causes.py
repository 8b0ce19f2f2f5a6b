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


CAUSES: tuple[Cause, ...] = (
    Cause(
        "An empty `successCriteria` list is accepted on purpose",
        "The 1.1 schema (like the published 1.0 schema) wants at least one criterion; "
        "the 1.0.1 text sets no minimum, so the engine loads `successCriteria: []` with "
        "only its `missing-success-criteria` warning (a documented allowance, tested in "
        "tests/test_validation_spec_allowances.py) and this document is refused for its "
        "1.1 version alone.",
        frozenset({"fail/invalid-openapi-success-criteria.arazzo.yaml"}),
    ),
    Cause(
        "Arazzo 1.1 is not implemented",
        "The schema test documents are Arazzo 1.1 (`arazzo: 1.1.0`, AsyncAPI steps, "
        "`$self`, selectors...).  This engine implements 1.0.x and refuses a 1.1 "
        "version outright (rule `arazzo-version`), so every `pass/` document fails and a "
        "`fail/` document passes only when another rule catches its defect.",
        corpus="schema-tests (1.1, 1.0 engine)",
    ),
)


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
