"""Loading a document and everything it reaches: sources, nested Arazzo documents, plans.

Each Arazzo document (the entry one and every ``type: arazzo`` source) keeps its
own components and sources; its workflows get run-wide keys (the entry
document's are their plain ids) so one interpreter can run them all.  Every
problem found anywhere is collected; the caller raises them together, or, when
``tolerant``, keeps going past a document's structural errors and compiles what
compiles, so :mod:`arazzo_engine.load.scope` can tell which workflows the
errors block.

Each source description is read, then opened by its kind
(:mod:`arazzo_engine.sources.kinds`): the loader only sorts what a kind gives
back, operations to call or workflows to run, and loads the Arazzo documents
the Arazzo kind asks for.

Arazzo 1.1 identity: every document loaded that declares a ``$self`` (the entry
document, Arazzo sources, OpenAPI 3.2 sources) is indexed by it, in the order
met (the entry document first, then each document's sources in order, depth
first); a later source of a 1.1 document whose resolved url is such an
identity is that document, not fetched again
(:mod:`arazzo_engine.sources.reading`).  A 1.0 document's sources are always
found by location, as before.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from arazzo_engine.errors import Diagnostic
from arazzo_engine.expressions import dialect_of
from arazzo_engine.http.transport import Transport
from arazzo_engine.load.inputs import InputsChecker
from arazzo_engine.load.model_builder import build_model
from arazzo_engine.load.plan import (
    DocumentScope,
    WorkflowPlan,
    compile_document,
    dependency_cycles,
)
from arazzo_engine.load.reader import RawDocument, read_document
from arazzo_engine.load.scope import DocumentRecord, SourceLink
from arazzo_engine.load.versions import added_value, minor_of
from arazzo_engine.model import ArazzoDocument
from arazzo_engine.sources.base import ExternalDocument, LoadedSource, OperationSource
from arazzo_engine.sources.kinds import KINDS
from arazzo_engine.sources.reading import (
    base_uri,
    declared_identity,
    identity_mismatch,
    load_source,
)
from arazzo_engine.validation import check_document, check_plans, finalize
from arazzo_engine.validation.cascades import without_source_cascades
from arazzo_engine.validation.dependencies import source_step_dependencies
from arazzo_engine.validation.recursion import call_cycles

__all__ = ["LoadedProject", "ProjectLoader"]


@dataclass
class LoadedProject:
    """Everything one ``Engine.load`` produced, across all documents."""

    entry: ArazzoDocument | None = None
    plans: dict[str, WorkflowPlan] = field(default_factory=dict)
    inputs: InputsChecker | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    source_names: set[str] = field(default_factory=set)
    scheme_names: set[str] = field(default_factory=set)
    server_names: set[str] = field(default_factory=set)
    """``<source>.<server>`` names ``servers=`` may use (AsyncAPI sources' servers)."""
    documents: list[DocumentRecord] = field(default_factory=list)
    """Every Arazzo document built (its prefix tells the entry one: '')."""
    links: list[SourceLink] = field(default_factory=list)
    """Which Arazzo source description names which file."""

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)


