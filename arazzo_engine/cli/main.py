"""The ``arazzo`` command line: validate, list and run workflows.

Exit codes: 0 success, 1 the workflow failed, 2 a bad document, bad usage,
an unknown workflow, inputs that break the schema, or an unreadable file.

``run`` shows the run live (:mod:`arazzo_engine.cli.live`) and writes its reports
(:mod:`arazzo_engine.reports.trace`), both built on the run's events.  With
``--json`` stdout holds only the result object; the live view goes to stderr.
Text a server or a document wrote (messages, findings, ids) is printed through
:mod:`arazzo_engine.reports.printable`; JSON escapes it (``ensure_ascii``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from arazzo_engine.errors import (
    ArazzoError,
    ArazzoValidationError,
    DocumentError,
    LimitError,
    StreamError,
)
from arazzo_engine.fixes import speaking

if TYPE_CHECKING:
    from arazzo_engine.engine import Engine
    from arazzo_engine.redaction import Redactor
    from arazzo_engine.reports.trace import RunTrace
    from arazzo_engine.results import RunResult

# The engine is imported by the commands that use it, when they run: ``--version``
# and ``--help`` cost Python's start and argparse (tests/test_cli_startup.py).

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
REPORT_KINDS = ("junit", "json")
FORMATS = ("text", "json", "github")
"""``validate --format`` choices: validation.report.FORMATS (a test holds them equal)."""


class UsageError(Exception):
    """A command-line argument is malformed."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("arazzo-engine")
    except PackageNotFoundError:
        return "unknown"


def _pairs(items: Sequence[str] | None, option: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"{option} expects NAME=VALUE, got {item!r}")
        found[name] = value
    return found


def _coerce(name: str, text: str, schema: Mapping[str, Any] | None) -> Any:
    """An ``--input`` value typed by the inputs schema's declared type for it."""
    from arazzo_engine.limits import load_json

    declared = (schema or {}).get("properties", {}).get(name, {})
    kind = declared.get("type") if isinstance(declared, Mapping) else None
    try:
        if kind == "integer":
            return _integer(text)
        if kind == "number":
            return float(text)
        if kind == "boolean":
            lowered = text.lower()
            if lowered not in ("true", "false"):
                raise ValueError("expected true or false")
            return lowered == "true"
        if kind in ("object", "array"):
            return load_json(text)
    except LimitError as error:
        raise UsageError(f"--input {name}: the value {error}") from None
    except ValueError as error:
        raise UsageError(f"--input {name}: {_short(text)} is not a valid {kind}: {error}") from None
    return text


def _integer(text: str) -> int:
    """``int(text)``; more digits than Python converts is a LimitError, not its ValueError."""
    from arazzo_engine.limits import int_digits_limit

    digits = int_digits_limit()
    if digits and len(text.strip().lstrip("+-").replace("_", "")) > digits:
        raise LimitError(f"is an integer of more than {digits} digits")
    return int(text)


def _short(text: str) -> str:
    """``repr(text)``, cut: a value given on the command line may be long."""
    return repr(text) if len(text) <= 60 else repr(text[:57]) + "..."


def _inputs(args: argparse.Namespace, engine: Engine, workflow_id: str) -> dict[str, Any]:
    from arazzo_engine.limits import load_json
    from arazzo_engine.load.local_files import MAX_DOCUMENT_BYTES, read_local_file

    inputs: dict[str, Any] = {}
    if args.inputs_file:
        try:
            raw = read_local_file(args.inputs_file, limit=MAX_DOCUMENT_BYTES, what="inputs file")
            loaded = load_json(raw.decode("utf-8-sig"))
        except DocumentError as error:
            raise UsageError(f"--inputs-file: {error}") from None
        except LimitError as error:
            raise UsageError(f"--inputs-file {args.inputs_file}: the file {error}") from None
        except json.JSONDecodeError as error:
            # The parser's words and place only: the file may be a secret, never quoted.
            raise UsageError(
                f"--inputs-file {args.inputs_file}:{error.lineno}:{error.colno}: expected a JSON "
                f"object of inputs: {error.msg}"
            ) from None
        except UnicodeDecodeError:
            raise UsageError(
                f"--inputs-file {args.inputs_file} is not UTF-8 text; expected a JSON object "
                "of inputs"
            ) from None
        if not isinstance(loaded, dict):
            raise UsageError(f"--inputs-file {args.inputs_file} must hold a JSON object")
        inputs.update(loaded)
    inputs.update(_given_inputs(args, engine, workflow_id))
    return inputs


