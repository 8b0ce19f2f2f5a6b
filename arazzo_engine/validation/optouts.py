"""Inline opt-outs: a YAML comment ``# arazzo: ignore[rule, ...]`` silences those rules there.

A linter users live with lets them say, next to the line, "I know; leave it".
The comment applies to findings on its own line when it ends a line of YAML,
or, alone on its line, to the next line that is neither blank nor another
comment (so several opt-out lines can stack above one node).  A comment is a
``#`` at the start of a line or after a space, as YAML has it; JSON documents
have no comments and so no opt-outs.

An opt-out naming no known rule, or one that silenced nothing in a document
that was checked completely, is itself reported (``unused-ignore``): stale
opt-outs would otherwise hide the next real finding on that line.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from arazzo_engine.errors import Diagnostic, DocumentError, Location
from arazzo_engine.load.local_files import MAX_DOCUMENT_BYTES, read_local_file
from arazzo_engine.validation.rules import RULES, close_rules

__all__ = ["OptOut", "OptOuts", "parse_opt_outs"]

MARKER = re.compile(r"(?:^|(?<=\s))#\s*arazzo:\s*ignore(?P<bracket>\[(?P<rules>[^\]]*)\])?")


@dataclass(frozen=True)
class OptOut:
    """One ``# arazzo: ignore[...]`` comment: where it is, the line it covers, its rules."""

    file: str
    line: int
    column: int
    target: int
    """The line whose findings it silences."""
    rules: tuple[str, ...]
    """The rule ids written, as written (empty when the brackets are missing)."""

    @property
    def text(self) -> str:
        return f"# arazzo: ignore[{', '.join(self.rules)}]"


def parse_opt_outs(text: str, file: str) -> list[OptOut]:
    """Every opt-out comment of a YAML text, each with the line it covers."""
    lines = text.splitlines()
    found: list[OptOut] = []
    for index, line in enumerate(lines):
        match = MARKER.search(line)
        if match is None:
            continue
        target = index
        if line.lstrip().startswith("#"):
            target = _next_code_line(lines, index)
        written = match.group("rules") or ""
        rules = tuple(r.strip() for r in written.split(",") if r.strip())
        found.append(OptOut(file, index + 1, match.start() + 1, target + 1, rules))
    return found


def _next_code_line(lines: list[str], index: int) -> int:
    for later in range(index + 1, len(lines)):
        stripped = lines[later].strip()
        if stripped and not stripped.startswith("#"):
            return later
    return index


class OptOuts:
    """The opt-out comments of every file a finding points at, read once each."""

    def __init__(self) -> None:
        self._files: dict[str, list[OptOut]] = {}
        self.used: set[tuple[OptOut, str]] = set()
        """(opt-out, rule) pairs that silenced at least one finding."""

    def of(self, file: str) -> list[OptOut]:
        """The opt-outs of ``file`` (none for JSON, a URL or an unreadable file)."""
        if file not in self._files:
            self._files[file] = _read(file)
        return self._files[file]

    def silencing(self, diagnostic: Diagnostic) -> OptOut | None:
        """The opt-out that covers this finding's line and names its rule, if any."""
        if not diagnostic.line:
            return None
        for opt_out in self.of(diagnostic.file):
            if opt_out.target == diagnostic.line and diagnostic.rule in opt_out.rules:
                return opt_out
        return None

    def apply(self, diagnostics: Iterable[Diagnostic]) -> tuple[list[Diagnostic], list[Diagnostic]]:
        """The findings no opt-out covers, and those silenced (their opt-outs marked used)."""
        kept: list[Diagnostic] = []
        silenced: list[Diagnostic] = []
        for diagnostic in diagnostics:
            opt_out = self.silencing(diagnostic)
            if opt_out is None:
                kept.append(diagnostic)
            else:
                self.used.add((opt_out, diagnostic.rule))
                silenced.append(diagnostic)
        return kept, silenced

    def unused(
        self, file: str, *, complete: bool, not_checked: Collection[str] = ()
    ) -> list[Diagnostic]:
        """``unused-ignore`` warnings for ``file``'s opt-outs.

        Rule ids that do not exist are always reported; opt-outs that silenced
        nothing only when ``complete`` (every check ran: a document with errors
        may have stopped before the rule an opt-out names), and never for rules
        in ``not_checked``.
        """
        found: list[Diagnostic] = []
        for opt_out in self.of(file):
            where = Location(file, "", opt_out.line, opt_out.column)
            if not opt_out.rules:
                found.append(
                    Diagnostic(
                        "warning",
                        "unused-ignore",
                        "an opt-out must name the rules it silences: write "
                        "'# arazzo: ignore[RULE]' (several separated by commas)",
                        where,
                    )
                )
                continue
            unknown = [r for r in opt_out.rules if r not in RULES]
            for rule in unknown:
                close = close_rules(rule)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                found.append(
                    Diagnostic(
                        "warning",
                        "unused-ignore",
                        f"'{opt_out.text}' names '{rule}', which is no rule id{hint} "
                        "(the rule ids are listed in arazzo_engine/validation/rules.py)",
                        where,
                    )
                )
            if not complete:
                continue
            idle = [
                r
                for r in opt_out.rules
                if r in RULES and r not in not_checked and (opt_out, r) not in self.used
            ]
            if idle:
                names = ", ".join(idle)
                found.append(
                    Diagnostic(
                        "warning",
                        "unused-ignore",
                        f"'{opt_out.text}' silences nothing: no {names} finding on line "
                        f"{opt_out.target}; remove {names} from the comment",
                        where,
                    )
                )
        return found


def _read(file: str) -> list[OptOut]:
    if "://" in file or file.lower().endswith(".json"):
        return []
    try:
        text = read_local_file(file, limit=MAX_DOCUMENT_BYTES).decode("utf-8-sig")
    except (DocumentError, UnicodeDecodeError):
        return []
    return parse_opt_outs(text, file)
