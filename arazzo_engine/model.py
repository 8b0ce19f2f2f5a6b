"""The typed model of an Arazzo 1.0.x or 1.1.x document: one frozen dataclass per object.

Fields that only Arazzo 1.1 has (``$self``, step ``timeout``/``dependsOn``/
``channelPath``/``action``/``correlationId``, action ``parameters``, Selector
Objects, ``targetSelectorType``) keep their defaults in a 1.0 document.

Every object carries where it came from (``pointer``, ``line``, ``column``) and
its ``x-`` extension fields (``extensions``, empty when none).  Field names are
the snake_case of the Arazzo names; ``in`` is :attr:`Parameter.location`.  Lists
are tuples, maps are read-only mappings.  Values that are raw JSON (input
schemas, parameter values, payloads, extension values) are the plain data read
from the file: treat them as read-only.  Runtime expressions (parameter values,
payloads, outputs, criteria) stay unparsed strings here.  Objects compare by
value; their hash leaves out mappings and raw values, so every object is hashable.

Build instances from a file with :func:`arazzo_engine.load.model_builder.build_model`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from arazzo_engine.errors import Location

__all__ = [
    "ArazzoDocument",
    "ArazzoObject",
    "Components",
    "Criterion",
    "CriterionExpressionType",
    "ExpressionType",
    "FailureAction",
    "Info",
    "Parameter",
    "ParameterKey",
    "PayloadReplacement",
    "RequestBody",
    "ReusableObject",
    "Selector",
    "SourceDescription",
    "Step",
    "SuccessAction",
    "Workflow",
    "parameter_key",
]

ParameterKey = tuple[str, str]
"""(name, in) with header names lower-cased: a parameter's identity."""


def parameter_key(name: str, location: str) -> ParameterKey:
    """The identity of a parameter (Arazzo and OpenAPI alike): header names compare
    case-insensitively."""
    return (name.lower() if location == "header" else name, location)


EMPTY: Mapping[str, Any] = MappingProxyType({})
"""The shared empty read-only mapping."""

COMPONENT_PREFIX = "$components."
"""How a Reusable Object's ``reference`` starts."""

SuccessActionType = Literal["end", "goto"]
FailureActionType = Literal["end", "goto", "retry"]
TargetKind = Literal["operationId", "operationPath", "channelPath", "workflowId"]
StepAction = Literal["send", "receive"]


def _empty() -> Mapping[str, Any]:
    return EMPTY


