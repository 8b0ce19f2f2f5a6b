"""``Engine``: load an Arazzo document once, run its workflows many times.

Loading does all the slow work (reading, checking, indexing operations, parsing
expressions); ``run`` only executes the prepared plan.  With ``strict=False`` a
document with errors still loads: the workflows its errors do not reach
(:mod:`arazzo_engine.load.scope`) run, the others raise when asked to.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from arazzo_engine.batch.spec import LoadRecord, load_record
from arazzo_engine.errors import (
    ArazzoValidationError,
    ConfigurationError,
    Diagnostic,
    WorkflowNotFoundError,
)
from arazzo_engine.fixes import option
from arazzo_engine.http.deferred import DeferredTransport
from arazzo_engine.http.transport import DEFAULT_MAX_BODY_BYTES, Transport
from arazzo_engine.load.project import LoadedProject, ProjectLoader
from arazzo_engine.load.scope import blocking_findings
from arazzo_engine.sources.openapi.oauth import ClientCredentials, LiveRedactor, prepare_credentials
from arazzo_engine.sources.openapi.validation import OperationValidation, check_mode
from arazzo_engine.sources.reading import check_override_names

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from arazzo_engine.events import EventHandler
    from arazzo_engine.http.requests_transport import Session
    from arazzo_engine.load.inputs import InputsChecker
    from arazzo_engine.load.plan import WorkflowPlan
    from arazzo_engine.model import ArazzoDocument
    from arazzo_engine.results import RunResult
    from arazzo_engine.run.interpreter import RunSettings

# What only running needs (the interpreter, events, the HTTP library under the
# default transport) is imported when a run asks for it: ``arazzo validate`` and
# ``arazzo list`` load documents and never pay for it (tests/test_cli_startup.py).

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_STEPS",
    "DEFAULT_TIMEOUT",
    "Defaults",
    "Engine",
]

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
        settings: RunSettings | Callable[[], RunSettings],
        transport: Transport,
        inputs_checker: InputsChecker,
        warnings: tuple[Diagnostic, ...],
        owns_transport: bool = True,
        findings: tuple[Diagnostic, ...] | None = None,
        blocked: Mapping[str, tuple[Diagnostic, ...]] | None = None,
        loaded_from: LoadRecord | None = None,
    ) -> None:
        self.document = document
        self._loaded_from = loaded_from
        """How :meth:`load` made this engine, so a worker process can make its own."""
        self._plans = plans
        self._made_settings: RunSettings | None = None if callable(settings) else settings
        self._make_settings = settings if callable(settings) else None
        self._settings_lock = threading.Lock()
        self._transport = transport
        self._owns_transport = owns_transport
        self._inputs = inputs_checker
        self.warnings = warnings
        self.findings: tuple[Diagnostic, ...] = warnings if findings is None else findings
        """Every finding of the load, errors (``strict=False``) and warnings, best first."""
        self._blocked: Mapping[str, tuple[Diagnostic, ...]] = MappingProxyType(dict(blocked or {}))

    def __repr__(self) -> str:
        return f"<Engine {self.document.file} workflows={self.workflow_ids}>"

    @property
    def _settings(self) -> RunSettings:
        """The settings of every run, made on the first: loading needs no interpreter."""
        made = self._made_settings
        if made is None:
            with self._settings_lock:
                made = self._made_settings
                if made is None:
                    assert self._make_settings is not None
                    made = self._made_settings = self._make_settings()
        return made

    @_settings.setter
    def _settings(self, settings: RunSettings) -> None:
        self._made_settings = settings

    def close(self) -> None:
        """Release the engine's own transport (its pooled connections).

        A ``transport=`` given to :meth:`load` is left to its owner, as is the
        ``session=`` under the default transport.
        """
        if self._owns_transport:
            self._transport.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def workflow_ids(self) -> list[str]:
        """The document's workflow ids, in document order."""
        return [wf.workflow_id for wf in self.document.workflows]

    @property
    def runnable(self) -> list[str]:
        """The workflow ids no error reaches, in document order (all of them when strict)."""
        return [i for i in self.workflow_ids if i not in self._blocked]

    def blocked_by(self, workflow_id: str) -> tuple[Diagnostic, ...]:
        """The errors that keep a workflow from running; empty when it can run."""
        return self._blocked.get(workflow_id, ())

    def _check_runnable(self, workflow_id: str) -> None:
        """Raise what asking for a workflow that is unknown or blocked deserves."""
        if self.document.workflow(workflow_id) is None:
            valid = ", ".join(repr(w) for w in self.workflow_ids)
            raise WorkflowNotFoundError(
                f"workflow '{workflow_id}' is not defined in {self.document.file}; "
                f"valid workflow ids: {valid}"
            )
        blocking = self.blocked_by(workflow_id)
        if blocking:
            raise ArazzoValidationError(blocking, workflow_id=workflow_id, runnable=self.runnable)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        servers: Mapping[str, str] | None = None,
        server_variables: Mapping[str, Mapping[str, str]] | None = None,
        sources: Mapping[str, str | os.PathLike[str]] | None = None,
        credentials: Mapping[str, str | Mapping[str, Any]] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        allow_remote: bool = False,
        max_steps: int = DEFAULT_MAX_STEPS,
        session: Session | None = None,
        path_allow_reserved: Iterable[str] = (),
        file_folders: Iterable[str | os.PathLike[str]] = (),
        max_body_bytes: int | None = None,
        max_response_seconds: float | None = None,
        validate: str = "off",
        transport: Transport | None = None,
        strict: bool = True,
        _defaults: Defaults | None = None,
    ) -> Engine:
        """Read, check and prepare a document; raises ArazzoError subclasses on problems.

        ``path_allow_reserved`` names sources whose path parameter values keep
        ``/`` unencoded (fal's ``flux/schnell``); ``?``, ``#``, ``%`` and every other
        character a path segment cannot hold are still percent-encoded.
        ``file_folders`` are folders a ``$file`` marker's path may read from besides
        the folder of the document that wrote it (docs/security.md, "Local files").
        ``transport`` is any object with the :class:`~arazzo_engine.http.transport.Transport`
        methods (a :class:`~arazzo_engine.http.mock.MockTransport` runs with no
        network); every request goes through it, token and remote source fetches
        included.  Without it the engine makes a ``RequestsTransport`` over
        ``session`` (or its own pooled one), configured by ``max_body_bytes``
        (default 64 MiB) and ``max_response_seconds``, which bounds the whole of
        a non-streaming response (default ten times ``timeout``); a given
        transport is configured by whoever made it, so combining it with those
        three raises ConfigurationError.
        ``server_variables={source: {variable: value}}`` fills server URL
        variables (checked against their ``enum``).  A credential for an
        ``oauth2``/``openIdConnect`` scheme may be ``{"client_id": ..., "client_secret":
        ...}`` (optional ``scopes``, ``token_url``, ``auth_method``): a token is then
        fetched by the client credentials flow and cached (docs/openapi.md).
        ``validate="warn"`` checks each request and response against the OpenAPI
        description and records findings on ``StepResult.validation``; ``"strict"``
        also fails the step (default ``"off"``).
        ``strict=False`` loads a document with errors (it still raises when no
        workflow could be built): ``runnable`` lists the workflows no error
        reaches, ``findings`` holds every finding, and running a blocked
        workflow raises ArazzoValidationError naming the errors that block it.
        ``_defaults`` is the pytest plugin's: values asked by name for the sources
        and schemes the document turns out to have, where the options give none.
        """
        server_urls = dict(servers or {})
        variables = {k: dict(v) for k, v in (server_variables or {}).items()}
        source_paths = {k: os.fspath(v) for k, v in (sources or {}).items()}
        prepared = prepare_credentials(credentials or {})
        allow_reserved = frozenset(path_allow_reserved)
        folders = _file_folders(file_folders)
        validation = check_mode(validate)
        owns_transport = transport is None
        if transport is None:
            transport = _default_transport(
                session,
                DEFAULT_MAX_BODY_BYTES if max_body_bytes is None else max_body_bytes,
                max_response_seconds,
            )
        else:
            _check_transport(transport, session, max_body_bytes, max_response_seconds)
        loader = ProjectLoader(
            servers=server_urls
            if _defaults is None
            else _WithDefaults(server_urls, _defaults.server),
            source_paths=source_paths
            if _defaults is None
            else _WithDefaults(source_paths, _defaults.source),
            allow_remote=allow_remote,
            server_variables=variables,
            transport=transport,
            tolerant=not strict,
        )
        try:
            project = loader.load(path)
            entry, inputs_checker = _built(project, strict)
            names = sorted(project.source_names)
            check_override_names("sources", source_paths, names)
            check_override_names("servers", server_urls, sorted([*names, *project.server_names]))
            check_override_names("server_variables", variables, names)
            check_override_names("path_allow_reserved", dict.fromkeys(allow_reserved), names)
            check_override_names("credentials", prepared, sorted(project.scheme_names))
            if _defaults is not None:
                allow_reserved |= {n for n in names if _defaults.allows_reserved(n)}
                prepared.update(
                    prepare_credentials(_defaults_for(project.scheme_names, prepared, _defaults))
                )
        except BaseException:
            if owns_transport:
                transport.close()
            raise
        redactor = LiveRedactor(
            prepared.values(), [c for c in prepared.values() if isinstance(c, ClientCredentials)]
        )
        checks = None if validation == "off" else OperationValidation(validation)

        def settings() -> RunSettings:
            from arazzo_engine.run.interpreter import RunSettings

            return RunSettings(
                timeout=timeout,
                max_steps=max_steps,
                max_depth=DEFAULT_MAX_DEPTH,
                credentials=MappingProxyType(prepared),
                path_allow_reserved=allow_reserved,
                redactor=redactor,
                validation=checks,
                file_folders=folders,
                max_message_bytes=DEFAULT_MAX_BODY_BYTES
                if max_body_bytes is None
                else max_body_bytes,
            )

        blocked = blocking_findings(
            project.diagnostics, project.documents, project.plans, project.links
        )
        record = load_record(
            path,
            {
                "servers": servers,
                "server_variables": server_variables,
                "sources": sources,
                "credentials": credentials,
                "timeout": timeout,
                "allow_remote": allow_remote,
                "max_steps": max_steps,
                "session": session,
                "path_allow_reserved": sorted(allow_reserved),
                "file_folders": folders,
                "max_body_bytes": max_body_bytes,
                "max_response_seconds": max_response_seconds,
                "validate": validate,
                "transport": None if owns_transport else transport,
                "strict": strict,
                "_defaults": _defaults,
            },
        )
        return cls(
            document=entry,
            plans=MappingProxyType(project.plans),
            settings=settings,
            transport=transport,
            inputs_checker=inputs_checker,
            warnings=tuple(d for d in project.diagnostics if d.severity == "warning"),
            owns_transport=owns_transport,
            findings=tuple(project.diagnostics),
            blocked=blocked,
            loaded_from=record,
        )

    def run(
        self,
        workflow_id: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        on_event: EventHandler | None = None,
        cancel: threading.Event | None = None,
    ) -> RunResult:
        """Run one workflow; step failures end in ``succeeded == False``, never raise.

        ``on_event`` receives the run's typed events (see :mod:`arazzo_engine.events`)
        as they happen, stream events included while the caller reads the stream.
        ``cancel``: once another thread sets it, the run stops at its next step, and a
        message step waiting for a message stops waiting; the run fails, saying so.
        A workflow an error reaches (``strict=False``) raises ArazzoValidationError.
        """
        from arazzo_engine.run.context import RunState
        from arazzo_engine.run.interpreter import Interpreter

        self._check_runnable(workflow_id)
        given = dict(inputs or {})
        self._inputs.check(workflow_id, given)
        state = RunState()
        interpreter = Interpreter(
            self._plans, self._settings, self._transport, state, self._inputs, on_event, cancel
        )
        return interpreter.run(workflow_id, given)

    def run_many(
        self,
        workflow_id: str,
        inputs: Iterable[Mapping[str, Any] | None],
        *,
        concurrency: int = 4,
        on_event: EventHandler | None = None,
        executor: Executor | None = None,
        on_result: Callable[[int, RunResult], None] | None = None,
    ) -> list[RunResult]:
        """Run one workflow once per inputs mapping, ``concurrency`` at a time.

        Results come back in input order.  Inputs are all checked before the
        first run starts, so a bad one raises before anything is sent.
        ``on_event`` gets every run's events, each stamped with ``run=`` the
        index of its inputs mapping; it is called from the worker threads.
        ``on_result(index, result)`` is called once per run, in the calling
        thread, as each run finishes.
        ``executor`` (any ``concurrent.futures.Executor``, e.g. a Dask client's
        ``get_executor()``) runs them elsewhere instead of on threads: each run
        travels as (document path, load options, workflow id, inputs), a worker
        process loads the document once and reuses its engine, and a run whose
        worker is lost is started once more (``RunResult.retried``), see
        docs/scale.md.  ``on_event`` cannot cross to another process.
        """
        from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

        from arazzo_engine.events import tag_run

        if concurrency < 1:
            raise ConfigurationError(f"concurrency must be at least 1, got {concurrency}")
        if executor is not None and on_event is not None:
            raise ConfigurationError(
                "on_event= cannot be given with executor=: events stay in the worker "
                "process that runs the workflow; use on_result= to follow a batch"
            )
        batch = [dict(item or {}) for item in inputs]
        if self.document.workflow(workflow_id) is not None:
            self._check_runnable(workflow_id)
            for item in batch:
                self._inputs.check(workflow_id, item)
        if executor is not None:
            from arazzo_engine.batch.runner import run_on_executor

            return run_on_executor(
                self._loaded_from,
                workflow_id,
                batch,
                executor=executor,
                concurrency=concurrency,
                on_result=on_result,
            )

        def one(index: int, item: Mapping[str, Any]) -> RunResult:
            handler = None if on_event is None else tag_run(on_event, index)
            return self.run(workflow_id, item, on_event=handler)

        if concurrency == 1 or len(batch) <= 1:
            results = []
            for index, item in enumerate(batch):
                results.append(one(index, item))
                if on_result is not None:
                    on_result(index, results[-1])
            return results
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            futures = {pool.submit(one, i, item): i for i, item in enumerate(batch)}
            finished: dict[int, RunResult] = {}
            pending: set[Future[RunResult]] = set(futures)
            try:
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in sorted(done, key=futures.__getitem__):
                        index = futures[future]
                        finished[index] = future.result()
                        if on_result is not None:
                            on_result(index, finished[index])
            except BaseException:
                for future in pending:
                    future.cancel()
                raise
            return [finished[i] for i in range(len(batch))]


