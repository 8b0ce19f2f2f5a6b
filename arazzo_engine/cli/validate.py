"""``arazzo validate PATH...``: check many documents in one call, with one summary at the end.

A folder stands for every ``*.arazzo.yaml``, ``*.arazzo.yml`` and ``*.arazzo.json``
file under it.  Each document is loaded as ``Engine.load`` would (or alone, with
``--no-sources``); its findings go through the inline opt-outs
(:mod:`arazzo_engine.validation.optouts`), the ignored rules of ``--ignore`` and
``[tool.arazzo]`` (:mod:`arazzo_engine.cli.lint_config`), then ``--strict``.
File names are shown relative to the current directory when under it, so
GitHub annotations attach to the files of a pull request.  A finding already
shown for an earlier document (a shared source) is not shown again.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from arazzo_engine.cli.lint_config import ConfigError, LintConfig, find_config, rule_ids
from arazzo_engine.engine import Engine
from arazzo_engine.errors import ArazzoError, ArazzoValidationError, Diagnostic
from arazzo_engine.reports.printable import escape_json_text, printable_lines
from arazzo_engine.validation import NEEDS_SOURCES, PARTLY_NEEDS_SOURCES, finalize, strict
from arazzo_engine.validation.alone import findings_without_sources
from arazzo_engine.validation.optouts import OptOuts
from arazzo_engine.validation.report import diagnostic_for, format_json, render

__all__ = ["DOCUMENT_SUFFIXES", "documents", "shown_path", "validate_command"]

DOCUMENT_SUFFIXES = (".arazzo.yaml", ".arazzo.yml", ".arazzo.json")
"""The file names a folder given to ``validate`` contributes (any case)."""
PASSED_OVER = ("node_modules",)
"""Folders never searched, besides those whose name starts with a dot (.git, .venv)."""
NOT_CHECKED = frozenset(NEEDS_SOURCES) | frozenset(PARTLY_NEEDS_SOURCES)


@dataclass(frozen=True)
class Options:
    """What decides how each document is checked, merged from the command line and config."""

    servers: dict[str, str]
    sources: dict[str, str]
    allow_remote: bool
    no_sources: bool
    ignore: frozenset[str]
    strict: bool
    pair_error: str | None
    """A malformed --source/--server: reported as a ``usage`` finding of each document."""


@dataclass
class Checked:
    """One document's verdict and what is shown for it."""

    path: str
    findings: list[Diagnostic]
    """Shown for this document: a finding an earlier document showed is left out."""
    workflows: int | None
    ignored: list[Diagnostic]
    invalid: bool
    """Any error among its own findings, those shown earlier included."""


def validate_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``validate``; 2 when any document has an error, else 0.

    Raises :class:`ConfigError` for bad usage (a folder without documents, an
    unknown rule id, a wrong ``[tool.arazzo]``): nothing is checked then.
    """
    config = LintConfig() if args.no_config else find_config(Path.cwd())
    options = _options(args, config)
    paths = documents(args.path)
    opt_outs = OptOuts()
    checked = [_check(path, options, opt_outs) for path in paths]
    shown: dict[Diagnostic, None] = {}
    for item in checked:
        item.findings = [d for d in item.findings if d not in shown]
        shown.update(dict.fromkeys(item.findings))
    failed = any(item.invalid for item in checked)
    _write(args.format, checked, list(shown), _notes(options, checked), failed, out, err)
    return 2 if failed else 0


def _write(
    form: str,
    checked: list[Checked],
    shown: list[Diagnostic],
    notes: list[str],
    failed: bool,
    out: TextIO,
    err: TextIO,
) -> None:
    """The findings, notes and summary: text to stderr (the summary of a success to
    stdout); JSON and annotations to stdout, notes and summary beside them on stderr
    (a ``::notice`` each, for GitHub)."""
    summary = printable_lines(_summary(checked, shown))
    if form == "json":
        print(escape_json_text(format_json(shown)), file=out)
    elif form == "github":
        lines = [render(shown, "github")] if shown else []
        lines += [f"::notice title=arazzo validate::{note}" for note in notes]
        if lines:
            print(printable_lines("\n".join(lines)), file=out)
    for note in notes if form != "github" else ():
        print(f"note: {note}", file=err)
    if form != "text":
        print(summary, file=err)
        return
    for item in checked:
        if item.findings:
            print(printable_lines(render(item.findings, "text")), file=err)
        if len(checked) > 1 and item.invalid:
            print(printable_lines(f"{item.path}: invalid"), file=err)
    print(summary, file=err if failed else out)


def _options(args: argparse.Namespace, config: LintConfig) -> Options:
    ignore = config.ignore + rule_ids(args.ignore or (), "--ignore")
    if args.no_sources:
        for option, given in (
            ("--source", args.source),
            ("--server", args.server),
            ("--allow-remote", args.allow_remote),
        ):
            if given:
                raise ConfigError(
                    f"{option} and --no-sources were both given: --no-sources reads no "
                    f"source description, so {option} has nothing to apply to; drop one"
                )
    pair_error = None
    servers: dict[str, str] = {}
    sources: dict[str, str] = {}
    try:
        servers = _pairs(args.server, "--server")
        sources = _pairs(args.source, "--source")
    except ValueError as error:
        pair_error = str(error)
    return Options(
        servers=servers,
        sources=sources,
        allow_remote=args.allow_remote or config.allow_remote,
        no_sources=args.no_sources,
        ignore=frozenset(ignore),
        strict=args.strict or config.strict,
        pair_error=pair_error,
    )


def _pairs(items: Sequence[str] | None, option: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"{option} expects NAME=VALUE, got {item!r}")
        found[name] = value
    return found


def documents(given: Sequence[str]) -> list[str]:
    """The files to check: each file as named, each folder's documents sorted; no repeats."""
    found: list[str] = []
    for path in given:
        if os.path.isdir(path):
            inside = sorted(_walk(path), key=lambda p: Path(p).parts)
            if not inside:
                raise ConfigError(
                    f"{path}: the folder holds no Arazzo document; a folder contributes files "
                    f"named {', '.join('*' + s for s in DOCUMENT_SUFFIXES)} (folders starting "
                    "with '.' and node_modules are not searched); name a file to check it "
                    "whatever its name"
                )
            found.extend(inside)
        else:
            found.append(path)
    unique: dict[str, str] = {}
    for path in found:
        unique.setdefault(os.path.realpath(path), path)
    return list(unique.values())


