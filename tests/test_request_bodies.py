"""Request bodies against a real local server: expressions at any depth, templates,
replacements, and the media types a payload is sent as."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from arazzo_engine import Engine
from tests.http_server import RecordingServer, Reply

BODIES = Path(__file__).parent / "workflows" / "behaviour" / "bodies.arazzo.yaml"


@pytest.fixture(autouse=True)
def answer_every_body(http_server: RecordingServer) -> None:
    """Each media type's endpoint answers 200, so a test routes only what it reads."""
    http_server.answer_ok("POST /json", "POST /form", "POST /text", "POST /xml")


def engine_for(server: RecordingServer) -> Engine:
    return Engine.load(BODIES, servers={"api": server.url})


def test_expressions_and_templates_at_any_depth(http_server: RecordingServer) -> None:
    http_server.route("GET", "/hit/prepare", Reply(200, {"ref": {"n": 7}}))
    result = engine_for(http_server).run("deep", {"name": "Rex", "qty": 2, "flag": True})
    assert result.succeeded, result.error
    send = http_server.requests[1]
    assert send.header("Content-Type") == "application/json"
    assert send.json() == {
        "order": {
            "ref": {"n": 7},
            "lines": [
                # Whole expressions keep their type, `{$x}` alone too; templates make text.
                {"sku": "Rex", "qty": 2, "note": "for Rex x2", "exact": 2},
                {"sku": "fixed", "qty": 1, "flags": [True, True, "is true", "literal"]},
            ],
            "meta": {"by": "Rex", "price": "$100"},
        }
    }
    assert result.steps[1].outputs == {"sent": "for Rex x2"}


def test_whole_payload_expression(http_server: RecordingServer) -> None:
    order = {"id": 1, "lines": [{"sku": "a"}], "note": None}
    result = engine_for(http_server).run("whole", {"order": order})
    assert result.succeeded, result.error
    (request,) = http_server.requests
    assert request.json() == order
    assert request.header("Content-Type") == "application/json"


def test_replacements_apply_in_order(http_server: RecordingServer) -> None:
    result = engine_for(http_server).run("replace", {"x": 5})
    assert result.succeeded, result.error
    assert http_server.requests[0].json() == {
        # /a/b replaced twice (the later one wins), /a/added added to an existing object.
        "a": {"b": "5-again", "keep": "k", "added": "new"},
        "list": [1, 9, 3],
        "nested": [{"id": 1}, {"id": "id-5"}],
    }


def test_replacement_target_without_a_parent_fails_the_step(
    http_server: RecordingServer,
) -> None:
    result = engine_for(http_server).run("replaceMissing")
    assert not result.succeeded
    assert result.error is not None
    assert "'send'" in result.error and "'/missing/child'" in result.error
    assert http_server.requests == []


def test_replacements_in_a_json_text_payload(http_server: RecordingServer) -> None:
    result = engine_for(http_server).run("replaceJsonText", {"x": 3})
    assert result.succeeded, result.error
    assert http_server.requests[0].json() == {"a": 1, "b": {"c": 3}}


@pytest.mark.parametrize(
    ("workflow", "body", "content_type"),
    [
        pytest.param("jsonText", b'{"name": "Rex", "qty": 2}', "application/json", id="json"),
        pytest.param("text", b"Hello Rex, you ordered 2.", "text/plain", id="text"),
        pytest.param(
            "formString",
            b"name=Rex&qty=2&fixed=1",
            "application/x-www-form-urlencoded",
            id="form",
        ),
    ],
)
def test_text_payload_with_templates_is_sent_as_is(
    http_server: RecordingServer, workflow: str, body: bytes, content_type: str
) -> None:
    result = engine_for(http_server).run(workflow, {"name": "Rex", "qty": 2})
    assert result.succeeded, result.error
    (request,) = http_server.requests
    assert request.body == body
    assert request.header("Content-Type") == content_type


def test_object_payload_sent_form_urlencoded(http_server: RecordingServer) -> None:
    result = engine_for(http_server).run("formObject", {"name": "Rex Rover", "qty": 2})
    assert result.succeeded, result.error
    (request,) = http_server.requests
    assert request.header("Content-Type") == "application/x-www-form-urlencoded"
    assert parse_qsl(request.body.decode("ascii")) == [
        ("name", "Rex Rover"),
        ("qty", "2"),
        ("note", "hi there & more"),
        ("express", "true"),
    ]
    assert b" " not in request.body and b"&more" not in request.body


def test_xml_payload_with_placeholders(http_server: RecordingServer) -> None:
    result = engine_for(http_server).run("xml", {"name": "Rex", "qty": 2})
    assert result.succeeded, result.error
    (request,) = http_server.requests
    assert request.header("Content-Type") == "application/xml"
    assert request.body.decode() == "<order>\n  <name>Rex</name>\n  <qty>2</qty>\n</order>"


def test_payload_without_content_type_follows_the_operation(
    http_server: RecordingServer,
) -> None:
    result = engine_for(http_server).run("declaredMedia", {"name": "Rex"})
    assert result.succeeded, result.error
    (request,) = http_server.requests
    assert request.header("Content-Type") == "application/x-www-form-urlencoded"
    assert request.body == b"name=Rex"


def test_xpath_replacements_edit_an_xml_payload(http_server: RecordingServer) -> None:
    result = engine_for(http_server).run("xmlReplacements", {"name": "Rex"})
    assert result.succeeded, result.error
    request = http_server.requests[0]
    assert request.header("Content-Type") == "application/xml"
    assert request.body.decode() == '<order id="o-7"><name>Rex</name><qty>1</qty></order>'


def test_xpath_replacement_target_that_selects_nothing_is_named() -> None:
    from arazzo_engine.errors import RequestBuildError
    from arazzo_engine.sources.payload import apply_replacements

    with pytest.raises(RequestBuildError, match="'/order/missing' does not exist"):
        apply_replacements("<order><qty>1</qty></order>", [("/order/missing", 1)])
