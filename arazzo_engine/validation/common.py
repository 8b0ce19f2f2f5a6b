"""What the checks share: a findings list, component lookups, and input schemas."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from arazzo_engine.errors import Diagnostic, Location, Severity
from arazzo_engine.load.pointers import child
from arazzo_engine.load.reader import RawDocument
from arazzo_engine.load.refs import Located, RefError, RefResolver
from arazzo_engine.model import (
    Components,
    FailureAction,
    Parameter,
    ReusableObject,
    SuccessAction,
    Workflow,
)

__all__ = [
    "Entry",
    "Findings",
    "action_lists",
    "declared_by",
    "declared_inputs",
    "input_property",
    "match_name",
    "names",
    "resolve_action",
    "resolve_parameter",
    "resolve_schema",
    "string_leaves",
]

NOT_CLOSED = (
    "patternProperties",
    "allOf",
    "anyOf",
    "oneOf",
    "if",
    "dependentSchemas",
    "unevaluatedProperties",
    "$dynamicRef",
)
"""Schema keywords after which the declared ``properties`` are not the whole story."""


class Findings:
    """Collects located diagnostics for one document."""

    def __init__(self, raw: RawDocument) -> None:
        self.raw = raw
        self.diagnostics: list[Diagnostic] = []
        self._lines: list[str] | None = None

    def add(self, severity: Severity, rule: str, message: str, pointer: str) -> None:
        self.diagnostics.append(Diagnostic(severity, rule, message, self.raw.locate(pointer)))

    def add_at(
        self, severity: Severity, rule: str, message: str, pointer: str, line: int, column: int
    ) -> None:
        """Report at an exact line and column (inside a block of text) rather than the node."""
        where = Location(self.raw.file, pointer, line, column)
        self.diagnostics.append(Diagnostic(severity, rule, message, where))

    def text_lines(self) -> list[str]:
        """The lines of the document's file (read again, once)."""
        if self._lines is None:
            try:
                self._lines = self.raw.path.read_text(encoding="utf-8-sig").splitlines()
            except (OSError, UnicodeDecodeError):
                self._lines = []
        return self._lines

    def error(self, rule: str, message: str, pointer: str) -> None:
        self.add("error", rule, message, pointer)

    def warning(self, rule: str, message: str, pointer: str) -> None:
        self.add("warning", rule, message, pointer)


def resolve_parameter(
    item: Parameter | ReusableObject, components: Components
) -> tuple[Parameter, str] | None:
    """The parameter an entry stands for and the pointer of the entry; None if unresolved."""
    if isinstance(item, Parameter):
        return item, item.pointer
    target = components.referenced(item.reference, "parameters")
    return (target, item.pointer) if isinstance(target, Parameter) else None


def resolve_action(
    item: SuccessAction | FailureAction | ReusableObject, components: Components, kind: str
) -> SuccessAction | FailureAction | None:
    """The action an entry stands for (``kind``: successActions or failureActions)."""
    if not isinstance(item, ReusableObject):
        return item
    target = components.referenced(item.reference, kind)
    return target if isinstance(target, (SuccessAction, FailureAction)) else None


Entry = tuple[SuccessAction | FailureAction, str]
"""An action and the pointer of the list entry that brings it (inline or a reference)."""


def action_lists(
    workflow: Workflow, own_success: tuple[Any, ...], own_failure: tuple[Any, ...], c: Components
) -> tuple[list[Entry], list[Entry]]:
    """A step's success and failure candidates: its own, then the workflow's it keeps."""
    found: list[list[Entry]] = []
    for own, inherited, kind in (
        (own_success, workflow.success_actions, "successActions"),
        (own_failure, workflow.failure_actions, "failureActions"),
    ):
        mine = _entries(own, c, kind)
        names = {action.name for action, _ in mine}
        extra = _entries(inherited, c, kind)
        found.append(mine + [entry for entry in extra if entry[0].name not in names])
    return found[0], found[1]


def _entries(items: tuple[Any, ...], c: Components, kind: str) -> list[Entry]:
    entries: list[Entry] = []
    for item in items:
        action = resolve_action(item, c, kind)
        if action is not None:
            entries.append((action, item.pointer))
    return entries


def resolve_schema(schema: Located | None, refs: RefResolver) -> Any:
    """A schema with its top-level ``$ref`` chain followed; None when a hop does not resolve."""
    if schema is None:
        return None
    try:
        return refs.deref(schema).value
    except RefError:
        return None


def declared_inputs(
    schema: Located | None, refs: RefResolver
) -> tuple[frozenset[str], bool] | None:
    """The input names a workflow's inputs schema declares, and whether it admits no others.

    None when the schema cannot tell (no ``properties``, or combinators and
    ``patternProperties`` that widen them).  A schema is closed when it says
    ``additionalProperties: false``; an open one still accepts other inputs, but
    reading one it does not declare is almost always a typo.  No schema at all
    declares nothing and admits anything.
    """
    if schema is None or schema.value is None:
        return frozenset(), False
    return declared_by(resolve_schema(schema, refs))


def declared_by(resolved: Any) -> tuple[frozenset[str], bool] | None:
    """:func:`declared_inputs` of a schema whose top-level ``$ref`` is followed already."""
    if not isinstance(resolved, Mapping):
        return None
    properties = resolved.get("properties")
    if not isinstance(properties, Mapping) or any(key in resolved for key in NOT_CLOSED):
        return None
    extra = resolved.get("additionalProperties")
    if extra not in (None, False):
        return None
    return frozenset(properties), extra is False


def input_property(schema: Located, refs: RefResolver, name: str) -> Any:
    """The (resolved) schema of input ``name``, or None."""
    try:
        resolved = refs.deref(schema)
    except RefError:
        return None
    if not isinstance(resolved.value, Mapping):
        return None
    if not isinstance(resolved.value.get("properties"), Mapping):
        return None
    return resolve_schema(resolved.child("properties", name), refs)


def match_name(name: str, declared: frozenset[str] | set[str]) -> tuple[str | None, bool]:
    """Which declared name ``name`` reads: itself, or its longest dotted prefix (member access).

    Returns (the declared name or None, whether it matched exactly).
    """
    if name in declared:
        return name, True
    parts = name.split(".")
    for end in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in declared:
            return prefix, False
    return None, False


def string_leaves(value: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """Every string inside ``value`` (keys excluded) with its pointer."""
    if isinstance(value, str):
        yield pointer, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from string_leaves(item, child(pointer, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_leaves(item, child(pointer, index))


def names(items: Any) -> str:
    """A sorted, quoted list for messages ('none' when empty)."""
    listed = sorted(str(i) for i in items)
    return ", ".join(f"'{i}'" for i in listed) if listed else "none"