def _walk(top: str) -> Iterator[str]:
    for folder, subfolders, files in os.walk(top):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in PASSED_OVER]
        for name in files:
            if name.lower().endswith(DOCUMENT_SUFFIXES):
                yield os.path.join(folder, name)


def shown_path(file: str, cwd: str | None = None) -> str:
    """``file`` relative to the current directory when under it, else absolute; URLs as is."""
    if "://" in file or not file:
        return file
    base = cwd if cwd is not None else os.getcwd()
    absolute = os.path.abspath(os.path.join(base, file))
    for root in dict.fromkeys((base, os.path.realpath(base))):
        relative = os.path.relpath(absolute, root)
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
            return relative
    return absolute


def _relative(diagnostic: Diagnostic) -> Diagnostic:
    file = shown_path(diagnostic.file)
    if file == diagnostic.file:
        return diagnostic
    return dataclasses.replace(
        diagnostic, location=dataclasses.replace(diagnostic.location, file=file)
    )


def _load(path: str, options: Options) -> tuple[list[Diagnostic], int | None]:
    """Every finding of loading ``path`` and, when it loaded, its number of workflows."""
    if options.pair_error is not None:
        return [diagnostic_for(ValueError(options.pair_error), path)], None
    if options.no_sources:
        return findings_without_sources(path)
    try:
        engine = Engine.load(
            path,
            servers=options.servers,
            sources=options.sources,
            allow_remote=options.allow_remote,
        )
    except ArazzoValidationError as error:
        return list(error.errors), None
    except ArazzoError as error:
        return [diagnostic_for(error, path)], None
    with engine:
        return list(engine.warnings), len(engine.workflow_ids)


def _check(path: str, options: Options, opt_outs: OptOuts) -> Checked:
    found, workflows = _load(path, options)
    entry = shown_path(path)
    kept, silenced = opt_outs.apply(_relative(d) for d in found)
    complete = not any(d.severity == "error" for d in kept)
    not_checked = NOT_CHECKED if options.no_sources else frozenset()
    kept += opt_outs.unused(entry, complete=complete, not_checked=not_checked)
    silenced += [d for d in kept if d.rule in options.ignore]
    kept = finalize(kept, entry, options.ignore)
    if options.strict:
        kept = strict(kept)
    invalid = any(d.severity == "error" for d in kept)
    return Checked(entry, kept, workflows, silenced, invalid)


def _notes(options: Options, checked: list[Checked]) -> list[str]:
    notes: list[str] = []
    if options.no_sources:
        notes.append(
            "--no-sources: source descriptions were not read; not checked: "
            f"{', '.join(NEEDS_SOURCES)}; checked only within the document (not against "
            f"operations or other Arazzo documents): {', '.join(PARTLY_NEEDS_SOURCES)}"
        )
    hidden = [d for item in checked for d in item.ignored if d.severity == "error"]
    if hidden:
        rules = ", ".join(sorted({d.rule for d in hidden}))
        count = len(hidden)
        notes.append(
            f"{count} error{'s' * (count != 1)} not shown, by ignored rules or opt-outs "
            f"({rules}): `arazzo run` and Engine.load still refuse "
            f"{'these documents' if len(checked) > 1 else 'this document'}"
        )
    return notes


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _summary(checked: list[Checked], shown: list[Diagnostic]) -> str:
    errors = sum(1 for d in shown if d.severity == "error")
    counts = f"{_plural(errors, 'error')}, {_plural(len(shown) - errors, 'warning')}"
    ignored = sum(len(item.ignored) for item in checked)
    if ignored:
        counts += f", {ignored} ignored"
    if len(checked) == 1:
        (item,) = checked
        if item.invalid:
            return f"{item.path}: invalid ({counts})"
        workflows = "" if item.workflows is None else _plural(item.workflows, "workflow") + ", "
        return f"{item.path}: valid ({workflows}{counts})"
    invalid = sum(1 for item in checked if item.invalid)
    return (
        f"{_plural(len(checked), 'document')}: {len(checked) - invalid} valid, "
        f"{invalid} invalid; {counts}"
    )
