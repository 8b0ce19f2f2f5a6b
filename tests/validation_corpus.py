"""Reading the bad-document corpus: each document says, in trailing comments, what a load reports.

A corpus document starts with a one-line ``# description`` (``# defect: ...`` under
``oai/``) and ends with one line per expected diagnostic::

    # expect: <severity> <rule> <line> <pointer or -> | <a fragment of the message>

or ``# expect: nothing`` for a document that loads without any finding.  The
expectations sit at the end so that adding one never moves the lines it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from arazzo_engine import Engine
from arazzo_engine.errors import ArazzoError, ArazzoValidationError, Diagnostic
from arazzo_engine.validation.report import diagnostic_for

CORPUS = Path(__file__).parent / "bad_documents"
DEFECTS = CORPUS / "oai"


@dataclass(frozen=True)
class Expected:
    severity: str
    rule: str
    line: int
    pointer: str
    fragment: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.severity, self.rule, self.line, self.pointer)


def documents(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.arazzo.yaml"))


def header(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[0]


def expectations(path: Path) -> list[Expected]:
    found: list[Expected] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# expect:"):
            continue
        body = line[len("# expect:") :].strip()
        if body == "nothing":
            continue
        head, _, fragment = body.partition(" | ")
        severity, rule, number, pointer = head.split(maxsplit=3)
        found.append(
            Expected(severity, rule, int(number), "" if pointer == "-" else pointer, fragment)
        )
    return found


def load_findings(path: Path) -> list[Diagnostic]:
    """Every finding of ``Engine.load`` on ``path``: the errors it raises, or its warnings."""
    try:
        engine = Engine.load(path)
    except ArazzoValidationError as error:
        return list(error.errors)
    except ArazzoError as error:
        return [diagnostic_for(error, str(path))]
    return list(engine.warnings)


def check_document(path: Path) -> None:
    """The load reports exactly the expected findings, each saying what it should."""
    expected = expectations(path)
    text = path.read_text(encoding="utf-8")
    assert expected or "# expect: nothing" in text, f"{path.name} states no expectation"
    found = load_findings(path)
    actual = sorted((d.severity, d.rule, d.line, d.pointer) for d in found)
    assert actual == sorted(e.key for e in expected), "\n".join(str(d) for d in found)
    for item in expected:
        messages = [d.message for d in found if (d.severity, d.rule, d.line, d.pointer) == item.key]
        assert any(item.fragment in m for m in messages), (item.fragment, messages)
    for d in found:
        assert d.file == str(path), d
