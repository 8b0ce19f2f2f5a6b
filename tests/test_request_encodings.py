"""Request bodies encoded by media type and the OpenAPI Encoding Object, checked on the wire:
JSON and +json, form-urlencoded, multipart/form-data (files from paths and bytes),
text, XML, octet-stream."""

from __future__ import annotations

import email.parser
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine
from tests.http_server import Received, RecordingServer

BODIES = Path(__file__).parent / "workflows" / "fidelity" / "bodies.arazzo.yaml"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake image bytes \x00\xff"


@pytest.fixture(scope="module")
def engine(module_server: RecordingServer) -> Engine:
    return Engine.load(BODIES, servers={"bodies": module_server.url})


@pytest.fixture(autouse=True)
def answer_every_body(http_server: RecordingServer) -> None:
    """Every endpoint of the bodies document answers 200."""
    http_server.answer_ok(
        "POST /json",
        "PATCH /patch",
        "POST /form",
        "POST /upload",
        "POST /text",
        "POST /xml",
        "PUT /blob",
        "POST /either",
    )


def send(
    server: RecordingServer,
    engine: Engine,
    workflow: str,
    body: Any,
    inputs: dict[str, Any] | None = None,
) -> Received:
    """The one request a run of the workflow sent (a test may send several times)."""
    server.requests.clear()
    result = engine.run(workflow, {"body": body} if inputs is None else inputs)
    assert result.succeeded, result.error
    (request,) = server.requests
    return request


def refused(server: RecordingServer, engine: Engine, workflow: str, body: Any) -> str:
    """The error of a run whose body could not be built, after checking nothing was sent."""
    result = engine.run(workflow, {"body": body})
    assert not result.succeeded and result.error is not None
    assert server.requests == []
    return result.error


def parts(request: Received) -> list[EmailMessage]:
    """The multipart/form-data parts as the server receives them."""
    content_type = request.header("Content-Type") or ""
    assert content_type.startswith("multipart/form-data; boundary=")
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    assert isinstance(message, EmailMessage) and message.is_multipart()
    return [p for p in message.iter_parts() if isinstance(p, EmailMessage)]


def disposition(part: EmailMessage) -> tuple[str | None, str | None]:
    return part.get_param("name", header="content-disposition"), part.get_filename()  # type: ignore[return-value]


def test_json_body(http_server: RecordingServer, engine: Engine) -> None:
    request = send(http_server, engine, "json", {"name": "Rex", "tags": ["ä", None], "n": 1.5})
    assert request.header("Content-Type") == "application/json"
    assert request.body == '{"name":"Rex","tags":["ä",null],"n":1.5}'.encode()


def test_plus_json_body(http_server: RecordingServer, engine: Engine) -> None:
    request = send(http_server, engine, "mergePatch", {"name": None})
    assert request.header("Content-Type") == "application/merge-patch+json"
    assert request.json() == {"name": None}


def test_several_media_types_without_content_type_mean_json(
    http_server: RecordingServer, engine: Engine
) -> None:
    request = send(http_server, engine, "either", {"a": 1})
    assert request.header("Content-Type") == "application/json"
    assert request.json() == {"a": 1}


def test_form_body_follows_the_encoding_object(
    http_server: RecordingServer, engine: Engine
) -> None:
    body = {
        "name": "Rex Rover & co",
        "colors": ["red", "dark blue"],
        "profile": {"age": 3},
        "tags": ["a", "b,c"],
        "ids": [1, 2],
        "metadata": {"plan": "pro", "seats": 5},
        "address": {"city": "Oslo"},
        "missing": None,
    }
    request = send(http_server, engine, "form", body)
    assert request.header("Content-Type") == "application/x-www-form-urlencoded"
    assert request.body.decode("ascii").split("&") == [
        "name=Rex%20Rover%20%26%20co",
        # No Encoding Object: arrays repeat the name, objects are JSON.
        "colors=red",
        "colors=dark%20blue",
        "profile=%7B%22age%22%3A3%7D",
        # style form, explode false / spaceDelimited / deepObject / contentType JSON.
        "tags=a,b%2Cc",
        "ids=1%202",
        "metadata%5Bplan%5D=pro",
        "metadata%5Bseats%5D=5",
        "address=%7B%22city%22%3A%22Oslo%22%7D",
    ]
    assert ("name", "Rex Rover & co") in request.form()


def test_form_body_that_is_not_an_object_fails_the_step(
    http_server: RecordingServer, engine: Engine
) -> None:
    error = refused(http_server, engine, "form", [1, 2])
    assert "form-urlencoded body must be an object" in error


def files_engine(server: RecordingServer, folder: Path) -> Engine:
    """The bodies document, allowed to send files from ``folder`` (a test's tmp_path)."""
    return Engine.load(BODIES, servers={"bodies": server.url}, file_folders=[folder])


