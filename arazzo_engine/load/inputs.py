"""Workflow inputs checked against their JSON Schema before anything is sent.

Validators are built once per workflow at load.  ``$ref`` s resolve against the
whole Arazzo document, so ``#/components/inputs/...`` works.  Inputs left out
take the ``default`` their schema gives them (top-level properties, and the
properties of nested objects and array items that are given or defaulted).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from arazzo_engine.errors import InputValidationError
from arazzo_engine.load.pointers import unescape
from arazzo_engine.model import ArazzoDocument

_DOCUMENT_URI = "urn:arazzo-engine:document"
_MAX_SCHEMA_DEPTH = 32


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
        resource = Resource.from_contents(dict(raw), default_specification=DRAFT202012)
        registry: Registry[Any] = Registry().with_resource(_DOCUMENT_URI, resource)
        self._validators: dict[str, Draft202012Validator] = {}
        self._schemas: dict[str, Mapping[str, Any]] = {}
        self._roots: dict[str, Mapping[str, Any]] = {}
        for index, workflow in enumerate(document.workflows):
            if workflow.inputs is None:
                continue
            schema = {"$ref": f"{_DOCUMENT_URI}#/workflows/{index}/inputs"}
            key = prefix + workflow.workflow_id
            self._validators[key] = Draft202012Validator(schema, registry=registry)
            self._schemas[key] = self._resolved(workflow.inputs, raw)
            self._roots[key] = raw

    def absorb(self, other: InputsChecker) -> None:
        """Take over another document's validators (their keys are already run-wide)."""
        self._validators.update(other._validators)
        self._schemas.update(other._schemas)
        self._roots.update(other._roots)

    @staticmethod
    def _resolved(schema: Mapping[str, Any], raw: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            node: Any = raw
            for token in ref[2:].split("/"):
                node = node.get(unescape(token), {}) if isinstance(node, Mapping) else {}
            return node if isinstance(node, Mapping) else {}
        return schema

    def with_defaults(self, workflow_id: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``inputs`` with every omitted input that has a schema ``default`` filled.

        Defaults are deep-copied; given values are never changed in place.
        """
        schema = self._schemas.get(workflow_id)
        if schema is None:
            return dict(inputs)
        filled = _fill_defaults(schema, dict(inputs), self._roots[workflow_id], 0)
        return filled if isinstance(filled, dict) else dict(inputs)

    def check(self, workflow_id: str, inputs: Mapping[str, Any]) -> None:
        """Fill schema defaults, then raise InputValidationError listing every violation.

        When ``inputs`` is mutable the omitted inputs' defaults are written into it
        (nested objects are replaced by filled copies, never edited in place), so
        the workflow runs with them; the completed inputs are what is validated.
        """
        if isinstance(inputs, MutableMapping):
            inputs.update(self.with_defaults(workflow_id, inputs))
        validator = self._validators.get(workflow_id)
        if validator is None:
            return
        errors = sorted(validator.iter_errors(dict(inputs)), key=lambda e: list(e.absolute_path))
        if not errors:
            return
        first = best_match(errors)
        ordered = [first] + [e for e in errors if e is not first]
        violations = [f"{_input_path(e.absolute_path)}: {e.message}" for e in ordered]
        raise InputValidationError(workflow_id, violations)

    def filter_for(self, workflow_id: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs the target workflow's schema declares (all of them if it declares none)."""
        schema = self._schemas.get(workflow_id)
        if schema is None:
            return dict(inputs)
        properties = dict(_properties(schema, self._roots[workflow_id], 0))
        if not properties:
            return dict(inputs)
        return {k: v for k, v in inputs.items() if k in properties}


def _follow(ref: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    """The schema a local ``#/...`` reference points at ({} when it points nowhere)."""
    node: Any = root
    for token in ref[2:].split("/") if ref.startswith("#/") else []:
        key = unescape(token)
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else {}


def _referenced(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any] | None:
    ref = schema.get("$ref")
    if isinstance(ref, str) and (ref == "#" or ref.startswith("#/")):
        return _follow(ref, root)
    return None


def _properties(
    schema: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """A schema's ``properties``, including those of its ``$ref`` target and ``allOf``."""
    if depth > _MAX_SCHEMA_DEPTH:
        return
    target = _referenced(schema, root)
    if target is not None:
        yield from _properties(target, root, depth + 1)
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for name, sub in properties.items():
            if isinstance(sub, Mapping):
                yield name, sub
    members = schema.get("allOf")
    if isinstance(members, list):
        for member in members:
            if isinstance(member, Mapping):
                yield from _properties(member, root, depth + 1)


_MISSING = object()


def _lookup(schema: Mapping[str, Any], keyword: str, root: Mapping[str, Any]) -> Any:
    """A keyword of a schema or of the schemas its ``$ref`` chain reaches; else _MISSING."""
    node: Mapping[str, Any] | None = schema
    for _ in range(_MAX_SCHEMA_DEPTH):
        if node is None:
            break
        if keyword in node:
            return node[keyword]
        node = _referenced(node, root)
    return _MISSING


def _fill_defaults(
    schema: Mapping[str, Any], value: Any, root: Mapping[str, Any], depth: int
) -> Any:
    """``value`` with the defaults ``schema`` gives its omitted members (copies, not edits)."""
    if depth > _MAX_SCHEMA_DEPTH:
        return value
    if isinstance(value, Mapping):
        filled = dict(value)
        for name, sub in _properties(schema, root, 0):
            if name not in filled:
                default = _lookup(sub, "default", root)
                if default is _MISSING:
                    continue
                filled[name] = copy.deepcopy(default)
            filled[name] = _fill_defaults(sub, filled[name], root, depth + 1)
        return filled
    if isinstance(value, list):
        items = _lookup(schema, "items", root)
        if isinstance(items, Mapping):
            return [_fill_defaults(items, item, root, depth + 1) for item in value]
    return value