def _given_inputs(args: argparse.Namespace, engine: Engine, workflow_id: str) -> dict[str, Any]:
    """The ``--input`` values, typed by the workflow's inputs schema."""
    from arazzo_engine.limits import load_json

    inputs: dict[str, Any] = {}
    workflow = engine.document.workflow(workflow_id)
    schema = workflow.inputs if workflow is not None else None
    for item in args.input or ():
        if ":=" in item.split("=", 1)[0] + "=":
            name, _, text = item.partition(":=")
            try:
                inputs[name] = load_json(text)
            except LimitError as error:
                raise UsageError(f"--input {name}:= the value {error}") from None
            except ValueError as error:
                raise UsageError(f"--input {name}:= expects JSON: {error}") from None
            continue
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--input expects NAME=VALUE or NAME:=JSON, got {item!r}")
        inputs[name] = _coerce(name, text, schema)
    return inputs


def _load(args: argparse.Namespace, *, strict: bool = True) -> Engine:
    from arazzo_engine.engine import Engine
    from arazzo_engine.sources.openapi.servers import parse_server_variables

    return Engine.load(
        args.path,
        servers=_pairs(getattr(args, "server", None), "--server"),
        server_variables=parse_server_variables(getattr(args, "server_var", None) or ()),
        sources=_pairs(getattr(args, "source", None), "--source"),
        credentials=_pairs(getattr(args, "auth", None), "--auth"),
        timeout=getattr(args, "timeout", 30.0),
        max_steps=getattr(args, "max_steps", 1000),
        path_allow_reserved=getattr(args, "path_allow_reserved", None) or (),
        file_folders=getattr(args, "allow_files", None) or (),
        validate=getattr(args, "validate", "off"),
        allow_remote=getattr(args, "allow_remote", False),
        strict=strict,
    )


def _cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Every finding of every document named, in the chosen format; 2 when any has an error.

    ``text`` goes to stderr like a compiler's (the summary of valid documents to
    stdout); ``json`` and ``github`` go to stdout (:mod:`arazzo_engine.cli.validate`).
    """
    from arazzo_engine.cli.validate import validate_command

    return validate_command(args, out, err)


def _cmd_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Every workflow, those an error reaches marked blocked; the errors after, then exit 2."""
    from arazzo_engine.reports.printable import printable, printable_lines
    from arazzo_engine.validation.report import render

    engine = _load(args, strict=False)
    for workflow in engine.document.workflows:
        summary = f"  {workflow.summary}" if workflow.summary else ""
        blocking = len(engine.blocked_by(workflow.workflow_id))
        mark = f"  (blocked: {_count(blocking, 'error')})" if blocking else ""
        print(printable(f"{workflow.workflow_id}{summary}{mark}"), file=out)
        properties = (workflow.inputs or {}).get("properties", {})
        required = set((workflow.inputs or {}).get("required", []))
        for name, schema in properties.items():
            kind = schema.get("type", "any") if isinstance(schema, Mapping) else "any"
            flag = " (required)" if name in required else ""
            print(printable(f"    --input {name}=<{kind}>{flag}"), file=out)
    errors = [d for d in engine.findings if d.severity == "error"]
    if not errors:
        return EXIT_OK
    print(printable_lines(render(errors, "text")), file=err)
    blocked = len(engine.workflow_ids) - len(engine.runnable)
    print(
        printable(
            f"{args.path}: {_count(len(errors), 'error')} block{'s' * (len(errors) == 1)} "
            f"{blocked} of {_count(len(engine.workflow_ids), 'workflow')}"
            " (arazzo validate lists every finding)"
        ),
        file=err,
    )
    return EXIT_USAGE


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _chosen(args: argparse.Namespace, engine: Engine, err: TextIO) -> str | None:
    """The workflow to run: ``-w``, or the only one; None (said on ``err``) when unclear.

    One an error reaches raises its ArazzoValidationError; the document's other
    errors are printed on ``err`` as a warning and the workflow runs.
    """
    from arazzo_engine.reports.printable import printable, printable_lines
    from arazzo_engine.validation.report import render

    workflow_id: str | None = args.workflow
    if workflow_id is None:
        if len(engine.workflow_ids) != 1:
            choices = ", ".join(engine.workflow_ids)
            print(printable(f"error: several workflows; choose one with -w: {choices}"), file=err)
            return None
        workflow_id = engine.workflow_ids[0]
    blocking = engine.blocked_by(workflow_id)
    if blocking:
        raise ArazzoValidationError(blocking, workflow_id=workflow_id, runnable=engine.runnable)
    others = [d for d in engine.findings if d.severity == "error"]
    if others and workflow_id in engine.workflow_ids:
        print(
            printable(
                f"warning: {args.path} has {_count(len(others), 'error')} that workflow "
                f"'{workflow_id}' does not reach; running it anyway:"
            ),
            file=err,
        )
        print(printable_lines(render(others, "text")), file=err)
    return workflow_id


