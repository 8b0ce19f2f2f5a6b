"""Dropping the plan's reports that only repeat a source description that failed to load.

When a source cannot be read, every step that uses it would also get an
``operation`` (or ``workflow-reference``) error saying the operation is not
there: the same problem twice.  Those second reports are dropped; the
``source-*`` error says what to fix.
"""

from __future__ import annotations

from collections.abc import Iterable

from arazzo_engine.errors import Diagnostic
from arazzo_engine.load.pointers import find
from arazzo_engine.load.reader import RawDocument
from arazzo_engine.model import ArazzoDocument
from arazzo_engine.sources.kinds import KINDS

__all__ = ["without_source_cascades"]

READING_RULES = (
    "source-unreadable",
    "source-remote",
    "source-type",
    "source-self",
    "source-scheme",
)
"""Errors of reading or loading a source, whatever its kind (each kind lists its own in
``rules``)."""
PREFIX = "$sourceDescriptions."


def source_rules() -> frozenset[str]:
    """The rule ids that mean a source description failed to load."""
    return frozenset(READING_RULES).union(*(kind.rules for kind in KINDS.values()))


def failed_sources(
    diagnostics: Iterable[Diagnostic], document: ArazzoDocument, raw: RawDocument
) -> set[str]:
    """Names of this document's source descriptions that failed to load."""
    rules = source_rules()
    pointers = {d.pointer for d in diagnostics if d.rule in rules and d.file == raw.file}
    return {sd.name for sd in document.source_descriptions if sd.pointer in pointers}


def _named_source(text: str) -> str | None:
    if text.startswith(PREFIX):
        return text[len(PREFIX) :].partition(".")[0]
    if text.startswith("{" + PREFIX):
        return text[len(PREFIX) + 1 :].partition(".")[0]
    return None


def without_source_cascades(
    plan_diagnostics: Iterable[Diagnostic],
    diagnostics: Iterable[Diagnostic],
    document: ArazzoDocument,
    raw: RawDocument,
    unread: Iterable[str] = (),
) -> list[Diagnostic]:
    """``plan_diagnostics`` without those caused by a source that did not load.

    ``unread`` names sources left unread on purpose (a check without sources): what
    steps name in them is not known, so it is not reported either.
    """
    failed = failed_sources(diagnostics, document, raw) | set(unread)
    if not failed:
        return list(plan_diagnostics)
    kept: list[Diagnostic] = []
    for diagnostic in plan_diagnostics:
        if diagnostic.rule in ("operation", "workflow-reference"):
            found, text = find(raw.data, diagnostic.pointer)
            if found and isinstance(text, str):
                source = _named_source(text)
                if source in failed or (source is None and diagnostic.rule == "operation"):
                    continue
        kept.append(diagnostic)
    return kept
