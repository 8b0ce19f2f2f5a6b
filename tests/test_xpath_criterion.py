"""``xpath`` conditions: versions, effective boolean value, namespaces, safe XML parsing."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_engine.criteria.xpath import XPathCondition, parse_xml
from tests.condition_checks import ConditionChecks

PETS = '<pets><pet id="1">Rex</pet><pet id="2">Tom</pet></pets>'
ALL_VERSIONS = [None, "xpath-31", "xpath-30", "xpath-20", "xpath-10"]
CHECKS = ConditionChecks(XPathCondition)
holds, syntax_error, evaluation_error = CHECKS.holds, CHECKS.syntax_error, CHECKS.evaluation_error


# ------------------------------------------------------------------ versions


@pytest.mark.parametrize(
    ("condition", "oldest"),
    [
        ("count(/pets/pet) = 2", "xpath-10"),
        ("matches(/pets/pet[1], '^R')", "xpath-20"),  # 2.0 function
        ("string-join(/pets/pet, ',') = 'Rex,Tom'", "xpath-20"),
        ("'R' || 'ex' = /pets/pet[1]", "xpath-30"),  # 3.0 concatenation operator
        ("array:size(array { /pets/pet }) = 2", "xpath-31"),  # 3.1 arrays
        ("map:size(map { 'a': 1 }) = 1", "xpath-31"),
    ],
)
@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_each_version_accepts_its_own_syntax_only(
    condition: str, oldest: str, version: str | None
) -> None:
    order = ["xpath-10", "xpath-20", "xpath-30", "xpath-31"]
    if order.index(version or "xpath-31") >= order.index(oldest):
        assert holds(condition, PETS, version)
    else:
        error = syntax_error(condition, version)
        assert repr(condition) in str(error)


def test_default_version_is_3_1() -> None:
    assert XPathCondition("/", None).xpath_version == "3.1"
    assert XPathCondition("/", "xpath-20").xpath_version == "2.0"


def test_unknown_version_lists_the_known_ones() -> None:
    error = syntax_error("/pets", "xpath-40")
    assert "'xpath-40'" in str(error)
    for known in ("xpath-31", "xpath-30", "xpath-20", "xpath-10"):
        assert known in str(error)


def test_syntax_error_quotes_the_condition_and_the_column() -> None:
    error = syntax_error("/pets/pet[@id = ]")
    assert str(error).startswith("the XPath 3.1 condition '/pets/pet[@id = ]' is not valid:")
    assert error.column == 17
    assert "column 17" in str(error)
    assert isinstance(error, ValueError)


def test_unknown_function_is_a_syntax_error() -> None:
    error = syntax_error("no-such-function(/pets)")
    assert "no-such-function" in str(error)


# ------------------------------------------------------------------ effective boolean value


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("/pets/pet", True),  # non-empty node sequence
        ("/pets/pet[@id = '9']", False),  # empty node sequence
        ("/pets/cat", False),
        ("count(/pets/pet) = 2", True),  # boolean result
        ("count(/pets/pet) = 3", False),
        ("'text'", True),
        ("''", False),
        ("1", True),
        ("0", False),
        ("number('x')", False),  # NaN
        ("/pets/pet[1]/@id = '1'", True),
    ],
)
@pytest.mark.parametrize("version", ["xpath-31", "xpath-10"])
def test_effective_boolean_value(condition: str, expected: bool, version: str) -> None:
    assert holds(condition, PETS, version) is expected


def test_empty_sequence_is_false() -> None:
    assert not holds("()", PETS)


def test_a_result_without_effective_boolean_value_fails_with_a_reason() -> None:
    message = evaluation_error("(1, 2)", PETS)
    assert message.startswith("evaluating the XPath condition failed:")
    assert "effective boolean value" in message


# ------------------------------------------------------------------ namespaces


NS_DOC = '<p:pets xmlns:p="urn:pets" xmlns:q="urn:q"><p:pet q:id="7">Rex</p:pet></p:pets>'


def test_prefixes_are_bound_by_the_documents_declarations() -> None:
    assert holds("/p:pets/p:pet[@q:id = '7']", NS_DOC)
    assert not holds("/pets/pet", NS_DOC)  # unprefixed names: no namespace


def test_the_same_prefix_follows_each_documents_binding() -> None:
    condition = XPathCondition("/p:pets/p:pet", None)
    assert condition.test('<p:pets xmlns:p="urn:a"><p:pet/></p:pets>')
    assert condition.test('<p:pets xmlns:p="urn:b"><p:pet/></p:pets>')
    assert condition.test(NS_DOC)


def test_first_declaration_of_a_prefix_wins() -> None:
    doc = '<r xmlns:p="urn:first"><p:x/><s xmlns:p="urn:second"><p:y/></s></r>'
    assert holds("//p:x", doc)
    assert not holds("//p:y", doc)  # p means urn:first, y is in urn:second
    assert holds("//*[local-name() = 'y' and namespace-uri() = 'urn:second']", doc)


def test_prefix_declared_deeper_in_the_document_is_bound() -> None:
    doc = '<r><s xmlns:p="urn:p"><p:y/></s></r>'
    assert holds("//p:y", doc)


def test_undeclared_prefix_fails_with_a_reason() -> None:
    message = evaluation_error("/z:pets", NS_DOC)
    assert "'z'" in message
    assert "not declared" in message
    assert "p, q" in message


def test_predefined_prefixes_keep_their_meaning() -> None:
    doc = '<r xmlns:xs="urn:not-schema" xmlns:fn="urn:not-functions"/>'
    assert holds("xs:integer('2') = 2 and fn:true()", doc)


def test_root_default_namespace_is_the_default_element_namespace_from_2_0() -> None:
    doc = '<pets xmlns="urn:pets"><pet/></pets>'
    assert holds("/pets/pet", doc)
    assert holds("/pets/pet", doc, "xpath-20")
    assert not holds("/pets/pet", doc, "xpath-10")
    assert holds("/*[local-name() = 'pets']/*[local-name() = 'pet']", doc, "xpath-10")


def test_default_namespace_declared_below_the_root_is_not_the_default() -> None:
    doc = '<pets><pet xmlns="urn:inner"/></pets>'
    assert holds("/pets", doc)
    assert not holds("/pets/pet", doc)


# ------------------------------------------------------------------ the context


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ('{"pets": []}', "not well-formed"),
        ("", "no element found"),
        ("<pets>", "no element found"),
        ({"pets": []}, "it is a JSON object"),
        ([1], "it is a JSON array"),
        (None, "it has no value"),
        (3, "it is a number"),
    ],
)
def test_a_value_that_is_not_xml(value: Any, words: str) -> None:
    message = evaluation_error("/pets", value)
    assert message.startswith("the context is not XML: ")
    assert words in message


def test_bytes_follow_the_encoding_declaration() -> None:
    text = '<?xml version="1.0" encoding="ISO-8859-1"?><name>José</name>'
    assert holds("/name = 'José'", text.encode("latin-1"))
    assert holds("/name = 'José'", text.encode("utf-8").replace(b"ISO-8859-1", b"UTF-8"))


def test_text_is_already_decoded_whatever_the_declaration_says() -> None:
    assert holds("/name = 'José'", '<?xml version="1.0" encoding="ISO-8859-1"?><name>José</name>')


def test_leading_whitespace_before_the_declaration_is_accepted() -> None:
    assert holds("/pets", '\n  <?xml version="1.0"?><pets/>')


def test_comments_and_processing_instructions_are_nodes() -> None:
    doc = "<r><!-- note --><?app do?></r>"
    assert holds("/r/comment() = ' note '", doc)
    assert holds("/r/processing-instruction('app')", doc)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<r>&secret;</r>"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<r/>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://127.0.0.1:9/r.dtd">
<r>&defined_elsewhere;</r>"""


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (BILLION_LAUGHS, "entity 'lol'"),
        (XXE, "entity 'secret'"),
        (PARAMETER_ENTITY, "entity 'remote'"),
        (EXTERNAL_DTD, "&defined_elsewhere; cannot be resolved"),
    ],
    ids=["billion-laughs", "external-entity", "parameter-entity", "external-dtd"],
)
def test_entity_attacks_are_refused(document: str, words: str) -> None:
    message = evaluation_error("/*", document)
    assert message.startswith("the context is not acceptable XML: ")
    assert words in message


def test_a_plain_doctype_is_accepted() -> None:
    assert holds("/r/a", "<!DOCTYPE r><r><a/></r>")


def test_parse_xml_reports_declarations() -> None:
    document, prefixes, default = parse_xml(
        '<r xmlns="urn:d" xmlns:a="urn:a"><x xmlns:b="urn:b" xmlns:a="urn:other"/></r>'
    )
    assert document.getroot().tag == "{urn:d}r"
    assert prefixes == {"a": "urn:a", "b": "urn:b"}
    assert default == "urn:d"