def _default_transport(
    session: Session | None, max_body_bytes: int, max_response_seconds: float | None
) -> Transport:
    """A ``RequestsTransport``; made on the first request when no session is given.

    A given session is the caller's ``requests``, already imported, and the
    transport sets its cookie policy at once, as it always has.
    """

    def make() -> Transport:
        from arazzo_engine.http.requests_transport import RequestsTransport

        return RequestsTransport(
            session, max_body_bytes=max_body_bytes, max_response_seconds=max_response_seconds
        )

    return make() if session is not None else DeferredTransport(make)


def _built(project: LoadedProject, strict: bool) -> tuple[ArazzoDocument, InputsChecker]:
    """The entry document and its inputs checker; the load's errors raise when ``strict``,
    or when no workflow could be built."""
    entry, inputs = project.entry, project.inputs
    if entry is None or inputs is None or not entry.workflows:
        raise ArazzoValidationError(project.diagnostics)
    if strict and project.has_errors:
        raise ArazzoValidationError(project.diagnostics)
    return entry, inputs


def _check_transport(
    transport: object,
    session: object,
    max_body_bytes: int | None,
    max_response_seconds: float | None,
) -> None:
    """A given transport must be one, and is configured by whoever made it."""
    if not callable(getattr(transport, "send", None)) or not callable(
        getattr(transport, "close", None)
    ):
        raise ConfigurationError(
            f"transport= must have send(request, *, timeout) and close() methods; "
            f"got {type(transport).__name__}"
        )
    clashing = [
        name
        for name, value in (
            ("session", session),
            ("max_body_bytes", max_body_bytes),
            ("max_response_seconds", max_response_seconds),
        )
        if value is not None
    ]
    if clashing:
        raise ConfigurationError(
            f"transport= and {', '.join(n + '=' for n in clashing)} were both given; "
            "these options configure the default transport: set them on the transport "
            "you pass instead (MockTransport takes max_body_bytes)"
        )