class ProjectLoader:
    """Loads the entry document and, recursively, its Arazzo sources.

    ``servers`` and ``sources`` overrides apply by source description name in
    every document.  Remote sources (``allow_remote``) are fetched with
    ``transport`` (the engine's), else a default one.  ``tolerant`` builds and
    plans a document despite its structural errors (``strict=False``).  With
    ``read_sources=False`` no source description is read (``arazzo validate
    --no-sources``): the documents are checked alone, and what steps name in
    their sources is not looked up, so it is not reported either.
    """

    def __init__(
        self,
        *,
        servers: Mapping[str, str],
        source_paths: Mapping[str, str],
        allow_remote: bool,
        server_variables: Mapping[str, Mapping[str, str]] | None = None,
        transport: Transport | None = None,
        tolerant: bool = False,
        read_sources: bool = True,
    ) -> None:
        self.read_sources = read_sources
        self.servers = servers
        self.tolerant = tolerant
        self.server_variables = server_variables or {}
        self.source_paths = source_paths
        self.allow_remote = allow_remote
        self.transport = transport
        self.project = LoadedProject()
        self._prefixes: dict[str, str] = {}
        self._workflow_ids: dict[str, frozenset[str]] = {}
        """Both by :attr:`RawDocument.identity` (a remote document's URL, a local one's path)."""
        self._identities: dict[str, RawDocument] = {}
        """Documents loaded so far by the URI their ``$self`` resolves to."""

    def load(self, path: str | os.PathLike[str]) -> LoadedProject:
        """Load everything; read errors of the entry file raise DocumentError."""
        raw = read_document(path)
        self.project.entry = self._load_raw(raw, prefix="", stack=())
        cycles = dependency_cycles(self.project.plans)
        self.project.diagnostics.extend(cycles)
        self.project.diagnostics.extend(call_cycles(self.project.plans))
        self.project.diagnostics.extend(source_step_dependencies(self.project.plans))
        self.project.diagnostics = finalize(self.project.diagnostics, raw.file)
        return self.project

    def _load_raw(
        self, raw: RawDocument, prefix: str, stack: tuple[str, ...]
    ) -> ArazzoDocument | None:
        project = self.project
        document, diagnostics = build_model(raw)
        project.diagnostics.extend(diagnostics)
        if document is not None:
            project.diagnostics.extend(check_document(document, raw))
        if document is None:
            return None
        if not self.tolerant and any(d.severity == "error" for d in diagnostics):
            return None
        self._prefixes[raw.identity] = prefix
        self._workflow_ids[raw.identity] = frozenset(w.workflow_id for w in document.workflows)
        base = base_uri(raw, document.self_uri)
        if document.self_uri is not None:
            self._identities.setdefault(base, raw)
        operations: dict[str, OperationSource] = {}
        externals: dict[str, ExternalDocument] = {}
        for i, sd in enumerate(document.source_descriptions):
            project.source_names.add(sd.name)
            if not self.read_sources:
                continue
            found = load_source(
                name=sd.name,
                url=sd.url,
                declared_type=sd.type,
                referring=raw,
                pointer=f"/sourceDescriptions/{i}",
                override=self.source_paths.get(sd.name),
                allow_remote=self.allow_remote,
                transport=self.transport,
                base=base if document.self_uri is not None else None,
                identities=self._identities if dialect_of(document.arazzo) == "1.1" else None,
            )
            if isinstance(found, Diagnostic):
                project.diagnostics.append(found)
                continue
            if (too_new := _kind_too_new(found, document)) is not None:
                where = raw.locate(sd.pointer)
                project.diagnostics.append(Diagnostic("error", "source-type", too_new, where))
                continue
            self._identify(found, raw, f"/sourceDescriptions/{i}")
            opened = KINDS[found.type].open(found, _Opening(self, raw, sd.pointer, stack))
            if isinstance(opened, ExternalDocument):
                externals[sd.name] = opened
            elif opened is not None:
                operations[sd.name] = opened
                project.scheme_names.update(opened.scheme_names)
                project.server_names.update(opened.server_names)
        scope = DocumentScope(
            document=document,
            prefix=prefix,
            source_fields=MappingProxyType(
                {
                    sd.name: {"name": sd.name, "url": sd.url, "type": sd.type}
                    for sd in document.source_descriptions
                }
            ),
            file_folder=None if raw.url is not None else str(raw.path.parent),
            components=_components_as_written(raw.data),
            self_uri=base,
        )
        plans, plan_diagnostics = compile_document(scope, operations, raw.locate, externals)
        project.diagnostics.extend(
            without_source_cascades(
                plan_diagnostics,
                project.diagnostics,
                document,
                raw,
                (sd.name for sd in document.source_descriptions if not self.read_sources),
            )
        )
        project.plans.update(plans)
        project.diagnostics.extend(check_plans(plans, project.plans, raw))
        for sd in document.source_descriptions:  # operations steps use that did not resolve
            source = operations.get(sd.name)
            for rule, problem in source.problems() if source is not None else ():
                where = raw.locate(sd.pointer)
                project.diagnostics.append(Diagnostic("error", rule, problem, where))
        project.documents.append(DocumentRecord(raw, document, prefix, operations, externals))
        checker = InputsChecker(document, raw.data, prefix)
        if project.inputs is None:
            project.inputs = checker
        else:
            project.inputs.absorb(checker)
        return document

    def _identify(self, found: LoadedSource, referring: RawDocument, pointer: str) -> None:
        """Index a source's document by its ``$self``; warn when it was fetched by another URI."""
        identity = declared_identity(found.document)
        if identity is None:
            return
        if self._identities.get(identity) is found.document:
            return  # found by its identity: nothing was fetched
        mismatch = identity_mismatch(found, referring, pointer)
        if mismatch is not None:
            self.project.diagnostics.append(mismatch)
        self._identities.setdefault(identity, found.document)

    def external(
        self, found: LoadedSource, referring: RawDocument, pointer: str, stack: tuple[str, ...]
    ) -> ExternalDocument | None:
        """Load an Arazzo source description once (cycles between documents are fine)."""
        path = found.document.identity
        self.project.links.append(SourceLink(found.document.file, referring.file, pointer))
        if path == referring.identity:
            self.project.diagnostics.append(
                Diagnostic(
                    "error",
                    "source-self",
                    f"source description '{found.name}' points at this same document",
                    referring.locate(pointer),
                )
            )
            return None
        if path not in self._prefixes:
            prefix = f"{path}::"
            self._prefixes[path] = prefix
            self._load_raw(found.document, prefix, (*stack, referring.identity))
        if path not in self._workflow_ids:
            return None
        return ExternalDocument(prefix=self._prefixes[path], workflow_ids=self._workflow_ids[path])


@dataclass(frozen=True)
class _Opening:
    """What the loader lends a kind opening one source description of one document."""

    loader: ProjectLoader
    referring: RawDocument
    pointer: str
    stack: tuple[str, ...]

    @property
    def servers(self) -> Mapping[str, str]:
        return self.loader.servers

    @property
    def server_variables(self) -> Mapping[str, Mapping[str, str]]:
        return self.loader.server_variables

    def report(self, rule: str, message: str) -> None:
        where = self.referring.locate(self.pointer)
        self.loader.project.diagnostics.append(Diagnostic("error", rule, message, where))

    def load_workflows(self, source: LoadedSource) -> ExternalDocument | None:
        return self.loader.external(source, self.referring, self.pointer, self.stack)


def _kind_too_new(found: LoadedSource, document: ArazzoDocument) -> str | None:
    """Why a source's kind is not one the document's Arazzo version has (AsyncAPI in 1.0)."""
    minor = minor_of(document.arazzo) or "1.1"
    first = added_value("Source Description", "type", found.type, minor)
    if first is None:
        return None
    title = KINDS[found.type].title
    return (
        f"source description '{found.name}' ({found.location}) is an {title} document; "
        f"Arazzo {document.arazzo} has no {title} sources: write 'arazzo: {first}.0' to "
        "use one"
    )


def _components_as_written(data: Any) -> Mapping[str, Any]:
    """The document's ``components`` object as plain data ({} when it has none)."""
    components = data.get("components") if isinstance(data, dict) else None
    return components if isinstance(components, dict) else {}
