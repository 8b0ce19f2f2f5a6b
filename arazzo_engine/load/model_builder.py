"""Raw document data -> the typed model, with a located diagnostic for every structural problem.

:func:`build_model` never raises for what a document contains: it reports each
problem and keeps going, so one pass lists them all.  An object whose problem
leaves it unusable (a step without ``stepId`` or with no target, an action of an
unknown type or a ``goto`` without target, a criterion typed without ``context``)
is reported and left out of the model; a wrong optional field is reported and
read as absent.  The document itself is ``None`` only when the root is unusable.

What the specification allows but the official schema rejects is accepted:
``retry`` without ``retryAfter`` or a target, a criterion ``type`` written as an
expression-type object, replacement and parameter values of any JSON type, and
``x-`` (indeed any extra) fields on Reusable Objects, which are ignored.

Rule ids (severity error unless noted):

``required``         a required field is missing (warning: a 1.1 Expression Type
                     Object without ``version``, whose default applies)
``type``             a field or list item has the wrong JSON type or range
``enum``             a value outside its fixed set (source ``type``, parameter
                     ``in``, action ``type``, criterion ``type``: a registered
                     criterion kind); an expression-type ``version`` the
                     document's Arazzo version does not allow is a warning
``arazzo-version``   ``arazzo`` is not a 1.0.x or 1.1.x version
``version-field``    a field or value of a later Arazzo version than the document's
                     (``timeout`` in an ``arazzo: 1.0.1`` document)
``step-fields``      1.1 AsyncAPI step fields where they do not apply (``action`` on a
                     workflow step, ``channelPath`` without ``action``...); a warning for
                     a 1.1 ``requestBody`` on a workflow step (ignored)
``step-depends-on``  a step ``dependsOn`` entry of no allowed form, or repeated
``action-parameters`` action ``parameters`` without a ``workflowId`` target, or with ``in``
``not-arazzo``       the root is an OpenAPI/AsyncAPI description, not Arazzo
``unknown-field``    a field that is neither an Arazzo field nor ``x-``
``min-items``        ``sourceDescriptions``, ``workflows`` or ``steps`` is empty
``key-pattern``      an ``outputs`` or ``components`` key breaks ``^[a-zA-Z0-9.\\-_]+$``
``step-target``      a step without exactly one of operationId/operationPath/workflowId
``criterion-context`` a criterion with ``type`` but no ``context``
``goto-target``      a ``goto`` without exactly one of stepId/workflowId (or a
                     ``retry`` with both)
``action-fields``    ``retryAfter``/``retryLimit`` on a non-retry action, or a target
                     on an ``end`` action
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar, cast

from arazzo_engine.criteria.registry import allowed_versions, kind_names, versioned_kind_names
from arazzo_engine.errors import Diagnostic, Severity
from arazzo_engine.load.pointers import child
from arazzo_engine.load.reader import RawDocument
from arazzo_engine.load.versions import (
    EXPRESSION_VERSIONS,
    added_field,
    added_value,
    fields_in,
    supported_minor,
    values_in,
)
from arazzo_engine.model import (
    EMPTY,
    ArazzoDocument,
    Components,
    Criterion,
    CriterionExpressionType,
    FailureAction,
    FailureActionType,
    Info,
    Parameter,
    PayloadReplacement,
    RequestBody,
    ReusableObject,
    Selector,
    SourceDescription,
    Step,
    SuccessAction,
    SuccessActionType,
    Workflow,
)

__all__ = ["build_model"]

T = TypeVar("T")
Raw = dict[str, Any]

KEY = re.compile(r"^[a-zA-Z0-9.\-_]+$")

FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(names.split())
    for kind, names in {
        "Arazzo document": "arazzo info sourceDescriptions workflows components",
        "Info": "title summary description version",
        "Source Description": "name url type",
        "Workflow": "workflowId summary description inputs dependsOn steps successActions "
        "failureActions outputs parameters",
        "Step": "stepId description operationId operationPath workflowId parameters "
        "requestBody successCriteria onSuccess onFailure outputs",
        "Parameter": "name in value",
        "Success Action": "name type workflowId stepId criteria",
        "Failure Action": "name type workflowId stepId retryAfter retryLimit criteria",
        "Components": "inputs parameters successActions failureActions",
        "Criterion": "context condition type",
        "Criterion Expression Type": "type version",
        "Request Body": "contentType payload replacements",
        "Payload Replacement": "target value",
        "Selector": "context selector type",
    }.items()
}
PARAMETER_IN = ("path", "query", "header", "cookie")
NOT_ARAZZO = {"openapi": "an OpenAPI", "swagger": "a Swagger", "asyncapi": "an AsyncAPI"}
RETRY_FIELDS = ("retryAfter", "retryLimit")
TARGETS = ("operationId", "operationPath", "workflowId")
TARGETS_11 = ("operationId", "operationPath", "channelPath", "workflowId")
SELECTOR_KEYS = frozenset(("context", "selector", "type"))
STEP_ACTIONS = ("send", "receive")
DEPENDS_ON = re.compile(
    r"^(?:(?!\$).+"
    r"|\$workflows\.[^.]+\.steps\.[^.]+"
    r"|\$sourceDescriptions\.[^.]+\.[^.]+\.steps\.[^.]+)$"
)
"""The three forms of a step ``dependsOn`` entry (Arazzo 1.1 schema)."""
SELF_URI = re.compile(r"^[^#\s]*$")


def build_model(raw: RawDocument) -> tuple[ArazzoDocument | None, list[Diagnostic]]:
    """Build the model of an Arazzo document and list every structural problem found."""
    builder = _Builder(raw)
    document = builder.root(raw.data)
    return document, builder.diagnostics


def describe(value: Any) -> str:
    """A short rendering of a value for messages."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, (int, float)):
        return str(value)
    return "a list" if isinstance(value, list) else "a mapping"


