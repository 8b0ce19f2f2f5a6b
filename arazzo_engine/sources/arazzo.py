"""The Arazzo source kind: another Arazzo document, whose workflows steps can run.

Its documents are read with positions (their own problems are reported at
their lines) and opened by the loader, which loads each one once with its own
components and sources, however many documents name it; steps reach its
workflows as ``$sourceDescriptions.<name>.<workflowId>``.
"""

from __future__ import annotations

from arazzo_engine.sources.base import ExternalDocument, LoadedSource, OpenContext

__all__ = ["ARAZZO", "ArazzoKind"]


class ArazzoKind:
    """Documents with an ``arazzo`` root field."""

    name = "arazzo"
    title = "Arazzo"
    root_fields = ("arazzo",)
    keeps_positions = True
    rules = ()
    """Its documents' problems are reported in their own files, under their own rules."""

    def open(self, source: LoadedSource, context: OpenContext) -> ExternalDocument | None:
        return context.load_workflows(source)


ARAZZO = ArazzoKind()