def _follow_streams(result: RunResult) -> None:
    """Read every open stream to its end; the live view prints each event as it comes."""
    for step in result.steps:
        response = step.response
        if response is not None and response.is_stream:
            for _ in response.events():
                pass


def _reports(items: Sequence[str] | None) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for kind, target in _pairs(items, "--report").items():
        if kind not in REPORT_KINDS:
            raise UsageError(f"--report {kind}=...: the kinds are {', '.join(REPORT_KINDS)}")
        if not target:
            raise UsageError(f"--report {kind}= needs a file name")
        found.append((kind, Path(target)))
    return found


def _write_reports(
    reports: list[tuple[str, Path]], trace: RunTrace, name: str, redactor: Redactor
) -> None:
    from arazzo_engine.reports.printable import escape_json_text
    from arazzo_engine.reports.trace import junit_xml

    for kind, path in reports:
        if kind == "junit":
            text = junit_xml(trace, name=name)
        else:
            text = escape_json_text(json.dumps(trace.to_json(), indent=2, ensure_ascii=False))
            text += "\n"
        try:
            path.write_text(redactor.text(text), encoding="utf-8")
        except OSError as error:
            raise UsageError(f"--report {kind}={path}: {error}") from None


def _batch_options(args: argparse.Namespace) -> bool:
    """True in batch mode (a ``.jsonl`` inputs file), after checking the options against it."""
    from arazzo_engine.cli.batch import check_dask_target, is_batch_file

    if not is_batch_file(args.inputs_file):
        for given, option in (
            (args.jobs, "--jobs"),
            (args.dask, "--dask"),
            (args.output, "--output"),
        ):
            if given is not None:
                raise UsageError(
                    f"{option} runs a batch: give it an --inputs-file FILE.jsonl "
                    "(one JSON object of inputs per line)"
                )
        return False
    for given, option, why in (
        (args.json, "--json", "each row's result is a JSON line already (stdout or --output)"),
        (args.report, "--report", "reports describe one run"),
        (args.verbose, "--verbose", "it shows one run's requests"),
        (args.trace, "--trace", "it shows one run's evaluations"),
    ):
        if given:
            raise UsageError(f"{option} is not for a batch (--inputs-file *.jsonl): {why}")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    if args.dask is not None:
        check_dask_target(args.dask)
    return True


