"""The code blocks of README.md and docs/*.md, as a reader would run them.

A fenced block whose language is ``python``, ``sh`` or ``console`` runs as
written, from a folder that looks like the repository root (``fixtures/``,
``docs/`` and ``.venv/`` are there).  An HTML comment on the line just before
the fence says more, where the reader needs no telling:

``<!-- snippet: fragment -->``   not run: a signature, a synopsis, ``make test``
``<!-- snippet: server -->``     a command that starts a server and keeps it up;
                                 it is started (in the background) for every later
                                 snippet of the same file
``<!-- snippet: continues -->``  a python block that goes on from the file's
                                 previous python block (both run, in one process)
``<!-- snippet: pytest -->``     a python block that is a test module: run by pytest

Blocks in other languages (yaml, json, output) are shown, never run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNABLE = {"python": "python", "sh": "sh", "console": "sh"}
MARKS = ("fragment", "server", "continues", "pytest")
_FENCE = re.compile(r"^(`{3,})\s*([\w+-]*)[^\n]*$")
_MARK = re.compile(r"^<!--\s*snippet:\s*([\w-]+)\s*-->\s*$")


@dataclass(frozen=True)
class Snippet:
    """One fenced block: where it is, what it is, and how it runs."""

    doc: str
    line: int
    language: str
    mark: str | None
    code: str

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def snippets_of(path: Path) -> list[Snippet]:
    """Every runnable block of a Markdown file, in order, with its mark."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Snippet] = []
    index = 0
    doc = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, language = opening.group(1), opening.group(2).lower()
        end = index + 1
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        before = _MARK.match(lines[index - 1]) if index else None
        mark = before.group(1) if before else None
        if mark is not None and mark not in MARKS:
            raise ValueError(f"{doc}:{index}: unknown snippet mark {mark!r}; known: {MARKS}")
        if language in RUNNABLE:
            code = "\n".join(lines[index + 1 : end]) + "\n"
            found.append(Snippet(doc, index + 1, RUNNABLE[language], mark, code))
        index = end + 1
    return found


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def all_snippets() -> list[Snippet]:
    return [snippet for path in documents() for snippet in snippets_of(path)]


def python_source(snippet: Snippet, siblings: list[Snippet]) -> str:
    """The code a ``continues`` block runs with: the python blocks it goes on from."""
    if snippet.mark != "continues":
        return snippet.code
    earlier = [s for s in siblings if s.language == "python" and s.line < snippet.line]
    if not earlier:
        raise ValueError(f"{snippet.id}: a 'continues' block with no python block before it")
    return python_source(earlier[-1], siblings) + snippet.code
