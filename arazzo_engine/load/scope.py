"""Which workflows each error reaches, so ``Engine.load(..., strict=False)`` runs the rest.

A workflow *reaches* places of the documents it needs: its own node
(``/workflows/<i>``), the components it names (``$components.<kind>.<name>``),
the nodes its ``$ref`` s point at (``#/components/inputs/...``), the source
descriptions its steps use, and, through the plan, every workflow it calls
(step ``workflowId``, ``goto`` targets, ``dependsOn``), in any Arazzo document.
What a reached component or ``$ref`` target names is reached too.

An error blocks a workflow when its JSON pointer overlaps a place the
workflow reaches (one under the other) in the same file, for pointers under
``/workflows``, ``/components`` and ``/sourceDescriptions``.  An error
anywhere else (``/arazzo``, ``/info``, the root, a file that did not become a
document) blocks every workflow that reaches that file at all, or the source
description that names it.  Matching is by text and errs towards blocking: a
workflow that only might use something broken does not run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from arazzo_engine.errors import Diagnostic
from arazzo_engine.load.plan import WorkflowPlan
from arazzo_engine.load.pointers import child, find
from arazzo_engine.load.reader import RawDocument
from arazzo_engine.model import ArazzoDocument
from arazzo_engine.sources.base import ExternalDocument, OperationSource

__all__ = ["DocumentRecord", "SourceLink", "blocking_findings"]

Place = tuple[str, str]
"""(file, JSON pointer) of a node a workflow needs."""

SCOPED_ROOTS = ("/workflows", "/components", "/sourceDescriptions")
"""Pointers under these block only what reaches them; any other blocks the whole file."""

_COMPONENT = re.compile(
    r"\$components\.(inputs|parameters|successActions|failureActions)\.([A-Za-z0-9.\-_]+)"
)
_SOURCE = re.compile(r"\$sourceDescriptions\.([A-Za-z0-9_\-]+)")
_WORKFLOW = re.compile(r"\$workflows\.([A-Za-z0-9_\-]+)")
_QUALIFIED = "$sourceDescriptions."


@dataclass(frozen=True)
class DocumentRecord:
    """One Arazzo document the loader built: what deciding its scopes needs."""

    raw: RawDocument
    document: ArazzoDocument
    prefix: str
    operations: Mapping[str, OperationSource] = field(default_factory=dict)
    externals: Mapping[str, ExternalDocument] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return self.document.file


@dataclass(frozen=True)
class SourceLink:
    """An Arazzo source description (``referrer``, ``pointer``) naming the file ``target``."""

    target: str
    referrer: str
    pointer: str


def blocking_findings(
    diagnostics: Sequence[Diagnostic],
    records: Sequence[DocumentRecord],
    plans: Mapping[str, WorkflowPlan],
    links: Sequence[SourceLink],
) -> dict[str, tuple[Diagnostic, ...]]:
    """The errors blocking each workflow of the entry document (prefix ''), by workflow id.

    Runnable workflows are absent; ``diagnostics`` keep their order in each tuple.
    """
    errors = [d for d in diagnostics if d.severity == "error"]
    if not errors:
        return {}
    reach = _Reach(records, plans)
    blocked: dict[str, tuple[Diagnostic, ...]] = {}
    entry = next((r for r in records if r.prefix == ""), None)
    if entry is None:
        return blocked
    built = {r.file for r in records}
    for workflow in entry.document.workflows:
        key = workflow.workflow_id
        if key in blocked:
            continue
        places = reach.of(key)
        found = tuple(e for e in errors if _blocks(e, places, built, links))
        if found:
            blocked[key] = found
    return blocked


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def _scoped(pointer: str) -> bool:
    return any(pointer == root or pointer.startswith(root + "/") for root in SCOPED_ROOTS)


def _blocks(
    error: Diagnostic, places: set[Place], built: set[str], links: Sequence[SourceLink]
) -> bool:
    if error.file in built and _scoped(error.pointer):
        return any(f == error.file and _overlaps(error.pointer, p) for f, p in places)
    if any(f == error.file for f, _ in places):
        return True
    return any(
        link.target == error.file and (link.referrer, link.pointer) in places for link in links
    )


def _strings(data: Any) -> Iterator[tuple[str | None, str]]:
    """Every string value under ``data`` with the key that holds it (None in a list)."""
    stack: list[tuple[str | None, Any]] = [(None, data)]
    while stack:
        key, value = stack.pop()
        if isinstance(value, str):
            yield key, value
        elif isinstance(value, dict):
            stack.extend((k if isinstance(k, str) else None, v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((None, v) for v in value)


class _Reach:
    """The places each workflow needs, directly (its document) and through its calls."""

    def __init__(self, records: Sequence[DocumentRecord], plans: Mapping[str, WorkflowPlan]):
        self.plans = plans
        self.by_prefix = {r.prefix: r for r in records}
        self._direct: dict[str, tuple[set[Place], set[str]]] = {}
        self._closure: dict[tuple[str, str], set[str]] = {}

    def of(self, key: str) -> set[Place]:
        """Every place the workflow with run-wide ``key`` reaches, calls followed."""
        places: set[Place] = set()
        seen = {key}
        pending = [key]
        while pending:
            current = pending.pop()
            direct, calls = self.direct(current)
            places |= direct
            for called in calls - seen:
                seen.add(called)
                pending.append(called)
        return places

    def direct(self, key: str) -> tuple[set[Place], set[str]]:
        """The places of the workflow's own document it needs, and the keys it calls."""
        if key in self._direct:
            return self._direct[key]
        plan = self.plans.get(key)
        record = self.by_prefix.get(plan.scope.prefix) if plan is not None else None
        places: set[Place] = set()
        calls: set[str] = set()
        if plan is not None and record is not None:
            workflows = [w for w in record.document.workflows if w.workflow_id == plan.workflow_id]
            for workflow in workflows:
                pointers = self.closure(record, workflow.pointer)
                places |= {(record.file, p) for p in pointers}
                for other in record.document.workflows:
                    if other.pointer in pointers:
                        calls.add(record.prefix + other.workflow_id)
            places |= {(record.file, p) for p in self.bare_operation_sources(record, key)}
            calls |= _plan_calls(plan)
        calls.discard(key)
        self._direct[key] = (places, calls)
        return places, calls

    def closure(self, record: DocumentRecord, start: str) -> set[str]:
        """``start`` and every pointer of the same document its text names, transitively."""
        cached = self._closure.get((record.prefix, start))
        if cached is not None:
            return cached
        reached = {start}
        pending = [start]
        while pending:
            pointer = pending.pop()
            ok, data = find(record.raw.data, pointer)
            if not ok:
                continue
            for named in self.named(record, data):
                if named not in reached:
                    reached.add(named)
                    pending.append(named)
        self._closure[(record.prefix, start)] = reached
        return reached

    def named(self, record: DocumentRecord, data: Any) -> Iterator[str]:
        """Pointers of the nodes the strings under ``data`` refer to."""
        for key, text in _strings(data):
            if key == "$ref" and text.startswith("#/"):
                yield unquote(text[1:])
            for match in _COMPONENT.finditer(text):
                kind, name = match.groups()
                parts = name.split(".")
                for end in range(1, len(parts) + 1):  # 'a.b' may be component 'a' or 'a.b'
                    yield child("/components", kind, ".".join(parts[:end]))
            for match in _SOURCE.finditer(text):
                yield from _source_pointers(record, match.group(1))
            for match in _WORKFLOW.finditer(text):
                for workflow in record.document.workflows:
                    if workflow.workflow_id == match.group(1):
                        yield workflow.pointer

    def bare_operation_sources(self, record: DocumentRecord, key: str) -> set[str]:
        """Source pointers a workflow's bare ``operationId`` s may come from.

        The source that has the operation; when none of the loaded ones has it,
        every source that did not load.
        """
        plan = self.plans[key]
        found: set[str] = set()
        for step in plan.workflow.steps:
            op = step.operation_id
            if op is None or op.startswith(_QUALIFIED):
                continue
            having = [n for n, s in record.operations.items() if s.find_by_id(op) is not None]
            names = having or [
                name
                for sd in _raw_sources(record)
                if isinstance(name := sd.get("name"), str)
                and name not in record.operations
                and name not in record.externals
            ]
            for name in names:
                found.update(_source_pointers(record, name))
        return found


def _raw_sources(record: DocumentRecord) -> list[dict[str, Any]]:
    listed = (
        record.raw.data.get("sourceDescriptions") if isinstance(record.raw.data, dict) else None
    )
    if not isinstance(listed, list):
        return []
    return [sd if isinstance(sd, dict) else {} for sd in listed]


def _source_pointers(record: DocumentRecord, name: str) -> Iterator[str]:
    """The pointer of each source description of the document called ``name``."""
    for index, sd in enumerate(_raw_sources(record)):
        if sd.get("name") == name:
            yield f"/sourceDescriptions/{index}"


def _plan_calls(plan: WorkflowPlan) -> set[str]:
    """Run-wide keys of the workflows the plan calls, goes to or depends on."""
    calls = set(plan.depends_on)
    for step in plan.steps:
        if step.child_workflow is not None:
            calls.add(step.child_workflow)
        for action in (*step.on_success, *step.on_failure):
            if action.workflow_id is not None:
                calls.add(action.workflow_id)
    return calls
