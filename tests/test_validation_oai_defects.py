"""The official Arazzo examples' known defects, each rewritten as a small document of our own.

The list is the "Known defects" section of the examples' README (and the
specification text's own example bugs); every document under
``tests/bad_documents/oai/`` reproduces one and states, in trailing ``# expect:``
lines, the rule that must report it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.validation_corpus import DEFECTS, check_document, documents, expectations, header

KNOWN_DEFECTS = {
    "login-operation-path-item": "operation",
    "fapi-operation-case": "operation",
    "fapi-redirect-body": "no-response-body",
    "bnpl-reads-own-output": "step-output-order",
    "bnpl-reads-own-undeclared-output": "unknown-output",
    "bnpl-undeclared-output": "unknown-output",
    "bnpl-missing-outputs-segment": "expression-syntax",
    "bnpl-quoted-objects": "template-quoted-json",
    "bnpl-query-parameter-name": "undeclared-parameter",
    "petcoupons-parameter-names": "path-parameter",
    "petcoupons-workflow-step-criteria": "workflow-step-criteria",
    "petcoupons-quantity-never-passed": "unpassed-workflow-input",
    "oauth-authorize-body": "no-response-body",
    "oauth-jsonpath-null": "jsonpath-null-test",
    "extended-parameters-missing-source": "source-unreadable",
    "released-bnpl-dotted-input": "dotted-name",
    "released-bnpl-missing-comma": "payload-json",
    "released-bnpl-response-headers": "expression-syntax",
    "spec-source-name-case": "operation",
    "spec-unknown-step": "unknown-step",
    "spec-braced-condition": "criterion",
    "released-oauth-goessner": "jsonpath-goessner",
}


@pytest.mark.parametrize("path", documents(DEFECTS), ids=lambda p: p.name.split(".")[0])
def test_defect_is_reported(path: Path) -> None:
    assert header(path).startswith("# defect: ")
    check_document(path)


@pytest.mark.parametrize("name, rule", sorted(KNOWN_DEFECTS.items()))
def test_defect_is_reported_with_its_rule(name: str, rule: str) -> None:
    path = DEFECTS / f"{name}.arazzo.yaml"
    assert rule in {e.rule for e in expectations(path)}


def test_every_defect_document_is_listed() -> None:
    names = {p.name.removesuffix(".arazzo.yaml") for p in documents(DEFECTS)}
    assert names == set(KNOWN_DEFECTS)
