"""The official Arazzo 1.1 schema test documents, checked alone (extra evidence).

The proof of each rule is in tests/test_arazzo_11_model.py and
tests/bad_documents/; this reads the shared copy of the official documents in
place (never copied) and skips cleanly when it is absent.  A ``pass/``
document must raise no structural error, a ``fail/`` document at least one
located error, as in ``python -m tests.conformance``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine.validation.alone import findings_without_sources
from tests.conformance.__main__ import DEFAULT_SHARED
from tests.conformance.schema_tests import STRUCTURAL

FOLDER = DEFAULT_SHARED / "spec" / "1.1" / "schema-tests"


def _documents(expected: str) -> list[Path]:
    """The documents of ``pass/`` or ``fail/``; one absent marker when there are none."""
    found = sorted((FOLDER / expected).glob("*.y*ml")) if FOLDER.is_dir() else []
    return found or [FOLDER / expected / "(absent)"]


def _errors(path: Path) -> list[tuple[str, str, int]]:
    if not path.is_file():
        pytest.skip(f"the shared schema tests are not at {FOLDER}")
    found, _ = findings_without_sources(path)
    return [(d.rule, d.pointer, d.line) for d in found if d.severity == "error" and d.line > 0]


@pytest.mark.parametrize("path", _documents("pass"), ids=lambda p: p.name)
def test_a_pass_document_has_no_structural_error(path: Path) -> None:
    structural = [e for e in _errors(path) if e[0] in STRUCTURAL]
    assert structural == []


@pytest.mark.parametrize("path", _documents("fail"), ids=lambda p: p.name)
def test_a_fail_document_has_a_located_error(path: Path) -> None:
    assert _errors(path) != []
