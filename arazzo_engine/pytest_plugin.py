"""The pytest plugin: Arazzo workflows as test items, and an ``arazzo_engine`` fixture.

Installed with the package (entry point ``pytest11``)::

    pytest --arazzo flows/ --arazzo-server falModelApis=http://127.0.0.1:8000 \\
           --arazzo-auth FalKeyAuth='Key ...'

``--arazzo PATH`` (repeatable) names an Arazzo document or a directory searched
for them (``.yaml``, ``.yml`` and ``.json`` files with a top-level ``arazzo``
key).  Each workflow of each document is one test item, run once per case of
its sidecar inputs file; when no other path is given on the command line only
these items run.  The sidecar sits beside the document, named after it:
``flow.arazzo.yaml`` -> ``flow.inputs.yaml`` (or ``flow.arazzo.inputs.yaml``;
``.yml`` and ``.json`` work too)::

    stream-inference:            # a workflow id: one case
      inputs: {modelOwner: fal-ai, modelName: any-llm, input: {prompt: hi}}
    queue-inference:             # several cases: items queue-inference[flux], ...
      cases:
        - id: flux
          inputs: {...}
          outputs: {requestId: ...}    # optional: outputs that must be equal
        - id: unknown-model
          inputs: {...}
          expect: failure              # optional: success (default) or failure

Servers, sources and credentials come from the options (repeatable)
``--arazzo-server SOURCE=URL``, ``--arazzo-source SOURCE=PATH``,
``--arazzo-auth SCHEME=VALUE``, ``--arazzo-path-allow-reserved SOURCE`` and
``--arazzo-timeout SECONDS``, and from the environment: ``ARAZZO_SERVER_<SOURCE>``
and ``ARAZZO_AUTH_<SCHEME>``, the name with every character other than a
letter, digit or ``_`` turned into ``_``, matched without regard to case
(``ARAZZO_AUTH_FALKEYAUTH='Key ...'``).  Options win over the environment.
Each document gets the names it has; the others are ignored.

A failing item shows the failing step, its request and response (credentials
masked) and the criterion with the value each side had.  Streams are not
read: a streaming step is judged when its stream opens, then closed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from arazzo_engine.errors import ArazzoError, SidecarError
from arazzo_engine.fixes import speaking
from arazzo_engine.redaction import Redactor
from arazzo_engine.reports.printable import printable_lines

if TYPE_CHECKING:
    from arazzo_engine.cases import Case
    from arazzo_engine.engine import Engine
    from arazzo_engine.reports.trace import RunTrace
    from arazzo_engine.results import RunResult

# Every pytest run loads this module (entry point ``pytest11``), with Arazzo
# documents or not: the engine, its run machinery and the reports are imported
# where a document is collected or a workflow run (tests/test_cli_startup.py).

__all__ = ["ArazzoFixture", "ArazzoItem", "EngineSettings"]

DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
_ARAZZO_KEY = re.compile(r'^(arazzo|"arazzo")\s*:|[{,]\s*"arazzo"\s*:', re.MULTILINE)
_NOT_A_NAME = re.compile(r"[^A-Za-z0-9_]")
_OPTIONS_KEY = pytest.StashKey["EngineSettings"]()


# ------------------------------------------------------------------ options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("arazzo", "Arazzo workflows as tests")
    group.addoption(
        "--arazzo",
        action="append",
        default=[],
        metavar="PATH",
        help="an Arazzo document, or a directory of them, whose workflows become tests",
    )
    group.addoption(
        "--arazzo-server",
        action="append",
        default=[],
        metavar="SOURCE=URL",
        help="send a source description's requests to URL (env: ARAZZO_SERVER_<SOURCE>)",
    )
    group.addoption(
        "--arazzo-source",
        action="append",
        default=[],
        metavar="SOURCE=PATH",
        help="read a source description from PATH instead of its url",
    )
    group.addoption(
        "--arazzo-auth",
        action="append",
        default=[],
        metavar="SCHEME=VALUE",
        help="a credential for an OpenAPI security scheme (env: ARAZZO_AUTH_<SCHEME>)",
    )
    group.addoption(
        "--arazzo-path-allow-reserved",
        action="append",
        default=[],
        metavar="SOURCE",
        help="keep '/' and other reserved characters raw in SOURCE's path values",
    )
    group.addoption(
        "--arazzo-allow-remote",
        action="store_true",
        default=None,
        help="fetch source descriptions named by http(s) URLs (off by default; "
        "ini: arazzo_allow_remote)",
    )
    group.addoption(
        "--arazzo-allow-files",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder $file markers may send files from, besides the document's own",
    )
    parser.addini(
        "arazzo_allow_remote",
        "fetch source descriptions named by http(s) URLs (as --arazzo-allow-remote)",
        type="bool",
        default=False,
    )
    group.addoption(
        "--arazzo-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="seconds to connect and for each read (default 30)",
    )


def _pairs(items: list[str], option: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise pytest.UsageError(f"{option} expects NAME=VALUE, got {item!r}")
        found[name] = value
    return found


def _env_key(name: str) -> str:
    return _NOT_A_NAME.sub("_", name).upper()


@dataclass(frozen=True)
class EngineSettings:
    """What every document of the session is loaded with (before per-document filtering)."""

    servers: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    credentials: Mapping[str, str] = field(default_factory=dict)
    path_allow_reserved: tuple[str, ...] = ()
    timeout: float = 30.0
    allow_remote: bool = False
    file_folders: tuple[str, ...] = ()
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_config(cls, config: pytest.Config) -> EngineSettings:
        return cls(
            servers=_pairs(config.getoption("arazzo_server"), "--arazzo-server"),
            sources=_pairs(config.getoption("arazzo_source"), "--arazzo-source"),
            credentials=_pairs(config.getoption("arazzo_auth"), "--arazzo-auth"),
            path_allow_reserved=tuple(config.getoption("arazzo_path_allow_reserved")),
            timeout=float(config.getoption("arazzo_timeout")),
            allow_remote=_allow_remote(config),
            file_folders=tuple(
                str(Path(config.invocation_params.dir) / folder)
                for folder in config.getoption("arazzo_allow_files")
            ),
            environ={
                k.upper(): v for k, v in os.environ.items() if k.upper().startswith("ARAZZO_")
            },
        )

    def _from_env(self, prefix: str, name: str) -> str | None:
        return self.environ.get(prefix + _env_key(name))

    # -- Defaults: asked only for the names a loaded document has ----------------
    def server(self, source: str) -> str | None:
        found = self.servers.get(source)
        return found if found is not None else self._from_env("ARAZZO_SERVER_", source)

    def source(self, source: str) -> str | None:
        return self.sources.get(source)

    def credential(self, scheme: str) -> str | None:
        found = self.credentials.get(scheme)
        return found if found is not None else self._from_env("ARAZZO_AUTH_", scheme)

    def allows_reserved(self, source: str) -> bool:
        return source in self.path_allow_reserved

    def load(self, path: str | os.PathLike[str], **overrides: Any) -> Engine:
        """Load a document once, with the servers, sources and credentials it has names for.

        The session's settings and ``ARAZZO_*`` environment apply to the names the
        document has (so one session can serve many documents); ``overrides``
        (``servers=``, ``credentials=``... as for ``Engine.load``) win and, like
        ``Engine.load``'s own options, must name what the document has.
        """
        overrides.setdefault("timeout", self.timeout)
        overrides.setdefault("allow_remote", self.allow_remote)
        overrides.setdefault("file_folders", self.file_folders)
        from arazzo_engine.engine import Engine

        return Engine.load(path, _defaults=self, **overrides)

    def secrets(self) -> list[str]:
        values = list(self.credentials.values())
        values += [v for k, v in self.environ.items() if k.startswith("ARAZZO_AUTH_")]
        return values


def _allow_remote(config: pytest.Config) -> bool:
    """``--arazzo-allow-remote``, else the ``arazzo_allow_remote`` ini value."""
    given = config.getoption("arazzo_allow_remote")
    return bool(config.getini("arazzo_allow_remote")) if given is None else bool(given)


def _settings(config: pytest.Config) -> EngineSettings:
    found = config.stash.get(_OPTIONS_KEY, None)
    if found is None:
        found = EngineSettings.from_config(config)
        config.stash[_OPTIONS_KEY] = found
    return found


def _targets(config: pytest.Config) -> list[Path]:
    base = Path(config.invocation_params.dir)
    return [(base / p).resolve() for p in config.getoption("arazzo")]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "arazzo: a test item made from an Arazzo workflow")
    targets = _targets(config)
    if not targets:
        return
    missing = [str(t) for t in targets if not t.exists()]
    if missing:
        raise pytest.UsageError(f"--arazzo: no such file or directory: {', '.join(missing)}")
    given = [str(t) for t in targets]
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        config.args.extend(given)
    else:  # no paths on the command line: run only the workflows
        config.args[:] = given


# --------------------------------------------------------------- collection


def is_arazzo_document(path: Path) -> bool:
    """A .yaml/.yml/.json file (not a sidecar) with a top-level ``arazzo`` key."""
    name = path.name
    if path.suffix not in DOCUMENT_SUFFIXES or ".inputs." in name:
        return False
    if not path.is_file():  # a FIFO or a device named *.yaml would block or never end
        return False
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(8192)
    except OSError:
        return False
    return _ARAZZO_KEY.search(head) is not None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ArazzoFile | None:
    targets = _targets(parent.config)
    if not targets:
        return None
    resolved = file_path.resolve()
    chosen = any(resolved == t or (t.is_dir() and t in resolved.parents) for t in targets)
    if chosen and is_arazzo_document(resolved):
        found: ArazzoFile = ArazzoFile.from_parent(parent, path=file_path)
        return found
    return None


class ArazzoFile(pytest.File):
    """An Arazzo document: one item per workflow and sidecar case."""

    def collect(self) -> Iterator[pytest.Item]:
        from arazzo_engine.cases import Case, read_cases, sidecar_path

        try:
            with speaking("pytest"):  # errors name --arazzo-* options
                engine = _settings(self.config).load(self.path)
        except ArazzoError as error:
            yield ArazzoProblem.from_parent(self, name="load", problem=str(error))
            return
        sidecar = sidecar_path(self.path)
        cases: dict[str, list[Case]] = {}
        if sidecar is not None:
            try:
                cases = read_cases(sidecar, engine.workflow_ids)
            except SidecarError as error:
                yield ArazzoProblem.from_parent(self, name="inputs", problem=str(error))
                return
        for workflow_id in engine.workflow_ids:
            for case in cases.get(workflow_id, [Case()]):
                name = workflow_id if case.id is None else f"{workflow_id}[{case.id}]"
                yield ArazzoItem.from_parent(
                    self,
                    name=name,
                    engine=engine,
                    workflow_id=workflow_id,
                    case=case,
                    sidecar=sidecar,
                )


class ArazzoFailure(Exception):
    """An Arazzo item failed; ``lines`` explain it (printed with control characters escaped)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(printable_lines("\n".join(lines)))
        self.lines = lines