class Defaults(Protocol):
    """Values for the names a document turns out to have, where the options give none.

    The pytest plugin's session settings and ``ARAZZO_*`` environment are one:
    they serve every collected document, so they may name sources and schemes
    a given document lacks, which ``Engine.load``'s own options may not.
    """

    def server(self, source: str) -> str | None: ...

    def source(self, source: str) -> str | None: ...

    def credential(self, scheme: str) -> str | None: ...

    def allows_reserved(self, source: str) -> bool: ...


class _WithDefaults(Mapping[str, str]):
    """The given overrides, and a default asked by name for any other name.

    Iterating yields the given names only: the loader reads by name, and the
    unknown-name checks see only what the caller wrote.
    """

    def __init__(self, given: Mapping[str, str], default: Callable[[str], str | None]) -> None:
        self._given = given
        self._default = default

    def __getitem__(self, name: str) -> str:
        if name in self._given:
            return self._given[name]
        found = self._default(name)
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._given)

    def __len__(self) -> int:
        return len(self._given)


def _defaults_for(
    schemes: Iterable[str], given: Mapping[str, str], defaults: Defaults
) -> dict[str, str]:
    """Default credentials for the document's schemes that the options left out."""
    found: dict[str, str] = {}
    for scheme in schemes:
        if scheme not in given:
            value = defaults.credential(scheme)
            if value is not None:
                found[scheme] = value
    return found


def _file_folders(given: Iterable[str | os.PathLike[str]]) -> tuple[str, ...]:
    """``file_folders=`` resolved (symbolic links followed), each checked to be a folder."""
    if isinstance(given, (str, os.PathLike)):
        given = [given]
    folders: list[str] = []
    for folder in given:
        resolved = os.path.realpath(os.fspath(folder))
        if not os.path.isdir(resolved):
            raise ConfigurationError(
                f"{option('file_folders')} names {os.fspath(folder)!r}, which is not a folder"
            )
        folders.append(resolved)
    return tuple(folders)