def _cmd_batch(
    args: argparse.Namespace, engine: Engine, workflow_id: str, out: TextIO, err: TextIO
) -> int:
    from arazzo_engine.cli.batch import run_batch
    from arazzo_engine.redaction import Redactor

    succeeded = run_batch(
        engine,
        workflow_id,
        inputs_file=args.inputs_file,
        common=_given_inputs(args, engine, workflow_id),
        output=args.output,
        jobs=args.jobs,
        dask=args.dask,
        redactor=Redactor(_pairs(args.auth, "--auth").values()),
        out=out,
        err=err,
    )
    return EXIT_OK if succeeded else EXIT_FAILED


def _cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from arazzo_engine.cli.live import LiveView
    from arazzo_engine.events import fan_out
    from arazzo_engine.redaction import Redactor
    from arazzo_engine.reports.printable import printable_lines
    from arazzo_engine.reports.trace import RunTrace

    batch = _batch_options(args)
    reports = _reports(args.report)
    engine = _load(args, strict=False)
    workflow_id = _chosen(args, engine, err)
    if workflow_id is None:
        return EXIT_USAGE
    if batch:
        return _cmd_batch(args, engine, workflow_id, out, err)
    inputs = _inputs(args, engine, workflow_id)
    redactor = Redactor(_pairs(args.auth, "--auth").values())
    live = LiveView.for_stream(
        err if args.json else out, verbose=args.verbose, trace=args.trace, redactor=redactor
    )
    trace = RunTrace() if reports else None
    try:
        with engine.run(workflow_id, inputs, on_event=fan_out(live, trace)) as result:
            if args.json:
                live.close()
                text = json.dumps(result.to_json(), default=_json_default, indent=2)
                print(redactor.text(text), file=out)
                return EXIT_OK if result.succeeded else EXIT_FAILED
            if result.succeeded and not args.no_follow:
                try:
                    _follow_streams(result)
                except StreamError as error:
                    live.close()
                    print(f"error: {printable_lines(redactor.text(str(error)))}", file=err)
                    return EXIT_FAILED
            live.close()
            for step in result.steps:
                for finding in step.validation:
                    line = f"validation: step '{step.step_id}': {finding}"
                    print(printable_lines(redactor.text(line)), file=err)
            if result.outputs:
                text = json.dumps(result.outputs, default=_json_default)
                print(f"outputs: {redactor.text(text)}", file=out)
            if not result.succeeded:
                said = redactor.text(result.error or "the workflow failed")
                print(f"error: {printable_lines(said)}", file=err)
                return EXIT_FAILED
        return EXIT_OK
    finally:
        live.close()
        if trace is not None:
            _write_reports(reports, trace, Path(args.path).stem, redactor)


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return repr(value)


