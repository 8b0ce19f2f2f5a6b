"""Putting diagnostics in order and writing them: compiler text, JSON, GitHub annotations."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence

from arazzo_engine.errors import ConfigurationError, Diagnostic, DocumentError, Location

__all__ = [
    "FORMATS",
    "diagnostic_for",
    "finalize",
    "format_github",
    "format_json",
    "format_text",
    "render",
    "strict",
    "to_json",
]

FORMATS = ("text", "json", "github")


def finalize(
    diagnostics: Iterable[Diagnostic], entry: str | None = None, ignore: Iterable[str] = ()
) -> list[Diagnostic]:
    """Drop exact repeats and order best first: errors, the entry file, then by position.

    ``ignore`` names rule ids whose findings are dropped (``arazzo validate --ignore``);
    ignoring an error's rule hides it from the list, it does not make a load succeed.
    """
    silenced = frozenset(ignore)
    unique = [d for d in dict.fromkeys(diagnostics) if d.rule not in silenced]
    return sorted(
        unique,
        key=lambda d: (d.severity != "error", d.file != entry, d.file, d.line, d.column),
    )


def strict(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Every warning turned into an error (``--strict``)."""
    return [dataclasses.replace(d, severity="error") for d in diagnostics]


def diagnostic_for(error: Exception, path: str) -> Diagnostic:
    """A load problem that is not a validation finding, as a diagnostic."""
    if isinstance(error, DocumentError):
        return Diagnostic("error", "document", error.message, error.location or Location(path))
    rule = "configuration" if isinstance(error, ConfigurationError) else "usage"
    return Diagnostic("error", rule, str(error), Location(path))


def _place(d: Diagnostic) -> str:
    return f"{d.file}:{d.line}:{d.column or 1}" if d.line else d.file


def format_text(diagnostics: Sequence[Diagnostic]) -> str:
    """``file:line:col: severity: message [rule]``, then further lines and the pointer."""
    lines: list[str] = []
    for d in diagnostics:
        first, *rest = d.message.split("\n")
        lines.append(f"{_place(d)}: {d.severity}: {first} [{d.rule}]")
        lines.extend(rest)
        if d.pointer:
            lines.append(f"    at #{d.pointer}")
    return "\n".join(lines)


def to_json(d: Diagnostic) -> dict[str, object]:
    return {
        "severity": d.severity,
        "file": d.file,
        "line": d.line,
        "column": d.column,
        "pointer": d.pointer,
        "message": d.message,
        "rule": d.rule,
    }


def format_json(diagnostics: Sequence[Diagnostic]) -> str:
    """A JSON array of objects: severity, file, line, column, pointer, message, rule."""
    return json.dumps([to_json(d) for d in diagnostics], indent=2, ensure_ascii=False)


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostics: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands: ``::error file=F,line=L,col=C,title=RULE::MESSAGE``."""
    lines: list[str] = []
    for d in diagnostics:
        fields = [f"file={_property(d.file)}"]
        if d.line:
            fields += [f"line={d.line}", f"col={d.column or 1}"]
        fields.append(f"title={_property(d.rule)}")
        message = d.message + (f" (at #{d.pointer})" if d.pointer else "")
        lines.append(f"::{d.severity} {','.join(fields)}::{_data(message)}")
    return "\n".join(lines)


def render(diagnostics: Sequence[Diagnostic], form: str) -> str:
    """The diagnostics in one of :data:`FORMATS`."""
    if form == "json":
        return format_json(diagnostics)
    if form == "github":
        return format_github(diagnostics)
    return format_text(diagnostics)