def article(kind: str) -> str:
    return f"{'an' if kind[0] in 'AEIOU' else 'a'} {kind}"


class _Builder:
    def __init__(self, raw: RawDocument) -> None:
        self.raw = raw
        self.diagnostics: list[Diagnostic] = []
        self.arazzo_version = "1.0.0"
        """The document's ``arazzo`` when valid: which expression versions it may name."""
        self.minor = "1.1"
        """The document's ``major.minor``: which fields it has (the latest when invalid)."""

    @property
    def v11(self) -> bool:
        return self.minor != "1.0"

    def newer(self, what: str, first: str, pointer: str) -> None:
        """Report a 1.1-only field or value in a document of an earlier version."""
        self.report(
            "version-field",
            f"{what} is an Arazzo {first} field; this document says arazzo: "
            f"{self.arazzo_version}: write 'arazzo: {first}.0' to use it, or remove it",
            pointer,
        )

    # -- reporting and field access -------------------------------------------------
    def report(self, rule: str, message: str, pointer: str, severity: Severity = "error") -> None:
        self.diagnostics.append(Diagnostic(severity, rule, message, self.raw.locate(pointer)))

    def base(self, pointer: str, extensions: Mapping[str, Any] = EMPTY) -> dict[str, Any]:
        where = self.raw.locate(pointer)
        return {
            "pointer": pointer,
            "line": where.line,
            "column": where.column,
            "extensions": extensions,
        }

    def fields(
        self, data: Raw, pointer: str, kind: str, also: tuple[str, ...] = ()
    ) -> Mapping[str, Any]:
        """Report unknown fields; return the ``x-`` extensions."""
        allowed = FIELDS[kind] + fields_in(kind, self.minor)
        extensions = {}
        for key, value in data.items():
            if key.startswith("x-"):
                extensions[key] = value
            elif key not in allowed and (first := added_field(kind, key, self.minor)):
                self.newer(f"'{key}'", first, child(pointer, key))
            elif key not in allowed and key not in also:
                self.report(
                    "unknown-field",
                    f"unknown field '{key}' in {article(kind)}; allowed fields: "
                    f"{', '.join(allowed)} and x- extensions",
                    child(pointer, key),
                )
        return MappingProxyType(extensions) if extensions else EMPTY

    def required(self, data: Raw, key: str, pointer: str, kind: str) -> bool:
        if key in data:
            return True
        self.report("required", f"{article(kind)} needs '{key}'", pointer)
        return False

    def string(
        self, data: Raw, key: str, pointer: str, kind: str, *, need: bool = False
    ) -> str | None:
        """The string ``data[key]``, or None when absent or not a string (reported)."""
        if need and not self.required(data, key, pointer, kind):
            return None
        value = data.get(key)
        if value is None and key not in data:
            return None
        if not isinstance(value, str):
            self.report(
                "type", f"'{key}' must be a string, got {describe(value)}", child(pointer, key)
            )
            return None
        return value

    def choice(
        self, data: Raw, key: str, pointer: str, kind: str, allowed: tuple[str, ...], *, need: bool
    ) -> str | None:
        value = self.string(data, key, pointer, kind, need=need)
        allowed = allowed + values_in(kind, key, self.minor)
        if value is not None and (first := added_value(kind, key, value, self.minor)):
            self.newer(f"'{key}: {value}'", first, child(pointer, key))
            return None
        if value is not None and value not in allowed:
            hint = " ('body' was removed in Arazzo 1.0.1)" if value == "body" else ""
            self.report(
                "enum",
                f"'{key}' of {article(kind)} must be one of {', '.join(allowed)}, got "
                f"{describe(value)}{hint}",
                child(pointer, key),
            )
            return None
        return value

    def mapping(self, data: Raw, key: str, pointer: str, what: str) -> Raw | None:
        value = data.get(key)
        if key not in data:
            return None
        if not isinstance(value, dict):
            self.report(
                "type",
                f"'{key}' must be a mapping ({what}), got {describe(value)}",
                child(pointer, key),
            )
            return None
        return value

    def items(
        self,
        data: Raw,
        key: str,
        pointer: str,
        build: Callable[[Raw, str], T | None],
        what: str,
        *,
        kind: str = "",
        min_items: bool = False,
    ) -> tuple[T, ...]:
        """Build each mapping of the list ``data[key]``; ``kind`` set means required."""
        if key not in data:
            if kind:
                self.required(data, key, pointer, kind)
            return ()
        where = child(pointer, key)
        value = data[key]
        if not isinstance(value, list):
            self.report("type", f"'{key}' must be a list of {what}, got {describe(value)}", where)
            return ()
        if min_items and not value:
            self.report("min-items", f"'{key}' needs at least one item ({what})", where)
        built: list[T] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.report(
                    "type",
                    f"each item of '{key}' must be a mapping ({what}), got {describe(item)}",
                    child(where, index),
                )
                continue
            result = build(item, child(where, index))
            if result is not None:
                built.append(result)
        return tuple(built)

    def keyed(
        self, data: Raw, key: str, pointer: str, build: Callable[[Raw, str], T | None], what: str
    ) -> Mapping[str, T]:
        """Build each value of the components map ``data[key]``."""
        table = self.mapping(data, key, pointer, f"names to {what}")
        if not table:
            return EMPTY
        where = child(pointer, key)
        built: dict[str, T] = {}
        for name, item in table.items():
            self.key_pattern(name, f"components.{key} key", child(where, name))
            if not isinstance(item, dict):
                self.report(
                    "type",
                    f"'{name}' must be a mapping ({what}), got {describe(item)}",
                    child(where, name),
                )
                continue
            result = build(item, child(where, name))
            if result is not None:
                built[name] = result
        return MappingProxyType(built)

    def key_pattern(self, name: str, what: str, pointer: str) -> None:
        if not KEY.match(name):
            self.report("key-pattern", f"{what} '{name}' must match ^[a-zA-Z0-9.\\-_]+$", pointer)

    def outputs(self, data: Raw, pointer: str) -> tuple[Mapping[str, str], Mapping[str, Selector]]:
        """The expression outputs and (1.1) the Selector Object outputs."""
        table = self.mapping(data, "outputs", pointer, "names to runtime expressions")
        if not table:
            return EMPTY, EMPTY
        where = child(pointer, "outputs")
        result: dict[str, str] = {}
        selectors: dict[str, Selector] = {}
        for name, value in table.items():
            self.key_pattern(name, "output name", child(where, name))
            if isinstance(value, str):
                result[name] = value
            elif isinstance(value, dict) and self.v11:
                selector = self.selector(value, child(where, name))
                if selector is not None:
                    selectors[name] = selector
            elif isinstance(value, dict):
                self.newer(f"a Selector Object as output '{name}'", "1.1", child(where, name))
            else:
                self.report(
                    "type",
                    f"output '{name}' must be a runtime expression string, got {describe(value)}",
                    child(where, name),
                )
        return MappingProxyType(result), MappingProxyType(selectors) if selectors else EMPTY

    # -- 1.1 objects ----------------------------------------------------------------
    def selector(self, data: Raw, pointer: str) -> Selector | None:
        """An Arazzo 1.1 Selector Object; None when unusable (reported)."""
        kind = "Selector"
        extensions = self.fields(data, pointer, kind)
        context = self.string(data, "context", pointer, kind, need=True)
        selector = self.string(data, "selector", pointer, kind, need=True)
        selector_type, expression_type = self.selector_type(data, "type", pointer, kind, need=True)
        if context is None or selector is None or selector_type is None:
            return None
        return Selector(
            context=context,
            selector=selector,
            type=selector_type,
            expression_type=expression_type,
            **self.base(pointer, extensions),
        )

    def selector_type(
        self, data: Raw, key: str, pointer: str, kind: str, *, need: bool
    ) -> tuple[str | None, CriterionExpressionType | None]:
        """A selector type: a name of EXPRESSION_VERSIONS or an Expression Type Object."""
        raw_type = data.get(key)
        if isinstance(raw_type, dict):
            found = self.expression_type(raw_type, child(pointer, key), selector=True)
            return (found.type if found else None), found
        return self.choice(data, key, pointer, kind, tuple(EXPRESSION_VERSIONS), need=need), None

    def is_selector(self, value: Any) -> bool:
        """Whether an Any-typed 1.1 value is a Selector Object: exactly its three keys
        (and ``x-`` extensions)."""
        return (
            self.v11
            and isinstance(value, dict)
            and {k for k in value if not (isinstance(k, str) and k.startswith("x-"))}
            == SELECTOR_KEYS
        )

    def payload_selectors(self, value: Any, pointer: str) -> None:
        """Check every Selector Object inside a 1.1 request payload."""
        if self.is_selector(value):
            self.selector(value, pointer)
        elif isinstance(value, dict):
            for key, item in value.items():
                self.payload_selectors(item, child(pointer, str(key)))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.payload_selectors(item, child(pointer, index))

    def literal_value(self, kind: str, what: str, pointer: str) -> None:
        """Warn about a literal value the 1.1 schema rejects but the engine sends as written."""
        self.report(
            "value-type",
            f"the Arazzo 1.1 schema does not allow {what} as the value of {kind} "
            "(it allows a string, or a Selector Object with exactly context, selector "
            "and type); it is used as written",
            pointer,
            "warning",
        )

    # -- objects ------------------------------------------------------------------
    def root(self, data: Any) -> ArazzoDocument | None:
        raw = self.raw
        if not isinstance(data, dict):
            self.report("type", f"the document root must be a mapping, got {describe(data)}", "")
            return None
        if "arazzo" not in data:
            other = next((n for k, n in NOT_ARAZZO.items() if k in data), None)
            if other is not None:
                self.report(
                    "not-arazzo",
                    f"this is {other} description, not an Arazzo document (no 'arazzo' field)",
                    "",
                )
                return None
        kind = "Arazzo document"
        version = data.get("arazzo")
        minor = supported_minor(version)
        if minor is not None and isinstance(version, str):
            self.arazzo_version, self.minor = version, minor
        extensions = self.fields(data, "", kind)
        if self.required(data, "arazzo", "", kind) and minor is None:
            quote = "" if isinstance(version, str) else " (a string: quote it)"
            self.report(
                "arazzo-version",
                f"'arazzo' must be a 1.0.x or 1.1.x version such as '1.0.1' or '1.1.0'{quote}, "
                f"got {describe(version)}",
                "/arazzo",
            )
        self_uri = self.string(data, "$self", "", kind) if self.v11 else None
        if self_uri is not None and not SELF_URI.match(self_uri):
            self.report(
                "type",
                f"'$self' must be a URI reference without a fragment ('#') or spaces, got "
                f"{describe(self_uri)}",
                "/$self",
            )
        info_data = self.mapping(data, "info", "", "an Info object")
        info = self.info(info_data) if info_data is not None else None
        if info is None:
            self.required(data, "info", "", kind)
            info = Info(title="", version="", **self.base("/info"))
        sources = self.items(
            data,
            "sourceDescriptions",
            "",
            self.source,
            "Source Descriptions",
            kind=kind,
            min_items=True,
        )
        workflows = self.items(
            data, "workflows", "", self.workflow, "Workflows", kind=kind, min_items=True
        )
        components_data = self.mapping(data, "components", "", "a Components object")
        if components_data is not None:
            components = self.components(components_data)
        else:
            components = Components(pointer="/components")
        return ArazzoDocument(
            arazzo=version if isinstance(version, str) else "",
            info=info,
            source_descriptions=sources,
            workflows=workflows,
            components=components,
            file=raw.file,
            path=raw.path,
            self_uri=self_uri,
            **self.base("", extensions),
        )

    def info(self, data: Raw) -> Info:
        pointer, kind = "/info", "Info"
        extensions = self.fields(data, pointer, kind)
        return Info(
            title=self.string(data, "title", pointer, kind, need=True) or "",
            version=self.string(data, "version", pointer, kind, need=True) or "",
            summary=self.string(data, "summary", pointer, kind),
            description=self.string(data, "description", pointer, kind),
            **self.base(pointer, extensions),
        )

    def source(self, data: Raw, pointer: str) -> SourceDescription | None:
        kind = "Source Description"
        extensions = self.fields(data, pointer, kind)
        name = self.string(data, "name", pointer, kind, need=True)
        url = self.string(data, "url", pointer, kind, need=True)
        source_type = self.choice(data, "type", pointer, kind, ("openapi", "arazzo"), need=False)
        if name is None or url is None:
            return None
        return SourceDescription(
            name=name, url=url, type=source_type, **self.base(pointer, extensions)
        )

    def workflow(self, data: Raw, pointer: str) -> Workflow | None:
        kind = "Workflow"
        extensions = self.fields(data, pointer, kind)
        workflow_id = self.string(data, "workflowId", pointer, kind, need=True)
        summary = self.string(data, "summary", pointer, kind)
        description = self.string(data, "description", pointer, kind)
        inputs = self.mapping(data, "inputs", pointer, "a JSON Schema")
        depends_on: list[str] = []
        if "dependsOn" in data:
            listed = data["dependsOn"]
            where = child(pointer, "dependsOn")
            if not isinstance(listed, list):
                self.report(
                    "type",
                    f"'dependsOn' must be a list of workflow ids, got {describe(listed)}",
                    where,
                )
            else:
                for index, item in enumerate(listed):
                    if isinstance(item, str):
                        depends_on.append(item)
                    else:
                        self.report(
                            "type",
                            "each item of 'dependsOn' must be a workflow id string, got "
                            f"{describe(item)}",
                            child(where, index),
                        )
        steps = self.items(data, "steps", pointer, self.step, "Steps", kind=kind, min_items=True)
        success: tuple[SuccessAction | ReusableObject, ...]
        failure: tuple[FailureAction | ReusableObject, ...]
        parameters: tuple[Parameter | ReusableObject, ...]
        success = self.items(data, "successActions", pointer, self.success_item, "Success Actions")
        failure = self.items(data, "failureActions", pointer, self.failure_item, "Failure Actions")
        outputs, output_selectors = self.outputs(data, pointer)
        parameters = self.items(data, "parameters", pointer, self.parameter_item, "Parameters")
        if workflow_id is None:
            return None
        return Workflow(
            workflow_id=workflow_id,
            summary=summary,
            description=description,
            inputs=inputs,
            depends_on=tuple(depends_on),
            steps=steps,
            success_actions=success,
            failure_actions=failure,
            outputs=outputs,
            output_selectors=output_selectors,
            parameters=parameters,
            **self.base(pointer, extensions),
        )

    def step(self, data: Raw, pointer: str) -> Step | None:
        kind = "Step"
        extensions = self.fields(data, pointer, kind)
        step_id = self.string(data, "stepId", pointer, kind, need=True)
        names = TARGETS_11 if self.v11 else TARGETS
        targets = {key: self.string(data, key, pointer, kind) for key in names if key in data}
        body_data = self.mapping(data, "requestBody", pointer, "a Request Body")
        body = None
        if body_data is not None:
            body = self.request_body(body_data, child(pointer, "requestBody"))
        outputs, output_selectors = self.outputs(data, pointer)
        late = self.step_11(data, pointer) if self.v11 else {}
        step = Step(
            step_id=step_id or "",
            description=self.string(data, "description", pointer, kind),
            operation_id=targets.get("operationId"),
            operation_path=targets.get("operationPath"),
            channel_path=targets.get("channelPath"),
            workflow_id=targets.get("workflowId"),
            parameters=self.items(data, "parameters", pointer, self.parameter_item, "Parameters"),
            request_body=body,
            success_criteria=self.items(
                data, "successCriteria", pointer, self.criterion, "Criteria", min_items=self.v11
            ),
            on_success=self.items(data, "onSuccess", pointer, self.success_item, "Success Actions"),
            on_failure=self.items(data, "onFailure", pointer, self.failure_item, "Failure Actions"),
            outputs=outputs,
            output_selectors=output_selectors,
            **late,
            **self.base(pointer, extensions),
        )
        if len(targets) != 1:
            found = ", ".join(f"'{t}'" for t in targets) or "none"
            listed = (
                "'operationId', 'operationPath', 'channelPath'"
                if self.v11
                else ("'operationId', 'operationPath'")
            )
            self.report(
                "step-target",
                f"a Step needs exactly one of {listed} or 'workflowId'; found {found}",
                pointer,
            )
            return None
        if self.v11:
            self.step_exclusions(data, pointer, next(iter(targets)))
        if step_id is None or None in targets.values():
            return None
        return step

    def step_11(self, data: Raw, pointer: str) -> dict[str, Any]:
        """The Arazzo 1.1 step fields; those not run yet are refused where used (message
        steps are refused once their target is resolved, by the plan's checks)."""
        kind = "Step"
        found: dict[str, Any] = {}
        if "timeout" in data:
            value = data["timeout"]
            timeout = _non_negative_int(value)
            if timeout is None:
                self.report(
                    "type",
                    f"'timeout' must be a non-negative integer of milliseconds, got "
                    f"{describe(value)}",
                    child(pointer, "timeout"),
                )
            else:
                found["timeout"] = timeout
        if "dependsOn" in data:
            found["depends_on"] = self.step_depends_on(data["dependsOn"], pointer)
        if "action" in data:
            action = self.choice(data, "action", pointer, kind, STEP_ACTIONS, need=False)
            if action is not None:
                found["action"] = action
        if "correlationId" in data:
            value = data["correlationId"]
            if value is None:
                self.report(
                    "type",
                    "'correlationId' must be a value or runtime expression, got null",
                    child(pointer, "correlationId"),
                )
            found["correlation_id"] = value
        return found

    def step_depends_on(self, listed: Any, pointer: str) -> tuple[str, ...]:
        where = child(pointer, "dependsOn")
        if not isinstance(listed, list):
            self.report(
                "type",
                f"'dependsOn' must be a list of step references, got {describe(listed)}",
                where,
            )
            return ()
        if not listed:
            self.report("min-items", "'dependsOn' needs at least one step reference", where)
        result: list[str] = []
        for index, item in enumerate(listed):
            at = child(where, index)
            if not isinstance(item, str):
                self.report(
                    "type", f"each item of 'dependsOn' must be a string, got {describe(item)}", at
                )
            elif not DEPENDS_ON.match(item):
                self.report(
                    "step-depends-on",
                    f"'dependsOn' item {describe(item)} is not a stepId, "
                    "'$workflows.<workflowId>.steps.<stepId>' or "
                    "'$sourceDescriptions.<name>.<workflowId>.steps.<stepId>' (a step of "
                    "this workflow is its bare stepId)",
                    at,
                )
            elif item in result:
                self.report("step-depends-on", f"'dependsOn' repeats {describe(item)}", at)
            else:
                result.append(item)
        return tuple(result)

    def step_exclusions(self, data: Raw, pointer: str, target: str) -> None:
        """The 1.1 AsyncAPI step fields where they cannot apply, decidable without sources."""
        if target in ("workflowId", "operationPath"):
            for key in ("action", "correlationId"):
                if key in data:
                    self.report(
                        "step-fields",
                        f"'{key}' only applies to AsyncAPI steps (operationId or channelPath), "
                        f"not to a step with '{target}': remove it",
                        child(pointer, key),
                    )
        if target == "workflowId" and "requestBody" in data:
            self.report(
                "step-fields",
                "'requestBody' does not apply to a step that runs a workflow: it is ignored "
                "(pass values as parameters, which become the workflow's inputs)",
                child(pointer, "requestBody"),
                "warning",
            )
        if target == "channelPath" and "action" not in data:
            self.report(
                "step-fields",
                "an AsyncAPI step with 'channelPath' needs 'action' (send or receive)",
                pointer,
            )
        if "correlationId" in data and data.get("action") == "send":
            self.report(
                "step-fields",
                "'correlationId' only applies to 'action: receive', not 'send': remove it",
                child(pointer, "correlationId"),
            )

    def parameter_item(self, data: Raw, pointer: str) -> Parameter | ReusableObject | None:
        return (
            self.reusable(data, pointer) if "reference" in data else self.parameter(data, pointer)
        )

    def parameter(self, data: Raw, pointer: str) -> Parameter | None:
        kind = "Parameter"
        extensions = self.fields(data, pointer, kind)
        name = self.string(data, "name", pointer, kind, need=True)
        location = self.choice(data, "in", pointer, kind, PARAMETER_IN, need=False)
        has_value = self.required(data, "value", pointer, kind)
        selector = None
        if has_value and self.is_selector(data["value"]):
            selector = self.selector(data["value"], child(pointer, "value"))
        elif has_value and self.v11 and isinstance(data["value"], dict):
            self.literal_value("a Parameter", "an object", child(pointer, "value"))
        if name is None or not has_value:
            return None
        return Parameter(
            name=name,
            location=location,
            value=data["value"],
            selector=selector,
            **self.base(pointer, extensions),
        )

    def reusable(self, data: Raw, pointer: str) -> ReusableObject | None:
        reference = self.string(data, "reference", pointer, "Reusable Object", need=True)
        if reference is None:
            return None
        return ReusableObject(
            reference=reference,
            value=data.get("value"),
            has_value="value" in data,
            **self.base(pointer),
        )

    def success_item(self, data: Raw, pointer: str) -> SuccessAction | ReusableObject | None:
        if "reference" in data:
            return self.reusable(data, pointer)
        return self.success_action(data, pointer)

    def failure_item(self, data: Raw, pointer: str) -> FailureAction | ReusableObject | None:
        if "reference" in data:
            return self.reusable(data, pointer)
        return self.failure_action(data, pointer)

    def success_action(self, data: Raw, pointer: str) -> SuccessAction | None:
        kind = "Success Action"
        # retryAfter/retryLimit are no fields of a success action (the schema refuses
        # them): unknown fields, reported by ``fields``.
        extensions = self.fields(data, pointer, kind)
        common = self.action(data, pointer, kind, ("end", "goto"))
        if common is None:
            return None
        name, action_type, workflow_id, step_id, criteria = common
        return SuccessAction(
            name=name,
            type=cast(SuccessActionType, action_type),
            workflow_id=workflow_id,
            step_id=step_id,
            criteria=criteria,
            parameters=self.action_parameters(data, pointer, workflow_id),
            **self.base(pointer, extensions),
        )

    def failure_action(self, data: Raw, pointer: str) -> FailureAction | None:
        kind = "Failure Action"
        extensions = self.fields(data, pointer, kind)
        common = self.action(data, pointer, kind, ("end", "goto", "retry"))
        retry_after: float | None = None
        retry_limit: int | None = None
        value = data.get("retryAfter")
        if "retryAfter" in data:
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                retry_after = float(value)
            else:
                self.report(
                    "type",
                    f"'retryAfter' must be a non-negative number of seconds, got {describe(value)}",
                    child(pointer, "retryAfter"),
                )
        value = data.get("retryLimit")
        if "retryLimit" in data:
            retry_limit = _non_negative_int(value)
            if retry_limit is None:
                self.report(
                    "type",
                    f"'retryLimit' must be a non-negative integer, got {describe(value)}",
                    child(pointer, "retryLimit"),
                )
        if common is None:
            return None
        name, action_type, workflow_id, step_id, criteria = common
        if action_type != "retry":
            for key in RETRY_FIELDS:
                if key in data:
                    self.report(
                        "action-fields",
                        f"'{key}' only applies to failure actions of type 'retry', not "
                        f"'{action_type}': it is ignored",
                        child(pointer, key),
                        "warning",
                    )
            retry_after = retry_limit = None
        return FailureAction(
            name=name,
            type=cast(FailureActionType, action_type),
            workflow_id=workflow_id,
            step_id=step_id,
            retry_after=retry_after,
            retry_limit=retry_limit,
            criteria=criteria,
            parameters=self.action_parameters(data, pointer, workflow_id),
            **self.base(pointer, extensions),
        )

    def action_parameters(
        self, data: Raw, pointer: str, workflow_id: str | None
    ) -> tuple[Parameter | ReusableObject, ...]:
        """1.1 action ``parameters``: the inputs of the ``workflowId`` target."""
        if not self.v11 or "parameters" not in data:
            return ()
        built: tuple[Parameter | ReusableObject, ...]
        built = self.items(data, "parameters", pointer, self.parameter_item, "Parameters")
        where = child(pointer, "parameters")
        if workflow_id is None:
            self.report(
                "action-parameters",
                "action 'parameters' are inputs of a workflow: they need a 'workflowId' "
                "target on the action",
                where,
            )
        for item in built:
            if isinstance(item, Parameter) and item.location is not None:
                self.report(
                    "action-parameters",
                    f"action parameter '{item.name}' must not have 'in' (it is a workflow "
                    "input): remove it",
                    child(item.pointer, "in"),
                )
        return built

    def action(
        self, data: Raw, pointer: str, kind: str, types: tuple[str, ...]
    ) -> tuple[str, str, str | None, str | None, tuple[Criterion, ...]] | None:
        """What success and failure actions share; None when the action is unusable."""
        name = self.string(data, "name", pointer, kind, need=True)
        action_type = self.choice(data, "type", pointer, kind, types, need=True)
        workflow_id = self.string(data, "workflowId", pointer, kind)
        step_id = self.string(data, "stepId", pointer, kind)
        criteria = self.items(data, "criteria", pointer, self.criterion, "Criteria")
        if name is None or action_type is None:
            return None
        if ("stepId" in data and step_id is None) or ("workflowId" in data and workflow_id is None):
            return None  # a target of the wrong type, already reported
        given = [key for key in ("stepId", "workflowId") if key in data]
        if action_type == "goto" and len(given) != 1:
            found = " and ".join(f"'{key}'" for key in given) or "neither"
            self.report(
                "goto-target",
                f"a 'goto' action needs exactly one of 'stepId' or 'workflowId'; found {found}",
                pointer,
            )
            return None
        if action_type == "retry" and len(given) > 1:
            self.report(
                "goto-target",
                "a 'retry' action takes at most one of 'stepId' or 'workflowId', found both",
                pointer,
            )
            return None
        if action_type == "end":
            for key in given:
                self.report(
                    "action-fields",
                    f"'{key}' only applies to 'goto' and 'retry' actions, not 'end': it is ignored",
                    child(pointer, key),
                    "warning",
                )
            workflow_id = step_id = None
        return name, action_type, workflow_id, step_id, criteria

    def criterion(self, data: Raw, pointer: str) -> Criterion | None:
        kind = "Criterion"
        extensions = self.fields(data, pointer, kind)
        condition = self.string(data, "condition", pointer, kind, need=True)
        context = self.string(data, "context", pointer, kind)
        criterion_type: str | None = "simple"
        version: str | None = None
        expression_type: CriterionExpressionType | None = None
        raw_type = data.get("type")
        if isinstance(raw_type, dict):
            expression_type = self.expression_type(raw_type, child(pointer, "type"))
            criterion_type = expression_type.type if expression_type else None
            version = expression_type.version if expression_type else None
        elif "type" in data:
            criterion_type = self.choice(data, "type", pointer, kind, kind_names(), need=False)
        if "type" in data and "context" not in data:
            self.report(
                "criterion-context",
                "a Criterion with a 'type' needs a 'context' (the value the condition applies to)",
                pointer,
            )
            return None
        if condition is None or criterion_type is None:
            return None
        return Criterion(
            context=context,
            condition=condition,
            type=criterion_type,
            version=version,
            expression_type=expression_type,
            **self.base(pointer, extensions),
        )

    def expression_type(
        self, data: Raw, pointer: str, *, selector: bool = False
    ) -> CriterionExpressionType | None:
        """A (Criterion) Expression Type Object; ``selector``: of a 1.1 Selector or target."""
        kind = "Criterion Expression Type"
        extensions = self.fields(data, pointer, kind)
        kinds = tuple(EXPRESSION_VERSIONS) if selector else versioned_kind_names()
        dialect = self.choice(data, "type", pointer, kind, kinds, need=True)
        if self.v11 and "version" not in data and dialect in EXPRESSION_VERSIONS:
            version: str | None = EXPRESSION_VERSIONS[dialect][0]
            self.report(
                "required",
                f"an Expression Type Object needs 'version'; the {dialect} default "
                f"'{version}' applies: write 'version: {version}' to say so",
                pointer,
                "warning",
            )
        else:
            version = self.string(data, "version", pointer, kind, need=True)
        if dialect is None or version is None:
            return None
        if selector and version not in EXPRESSION_VERSIONS[dialect]:
            self.report(
                "enum",
                f"'version' of a {dialect} expression type is one of "
                f"{', '.join(EXPRESSION_VERSIONS[dialect])}, got {describe(version)}",
                child(pointer, "version"),
            )
            return None
        known = (
            EXPRESSION_VERSIONS[dialect]
            if selector
            else allowed_versions(dialect, self.arazzo_version)
        )
        if version not in known:
            self.report(
                "enum",
                f"'version' of a {dialect} expression type is one of {', '.join(known)}, got "
                f"{describe(version)}",
                child(pointer, "version"),
                "warning",
            )
        return CriterionExpressionType(
            type=dialect, version=version, **self.base(pointer, extensions)
        )

    def request_body(self, data: Raw, pointer: str) -> RequestBody:
        kind = "Request Body"
        extensions = self.fields(data, pointer, kind)
        if self.v11 and "payload" in data:
            self.payload_selectors(data["payload"], child(pointer, "payload"))
        return RequestBody(
            content_type=self.string(data, "contentType", pointer, kind),
            payload=data.get("payload"),
            has_payload="payload" in data,
            replacements=self.items(
                data, "replacements", pointer, self.replacement, "Payload Replacements"
            ),
            **self.base(pointer, extensions),
        )

    def replacement(self, data: Raw, pointer: str) -> PayloadReplacement | None:
        kind = "Payload Replacement"
        extensions = self.fields(data, pointer, kind)
        target = self.string(data, "target", pointer, kind, need=True)
        has_value = self.required(data, "value", pointer, kind)
        target_type: str | None = None
        expression_type: CriterionExpressionType | None = None
        if self.v11 and "targetSelectorType" in data:
            target_type, expression_type = self.selector_type(
                data, "targetSelectorType", pointer, kind, need=False
            )
        selector = None
        if has_value and self.is_selector(data["value"]):
            selector = self.selector(data["value"], child(pointer, "value"))
        elif has_value and self.v11 and not isinstance(data["value"], str):
            self.literal_value(
                "a Payload Replacement", describe(data["value"]), child(pointer, "value")
            )
        if target is None or not has_value:
            return None
        return PayloadReplacement(
            target=target,
            value=data["value"],
            target_selector_type=target_type,
            target_expression_type=expression_type,
            selector=selector,
            **self.base(pointer, extensions),
        )

    def components(self, data: Raw) -> Components:
        pointer, kind = "/components", "Components"
        extensions = self.fields(data, pointer, kind)
        inputs = self.keyed(data, "inputs", pointer, lambda schema, _: schema, "a JSON Schema")
        return Components(
            inputs=inputs,
            parameters=self.keyed(data, "parameters", pointer, self.parameter, "a Parameter"),
            success_actions=self.keyed(
                data, "successActions", pointer, self.success_action, "a Success Action"
            ),
            failure_actions=self.keyed(
                data, "failureActions", pointer, self.failure_action, "a Failure Action"
            ),
            **self.base(pointer, extensions),
        )


def _non_negative_int(value: Any) -> int | None:
    """``value`` as an integer >= 0 (``3.0`` counts, as in JSON Schema), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    return value
