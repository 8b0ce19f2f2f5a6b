"""``Engine``: load an Arazzo document once, run its workflows many times.

Loading does all the slow work (reading, checking, indexing operations, parsing
expressions); ``run`` only executes the prepared plan.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import urljoin

import requests

from arazzo_engine.document import read_document
from arazzo_engine.errors import (
    ArazzoValidationError,
    Diagnostic,
    WorkflowNotFoundError,
)
from arazzo_engine.inputs import InputsChecker
from arazzo_engine.interpreter import Interpreter, RunSettings
from arazzo_engine.model import ArazzoDocument
from arazzo_engine.model_builder import build_model
from arazzo_engine.openapi.index import (
    OpenAPIShapeError,
    OperationIndex,
    build_operation_index,
)
from arazzo_engine.openapi.request_builder import is_absolute_url, server_base_url
from arazzo_engine.openapi.sources import LoadedSource, check_override_names, load_source
from arazzo_engine.plan import WorkflowPlan, compile_document
from arazzo_engine.redaction import Redactor
from arazzo_engine.results import RunResult
from arazzo_engine.runtime import RunState
from arazzo_engine.transport import DEFAULT_MAX_BODY_BYTES, RequestsTransport, Transport

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_STEPS = 1000
DEFAULT_MAX_DEPTH = 32


class Engine:
    """A loaded, checked Arazzo document whose workflows can be run."""

    def __init__(
        self,
        *,
        document: ArazzoDocument,
        plans: Mapping[str, WorkflowPlan],
        sources: Mapping[str, LoadedSource],
        settings: RunSettings,
        transport: Transport,
        inputs_checker: InputsChecker,
        warnings: tuple[Diagnostic, ...],
    ) -> None:
        self.document = document
        self._plans = plans
        self._sources = sources
        self._settings = settings
        self._transport = transport
        self._inputs = inputs_checker
        self.warnings = warnings
        self._source_fields = MappingProxyType(
            {
                sd.name: {"name": sd.name, "url": sd.url, "type": sd.type}
                for sd in document.source_descriptions
            }
        )

    def __repr__(self) -> str:
        return f"<Engine {self.document.file} workflows={self.workflow_ids}>"

    @property
    def workflow_ids(self) -> list[str]:
        """The document's workflow ids, in document order."""
        return [wf.workflow_id for wf in self.document.workflows]

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        servers: Mapping[str, str] | None = None,
        sources: Mapping[str, str | os.PathLike[str]] | None = None,
        credentials: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        allow_remote: bool = False,
        max_steps: int = DEFAULT_MAX_STEPS,
        session: requests.Session | None = None,
        path_allow_reserved: Iterable[str] = (),
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> Engine:
        """Read, check and prepare a document; raises ArazzoError subclasses on problems.

        ``path_allow_reserved`` names sources whose path parameter values keep
        reserved characters such as ``/`` unencoded (fal's ``flux/schnell``).
        """
        servers = dict(servers or {})
        source_paths = {k: os.fspath(v) for k, v in (sources or {}).items()}
        credentials = dict(credentials or {})
        allow_reserved = frozenset(path_allow_reserved)
        raw = read_document(path)
        document, diagnostics = build_model(raw)
        if document is None or _has_errors(diagnostics):
            raise ArazzoValidationError(diagnostics)
        names = [sd.name for sd in document.source_descriptions]
        check_override_names("sources", source_paths, names)
        check_override_names("servers", servers, names)
        check_override_names("path_allow_reserved", dict.fromkeys(allow_reserved), names)
        loaded: dict[str, LoadedSource] = {}
        indexes: dict[str, OperationIndex] = {}
        for i, sd in enumerate(document.source_descriptions):
            found = load_source(
                name=sd.name,
                url=sd.url,
                declared_type=sd.type,
                referring=raw,
                pointer=f"/sourceDescriptions/{i}",
                override=source_paths.get(sd.name),
                allow_remote=allow_remote,
            )
            if isinstance(found, Diagnostic):
                diagnostics.append(found)
                continue
            loaded[sd.name] = found
            if found.type == "openapi":
                try:
                    indexes[sd.name] = build_operation_index(found)
                except OpenAPIShapeError as error:
                    diagnostics.append(
                        Diagnostic("error", "source-openapi", str(error), raw.locate(sd.pointer))
                    )
            else:
                diagnostics.append(
                    Diagnostic(
                        "error",
                        "source-arazzo",
                        f"source description '{sd.name}' is an Arazzo document; running "
                        "workflows of other Arazzo documents is not supported by this version",
                        raw.locate(sd.pointer),
                    )
                )
        if _has_errors(diagnostics):
            raise ArazzoValidationError(diagnostics)
        plans, plan_diagnostics = compile_document(document, indexes, raw.locate)
        diagnostics.extend(plan_diagnostics)
        if _has_errors(diagnostics):
            raise ArazzoValidationError(diagnostics)
        schemes = {name: index.security_schemes for name, index in indexes.items()}
        known_schemes = sorted({s for table in schemes.values() for s in table})
        check_override_names("credentials", credentials, known_schemes)
        settings = RunSettings(
            timeout=timeout,
            max_steps=max_steps,
            max_depth=DEFAULT_MAX_DEPTH,
            credentials=MappingProxyType(credentials),
            base_urls=MappingProxyType(_base_urls(indexes, servers)),
            security_schemes=MappingProxyType(schemes),
            path_allow_reserved=allow_reserved,
            redactor=Redactor(credentials.values()),
        )
        return cls(
            document=document,
            plans=MappingProxyType(plans),
            sources=MappingProxyType(loaded),
            settings=settings,
            transport=RequestsTransport(session, max_body_bytes=max_body_bytes),
            inputs_checker=InputsChecker(document, raw.data),
            warnings=tuple(d for d in diagnostics if d.severity == "warning"),
        )

    def run(self, workflow_id: str, inputs: Mapping[str, Any] | None = None) -> RunResult:
        """Run one workflow; step failures end in ``succeeded == False``, never raise."""
        if workflow_id not in self._plans:
            valid = ", ".join(repr(w) for w in self.workflow_ids)
            raise WorkflowNotFoundError(
                f"workflow '{workflow_id}' is not defined in {self.document.file}; "
                f"valid workflow ids: {valid}"
            )
        given = dict(inputs or {})
        self._inputs.check(workflow_id, given)
        state = RunState(document=self.document, source_urls=self._source_fields)
        interpreter = Interpreter(self._plans, self._settings, self._transport, state, self._inputs)
        return interpreter.run(workflow_id, given)


def _has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def _base_urls(
    indexes: Mapping[str, OperationIndex], overrides: Mapping[str, str]
) -> dict[tuple[str, str], str]:
    """Per (source, operation pointer): the base URL its requests go to."""
    bases: dict[tuple[str, str], str] = {}
    for name, index in indexes.items():
        override = overrides.get(name)
        for pointer, operation in index.by_pointer.items():
            if override is not None:
                bases[(name, pointer)] = override.rstrip("/")
                continue
            if not operation.servers:
                continue
            url = server_base_url(operation.servers[0])
            if not is_absolute_url(url) and is_absolute_url(index.source.location):
                url = urljoin(index.source.location, url).rstrip("/")
            if is_absolute_url(url):
                bases[(name, pointer)] = url
    return bases