def test_multipart_parts_files_and_types(http_server: RecordingServer, tmp_path: Path) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    inputs = {
        "path": str(picture),
        "pdf": b"%PDF-1.7 bytes",
        "md": b"# hi",
        "raw": b"\x00\x01",
    }
    engine = files_engine(http_server, tmp_path)
    request = send(http_server, engine, "uploadFiles", None, inputs)
    received = parts(request)
    by_name = [(disposition(p), p.get_content_type(), p.get_payload(decode=True)) for p in received]
    assert by_name == [
        (("title", None), "text/plain", "Café".encode()),
        (("count", None), "text/plain", b"3"),
        (("meta", None), "application/json", b'{"by":"me"}'),
        (("avatar", "cat.png"), "image/png", PNG),
        # A list of types in the Encoding Object: the file name decides.
        (("attachment", "doc.pdf"), "application/pdf", b"%PDF-1.7 bytes"),
        (("notes", "n.md"), "text/markdown", b"# hi"),
        (("raw", None), "application/octet-stream", b"\x00\x01"),
        (("tags", None), "text/plain", b"x"),
        (("tags", None), "text/plain", b"y"),
    ]
    # A text part without an Encoding Object carries no Content-Type (text/plain is the default);
    # `count` has one (contentType: text/plain in the Encoding Object).
    assert received[0]["Content-Type"] is None
    assert received[1]["Content-Type"] == "text/plain"


def test_multipart_payload_written_in_the_document(
    http_server: RecordingServer, tmp_path: Path
) -> None:
    picture = tmp_path / "a.png"
    picture.write_bytes(PNG)
    engine = files_engine(http_server, tmp_path)
    result = engine.run("uploadLiteral", {"title": "T", "path": str(picture)})
    assert result.succeeded, result.error
    received = parts(http_server.requests[0])
    assert [disposition(p) for p in received] == [
        ("title", None),
        ("avatar", "a.png"),
        ("meta", None),
    ]
    assert received[1].get_payload(decode=True) == PNG
    assert received[2].get_payload(decode=True) == b'{"by":"T","n":1}'


def test_missing_file_fails_the_step_before_sending(
    http_server: RecordingServer, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.png"
    engine = files_engine(http_server, tmp_path)
    result = engine.run("uploadLiteral", {"title": "T", "path": str(missing)})
    assert not result.succeeded and result.error is not None
    assert http_server.requests == []
    assert "multipart part 'avatar'" in result.error and "nope.png" in result.error


def test_text_body(http_server: RecordingServer, engine: Engine) -> None:
    request = send(http_server, engine, "text", 42)
    assert request.header("Content-Type") == "text/plain"
    assert request.body == b"42"
    request = send(http_server, engine, "text", "héllo")
    assert request.body == "héllo".encode()


def test_xml_body_from_an_object(http_server: RecordingServer, engine: Engine) -> None:
    body = {"order": {"@id": "o-1", "name": "R&D <1>", "line": ["a", "b"], "gift": True}}
    request = send(http_server, engine, "xml", body)
    assert request.header("Content-Type") == "application/xml"
    assert request.body.decode() == (
        '<order id="o-1"><name>R&amp;D &lt;1&gt;</name><line>a</line><line>b</line>'
        "<gift>true</gift></order>"
    )


def test_xml_body_text_is_sent_as_is(http_server: RecordingServer, engine: Engine) -> None:
    request = send(http_server, engine, "eitherXml", "<a b='1'/>")
    assert request.header("Content-Type") == "application/xml"
    assert request.body == b"<a b='1'/>"


def test_xml_body_needs_one_root(http_server: RecordingServer, engine: Engine) -> None:
    assert "exactly one property" in refused(http_server, engine, "xml", {"a": 1, "b": 2})


def test_octet_stream_from_bytes_a_file_or_text(
    http_server: RecordingServer, engine: Engine, tmp_path: Path
) -> None:
    request = send(http_server, engine, "blob", PNG)
    assert request.header("Content-Type") == "application/octet-stream"
    assert request.body == PNG
    picture = tmp_path / "b.png"
    picture.write_bytes(PNG[::-1])
    with_files = files_engine(http_server, tmp_path)
    request = send(http_server, with_files, "blobFile", None, {"path": str(picture)})
    assert request.header("Content-Type") == "application/octet-stream"
    assert request.body == PNG[::-1]
    request = send(http_server, with_files, "blobFileTyped", None, {"path": str(picture)})
    assert request.header("Content-Type") == "image/png"
    # A string payload is its text, whatever the media type.
    request = send(http_server, engine, "blob", "plain text")
    assert request.body == b"plain text"


def test_an_object_cannot_be_octet_stream(http_server: RecordingServer, engine: Engine) -> None:
    assert "application/octet-stream" in refused(http_server, engine, "blob", {"a": 1})
