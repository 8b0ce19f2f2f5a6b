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
        "`$response.query.*` and `$response.path.*` are refused",
        "The 1.0.1 ABNF builds `$response.` from the same `source` rule as `$request.`, "
        "so `$response.query.x` and `$response.path.x` are grammatical (they are always "
        "empty: a response has no query or path).  The parser refuses them; issue 12 "
        "asks to accept them with a load warning.",
        frozenset({"redocly-024-lint-ok", "redocly-025-lint-ok"}),
    ),
    Cause(
        "An XML payload replacement re-serialises the whole document",
        "Replacing an XPath target in an XML payload writes the whole document back: "
        "namespace prefixes become `ns0:`/`ns1:` and `<a/>` becomes "
        '`<a />`, so the bytes the peer expects (`xmlns:tns="urn:test"`, '
        "`<tns:CustomerId>`) are not sent.  Issue 12 asks to edit the target only.",
        frozenset(
            {
                "strefethen-soap-xml-replacement-element",
                "strefethen-soap-xml-replacement-attribute",
            }
        ),
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
