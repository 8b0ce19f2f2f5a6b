"""XPath payload replacements edit only their targets: every other byte is sent as written.

Re-serialising the parsed tree renamed prefixes to ``ns0:``, dropped the
declaration an ``xsi:type`` value still needs and lost comments, CDATA and
the DOCTYPE.  The first test sends the edited payload to a real local server
and compares the body that arrived; the rest call the replacement function.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine
from arazzo_engine.errors import RequestBuildError
from arazzo_engine.sources.payload import apply_replacements
from tests.http_server import RecordingServer, Reply

SOAPISH = """<?xml version="1.0" encoding="UTF-8"?>
<!-- an order, as the partner's schema wants it -->
<?partner-hint version='2'?>
<po:order xmlns:po="urn:example:po" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
          xmlns:pet="urn:example:pet" id='o-0'>
  <po:pet xsi:type="pet:Dog">
    <pet:name>placeholder</pet:name>
  </po:pet>
  <po:note><![CDATA[keep <this> & that]]></po:note>
  <po:qty/>
</po:order>
"""


def _edit(text: str, *replacements: tuple[str, Any]) -> str:
    result = apply_replacements(text, list(replacements))
    assert isinstance(result, str)
    return result


def _flow(folder: Path, payload: str, replacements: list[dict[str, Any]]) -> Path:
    api = {
        "openapi": "3.0.3",
        "info": {"title": "orders", "version": "1"},
        "paths": {
            "/orders": {
                "post": {
                    "operationId": "placeOrder",
                    "requestBody": {"content": {"application/xml": {"schema": {}}}},
                    "responses": {"200": {"description": "placed"}},
                }
            }
        },
    }
    (folder / "orders.openapi.json").write_text(json.dumps(api))
    flow = {
        "arazzo": "1.0.1",
        "info": {"title": "xml edits", "version": "1"},
        "sourceDescriptions": [{"name": "orders", "url": "orders.openapi.json"}],
        "workflows": [
            {
                "workflowId": "place",
                "inputs": {"type": "object", "properties": {"name": {"type": "string"}}},
                "steps": [
                    {
                        "stepId": "send",
                        "operationId": "placeOrder",
                        "requestBody": {
                            "contentType": "application/xml",
                            "payload": payload,
                            "replacements": replacements,
                        },
                        "successCriteria": [{"condition": "$statusCode == 200"}],
                    }
                ],
            }
        ],
    }
    path = folder / "flow.arazzo.json"
    path.write_text(json.dumps(flow))
    return path


def test_only_the_targets_change_on_the_wire(tmp_path: Path, http_server: RecordingServer) -> None:
    http_server.route("POST", "/orders", Reply(200, {}))
    replacements = [
        {"target": "/po:order/po:pet/pet:name", "value": "$inputs.name"},
        {"target": "/po:order/@id", "value": "o-7"},
        {"target": "//po:qty", "value": 2},
    ]
    engine = Engine.load(
        _flow(tmp_path, SOAPISH, replacements), servers={"orders": http_server.url}
    )
    result = engine.run("place", {"name": "Rex & <Co>"})
    assert result.succeeded, result.error
    (request,) = http_server.requests
    expected = (
        SOAPISH.replace("placeholder", "Rex &amp; &lt;Co&gt;")
        .replace("id='o-0'", "id='o-7'")
        .replace("<po:qty/>", "<po:qty>2</po:qty>")
    )
    assert request.body.decode("utf-8") == expected
    assert request.header("Content-Type") == "application/xml"


def test_prefixes_and_a_declaration_only_xsi_type_uses_are_kept() -> None:
    edited = _edit(SOAPISH, ("/po:order/po:pet/pet:name", "Rex"))
    assert 'xmlns:pet="urn:example:pet"' in edited and 'xsi:type="pet:Dog"' in edited
    assert "ns0:" not in edited and "<pet:name>Rex</pet:name>" in edited


def test_comments_processing_instructions_cdata_and_doctype_are_kept() -> None:
    text = (
        "\ufeff\n<?xml version='1.0'?>\n<!DOCTYPE order>\n<!-- head -->\n"
        "<order><?pi data?><a>1</a><!-- mid --><b><![CDATA[x]]></b></order>\n<!-- tail -->\n"
    )
    edited = _edit(text, ("/order/a", "2"))
    assert edited == text.replace("<a>1</a>", "<a>2</a>")


def test_an_element_target_replaces_its_whole_content() -> None:
    text = "<order><pet kind='dog'>old <b>bold</b> tail<![CDATA[c]]></pet><n/></order>"
    assert _edit(text, ("/order/pet", "new")) == "<order><pet kind='dog'>new</pet><n/></order>"


def test_an_empty_element_gets_content() -> None:
    text = '<order><n /><m a="1"/></order>'
    edited = _edit(text, ("/order/n", "x"), ("/order/m", "y"))
    assert edited == '<order><n >x</n><m a="1">y</m></order>'


def test_attribute_targets_keep_their_quotes_and_escape_the_value() -> None:
    text = """<order a="1" b='2'><item c = "3"/></order>"""
    edited = _edit(
        text,
        ("/order/@a", 'say "hi" & <go>'),
        ("/order/@b", "it's\tfine\n"),
        ("/order/item/@c", True),
    )
    assert edited == (
        """<order a="say &quot;hi&quot; &amp; &lt;go&gt;" b='it&apos;s&#9;fine&#10;'>"""
        """<item c = "true"/></order>"""
    )


def test_a_missing_attribute_is_added_with_its_namespace_when_needed() -> None:
    text = '<r xmlns:a="urn:a"><x/><y xmlns:b="urn:b"/><z xmlns:b="urn:b"/></r>'
    edited = _edit(
        text,
        ("/r/x/@id", "1"),
        ("/r/x/@a:tag", "t"),  # a is declared on the root: in scope
        ("/r/y/@b:tag", "u"),  # b is declared on y itself
        ("/r/x/@b:tag", "v"),  # b is declared on y only: declared again on x
        ("/r/@xml:lang", "en"),
    )
    assert edited == (
        '<r xmlns:a="urn:a" xml:lang="en">'
        '<x id="1" a:tag="t" xmlns:b="urn:b" b:tag="v"/>'
        '<y xmlns:b="urn:b" b:tag="u"/><z xmlns:b="urn:b"/></r>'
    )


def test_a_prefixed_attribute_is_found_by_its_namespace() -> None:
    text = '<r xmlns:a="urn:a"><x xmlns:other="urn:a" other:k="1" k="2"/></r>'
    # @a:k names the namespace urn:a, which this element writes with the prefix other.
    assert _edit(text, ("/r/x/@a:k", "9")) == text.replace('other:k="1"', 'other:k="9"')
    assert _edit(text, ("/r/x/@k", "9")) == text.replace('k="2"', 'k="9"')


def test_a_target_selecting_several_elements_edits_each() -> None:
    text = "<list><i>1</i><i>2</i><j><i>3</i></j></list>"
    assert _edit(text, ("//i", "0")) == "<list><i>0</i><i>0</i><j><i>0</i></j></list>"
    assert _edit(text, ("//i/@n", "k")) == (
        '<list><i n="k">1</i><i n="k">2</i><j><i n="k">3</i></j></list>'
    )


def test_nested_selections_replace_the_outermost_content() -> None:
    assert _edit("<a><b><c>1</c></b></a>", ("//*", "x")) == "<a>x</a>"


def test_replacements_apply_in_order_each_on_the_previous_result() -> None:
    text = "<a><b>1</b></a>"
    assert _edit(text, ("/a/b", "2"), ("/a/b", "3")) == "<a><b>3</b></a>"
    assert _edit(text, ("/a", "t"), ("/a/@n", "1")) == '<a n="1">t</a>'


def test_a_default_namespace_is_the_targets_default_element_namespace() -> None:
    text = '<order xmlns="urn:o"><name>n</name><y xmlns=""><z/></y></order>'
    assert _edit(text, ("/order/name", "v")) == text.replace(">n<", ">v<")
    assert _edit(text, ("//*:z", "w")) == text.replace("<z/>", "<z>w</z>")


def test_text_escaping_keeps_the_value_text() -> None:
    edited = _edit("<a>x</a>", ("/a", 'a<b & "c" ]]> \r'))
    assert edited == '<a>a&lt;b &amp; "c" ]]&gt; &#13;</a>'


def test_non_ascii_text_is_kept_and_edited() -> None:
    text = "<a>café<b>ü</b></a>"
    assert _edit(text, ("/a/b", "ñ")) == "<a>café<b>ñ</b></a>"


def test_a_target_that_selects_nothing_is_named() -> None:
    with pytest.raises(RequestBuildError, match="'/order/missing' does not exist"):
        apply_replacements("<order><qty>1</qty></order>", [("/order/missing", 1)])


@pytest.mark.parametrize(
    ("text", "target", "message"),
    [
        (
            '<!DOCTYPE a [<!ENTITY x "boom">]><a>&x;</a>',
            "/a",
            "cannot be edited: .*declares the entity 'x'",
        ),
        ("<a><b></a>", "/a", "cannot be edited: the context is not XML: mismatched tag"),
        ("<a/>", "/a/@xmlns:p", "a namespace declaration cannot be replaced"),
        ("<a/>", "/a/@q:name", "declares no prefix 'q' \\(its prefixes: none\\)"),
        ("<a/>", "/a[", "'/a\\[' is not a valid XPath"),
        (
            '<r xmlns:p="urn:1"><x xmlns:p="urn:2"/></r>',
            "/r/x/@p:k",
            "there the prefix 'p' means 'urn:2', not 'urn:1'",
        ),
    ],
)
def test_what_cannot_be_edited_is_a_named_error(text: str, target: str, message: str) -> None:
    with pytest.raises(RequestBuildError, match=message):
        apply_replacements(text, [(target, "v")])


def test_a_character_xml_cannot_hold_is_refused() -> None:
    with pytest.raises(RequestBuildError, match="U\\+0001, which XML cannot hold"):
        apply_replacements("<a/>", [("/a", "x\x01")])


def test_line_endings_and_layout_inside_tags_are_kept() -> None:
    text = '<?xml version="1.0"?>\r\n<a\r\n  x="1"\r\n>\r\n  <b>é\r\n</b>\r\n  <c/>\r\n</a>\r\n'
    edited = _edit(text, ("/a/b", "z"), ("/a/c/@k", "v"), ("/a/@x", "2"))
    assert edited == (
        '<?xml version="1.0"?>\r\n<a\r\n  x="2"\r\n>\r\n  <b>z</b>\r\n  <c k="v"/>\r\n</a>\r\n'
    )