@dataclass(frozen=True, slots=True, kw_only=True)
class ArazzoObject:
    """What every model object has: its place in the file and its extensions."""

    pointer: str = ""
    line: int = 0
    column: int = 0
    extensions: Mapping[str, Any] = field(default_factory=_empty, hash=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Info(ArazzoObject):
    title: str
    version: str
    summary: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceDescription(ArazzoObject):
    name: str
    url: str
    type: str | None = None
    """``openapi``, ``arazzo``, ``asyncapi`` (1.1) or None when the document does not say."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReusableObject(ArazzoObject):
    """A ``reference`` to a component; ``value`` overrides a parameter's value."""

    reference: str
    value: Any = field(default=None, hash=False)
    has_value: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionExpressionType(ArazzoObject):
    """An Expression Type Object (1.0: Criterion Expression Type Object)."""

    type: str
    """A kind that has versions: ``jsonpath``, ``xpath``, or (1.1, selectors) ``jsonpointer``."""
    version: str


ExpressionType = CriterionExpressionType
"""The Arazzo 1.1 name of the object."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Selector(ArazzoObject):
    """An Arazzo 1.1 Selector Object: a value picked out of ``context`` by ``selector``."""

    context: str
    """A runtime expression (unparsed) giving the structured data."""
    selector: str
    type: str
    """``jsonpath``, ``xpath`` or ``jsonpointer``."""
    expression_type: CriterionExpressionType | None = None
    """The object form of ``type`` as written, None for the plain string form."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion(ArazzoObject):
    condition: str
    context: str | None = None
    type: str = "simple"
    """The criterion kind (``simple``, ``regex``, ``jsonpath``, ``xpath``, or a registered
    one), also when written as a Criterion Expression Type object."""
    version: str | None = None
    """The dialect version of the object form (``draft-goessner-dispatch-jsonpath-00``...)."""
    expression_type: CriterionExpressionType | None = None
    """The object form of ``type`` as written, None for the plain string form."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Parameter(ArazzoObject):
    name: str
    value: Any = field(hash=False)
    location: str | None = None
    """The Arazzo field ``in``: path, query, header or cookie (1.1 also querystring and
    channel); None for workflow inputs."""
    selector: Selector | None = None
    """Set when ``value`` is a 1.1 Selector Object (``value`` keeps the raw mapping)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SuccessAction(ArazzoObject):
    name: str
    type: SuccessActionType
    workflow_id: str | None = None
    step_id: str | None = None
    criteria: tuple[Criterion, ...] = ()
    parameters: tuple[Parameter | ReusableObject, ...] = ()
    """1.1: inputs passed to the ``workflowId`` target."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FailureAction(ArazzoObject):
    name: str
    type: FailureActionType
    workflow_id: str | None = None
    step_id: str | None = None
    retry_after: float | None = None
    retry_limit: int | None = None
    criteria: tuple[Criterion, ...] = ()
    parameters: tuple[Parameter | ReusableObject, ...] = ()
    """1.1: inputs passed to the ``workflowId`` target."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PayloadReplacement(ArazzoObject):
    target: str
    value: Any = field(hash=False)
    target_selector_type: str | None = None
    """1.1: ``jsonpath``, ``xpath`` or ``jsonpointer``; None means by content type."""
    target_expression_type: CriterionExpressionType | None = None
    """The object form of ``targetSelectorType`` as written."""
    selector: Selector | None = None
    """Set when ``value`` is a 1.1 Selector Object."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestBody(ArazzoObject):
    content_type: str | None = None
    payload: Any = field(default=None, hash=False)
    has_payload: bool = False
    replacements: tuple[PayloadReplacement, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Step(ArazzoObject):
    """A step; exactly one of ``operation_id``, ``operation_path``, ``channel_path`` (1.1),
    ``workflow_id`` is set."""

    step_id: str
    description: str | None = None
    operation_id: str | None = None
    operation_path: str | None = None
    workflow_id: str | None = None
    parameters: tuple[Parameter | ReusableObject, ...] = ()
    request_body: RequestBody | None = None
    success_criteria: tuple[Criterion, ...] = ()
    on_success: tuple[SuccessAction | ReusableObject, ...] = ()
    on_failure: tuple[FailureAction | ReusableObject, ...] = ()
    outputs: Mapping[str, str] = field(default_factory=_empty, hash=False)
    """The outputs that are runtime expressions."""
    output_selectors: Mapping[str, Selector] = field(default_factory=_empty, hash=False)
    """1.1: the outputs that are Selector Objects."""
    channel_path: str | None = None
    """1.1: an AsyncAPI channel, as a reference."""
    action: StepAction | None = None
    """1.1: ``send`` or ``receive`` on an AsyncAPI target."""
    correlation_id: Any = field(default=None, hash=False)
    """1.1: the value a received message must correlate with (None when absent)."""
    timeout: int | None = None
    """1.1: milliseconds the step may take."""
    depends_on: tuple[str, ...] = ()
    """1.1: steps that must have completed first, as written."""

    @property
    def target_kind(self) -> TargetKind:
        """Which field names what the step runs."""
        if self.operation_id is not None:
            return "operationId"
        if self.operation_path is not None:
            return "operationPath"
        if self.channel_path is not None:
            return "channelPath"
        return "workflowId"


@dataclass(frozen=True, slots=True, kw_only=True)
class Workflow(ArazzoObject):
    workflow_id: str
    steps: tuple[Step, ...]
    summary: str | None = None
    description: str | None = None
    inputs: Mapping[str, Any] | None = field(default=None, hash=False)
    """The inputs JSON Schema as written (may be a ``$ref``)."""
    depends_on: tuple[str, ...] = ()
    success_actions: tuple[SuccessAction | ReusableObject, ...] = ()
    failure_actions: tuple[FailureAction | ReusableObject, ...] = ()
    outputs: Mapping[str, str] = field(default_factory=_empty, hash=False)
    """The outputs that are runtime expressions."""
    output_selectors: Mapping[str, Selector] = field(default_factory=_empty, hash=False)
    """1.1: the outputs that are Selector Objects."""
    parameters: tuple[Parameter | ReusableObject, ...] = ()

    def step(self, step_id: str) -> Step | None:
        """The first step with this id, or None."""
        for step in self.steps:
            if step.step_id == step_id:
                return step
        return None

    def step_index(self, step_id: str) -> int | None:
        """The position of the first step with this id, or None."""
        for index, step in enumerate(self.steps):
            if step.step_id == step_id:
                return index
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Components(ArazzoObject):
    """The reusable objects, named in documents as ``$components.<kind>.<name>``.

    ``kind`` is the Arazzo field name (``inputs``, ``parameters``,
    ``successActions``, ``failureActions``); every lookup of a component by
    kind and name, at load and at run time, goes through the methods here.
    """

    inputs: Mapping[str, Any] = field(default_factory=_empty, hash=False)
    parameters: Mapping[str, Parameter] = field(default_factory=_empty, hash=False)
    success_actions: Mapping[str, SuccessAction] = field(default_factory=_empty, hash=False)
    failure_actions: Mapping[str, FailureAction] = field(default_factory=_empty, hash=False)

    def table(self, kind: str) -> Mapping[str, Any]:
        """The components of one kind, by name (empty for a kind Arazzo does not have)."""
        match kind:
            case "inputs":
                return self.inputs
            case "parameters":
                return self.parameters
            case "successActions":
                return self.success_actions
            case "failureActions":
                return self.failure_actions
        return EMPTY

    @staticmethod
    def name_in(reference: str, kind: str) -> str | None:
        """The name in a ``$components.<kind>.<name>`` reference, or None for another form."""
        prefix = f"{COMPONENT_PREFIX}{kind}."
        return reference[len(prefix) :] if reference.startswith(prefix) else None

    def referenced(self, reference: str, kind: str) -> Any:
        """The component a ``$components.<kind>.<name>`` reference names, or None."""
        name = self.name_in(reference, kind)
        return None if name is None else self.table(kind).get(name)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArazzoDocument(ArazzoObject):
    """The root object, plus the file it was read from."""

    arazzo: str
    info: Info
    source_descriptions: tuple[SourceDescription, ...]
    workflows: tuple[Workflow, ...]
    components: Components = field(default_factory=Components)
    file: str = ""
    """The path as given, for messages."""
    path: Path = field(default_factory=Path)
    """The resolved absolute path."""
    self_uri: str | None = None
    """1.1: the root ``$self`` as written."""

    def workflow(self, workflow_id: str) -> Workflow | None:
        """The first workflow with this id, or None."""
        for workflow in self.workflows:
            if workflow.workflow_id == workflow_id:
                return workflow
        return None

    def source(self, name: str) -> SourceDescription | None:
        """The first source description with this name, or None."""
        for source in self.source_descriptions:
            if source.name == name:
                return source
        return None

    def location(self, node: ArazzoObject) -> Location:
        """Where ``node`` sits in this document's file."""
        return Location(self.file, node.pointer, node.line, node.column)
