"""Workflow inputs checked against their JSON Schema before anything is sent.

Validators are built once per workflow, when its inputs are first checked (a
load that runs nothing, like ``arazzo validate``, never imports jsonschema
here).  ``$ref`` s resolve against the
whole Arazzo document, so ``#/components/inputs/...`` works.  Inputs left out
take the ``default`` their schema gives them (top-level properties, and the
properties of nested objects and array items that are given or defaulted).

Patterns in the schema (``pattern``, ``patternProperties``) are matched in
bounded time (:mod:`arazzo_engine.patterns`): a check that takes longer than
``EVALUATION_SECONDS``, a pattern that takes longer than ``MATCH_SECONDS`` on a
value, or a pattern that does not compile rejects the inputs with an
:class:`~arazzo_engine.errors.InputValidationError` that says so.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, MutableMapping
from functools import cache
from typing import Any

from arazzo_engine.errors import EvaluationLimitError, InputValidationError, PatternError
from arazzo_engine.limits import MAX_DEPTH, too_deep
from arazzo_engine.load.refs import DOCUMENT_URI, Located, RefError, RefResolver
from arazzo_engine.model import ArazzoDocument
from arazzo_engine.patterns import time_budget
from arazzo_engine.patterns.json_schema import bounded_validator

__all__ = ["InputsChecker"]


@cache
def _validator_class() -> Any:
    """JSON Schema 2020-12, its pattern keywords on bounded patterns."""
    from jsonschema import Draft202012Validator

    return bounded_validator(Draft202012Validator)


_MAX_SCHEMA_DEPTH = 32
"""Deepest nesting of schemas (properties, items, allOf, $ref) read for defaults."""


def _input_path(path: Any) -> str:
    text = "inputs"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


class InputsChecker:
    """Validates and filters workflow inputs, by run-wide workflow key.

    Built per document (``prefix`` makes its keys run-wide); :meth:`absorb`
    gathers the checkers of every document a run can reach into one.
    """

    def __init__(self, document: ArazzoDocument, raw: Mapping[str, Any], prefix: str = "") -> None:
        refs = RefResolver(DOCUMENT_URI, dict(raw), json_schema=True, read_files=False)
        self._validators: dict[str, Any] = {}
        self._schemas: dict[str, tuple[Located, RefResolver]] = {}
        """Per workflow key, its inputs schema and the resolver of its document."""
        for index, workflow in enumerate(document.workflows):
            if workflow.inputs is None:
                continue
            pointer = f"/workflows/{index}/inputs"
            key = prefix + workflow.workflow_id
            self._schemas[key] = (Located(workflow.inputs, DOCUMENT_URI, pointer), refs)

    def absorb(self, other: InputsChecker) -> None:
        """Take over another document's validators (their keys are already run-wide)."""
        self._validators.update(other._validators)
        self._schemas.update(other._schemas)

    def with_defaults(self, workflow_id: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``inputs`` with every omitted input that has a schema ``default`` filled.

        Defaults are deep-copied; given values are never changed in place.
        """
        found = self._schemas.get(workflow_id)
        if found is None:
            return dict(inputs)
        schema, refs = found
        filled = _fill_defaults(schema, dict(inputs), refs, 0)
        return filled if isinstance(filled, dict) else dict(inputs)

    def check(self, workflow_id: str, inputs: Mapping[str, Any]) -> None:
        """Fill schema defaults, then raise InputValidationError listing every violation.

        When ``inputs`` is mutable the omitted inputs' defaults are written into it
        (nested objects are replaced by filled copies, never edited in place), so
        the workflow runs with them; the completed inputs are what is validated.
        Inputs nested more than :data:`~arazzo_engine.limits.MAX_DEPTH` levels are
        refused first: every later walk of them (validation, events, reports) recurses.
        """
        if too_deep(dict(inputs), MAX_DEPTH):
            raise InputValidationError(
                workflow_id, [f"inputs: nested more than {MAX_DEPTH} levels deep"]
            )
        if isinstance(inputs, MutableMapping):
            inputs.update(self.with_defaults(workflow_id, inputs))
        validator = self._validator(workflow_id)
        if validator is None:
            return
        try:
            with time_budget("checking the inputs against their schema"):
                found = list(validator.iter_errors(dict(inputs)))
        except (EvaluationLimitError, PatternError) as error:
            raise InputValidationError(workflow_id, [f"inputs: {error}"]) from None
        errors = sorted(found, key=lambda e: list(e.absolute_path))
        if not errors:
            return
        from jsonschema.exceptions import best_match

        first = best_match(errors)
        ordered = [first] + [e for e in errors if e is not first]
        violations = [f"{_input_path(e.absolute_path)}: {e.message}" for e in ordered]
        raise InputValidationError(workflow_id, violations)

    def _validator(self, workflow_id: str) -> Any:
        """The workflow's inputs validator, built on first use; None when it has no schema."""
        validator = self._validators.get(workflow_id)
        if validator is None and workflow_id in self._schemas:
            schema, refs = self._schemas[workflow_id]
            validator = _validator_class()({"$ref": schema.ref}, registry=refs.registry)
            validator = self._validators.setdefault(workflow_id, validator)
        return validator

    def filter_for(self, workflow_id: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs the target workflow's schema declares (all of them if it declares none)."""
        found = self._schemas.get(workflow_id)
        if found is None:
            return dict(inputs)
        properties = dict(_properties(*found, 0))
        if not properties:
            return dict(inputs)
        return {k: v for k, v in inputs.items() if k in properties}


def _target(schema: Located, refs: RefResolver) -> Located | None:
    """Where a schema's ``$ref`` leads (one hop), when that is a schema of the document."""
    try:
        found = refs.target(schema)
    except RefError:  # points nowhere, or outside the document: the schema stands alone
        return None
    return found if found is not None and isinstance(found.value, Mapping) else None


def _properties(schema: Located, refs: RefResolver, depth: int) -> Iterator[tuple[str, Located]]:
    """A schema's ``properties``, including those of its ``$ref`` target and ``allOf``."""
    if depth > _MAX_SCHEMA_DEPTH or not isinstance(schema.value, Mapping):
        return
    target = _target(schema, refs)
    if target is not None:
        yield from _properties(target, refs, depth + 1)
    properties = schema.value.get("properties")
    if isinstance(properties, Mapping):
        for name, sub in properties.items():
            if isinstance(sub, Mapping):
                yield name, schema.child("properties", name)
    members = schema.value.get("allOf")
    if isinstance(members, list):
        for index, member in enumerate(members):
            if isinstance(member, Mapping):
                yield from _properties(schema.child("allOf", index), refs, depth + 1)


def _keyword(schema: Located, keyword: str, refs: RefResolver) -> Located | None:
    """A keyword of a schema or of the first schema its ``$ref`` chain reaches that has it."""
    try:
        for node in refs.chain(schema):
            if not isinstance(node.value, Mapping):
                return None
            if keyword in node.value:
                return node.child(keyword)
    except RefError:  # a chain that points nowhere, outside, or comes back on itself
        pass
    return None


def _fill_defaults(schema: Located, value: Any, refs: RefResolver, depth: int) -> Any:
    """``value`` with the defaults ``schema`` gives its omitted members (copies, not edits)."""
    if depth > _MAX_SCHEMA_DEPTH:
        return value
    if isinstance(value, Mapping):
        filled = dict(value)
        for name, sub in _properties(schema, refs, 0):
            if name not in filled:
                default = _keyword(sub, "default", refs)
                if default is None:
                    continue
                filled[name] = copy.deepcopy(default.value)
            filled[name] = _fill_defaults(sub, filled[name], refs, depth + 1)
        return filled
    if isinstance(value, list):
        items = _keyword(schema, "items", refs)
        if items is not None and isinstance(items.value, Mapping):
            return [_fill_defaults(items, item, refs, depth + 1) for item in value]
    return value
