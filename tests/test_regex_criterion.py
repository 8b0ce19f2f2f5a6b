"""``regex`` criteria (search on the stringified context) and the bounds each kind keeps."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_engine.criteria import CriterionCompileError, compile_criterion
from arazzo_engine.criteria.regex import MAX_REGEX_SUBJECT, stringify
from arazzo_engine.criteria.xpath import MAX_XML_CONTEXT
from arazzo_engine.model import Criterion
from tests.expression_context import DictContext


def judged(condition: str, body: Any, kind: str = "regex") -> tuple[bool, str | None]:
    compiled = compile_criterion(
        Criterion(condition=condition, context="$response.body", type=kind)
    )
    return compiled.judge(DictContext(response_payload=body))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "plain"),
        (b"caf\xc3\xa9", "café"),
        (True, "true"),
        (None, "null"),
        ({"a": [1, "é"]}, '{"a":[1,"é"]}'),
        (2.5, "2.5"),
    ],
)
def test_the_subject_is_the_context_as_text(value: Any, text: str) -> None:
    assert stringify(value) == text


def test_search_is_not_anchored() -> None:
    assert judged("wor", "hello world") == (True, None)
    assert judged("^wor", "hello world") == (False, None)
    assert judged('"ok":true', {"ok": True}) == (True, None)


def test_a_null_context_fails_with_a_reason() -> None:
    assert judged(".*", None) == (False, "the context $response.body has no value")


def test_a_pattern_that_does_not_compile_is_a_compile_error() -> None:
    with pytest.raises(CriterionCompileError) as info:
        compile_criterion(Criterion(condition="(", context="$url", type="regex"))
    assert info.value.field == "condition"
    assert info.value.reason.startswith("the regular expression does not compile: ")


def test_a_context_is_required() -> None:
    with pytest.raises(CriterionCompileError) as info:
        compile_criterion(Criterion(condition="x", type="regex"))
    assert (info.value.field, info.value.reason) == (
        "context",
        "a regex criterion needs a 'context'",
    )


def test_a_context_that_does_not_parse_is_a_compile_error() -> None:
    for kind in ("simple", "regex", "jsonpath", "xpath"):
        with pytest.raises(CriterionCompileError) as info:
            compile_criterion(Criterion(condition="$url", context="$nope", type=kind))
        assert info.value.field == "context", kind


def test_a_subject_over_the_bound_fails_the_criterion() -> None:
    subject = "a" * (MAX_REGEX_SUBJECT + 1)
    assert judged("a", subject) == (
        False,
        f"the regex subject is {len(subject)} characters long; the limit is {MAX_REGEX_SUBJECT}",
    )


def test_an_xml_context_over_the_bound_fails_unparsed() -> None:
    text = "<a>" + " " * MAX_XML_CONTEXT + "</a>"
    assert judged("/a", text, "xpath") == (
        False,
        f"the XML context is {len(text)} long; the limit is {MAX_XML_CONTEXT}",
    )
