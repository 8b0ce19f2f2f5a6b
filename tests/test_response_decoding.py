"""Responses decoded by their content type (JSON and +json, XML, text with its charset,
binary), and a body that does not parse as its declared type failing the step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine, RunResult
from arazzo_engine.http.media import body_problem_of, decode_body
from tests.http_server import RecordingServer, Reply

RESPONSES = Path(__file__).parent / "workflows" / "fidelity" / "responses.arazzo.yaml"
ZOE = '{"name": "Zoë"}'
XML_LATIN_1 = '<?xml version="1.0" encoding="ISO-8859-1"?><pet>Médor</pet>'
PNG = b"\x89PNG\x00\xff"


@pytest.fixture(scope="module")
def engine(module_server: RecordingServer) -> Engine:
    return Engine.load(RESPONSES, servers={"responses": module_server.url})


def answer(server: RecordingServer, engine: Engine, body: bytes, content_type: str) -> RunResult:
    server.route("GET", "/thing", Reply(200, body, content_type=content_type))
    return engine.run("fetch")


def test_json_body_and_a_pointer_into_it(http_server: RecordingServer, engine: Engine) -> None:
    result = answer(http_server, engine, b'{"name": "Rex", "n": [1]}', "application/json")
    assert result.succeeded, result.error
    assert result.outputs == {"body": {"name": "Rex", "n": [1]}, "name": "Rex"}


def test_text_decoded_by_its_charset(http_server: RecordingServer, engine: Engine) -> None:
    result = answer(http_server, engine, "café ½".encode("latin-1"), "text/plain; charset=latin-1")
    assert result.succeeded, result.error
    assert result.outputs["body"] == "café ½"
    assert result.steps[0].response is not None
    assert result.steps[0].response.body == "café ½"


@pytest.mark.parametrize(
    ("body", "content_type", "output", "expected"),
    [
        pytest.param(b'{"name": "p"}', "application/problem+json", "name", "p", id="plus-json"),
        *[
            pytest.param(ZOE.encode(encoding), "application/json", "name", "Zoë", id=encoding)
            for encoding in ("utf-8-sig", "utf-16", "utf-16-le", "utf-32")
        ],
        pytest.param(
            ZOE.encode("latin-1"),
            "application/json; charset=ISO-8859-1",
            "name",
            "Zoë",
            id="json-with-a-declared-charset",
        ),
        pytest.param("naïve".encode(), "text/csv", "body", "naïve", id="text-is-utf8-by-default"),
        pytest.param(
            XML_LATIN_1.encode("latin-1"),
            "application/xml",
            "body",
            XML_LATIN_1,
            id="xml-by-its-own-declaration",
        ),
        pytest.param(
            "<pet>Médor</pet>".encode("utf-16"),
            "application/atom+xml; charset=utf-16",
            "body",
            "<pet>Médor</pet>",
            id="xml-header-charset-wins",
        ),
        *[
            pytest.param(PNG, media, "body", PNG, id=f"{media}-stays-bytes")
            for media in ("image/png", "application/octet-stream", "application/pdf")
        ],
        pytest.param(b"", "application/json", "body", None, id="empty-json-is-none"),
    ],
)
def test_a_body_is_decoded_by_its_content_type(
    http_server: RecordingServer,
    engine: Engine,
    body: bytes,
    content_type: str,
    output: str,
    expected: Any,
) -> None:
    result = answer(http_server, engine, body, content_type)
    assert result.succeeded, result.error
    assert result.outputs[output] == expected


@pytest.mark.parametrize(
    ("body", "media", "reason"),
    [
        (b'{"name": ', "application/json", "not valid JSON although its content type is"),
        (b"{'a': 1}", "application/vnd.api+json", "not valid JSON"),
        (b"<pet><name>Rex</pet>", "application/xml", "not well-formed XML"),
        (b"<pet>", "text/xml", "not well-formed XML"),
        (b"\xff\xfe\xfa", "text/plain; charset=utf-8", "not valid utf-8 text"),
        (b"caf\xe9", "application/xml; charset=utf-8", "not valid utf-8 text"),
    ],
)
def test_a_body_that_does_not_parse_fails_the_step(
    http_server: RecordingServer, engine: Engine, body: bytes, media: str, reason: str
) -> None:
    result = answer(http_server, engine, body, media)
    assert not result.succeeded
    assert result.error is not None
    assert result.error.startswith("step 'get' of workflow 'fetch': ")
    assert reason in result.error
    assert result.steps[0].status_code == 200


def test_xml_entities_are_never_expanded() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>'
    )
    assert body_problem_of(laughs, "application/xml", None) is None
    text = decode_body(laughs, "application/xml", None)
    assert isinstance(text, str) and "&b;" in text


def test_a_bogus_charset_never_raises() -> None:
    assert decode_body(b"abc", "text/plain", "no-such-charset") == "abc"
    assert body_problem_of(b"abc", "text/plain", "no-such-charset") is None


def test_text_with_undecodable_bytes_is_replaced_not_raised() -> None:
    value: Any = decode_body(b"caf\xe9", "text/plain", "utf-8")
    assert value == "caf\ufffd"