class _VersionAction(argparse.Action):
    """``--version``: the package metadata is read only when it is asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"arazzo {_version()}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="arazzo", description=__doc__.splitlines()[0].replace("``", "")
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser, server_help: str, many: bool = False) -> None:
        if many:
            sub.add_argument(
                "path",
                nargs="+",
                help="Arazzo documents, or folders: every *.arazzo.yaml, *.arazzo.yml and "
                "*.arazzo.json under them",
            )
        else:
            sub.add_argument("path", help="the Arazzo document (.yaml, .yml or .json)")
        sub.add_argument(
            "--source",
            action="append",
            metavar="SOURCE=PATH",
            help="read a source description from PATH instead of its url",
        )
        sub.add_argument(
            "--server",
            action="append",
            metavar="SOURCE=URL",
            help=server_help,
        )
        sub.add_argument(
            "--allow-remote",
            action="store_true",
            help="fetch source descriptions named by http(s) URLs (off by default)",
        )

    validate = commands.add_parser("validate", help="check documents; exit 0 valid, 2 any invalid")
    common(validate, "take URL as a source's server (checked; no request is sent)", many=True)
    validate.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (file:line:col: severity: message [rule]), json, or github annotations",
    )
    validate.add_argument(
        "--strict", action="store_true", help="treat warnings as errors (exit 2 on any)"
    )
    validate.add_argument(
        "--ignore",
        action="append",
        metavar="RULE",
        help="do not show findings of this rule id (repeatable, or comma-separated)",
    )
    validate.add_argument(
        "--no-sources",
        action="store_true",
        help="check the documents alone, without reading their source descriptions "
        "(says which rules are then not checked)",
    )
    validate.add_argument(
        "--no-config",
        action="store_true",
        help="do not read [tool.arazzo] from pyproject.toml",
    )
    validate.set_defaults(handler=_cmd_validate)
    listing = commands.add_parser("list", help="workflow ids with summaries and inputs")
    common(listing, "take URL as a source's server (no request is sent)")
    listing.set_defaults(handler=_cmd_list)
    run = commands.add_parser("run", help="run a workflow")
    common(run, "send a source's requests to URL")
    run.add_argument("-w", "--workflow", help="the workflow id (optional when there is one)")
    run.add_argument(
        "--input",
        action="append",
        metavar="NAME=VALUE",
        help="an input, typed by the inputs schema; NAME:=JSON for raw JSON",
    )
    run.add_argument(
        "--inputs-file",
        metavar="FILE.json",
        help="inputs as a JSON object; a FILE.jsonl (one object per line) runs a batch, "
        "one run per line",
    )
    run.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="batch: runs in flight at once (default 4 threads; 32 with --dask)",
    )
    run.add_argument(
        "--dask",
        metavar="ADDR",
        help="batch: run on Dask: local[:N] (a LocalCluster of N worker processes) or a "
        "scheduler address tcp://host:8786; needs arazzo-engine[dask]",
    )
    run.add_argument(
        "--output",
        metavar="FILE.jsonl",
        help="batch: append one result per line as runs finish (default stdout); rerun "
        "with the same file to skip the rows already in it",
    )
    run.add_argument(
        "--auth",
        action="append",
        metavar="SCHEME=VALUE",
        help="a credential for an OpenAPI security scheme (never printed)",
    )
    run.add_argument("--json", action="store_true", help="print only the result as JSON")
    run.add_argument(
        "--no-follow", action="store_true", help="do not print the events of an open stream"
    )
    run.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    run.add_argument("--max-steps", type=int, default=1000, help="step executions allowed")
    run.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show each request and response (credentials masked)",
    )
    run.add_argument(
        "--trace",
        action="store_true",
        help="show how every expression, criterion and action evaluated, with the values",
    )
    run.add_argument(
        "--report",
        action="append",
        metavar="KIND=FILE",
        help="write a report after the run: junit=FILE (JUnit XML) or json=FILE (full trace)",
    )
    run.add_argument(
        "--server-var",
        action="append",
        metavar="SOURCE.VAR=VALUE",
        help="a value for server URL variable VAR of SOURCE (checked against its enum)",
    )
    run.add_argument(
        "--path-allow-reserved",
        action="append",
        metavar="SOURCE",
        help="keep '/' raw in SOURCE's path values (only '/')",
    )
    run.add_argument(
        "--allow-files",
        action="append",
        metavar="DIR",
        help="a folder $file markers may send files from, besides the document's own",
    )
    run.add_argument(
        "--validate",
        choices=("off", "warn", "strict"),
        default="off",
        help="check requests and responses against the OpenAPI description: warn prints "
        "what does not match, strict also fails the step",
    )
    run.set_defaults(handler=_cmd_run)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code."""
    out = out or sys.stdout
    err = sys.stderr
    args = _parser().parse_args(argv)
    from arazzo_engine.redaction import Redactor
    from arazzo_engine.reports.printable import printable_lines

    secrets = list(_pairs(getattr(args, "auth", None), "--auth").values()) if _auth_ok(args) else []
    redactor = Redactor(secrets)
    try:
        with speaking("cli"):  # errors name --flags, not Engine.load keywords
            code: int = args.handler(args, out, err)
        return code
    except ArazzoValidationError as error:
        print(printable_lines(redactor.text(str(error))), file=err)
        return EXIT_USAGE
    except (ArazzoError, UsageError) as error:
        print(f"error: {printable_lines(redactor.text(str(error)))}", file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130


def _auth_ok(args: argparse.Namespace) -> bool:
    try:
        _pairs(getattr(args, "auth", None), "--auth")
    except UsageError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
