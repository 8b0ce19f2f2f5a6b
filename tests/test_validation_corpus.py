"""The bad-document corpus: one small document per rule, each with its rule, line and pointer.

Every document under ``tests/bad_documents/`` is loaded with ``Engine.load`` and
must report exactly what its trailing ``# expect:`` lines say (see
``tests/validation_corpus.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine.validation import RULES
from tests.validation_corpus import (
    CORPUS,
    DEFECTS,
    check_document,
    documents,
    expectations,
    header,
)

NOT_IN_CORPUS = {
    "configuration": "an option of Engine.load/--source; tested in test_validation_cli",
    "usage": "a malformed command-line option; tested in test_validation_cli",
    "unused-ignore": "an opt-out comment arazzo validate applies; tested in test_lint_config",
}


@pytest.mark.parametrize("path", documents(CORPUS), ids=lambda p: p.name.split(".")[0])
def test_document_reports_what_it_expects(path: Path) -> None:
    assert header(path).startswith("# ") and len(header(path)) > 10
    check_document(path)


def test_the_corpus_has_at_least_sixty_documents() -> None:
    assert len(documents(CORPUS)) >= 60


def test_every_rule_has_a_document() -> None:
    covered = {
        e.rule for path in documents(CORPUS) + documents(DEFECTS) for e in expectations(path)
    }
    missing = set(RULES) - covered - set(NOT_IN_CORPUS)
    assert not missing, sorted(missing)
    assert covered <= set(RULES), sorted(covered - set(RULES))


def test_a_document_named_after_a_rule_reports_that_rule() -> None:
    for path in documents(CORPUS):
        stem = path.name.removesuffix(".arazzo.yaml")
        if stem in RULES:
            assert stem in {e.rule for e in expectations(path)}, path.name


def test_the_base_document_is_clean() -> None:
    valid = CORPUS / "valid.arazzo.yaml"
    assert expectations(valid) == []
    check_document(valid)


def test_the_rule_catalog_is_well_formed() -> None:
    for rule in RULES.values():
        assert rule.severity in ("error", "warning", "error/warning"), rule
        assert rule.summary and rule.module, rule
