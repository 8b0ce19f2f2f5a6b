"""The shapes the engine reads every OpenAPI version into: one model, several adapters.

An OpenAPI 3.x operation and a Swagger 2.0 one end up as the same
:class:`Operation` (parameters with their serialization style, request media
types, servers, security requirements) and :class:`OperationDetail` (schemas
for validation).  The adapters that convert each version
(:mod:`~arazzo_engine.sources.openapi.openapi3`,
:mod:`~arazzo_engine.sources.openapi.swagger2`) import only this module; the
index (:mod:`~arazzo_engine.sources.openapi.index`) picks one by version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from arazzo_engine.load.refs import Located, RefResolver
from arazzo_engine.model import ParameterKey, parameter_key

__all__ = [
    "HTTP_METHODS",
    "HTTP_METHODS_32",
    "Adapter",
    "DocumentDefaults",
    "Operation",
    "OperationDetail",
    "OperationParts",
    "ParameterKey",
    "ParameterSpec",
    "SchemaAt",
    "SecurityRequirements",
    "SecurityScheme",
    "ServerSpec",
    "parameter_key",
    "security_requirements",
    "server_spec",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
HTTP_METHODS_32 = (*HTTP_METHODS, "query")
"""OpenAPI 3.2 Path Item fields that are operations; other methods sit in its
``additionalOperations`` map, keyed by the method as it is sent."""

SecurityRequirements = tuple[Mapping[str, tuple[str, ...]], ...]
"""Alternative requirements (OR); each maps scheme names that must all apply (AND)."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """An OpenAPI Parameter Object, reduced to what serialization needs."""

    name: str
    location: str
    required: bool
    style: str
    explode: bool
    allow_reserved: bool
    schema: Mapping[str, Any] | None
    content_type: str | None
    default: Any = None
    has_default: bool = False


@dataclass(frozen=True, slots=True)
class ServerSpec:
    """An OpenAPI Server Object: a URL template and its variables' defaults."""

    url: str
    variables: Mapping[str, str]
    enums: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Each variable's ``enum``, when it declares one."""


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    """An OpenAPI Security Scheme Object, with the fields credentials need."""

    name: str
    type: str
    location: str | None = None
    parameter_name: str | None = None
    scheme: str | None = None
    token_url: str | None = None
    """oauth2: the ``clientCredentials`` flow's ``tokenUrl``."""
    openid_url: str | None = None
    """openIdConnect: the ``openIdConnectUrl`` (discovery document)."""


@dataclass(frozen=True, slots=True)
class SchemaAt:
    """A Schema Object and where it sits; ``pointer`` is None for one made up here
    (Swagger 2.0 parameters), whose ``$ref`` s are relative to ``uri``."""

    schema: Any
    uri: str
    pointer: str | None

    @property
    def ref(self) -> str | None:
        return f"{self.uri}#{self.pointer}" if self.pointer is not None else None


@dataclass(frozen=True)
class OperationDetail:
    """The schemas of one operation, for request and response validation."""

    dialect: str
    """``oas30`` (OpenAPI 3.0 and Swagger 2.0 schemas) or ``oas31`` (JSON Schema 2020-12)."""
    resolver: RefResolver = field(repr=False)
    parameters: Mapping[ParameterKey, SchemaAt]
    request_body_required: bool
    request_schemas: Mapping[str, SchemaAt | None]
    """Per request media type, its schema (None when it declares none)."""
    responses: Mapping[str, Mapping[str, SchemaAt | None]]
    """Per ``responses`` key ('200', '4XX', 'default'), per media type, its schema."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One HTTP operation: what a step needs to build its request."""

    source: str
    operation_id: str | None
    method: str
    path_template: str
    pointer: str
    parameters: Mapping[ParameterKey, ParameterSpec]
    request_media_types: tuple[str, ...]
    servers: tuple[ServerSpec, ...]
    security: SecurityRequirements
    response_media_types: tuple[str, ...] = ()
    response_statuses: tuple[str, ...] = ()
    """The keys of the operation's ``responses`` ('200', '302', '4XX', 'default')."""
    request_encodings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per request media type, its ``encoding`` object (property -> Encoding Object)."""
    detail: OperationDetail | None = field(default=None, compare=False, repr=False)
    """Schemas for validation; None for an operation that could not be resolved."""
    query_template: str = ""
    """The query part of the ``paths`` key (``uploads`` of ``/{Bucket}?uploads``): descriptions
    converted from AWS models write it to tell operations of one path apart."""

    @property
    def path_key(self) -> str:
        """The ``paths`` key as written, query part included (for messages)."""
        query = self.query_template
        return f"{self.path_template}?{query}" if query else self.path_template


@dataclass
class OperationParts:
    """An operation's resolved pieces, as either OpenAPI version produces them."""

    parameters: dict[ParameterKey, ParameterSpec] = field(default_factory=dict)
    parameter_schemas: dict[ParameterKey, SchemaAt] = field(default_factory=dict)
    request_media_types: list[str] = field(default_factory=list)
    request_encodings: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    request_schemas: dict[str, SchemaAt | None] = field(default_factory=dict)
    request_body_required: bool = False
    responses: dict[str, dict[str, SchemaAt | None]] = field(default_factory=dict)
    servers: tuple[ServerSpec, ...] = ()
    security: SecurityRequirements = ()


class DocumentDefaults(Protocol):
    """What an operation inherits from its document when it does not say otherwise."""

    @property
    def resolver(self) -> RefResolver: ...

    @property
    def root_security(self) -> SecurityRequirements: ...

    def root_servers(self) -> tuple[ServerSpec, ...]: ...


@dataclass(frozen=True)
class Adapter:
    """How one OpenAPI version's documents become the shapes above.

    ``root_servers`` may return nothing (the index then uses ``/``); a shape
    that makes no sense raises TypeError, ValueError, AttributeError or
    RefError, which the index records as the operation's problem.
    """

    security_schemes: Callable[[RefResolver], dict[str, SecurityScheme]]
    root_servers: Callable[[RefResolver], tuple[ServerSpec, ...]]
    operation_parts: Callable[[DocumentDefaults, Located, tuple[str, ...]], OperationParts]
    """Reads the operation at ``key`` in a Path Item: ``("get",)``, or for an OpenAPI 3.2
    method outside the fixed fields ``("additionalOperations", "COPY")``."""


def security_requirements(raw: Any) -> SecurityRequirements:
    """A ``security`` list as alternative requirements (malformed entries skipped)."""
    if not isinstance(raw, list):
        return ()
    return tuple(
        MappingProxyType(
            {str(k): tuple(v) if isinstance(v, list) else () for k, v in requirement.items()}
        )
        for requirement in raw
        if isinstance(requirement, Mapping)
    )


def server_spec(server: Mapping[str, Any]) -> ServerSpec:
    """A Server Object's URL, variables' defaults and enums."""
    raw = server.get("variables")
    declared = raw if isinstance(raw, Mapping) else _EMPTY
    variables = {
        str(k): str(v.get("default", "")) if isinstance(v, Mapping) else ""
        for k, v in declared.items()
    }
    enums = {
        str(k): tuple(str(e) for e in v["enum"])
        for k, v in declared.items()
        if isinstance(v, Mapping) and isinstance(v.get("enum"), list)
    }
    return ServerSpec(url=str(server.get("url", "/")), variables=variables, enums=enums)
