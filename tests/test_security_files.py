"""``$file`` markers: files are sent only where the document's own text asks, from its folder.

Each test drives the engine as an attacker would: a server whose response carries a
marker, inputs carrying one, a remote document writing one, paths that escape the
document's folder (``..``, absolute, a symbolic link), and files that are not
regular (a FIFO, ``/dev/zero``, a directory) or too large.  The safe outcome is
checked on the wire (what the server received) and in the step's error (which
names the step, the part, the path as written and why, never the file's content).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine, RunResult
from arazzo_engine.errors import ConfigurationError
from arazzo_engine.expressions import FileReference, evaluate, parse_payload, parse_value
from arazzo_engine.expressions.ast import Constant, FileValue, InputRef
from arazzo_engine.pytest_plugin import is_arazzo_document
from arazzo_engine.sources.openapi.request_builder import MAX_FILE_BYTES
from tests.cli_run import arazzo
from tests.expression_context import DictContext
from tests.http_server import Received, RecordingServer, Reply

SECRET = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
"""What a file the attacker wants looks like; it must never reach the server or a message."""
SECRET_WORD = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"

OPENAPI = """\
openapi: 3.0.3
info: {title: files, version: '1'}
servers: [{url: 'http://127.0.0.1:9/'}]
paths:
  /data:
    get:
      operationId: getData
      responses: {'200': {description: ok}}
  /upload:
    post:
      operationId: upload
      requestBody:
        content:
          multipart/form-data: {schema: {type: object}}
      responses: {'200': {description: ok}}
  /json:
    post:
      operationId: postJson
      requestBody:
        content:
          application/json: {schema: {}}
      responses: {'200': {description: ok}}
  /blob:
    put:
      operationId: putBlob
      requestBody:
        content:
          application/octet-stream: {schema: {}}
      responses: {'200': {description: ok}}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: files, version: '1'}
sourceDescriptions:
- {name: api, url: api.openapi.yaml, type: openapi}
workflows:
- workflowId: relay
  # A marker the server sends is passed on: it must go as data, not as a file.
  steps:
  - stepId: get
    operationId: getData
    outputs: {a: $response.body#/a}
  - stepId: asPart
    operationId: upload
    requestBody:
      contentType: multipart/form-data
      payload: {doc: $steps.get.outputs.a}
  - stepId: asJson
    operationId: postJson
    requestBody: {payload: $steps.get.outputs.a}
  - stepId: asWholeBody
    operationId: putBlob
    requestBody: {contentType: application/json, payload: $steps.get.outputs.a}
- workflowId: fromInputs
  inputs: {type: object, properties: {doc: {}}}
  steps:
  - stepId: send
    operationId: upload
    requestBody:
      contentType: multipart/form-data
      payload: {doc: $inputs.doc}
- workflowId: literal
  # The marker as written in the document, its path a literal.
  steps:
  - stepId: send
    operationId: upload
    requestBody:
      contentType: multipart/form-data
      payload:
        doc: {$file: LITERAL}
- workflowId: byPath
  inputs: {type: object, properties: {path: {type: string}}}
  steps:
  - stepId: send
    operationId: upload
    requestBody:
      contentType: multipart/form-data
      payload:
        doc: {$file: $inputs.path}
- workflowId: wholeBody
  inputs: {type: object, properties: {path: {type: string}}}
  steps:
  - stepId: send
    operationId: putBlob
    requestBody:
      payload: {$file: $inputs.path}
- workflowId: replaced
  inputs: {type: object, properties: {path: {type: string}}}
  steps:
  - stepId: send
    operationId: upload
    requestBody:
      contentType: multipart/form-data
      payload: {title: t, doc: placeholder}
      replacements:
      - {target: /doc, value: {$file: $inputs.path, filename: r.txt}}
- workflowId: bytesFromResponse
  steps:
  - stepId: get
    operationId: getData
    outputs: {png: $response.body}
  - stepId: send
    operationId: upload
    requestBody:
      contentType: multipart/form-data
      payload:
        picture: {$file: $steps.get.outputs.png, filename: p.png}
"""


def write_documents(folder: Path, literal: str = "beside.txt") -> Path:
    """The OpenAPI and Arazzo documents in ``folder``; returns the Arazzo file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "api.openapi.yaml").write_text(OPENAPI, encoding="utf-8")
    flow = folder / "flow.arazzo.yaml"
    flow.write_text(ARAZZO.replace("LITERAL", json.dumps(literal)), encoding="utf-8")
    return flow


