"""Opt-in checks of requests and responses against the OpenAPI description.

``Engine.load(..., validate="warn" | "strict")`` (``--validate``) makes every
operation step check, before sending, its request's parameters and body, and,
on the answer, its status (declared, by code, ``4XX`` range or ``default``),
content type and JSON body.  ``warn`` records the findings on
``StepResult.validation``; ``strict`` also fails the step (before sending, for
a request that breaks the description).

Each schema gets one validator, built on first use and cached for the engine's
life: JSON Schema 2020-12 (``OAS31Validator``) for OpenAPI 3.1, and for OpenAPI
3.0 and Swagger 2.0 the OpenAPI 3.0 dialect of ``openapi-schema-validator``
(read rules for responses, write rules for requests) where ``nullable: true``
(or ``x-nullable``) lets ``null`` through the whole Schema Object, as OpenAPI
3.0.0-3.0.2 read it and as Stripe's ``nullable`` + ``anyOf`` relies on.  Refs
resolve through the description's own documents (``referencing``), so
recursive schemas work.  Patterns (``pattern``, ``patternProperties``) are
matched in bounded time (:mod:`arazzo_engine.patterns`); a check that runs out
of time, or a pattern that does not compile, is a finding that says so, never
a pass.  openapi-core is not used: it costs 1-3 ms a call and
rejects valid answers of real APIs (Stripe's), see ``bench/bench_validation.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from arazzo_engine.errors import ConfigurationError, LimitError
from arazzo_engine.http.media import is_json_media_type, media_type
from arazzo_engine.http.response import HttpResponse
from arazzo_engine.http.transport import HttpRequest
from arazzo_engine.limits import load_json
from arazzo_engine.load.pointers import join
from arazzo_engine.load.refs import absolute_refs
from arazzo_engine.patterns import time_budget
from arazzo_engine.patterns.json_schema import bounded_validator
from arazzo_engine.sources.openapi.querystring import is_form, query_pairs
from arazzo_engine.sources.openapi.shapes import Operation, OperationDetail, ParameterSpec, SchemaAt

__all__ = ["MODES", "OperationValidation", "check_mode"]

MODES = ("off", "warn", "strict")
MAX_FINDINGS = 10
"""Most findings kept per checked value (the first ones, by place in the value)."""
MAX_MESSAGE = 300
"""Longest finding message, in characters (messages quote the offending value)."""

Validator = Any
"""A jsonschema validator instance (``iter_errors``)."""


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ConfigurationError(
            f"validate={mode!r} is not a validation mode; choose one of: " + ", ".join(MODES)
        )
    return mode


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def _place(path: Any) -> str:
    return join(str(token) for token in path)


# -- validator classes ----------------------------------------------------------------
def _is_nullable(schema: Any) -> bool:
    return schema.get("nullable") is True or schema.get("x-nullable") is True


def _nullable(check: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    def keyword(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if instance is None and _is_nullable(schema):
            return
        yield from check(validator, value, instance, schema)

    return keyword


def _nullable_type(check: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    def keyword(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if instance is None:
            if not _is_nullable(schema):
                from jsonschema.exceptions import ValidationError

                yield ValidationError(f"None is not of type {value!r} (not nullable)")
            return
        yield from check(validator, value, instance, schema)

    return keyword


_CLASSES: dict[tuple[str, str], Any] = {}
_CLASSES_LOCK = threading.Lock()


def validator_class(dialect: str, direction: str) -> Any:
    """The validator class for a dialect (``oas30``/``oas31``) and ``read``/``write``."""
    key = (dialect, direction)
    found = _CLASSES.get(key)
    if found is not None:
        return found
    with _CLASSES_LOCK:
        from jsonschema.validators import extend
        from openapi_schema_validator import (
            OAS30ReadValidator,
            OAS30WriteValidator,
            OAS31Validator,
        )

        if dialect == "oas31":
            found = bounded_validator(OAS31Validator)
        else:
            base = bounded_validator(
                OAS30ReadValidator if direction == "read" else OAS30WriteValidator
            )
            wrapped = {
                name: _nullable_type(check) if name == "type" else _nullable(check)
                for name, check in base.VALIDATORS.items()
            }
            found = extend(base, wrapped)  # type: ignore[no-untyped-call]
        _CLASSES[key] = found
    return found


class OperationValidation:
    """Checks requests and responses of operation steps; one per Engine, thread-safe."""

    def __init__(self, mode: str) -> None:
        self.mode = check_mode(mode)
        self.strict = mode == "strict"
        self._validators: dict[tuple[int, str | int, str], tuple[Validator, SchemaAt]] = {}
        self._lock = threading.Lock()

    # -- public ------------------------------------------------------------------------
    def failure(self, what: str, findings: tuple[str, ...]) -> str:
        """A step's error for findings in strict mode."""
        return f"the {what} does not match the OpenAPI description: " + "; ".join(findings)

    def check_request(self, operation: Operation | None, request: HttpRequest) -> tuple[str, ...]:
        """What is wrong with a request's parameters and body, per the description."""
        if operation is None or operation.detail is None:
            return ()
        detail = operation.detail
        findings: list[str] = []
        headers = {k.lower(): v for k, v in request.headers.items()}
        for key, spec in operation.parameters.items():
            found, value = _parameter_value(spec, request, headers)
            label = f"{spec.location} parameter '{spec.name}'"
            if not found:
                if spec.required:
                    findings.append(f"required {label} is missing")
                continue
            schema = detail.parameters.get(key)
            if schema is not None:
                if spec.content_type is None:
                    value = _coerce(value, schema.schema)
                findings.extend(self._check(detail, schema, "write", value, label))
        findings.extend(self._check_request_body(operation, detail, request, headers))
        return tuple(findings)

    def check_response(
        self, operation: Operation | None, response: HttpResponse
    ) -> tuple[str, ...]:
        """What is wrong with a response's status, content type and body."""
        if operation is None or operation.detail is None or not operation.detail.responses:
            return ()
        detail = operation.detail
        status = str(response.status_code)
        key = _response_key(status, detail.responses)
        what = f"{operation.method} {operation.path_template}"
        if key is None:
            declared = ", ".join(detail.responses)
            return tuple([f"status {status} is not declared for {what} (declared: {declared})"])
        content = detail.responses[key]
        if not content or not _has_body(response):
            return ()
        media = response.content_type
        schema_key = _media_key(media, content)
        if schema_key is None:
            declared = ", ".join(content)
            shown = media or "none"
            return tuple(
                [
                    f"content type {shown} is not declared for status {key} of {what} "
                    f"(declared: {declared})"
                ]
            )
        schema = content[schema_key]
        if schema is None or response.is_stream or not is_json_media_type(media):
            return ()
        if response.body_problem is not None:
            return ()
        label = f"response body (status {status})"
        return tuple(self._check(detail, schema, "read", response.body, label))

    # -- pieces ------------------------------------------------------------------------
    def _check_request_body(
        self,
        operation: Operation,
        detail: OperationDetail,
        request: HttpRequest,
        headers: Mapping[str, str],
    ) -> list[str]:
        declared = detail.request_schemas
        if request.body is None and request.body_value is None:
            if detail.request_body_required:
                return [
                    f"the request body is required by {operation.method} {operation.path_template}"
                ]
            return []
        if not declared:
            return []
        media = media_type(headers.get("content-type"))
        key = _media_key(media, declared)
        if key is None:
            listed = ", ".join(declared)
            return [f"request content type {media or 'none'} is not declared (declared: {listed})"]
        schema = declared[key]
        if schema is None:
            return []
        value = request.body_value
        if isinstance(value, str) and is_json_media_type(media):
            try:
                value = load_json(value)
            except LimitError as error:
                return [f"the request body {error}"]
            except ValueError:
                return [f"the request body is not valid JSON, as {media} requires"]
        if isinstance(value, (bytes, str)) and not is_json_media_type(media):
            return []  # raw text, XML or bytes: not checked against a schema
        return self._check(detail, schema, "write", value, "request body")

    def _check(
        self, detail: OperationDetail, at: SchemaAt, direction: str, value: Any, label: str
    ) -> list[str]:
        try:
            validator = self._validator(detail, at, direction)
            with time_budget(f"checking the {label}"):
                found = list(validator.iter_errors(value))
            errors = sorted(found, key=lambda e: [str(p) for p in e.absolute_path])
        except RecursionError:
            return [f"{label}: too deeply nested to check"]
        except Exception as error:  # an unusable schema must not crash the run
            place = at.ref or f"a schema in {at.uri}"
            return [f"{label}: cannot check against {place}: {_shorten(str(error))}"]
        from jsonschema.exceptions import best_match

        findings = []
        for problem in errors[:MAX_FINDINGS]:
            # anyOf/oneOf: name the closest alternative's deepest problem.
            shown = best_match([problem]) if problem.context else problem
            where = _place(shown.absolute_path)
            message = shown.message
            if shown is not problem:
                message += f" (no '{problem.validator}' alternative matches)"
            findings.append(_shorten(f"{label}{' at ' + where if where else ''}: {message}"))
        if len(errors) > MAX_FINDINGS:
            findings.append(f"{label}: {len(errors) - MAX_FINDINGS} more problems")
        return findings

    def _validator(self, detail: OperationDetail, at: SchemaAt, direction: str) -> Validator:
        key = (id(detail.resolver), at.ref if at.ref is not None else id(at), direction)
        found = self._validators.get(key)
        if found is not None:
            return found[0]
        with self._lock:
            found = self._validators.get(key)
            if found is None:
                cls = validator_class(detail.dialect, direction)
                if at.ref is not None:
                    schema: Any = {"$ref": at.ref}
                else:
                    schema = absolute_refs(at.schema, at.uri)
                validator = cls(
                    schema,
                    registry=detail.resolver.registry,
                    format_checker=cls.FORMAT_CHECKER,
                )
                found = (validator, at)
                self._validators[key] = found
        return found[0]


