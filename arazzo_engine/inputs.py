"""Workflow inputs checked against their JSON Schema before anything is sent.

Validators are built once per workflow at load.  ``$ref`` s resolve against the
whole Arazzo document, so ``#/components/inputs/...`` works.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from arazzo_engine.errors import InputValidationError
from arazzo_engine.model import ArazzoDocument

_DOCUMENT_URI = "urn:arazzo-engine:document"


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
        for index, workflow in enumerate(document.workflows):
            if workflow.inputs is None:
                continue
            schema = {"$ref": f"{_DOCUMENT_URI}#/workflows/{index}/inputs"}
            key = prefix + workflow.workflow_id
            self._validators[key] = Draft202012Validator(schema, registry=registry)
            self._schemas[key] = self._resolved(workflow.inputs, raw)

    def absorb(self, other: InputsChecker) -> None:
        """Take over another document's validators (their keys are already run-wide)."""
        self._validators.update(other._validators)
        self._schemas.update(other._schemas)

    @staticmethod
    def _resolved(schema: Mapping[str, Any], raw: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            node: Any = raw
            for token in ref[2:].split("/"):
                node = (
                    node.get(token.replace("~1", "/").replace("~0", "~"), {})
                    if isinstance(node, Mapping)
                    else {}
                )
            return node if isinstance(node, Mapping) else {}
        return schema

    def check(self, workflow_id: str, inputs: Mapping[str, Any]) -> None:
        """Raise InputValidationError listing every violation, with its input path."""
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
        properties = schema.get("properties") if schema is not None else None
        if not isinstance(properties, Mapping):
            return dict(inputs)
        return {k: v for k, v in inputs.items() if k in properties}