def load(flow: Path, server: RecordingServer, **options: Any) -> Engine:
    return Engine.load(flow, servers={"api": server.url}, **options)


def part_bodies(request: Received) -> dict[str, bytes]:
    """The multipart parts' bodies by name (enough to see what was sent)."""
    boundary = (request.header("Content-Type") or "").split("boundary=", 1)[1].encode()
    found: dict[str, bytes] = {}
    for chunk in request.body.split(b"--" + boundary)[1:-1]:
        head, _, body = chunk.partition(b"\r\n\r\n")
        name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
        found[name] = body[: -len(b"\r\n")]
    return found


def refused(result: RunResult, server: RecordingServer, path: str) -> str:
    """The error of a run stopped before sending its upload; nothing secret in it."""
    assert not result.succeeded and result.error is not None
    assert [r.path for r in server.requests if r.method != "GET"] == []
    assert SECRET_WORD not in result.error
    assert path in result.error  # the path as written
    return result.error


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A document folder holding a file the documents may send, and a secret outside it."""
    folder = tmp_path / "docs"
    write_documents(folder)
    (folder / "beside.txt").write_bytes(b"beside the document")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    return folder


# -- markers come from the document's own text only ------------------------------------


def test_a_marker_in_a_response_is_sent_as_data_never_as_a_file(
    http_server: RecordingServer, docs: Path
) -> None:
    (docs / "key.pem").write_bytes(SECRET)  # even beside the document: the server chose it
    marker = {"$file": str(docs / "key.pem")}
    http_server.route("GET", "/data", Reply(200, {"a": marker}))
    http_server.answer_ok("POST /upload", "POST /json", "PUT /blob")
    result = load(docs / "flow.arazzo.yaml", http_server).run("relay")
    assert result.succeeded, result.error
    _get, part, as_json, whole = http_server.requests
    assert part_bodies(part) == {"doc": json.dumps(marker, separators=(",", ":")).encode()}
    assert as_json.json() == marker
    assert whole.json() == marker
    for request in (part, as_json, whole):
        assert SECRET_WORD.encode() not in request.body


def test_a_marker_in_the_inputs_is_sent_as_data(http_server: RecordingServer, docs: Path) -> None:
    (docs / "key.pem").write_bytes(SECRET)
    http_server.answer_ok("POST /upload")
    marker = {"$file": "key.pem", "filename": "k"}
    result = load(docs / "flow.arazzo.yaml", http_server).run("fromInputs", {"doc": marker})
    assert result.succeeded, result.error
    (request,) = http_server.requests
    assert json.loads(part_bodies(request)["doc"]) == marker
    assert SECRET_WORD.encode() not in request.body


def test_a_marker_the_document_writes_is_parsed_at_load_into_a_typed_node() -> None:
    node = parse_payload({"f": {"$file": "$inputs.p", "filename": "x.png"}}, folder="/docs")
    ((_, file),) = node.items  # type: ignore[union-attr]
    assert file == FileValue(InputRef("p"), Constant("x.png"), None, "/docs")
    value = evaluate(node, DictContext(input_values={"p": "a.png"}))
    assert value == {"f": FileReference("a.png", "x.png", None, "/docs")}
    # Outside a payload (a parameter value), the same mapping is ordinary data.
    assert parse_value({"$file": "a.png"}) == Constant({"$file": "a.png"})
    # A mapping with another key is ordinary data even in a payload.
    assert parse_payload({"$file": "a", "x": 1}, folder="/d") == Constant({"$file": "a", "x": 1})


# -- paths resolve against the document's folder and stay inside it -------------------


def test_a_literal_path_is_relative_to_the_document_not_the_current_folder(
    http_server: RecordingServer, docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "beside.txt").write_bytes(b"the wrong file")
    monkeypatch.chdir(elsewhere)
    http_server.answer_ok("POST /upload")
    result = load(docs / "flow.arazzo.yaml", http_server).run("literal")
    assert result.succeeded, result.error
    (request,) = http_server.requests
    assert part_bodies(request) == {"doc": b"beside the document"}
    assert b'filename="beside.txt"' in request.body


@pytest.mark.parametrize("path", ["../outside/secret.txt", "OUTSIDE/secret.txt", "/etc/passwd"])
def test_a_path_outside_the_document_folder_is_refused(
    http_server: RecordingServer, docs: Path, tmp_path: Path, path: str
) -> None:
    path = path.replace("OUTSIDE", str(tmp_path / "outside"))
    http_server.answer_ok("POST /upload")
    result = load(docs / "flow.arazzo.yaml", http_server).run("byPath", {"path": path})
    error = refused(result, http_server, path)
    assert error.startswith("step 'send' of workflow 'byPath': multipart part 'doc': ")
    assert f"outside the document's folder {docs.resolve()}" in error
    assert "(allow another folder with Engine.load(..., file_folders=[DIR]))" in error
    assert "--allow-files" not in error  # a library caller is told the library's way


def test_a_literal_climbing_out_of_the_folder_is_refused(
    http_server: RecordingServer, tmp_path: Path
) -> None:
    folder = tmp_path / "a" / "b"
    flow = write_documents(folder, literal="../../../../../../../../etc/passwd")
    http_server.answer_ok("POST /upload")
    result = load(flow, http_server).run("literal")
    error = refused(result, http_server, "../../../../../../../../etc/passwd")
    assert "resolves to /etc/passwd, outside the document's folder" in error


def test_a_symbolic_link_leading_out_of_the_folder_is_refused(
    http_server: RecordingServer, docs: Path, tmp_path: Path
) -> None:
    (docs / "innocent.txt").symlink_to(tmp_path / "outside" / "secret.txt")
    (docs / "sub").symlink_to(tmp_path / "outside", target_is_directory=True)
    http_server.answer_ok("POST /upload")
    engine = load(docs / "flow.arazzo.yaml", http_server)
    for path in ("innocent.txt", "sub/secret.txt"):
        error = refused(engine.run("byPath", {"path": path}), http_server, path)
        assert "outside the document's folder" in error


def test_a_symbolic_link_inside_the_folder_is_followed(
    http_server: RecordingServer, docs: Path
) -> None:
    (docs / "alias.txt").symlink_to(docs / "beside.txt")
    http_server.answer_ok("POST /upload")
    result = load(docs / "flow.arazzo.yaml", http_server).run("byPath", {"path": "alias.txt"})
    assert result.succeeded, result.error
    assert part_bodies(http_server.requests[0]) == {"doc": b"beside the document"}


def test_a_folder_the_caller_allows_is_read(
    http_server: RecordingServer, docs: Path, tmp_path: Path
) -> None:
    http_server.answer_ok("POST /upload")
    outside = tmp_path / "outside"
    engine = load(docs / "flow.arazzo.yaml", http_server, file_folders=[outside])
    for path in ("../outside/secret.txt", str(outside / "secret.txt")):
        http_server.requests.clear()
        result = engine.run("byPath", {"path": path})
        assert result.succeeded, result.error
        assert part_bodies(http_server.requests[0]) == {"doc": SECRET}
    # Allowing one folder allows nothing else.
    http_server.requests.clear()
    error = refused(engine.run("byPath", {"path": "/etc/passwd"}), http_server, "/etc/passwd")
    assert "or in a folder allowed with file_folders=" in error


def test_the_command_line_allows_folders_with_allow_files(
    http_server: RecordingServer, docs: Path, tmp_path: Path
) -> None:
    http_server.answer_ok("POST /upload")
    secret = str(tmp_path / "outside" / "secret.txt")
    args = ["run", str(docs / "flow.arazzo.yaml"), "-w", "byPath", "--input", f"path={secret}"]
    args += ["--server", f"api={http_server.url}"]
    done = arazzo(*args)
    assert done.returncode == 1
    assert "outside the document's folder" in done.stderr
    assert "(allow another folder with --allow-files DIR)" in done.stderr
    assert "file_folders" not in done.stderr
    assert SECRET_WORD not in done.stdout + done.stderr
    assert [r.method for r in http_server.requests] == []
    done = arazzo(*args, "--allow-files", str(tmp_path / "outside"))
    assert done.returncode == 0, done.stderr
    assert part_bodies(http_server.requests[0]) == {"doc": SECRET}


def test_file_folders_must_be_folders(tmp_path: Path, docs: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"file_folders= names '.*nope', which is not a"):
        Engine.load(docs / "flow.arazzo.yaml", file_folders=[tmp_path / "nope"])


def test_a_replacement_value_may_be_a_file_and_is_confined_too(
    http_server: RecordingServer, docs: Path
) -> None:
    http_server.answer_ok("POST /upload")
    engine = load(docs / "flow.arazzo.yaml", http_server)
    result = engine.run("replaced", {"path": "beside.txt"})
    assert result.succeeded, result.error
    assert part_bodies(http_server.requests[0]) == {"title": b"t", "doc": b"beside the document"}
    http_server.requests.clear()
    error = refused(engine.run("replaced", {"path": "../outside/secret.txt"}), http_server, "../")
    assert "outside the document's folder" in error


def test_bytes_from_an_earlier_response_are_still_sent(
    http_server: RecordingServer, docs: Path
) -> None:
    png = b"\x89PNG\r\n\x1a\n bytes"
    http_server.route("GET", "/data", Reply(200, png, content_type="image/png"))
    http_server.answer_ok("POST /upload")
    result = load(docs / "flow.arazzo.yaml", http_server).run("bytesFromResponse")
    assert result.succeeded, result.error
    assert part_bodies(http_server.requests[1]) == {"picture": png}
    assert b'filename="p.png"' in http_server.requests[1].body


# -- regular files only, bounded ---------------------------------------------------------


def within(
    seconds: float, action: Callable[[], RunResult], unblock: Path | None = None
) -> RunResult:
    """``action``'s result, which must come within ``seconds`` (a FIFO must not hang it)."""
    results: list[RunResult] = []
    worker = threading.Thread(target=lambda: results.append(action()), daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(seconds)
    if worker.is_alive() and unblock is not None:  # release a reader stuck on the FIFO
        os.close(os.open(unblock, os.O_WRONLY | os.O_NONBLOCK))
    assert results, f"no result within {seconds} s"
    assert time.monotonic() - started < seconds
    return results[0]


def test_a_fifo_is_refused_at_once(http_server: RecordingServer, docs: Path) -> None:
    os.mkfifo(docs / "pipe")
    http_server.answer_ok("POST /upload")
    engine = load(docs / "flow.arazzo.yaml", http_server)
    result = within(2.0, lambda: engine.run("byPath", {"path": "pipe"}), docs / "pipe")
    error = refused(result, http_server, "pipe")
    assert "is a FIFO (named pipe), not a file to send; only regular files are read" in error


def test_a_device_is_refused_at_once(http_server: RecordingServer, docs: Path) -> None:
    http_server.answer_ok("PUT /blob")
    engine = load(docs / "flow.arazzo.yaml", http_server, file_folders=["/dev"])
    result = within(2.0, lambda: engine.run("wholeBody", {"path": "/dev/zero"}))
    error = refused(result, http_server, "/dev/zero")
    assert error.startswith("step 'send' of workflow 'wholeBody': the request body: ")
    assert "is a character device, not a file to send" in error


def test_a_directory_is_refused(http_server: RecordingServer, docs: Path) -> None:
    (docs / "folder").mkdir()
    http_server.answer_ok("POST /upload")
    result = load(docs / "flow.arazzo.yaml", http_server).run("byPath", {"path": "folder"})
    assert "is a directory, not a file to send" in refused(result, http_server, "folder")


def test_a_file_larger_than_the_cap_is_refused_quickly(
    http_server: RecordingServer, docs: Path
) -> None:
    with open(docs / "huge.bin", "wb") as handle:  # sparse: costs no disk
        handle.truncate(MAX_FILE_BYTES + 1)
    http_server.answer_ok("POST /upload")
    engine = load(docs / "flow.arazzo.yaml", http_server)
    result = within(2.0, lambda: engine.run("byPath", {"path": "huge.bin"}))
    error = refused(result, http_server, "huge.bin")
    assert f"larger than the {MAX_FILE_BYTES:,} bytes a file to send may have" in error


def test_a_file_at_the_cap_is_sent(http_server: RecordingServer, docs: Path) -> None:
    (docs / "small.bin").write_bytes(b"x" * 1000)
    http_server.answer_ok("PUT /blob")
    result = load(docs / "flow.arazzo.yaml", http_server).run("wholeBody", {"path": "small.bin"})
    assert result.succeeded, result.error
    assert http_server.requests[0].body == b"x" * 1000


# -- a remote document's markers carry bytes only ---------------------------------------

ENTRY = """\
arazzo: 1.0.1
info: {title: entry, version: '1'}
sourceDescriptions:
- {name: remote, url: URL, type: arazzo}
workflows:
- workflowId: WORKFLOW
  steps:
  - {stepId: call, workflowId: $sourceDescriptions.remote.WORKFLOW}
"""


def remote_call(server: RecordingServer, folder: Path, workflow: str) -> RunResult:
    """Run ``workflow`` of the files document, served by ``server``, from a local entry."""
    folder.mkdir(parents=True, exist_ok=True)
    text = ARAZZO.replace("LITERAL", json.dumps("beside.txt"))
    server.route("GET", "/remote/flow.arazzo.yaml", Reply(200, text, content_type="text/yaml"))
    server.route("GET", "/remote/api.openapi.yaml", Reply(200, OPENAPI, content_type="text/yaml"))
    entry = folder / "entry.arazzo.yaml"
    url = f"{server.url}/remote/flow.arazzo.yaml"
    entry.write_text(ENTRY.replace("URL", url).replace("WORKFLOW", workflow), encoding="utf-8")
    (folder / "beside.txt").write_bytes(SECRET)  # beside the entry; the remote one names it
    engine = Engine.load(entry, servers={"api": server.url}, allow_remote=True)
    server.requests.clear()
    return engine.run(workflow)


def test_a_remote_document_may_not_name_a_path(
    http_server: RecordingServer, tmp_path: Path
) -> None:
    http_server.answer_ok("POST /upload")
    result = remote_call(http_server, tmp_path, "literal")
    assert not result.succeeded and result.error is not None
    assert http_server.requests == []
    assert (
        "multipart part 'doc': $file 'beside.txt' is a path, and a remote document's file "
        "markers may carry bytes only" in result.error
    )
    assert SECRET_WORD not in result.error


def test_a_remote_document_may_send_bytes(http_server: RecordingServer, tmp_path: Path) -> None:
    png = b"\x89PNG remote"
    http_server.route("GET", "/data", Reply(200, png, content_type="image/png"))
    http_server.answer_ok("POST /upload")
    result = remote_call(http_server, tmp_path, "bytesFromResponse")
    assert result.succeeded, result.error
    assert part_bodies(http_server.requests[1]) == {"picture": png}


def test_the_pytest_plugin_never_opens_a_fifo_named_like_a_document(tmp_path: Path) -> None:
    fifo = tmp_path / "flow.arazzo.yaml"
    os.mkfifo(fifo)
    answers: list[bool] = []
    # A daemon thread, so that a regression (an open that waits for a writer) fails, not hangs.
    peek = threading.Thread(target=lambda: answers.append(is_arazzo_document(fifo)), daemon=True)
    peek.start()
    peek.join(timeout=2.0)
    assert answers == [False]