class _ExplainedItem(pytest.Item):
    """An item whose failure is its explanation, shown without a traceback."""

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | Any:
        if isinstance(excinfo.value, ArazzoFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)


class ArazzoProblem(_ExplainedItem):
    """A document or sidecar that cannot be used: an item that fails saying why."""

    def __init__(self, *, problem: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problem = problem

    def runtest(self) -> None:
        raise ArazzoFailure([self.problem])

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"arazzo {self.name}"


class ArazzoItem(_ExplainedItem):
    """One run of one workflow with one case's inputs."""

    def __init__(
        self,
        *,
        engine: Engine,
        workflow_id: str,
        case: Case,
        sidecar: Path | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.engine = engine
        self.workflow_id = workflow_id
        self.case = case
        self.sidecar = sidecar
        self.add_marker("arazzo")

    def runtest(self) -> None:
        from arazzo_engine.cases import check_result
        from arazzo_engine.reports.trace import RunTrace

        trace = RunTrace()
        redactor = Redactor(_settings(self.config).secrets())
        try:
            with speaking("pytest"):
                result = self.engine.run(self.workflow_id, dict(self.case.inputs), on_event=trace)
        except ArazzoError as error:
            if self.sidecar is not None:
                where = f"(the inputs come from {self.sidecar})"
            else:
                stem = self.path.name.rsplit(".", 1)[0].removesuffix(".arazzo")
                where = f"(no inputs file: give them in {stem}.inputs.yaml beside the document)"
            raise ArazzoFailure([redactor.text(str(error)), where]) from None
        with result:
            lines = check_result(result, trace, self.case)
        if lines:
            raise ArazzoFailure([redactor.text(line) for line in lines])

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"arazzo workflow {self.name}"


# ------------------------------------------------------------------ fixture


class ArazzoFixture:
    """The ``arazzo_engine`` fixture: load documents and run workflows in a hand-written test.

    ``load`` applies the session's ``--arazzo-server`` / ``--arazzo-auth`` /
    environment settings (per document, as for collected items); ``run``
    records each run so ``check`` can explain a failure; open streams are
    closed when the test ends.  Its errors name ``Engine.load`` keywords (the
    test passes them to ``load``); collected items name ``--arazzo-*`` options.
    """

    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings
        self._traces: dict[int, RunTrace] = {}
        self._results: list[RunResult] = []

    def load(self, path: str | os.PathLike[str], **options: Any) -> Engine:
        """``Engine.load`` with the session's settings; ``options`` win."""
        return self.settings.load(path, **options)

    def run(
        self, engine: Engine, workflow_id: str, inputs: Mapping[str, Any] | None = None
    ) -> RunResult:
        """``engine.run``, recorded for :meth:`check` and :meth:`explain`."""
        from arazzo_engine.reports.trace import RunTrace

        trace = RunTrace()
        result = engine.run(workflow_id, inputs, on_event=trace)
        self._traces[id(result)] = trace
        self._results.append(result)
        return result

    def trace(self, result: RunResult) -> RunTrace:
        """Everything the run emitted (see :class:`arazzo_engine.reports.trace.RunTrace`)."""
        return self._traces[id(result)]

    def explain(self, result: RunResult) -> str:
        """Why the run failed: the failing step, its request and response, the criterion."""
        from arazzo_engine.reports.trace import explain_failure

        redactor = Redactor(self.settings.secrets())
        lines = explain_failure(self.trace(result)) or [result.error or ""]
        return redactor.text("\n".join(lines))

    def check(self, result: RunResult, outputs: Mapping[str, Any] | None = None) -> None:
        """Fail the test, explained, unless the run succeeded (with these ``outputs``)."""
        from arazzo_engine.cases import Case, check_result

        lines = check_result(result, self.trace(result), Case(outputs=outputs))
        if lines:
            redactor = Redactor(self.settings.secrets())
            pytest.fail(printable_lines(redactor.text("\n".join(lines))), pytrace=False)

    def close(self) -> None:
        for result in self._results:
            result.close()


@pytest.fixture
def arazzo_engine(request: pytest.FixtureRequest) -> Iterator[ArazzoFixture]:
    """Load Arazzo documents and run their workflows with the session's servers and credentials."""
    helper = ArazzoFixture(_settings(request.config))
    try:
        yield helper
    finally:
        helper.close()
