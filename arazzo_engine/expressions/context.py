"""What an expression may look at while it is evaluated.

The interpreter implements this protocol over the live run; tests implement it
over plain dictionaries.  Every method answers ``None`` (or an empty mapping)
for something absent at run time: absent values are ``None``, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["EvaluationContext"]


class EvaluationContext(Protocol):
    """The runtime state a runtime expression reads from."""

    @property
    def url(self) -> str | None:
        """``$url``: the full URL of the current step's request, query included."""

    @property
    def method(self) -> str | None:
        """``$method``: the upper-case HTTP method of the current request."""

    @property
    def status_code(self) -> int | None:
        """``$statusCode``: the status code of the current response."""

    def request_header(self, name: str) -> str | None:
        """``$request.header.<name>``: first value, name case-insensitive."""

    def request_query(self, name: str) -> Any:
        """``$request.query.<name>``: the query parameter's value as sent."""

    def request_path(self, name: str) -> Any:
        """``$request.path.<name>``: the path parameter's value as sent."""

    def request_body(self) -> Any:
        """``$request.body``: the body as sent (JSON value, text or bytes)."""

    def response_header(self, name: str) -> str | None:
        """``$response.header.<name>``: first value, name case-insensitive."""

    def response_body(self) -> Any:
        """``$response.body``: the decoded response body."""

    def message_header(self, name: str) -> str | None:
        """``$message.header.<name>`` (Arazzo 1.1): a header of the step's message, the
        exact name first, then any case; None outside message steps."""

    def message_payload(self) -> Any:
        """``$message.payload`` (Arazzo 1.1): the step's message payload, decoded by its
        content type; None outside message steps."""

    def inputs(self) -> Mapping[str, Any]:
        """``$inputs``: the current workflow's inputs."""

    def outputs(self) -> Mapping[str, Any]:
        """``$outputs``: a workflow step's child outputs, else the current workflow's so far."""

    def step_outputs(self, step_id: str) -> Mapping[str, Any] | None:
        """``$steps.<id>.outputs``: None when that step has not run."""

    def workflow_inputs(self, workflow_id: str) -> Mapping[str, Any] | None:
        """``$workflows.<id>.inputs``: None when that workflow has not run."""

    def workflow_outputs(self, workflow_id: str) -> Mapping[str, Any] | None:
        """``$workflows.<id>.outputs``: None when that workflow has not run."""

    def source_description(self, name: str, field: str) -> Any:
        """``$sourceDescriptions.<name>.<field>`` (``url``, ``type``, ``name``)."""

    def component(self, kind: str, name: str) -> Any:
        """``$components.<kind>.<name>``: the raw component value."""

    def self_uri(self) -> str | None:
        """``$self`` (Arazzo 1.1): the document's resolved ``$self``, else its base URI."""
