"""A dictionary-backed EvaluationContext for the expression tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


@dataclass
class DictContext:
    """Every part of a run as plain data; absent parts answer None."""

    url: str | None = None
    method: str | None = None
    status_code: int | None = None
    request_headers: dict[str, str] = field(default_factory=dict)
    request_query_params: dict[str, Any] = field(default_factory=dict)
    request_path_params: dict[str, Any] = field(default_factory=dict)
    request_payload: Any = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_payload: Any = None
    input_values: dict[str, Any] = field(default_factory=dict)
    output_values: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    workflow_input_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    workflow_output_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    header_lookups: list[str] = field(default_factory=list)
    document_uri: str | None = None
    message_headers: dict[str, str] = field(default_factory=dict)
    message_body: Any = None

    def request_header(self, name: str) -> str | None:
        self.header_lookups.append(name)
        return _header(self.request_headers, name)

    def request_query(self, name: str) -> Any:
        return self.request_query_params.get(name)

    def request_path(self, name: str) -> Any:
        return self.request_path_params.get(name)

    def request_body(self) -> Any:
        return self.request_payload

    def response_header(self, name: str) -> str | None:
        self.header_lookups.append(name)
        return _header(self.response_headers, name)

    def response_body(self) -> Any:
        return self.response_payload

    def message_header(self, name: str) -> str | None:
        return _header(self.message_headers, name)

    def message_payload(self) -> Any:
        return self.message_body

    def inputs(self) -> Mapping[str, Any]:
        return self.input_values

    def outputs(self) -> Mapping[str, Any]:
        return self.output_values

    def step_outputs(self, step_id: str) -> Mapping[str, Any] | None:
        return self.steps.get(step_id)

    def workflow_inputs(self, workflow_id: str) -> Mapping[str, Any] | None:
        return self.workflow_input_values.get(workflow_id)

    def workflow_outputs(self, workflow_id: str) -> Mapping[str, Any] | None:
        return self.workflow_output_values.get(workflow_id)

    def source_description(self, name: str, field: str) -> Any:
        return self.sources.get(name, {}).get(field)

    def component(self, kind: str, name: str) -> Any:
        return self.components.get(kind, {}).get(name)

    def self_uri(self) -> str | None:
        return self.document_uri