# -- helpers --------------------------------------------------------------------------
def _parameter_value(
    spec: ParameterSpec, request: HttpRequest, headers: Mapping[str, str]
) -> tuple[bool, Any]:
    """Whether the request carries the parameter, and its value."""
    if spec.location == "path":
        return spec.name in request.path_values, request.path_values.get(spec.name)
    if spec.location == "query":
        return spec.name in request.query_values, request.query_values.get(spec.name)
    if spec.location == "header":
        name = spec.name.lower()
        return name in headers, headers.get(name)
    if spec.location == "cookie":
        for part in headers.get("cookie", "").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name == spec.name:
                return True, value
        return False, None
    if spec.location == "querystring":
        query = urlsplit(request.url).query
        return bool(query), _querystring_value(spec, query) if query else None
    return True, None


def _querystring_value(spec: ParameterSpec, query: str) -> Any:
    """A sent query as its OpenAPI 3.2 querystring media type reads it: form data as an
    object, JSON as its value, anything else as the decoded text."""
    if is_form(spec.content_type):
        return query_pairs(query)
    text = unquote(query)
    if spec.content_type is not None and is_json_media_type(spec.content_type.lower()):
        try:
            return load_json(text)
        except (ValueError, LimitError):
            return text
    return text


def _coerce(value: Any, schema: Any) -> Any:
    """A parameter's text read as the primitive its schema declares (as a server reads it)."""
    if not isinstance(value, str) or not isinstance(schema, Mapping):
        return value
    kind = schema.get("type")
    try:
        if kind == "integer" and value.lstrip("-").isdigit():
            return int(value)
        if kind == "number":
            return float(value) if not value.lstrip("-").isdigit() else int(value)
    except ValueError:
        return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def _response_key(status: str, responses: Mapping[str, Any]) -> str | None:
    if status in responses:
        return status
    wildcard = status[:1] + "XX"
    for key in responses:
        if key.upper() == wildcard:
            return key
    return "default" if "default" in responses else None


def _media_key(media: str, content: Mapping[str, Any]) -> str | None:
    """The declared media type (range) a content type falls under."""
    if not content:
        return None
    by_media = {media_type(key): key for key in content}
    if media in by_media:
        return by_media[media]
    major = media.split("/", 1)[0]
    for candidate in (f"{major}/*", "*/*"):
        if candidate in by_media:
            return by_media[candidate]
    return None


def _has_body(response: HttpResponse) -> bool:
    if response.is_stream:
        return True
    if response.status_code in (204, 304):
        return False
    return bool(response.content_type) or bool(response.content)
