"""What steps and actions name, found: operations in the sources, workflows in the documents.

A step names an operation by ``operationId`` (bare, or qualified as
``$sourceDescriptions.<source>.<operationId>``; OpenAPI and AsyncAPI operations
alike), by ``operationPath`` (``{$sourceDescriptions.<source>.url}#/paths/...``,
into a source whose pointers are operation paths: OpenAPI), or an AsyncAPI
channel by ``channelPath`` (``{$sourceDescriptions.<source>.url}#/channels/<c>``
or ``$sourceDescriptions.<source>#/channels/<c>``); a step, an action or a
``dependsOn`` entry names a workflow of this document, or of another Arazzo
document (``$sourceDescriptions.<source>.<workflowId>``).  Each reference is
looked up once, at load, through the source kinds' interface
(:class:`~arazzo_engine.sources.base.OperationSource`,
:class:`~arazzo_engine.sources.base.ExternalDocument`); one that does not
resolve is reported, located, with the names it could have meant.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from arazzo_engine.model import ArazzoDocument, Step
from arazzo_engine.sources.base import ExternalDocument, OperationSource, OperationTarget

__all__ = ["SOURCE_PREFIX", "Report", "Targets", "workflow_key"]

SOURCE_PREFIX = "$sourceDescriptions."
API_SOURCES = "an API source description (OpenAPI or AsyncAPI)"
_CHANNEL_PATH = re.compile(
    r"^(?:\{\$sourceDescriptions\.(?P<braced>[^.{}#]+)\.url\}"
    r"|\$sourceDescriptions\.(?P<bare>[^.{}#]+))#(?P<pointer>/.*)$"
)

Report = Callable[[str, str, str, int], None]
"""Records an error (or a warning): (rule id, message, JSON pointer, line of the node)."""


def workflow_key(prefix: str, workflow_id: str) -> str:
    """The run-wide key of a workflow of the document with ``prefix``."""
    return f"{prefix}{workflow_id}"


class Targets:
    """Finds what one document's steps and actions name; reports what it cannot find."""

    def __init__(
        self,
        prefix: str,
        document: ArazzoDocument,
        sources: Mapping[str, OperationSource],
        externals: Mapping[str, ExternalDocument],
        report: Report,
        warn: Report | None = None,
    ) -> None:
        self.prefix = prefix
        self.document = document
        self.sources = sources
        self.source_names = list(sources) or [sd.name for sd in document.source_descriptions]
        """Names to suggest: the loaded OpenAPI sources, or the declared ones when none
        loaded (all failed, or the check runs without sources)."""
        self.externals = externals
        self.error = report
        self.warn = warn

    def operation(self, step: Step) -> OperationTarget | None:
        if step.operation_id is not None:
            return self.operation_by_id(step)
        if step.operation_path is not None:
            return self.operation_by_path(step)
        if step.channel_path is not None:
            return self.channel_by_path(step)
        return None

    def operation_by_id(self, step: Step) -> OperationTarget | None:
        ref = step.operation_id or ""
        pointer = f"{step.pointer}/operationId"
        if ref.startswith(SOURCE_PREFIX):
            name, _, op_id = ref[len(SOURCE_PREFIX) :].partition(".")
            source = self.sources.get(name)
            if source is None:
                self.error(
                    "operation",
                    f"'{ref}' names source '{name}', which is not {API_SOURCES} of this "
                    f"document (have: {', '.join(self.source_names) or 'none'})"
                    + _did_you_mean(name, self.source_names),
                    pointer,
                    step.line,
                )
                return None
            found = source.find_by_id(op_id)
            if found is None:
                self.error(
                    "operation",
                    f"operationId '{op_id}' is not in source '{name}' ({source.location})"
                    + _did_you_mean(op_id, source.operation_ids),
                    pointer,
                    step.line,
                )
            return found
        candidates = [
            (source.name, found)
            for source in self.sources.values()
            if (found := source.find_by_id(ref)) is not None
        ]
        if len(candidates) == 1:
            if len(self.sources) > 1 and self.warn is not None:
                name = candidates[0][0]
                self.warn(
                    "unqualified-operation-id",
                    f"operationId '{ref}' is not qualified, but this document has several "
                    f"source descriptions with operations ({', '.join(self.sources)}), so "
                    f"Arazzo requires the source to be named; it is found in '{name}' only: "
                    f"write '$sourceDescriptions.{name}.{ref}'",
                    pointer,
                    step.line,
                )
            return candidates[0][1]
        if not candidates:
            known = {k: None for source in self.sources.values() for k in source.operation_ids}
            self.error(
                "operation",
                f"operationId '{ref}' is not defined by any source description "
                f"({', '.join(self.sources) or 'none loaded'})" + _did_you_mean(ref, known),
                pointer,
                step.line,
            )
        else:
            names = ", ".join(f"$sourceDescriptions.{name}.{ref}" for name, _ in candidates)
            self.error(
                "operation",
                f"operationId '{ref}' exists in several sources; qualify it as one of: {names}",
                pointer,
                step.line,
            )
        return None

    def operation_by_path(self, step: Step) -> OperationTarget | None:
        ref = step.operation_path or ""
        pointer = f"{step.pointer}/operationPath"
        head, sep, json_pointer = ref.partition("#")
        source_name = None
        if head.startswith("{$sourceDescriptions.") and head.endswith(".url}"):
            source_name = head[len("{$sourceDescriptions.") : -len(".url}")]
        if not sep or source_name is None:
            self.error(
                "operation",
                "an operationPath must read '{$sourceDescriptions.<name>.url}#/paths/...'"
                f", got '{ref}'",
                pointer,
                step.line,
            )
            return None
        source = self.sources.get(source_name)
        if source is None:
            self.error(
                "operation",
                f"operationPath names source '{source_name}', which is not {API_SOURCES} "
                "of this document" + _did_you_mean(source_name, self.source_names),
                pointer,
                step.line,
            )
            return None
        if source.pointer_field != "operationPath":
            self.error(
                "operation",
                f"operationPath names source '{source_name}', {_article(source.title)} source "
                f"description, whose parts a step names with operationId or "
                f"{source.pointer_field}; an operationPath points into an OpenAPI description "
                f"(sources for it: {self._pointing('operationPath')})",
                pointer,
                step.line,
            )
            return None
        found = source.find_by_pointer(json_pointer)
        if found is None:
            self.error(
                "operation",
                f"operationPath '#{json_pointer}' does not point at an operation of source "
                f"'{source_name}'{source.pointer_hint(json_pointer)}",
                pointer,
                step.line,
            )
        return found

    def _pointing(self, field: str) -> str:
        """The loaded sources whose pointers ``field`` takes ('none')."""
        return ", ".join(n for n, s in self.sources.items() if s.pointer_field == field) or "none"

    def channel_by_path(self, step: Step) -> OperationTarget | None:
        """The channel a ``channelPath`` names.  Its form, and a source it names that is
        undeclared, of another declared type or not loaded, are reported elsewhere
        (:mod:`arazzo_engine.validation.channels`, the source's own error)."""
        ref = step.channel_path or ""
        pointer = f"{step.pointer}/channelPath"
        match = _CHANNEL_PATH.match(ref)
        if match is None:
            return None
        name = match.group("braced") or match.group("bare")
        json_pointer = match.group("pointer")
        source = self.sources.get(name)
        if source is None:
            return None
        if source.pointer_field != "channelPath":
            self.error(
                "channel-path",
                f"channelPath names source '{name}', {_article(source.title)} source "
                "description; a channel belongs to an AsyncAPI source description "
                f"(sources with channels: {self._pointing('channelPath')})",
                pointer,
                step.line,
            )
            return None
        found = source.find_by_pointer(json_pointer)
        if found is None:
            self.error(
                "channel-path",
                f"channelPath '#{json_pointer}' does not point at a channel of source "
                f"'{name}' ({source.location}){source.pointer_hint(json_pointer)}",
                pointer,
                step.line,
            )
        return found

    def workflow(self, text: str, what: str, pointer: str, line: int) -> str | None:
        """The run-wide key of a workflow named in this document, or None (reported)."""
        if text.startswith(SOURCE_PREFIX):
            name, _, workflow_id = text[len(SOURCE_PREFIX) :].partition(".")
            external = self.externals.get(name)
            if external is None:
                known = ", ".join(sorted(self.externals)) or "none"
                self.error(
                    "workflow-reference",
                    f"{what} '{text}', but '{name}' is not an Arazzo source description of "
                    f"this document (Arazzo sources: {known})",
                    pointer,
                    line,
                )
                return None
            if workflow_id not in external.workflow_ids:
                known = ", ".join(sorted(external.workflow_ids)) or "none"
                self.error(
                    "workflow-reference",
                    f"{what} '{text}', but source '{name}' has no workflow '{workflow_id}' "
                    f"(it has: {known})",
                    pointer,
                    line,
                )
                return None
            return workflow_key(external.prefix, workflow_id)
        if self.document.workflow(text) is None:
            known = ", ".join(w.workflow_id for w in self.document.workflows)
            self.error(
                "workflow-reference",
                f"{what} workflow '{text}', which the document does not define (it has: "
                f"{known}); a workflow of another Arazzo document is written "
                "$sourceDescriptions.<name>.<workflowId>",
                pointer,
                line,
            )
            return None
        return workflow_key(self.prefix, text)


def _article(title: str) -> str:
    return f"{'an' if title[:1] in 'AEIOU' else 'a'} {title}"


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    """A hint naming the known id that differs from ``name`` only by case."""
    same = [k for k in known if k.lower() == name.lower()]
    return f"; did you mean '{same[0]}'? (names are case-sensitive)" if same else ""
