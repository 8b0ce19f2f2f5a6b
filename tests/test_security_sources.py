"""Documents read from disk or fetched: no secret quoted, regular files only, remote stays remote.

A hostile document names a secret file as a source ``url`` (or a ``$ref``, or the
caller is tricked into ``--inputs-file``): the error must say what kind of file was
expected and where it broke, never quote the file.  ``/dev/zero`` and FIFOs must be
refused at once.  A remote document's relative ``url`` resolves against its URL;
one naming a local path is refused.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine
from arazzo_engine.errors import ArazzoError, ArazzoValidationError, DocumentError
from arazzo_engine.load.local_files import MAX_DOCUMENT_BYTES
from tests.cli_run import arazzo
from tests.http_server import RecordingServer, Reply

TOKENS = (
    "PRIVATE KEY",
    "AKIAQWERTYUIOPASDFGH",
    "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
    "hunter2hunter2",
)
"""Words of the secret files below; none may appear in any message."""

SECRETS = {
    "id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\nAKIAQWERTYUIOPASDFGH\n"
    "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n-----END OPENSSH PRIVATE KEY-----\n",
    "credentials": "[default]\naws_access_key_id = AKIAQWERTYUIOPASDFGH\n"
    "aws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n",
    "dotenv": "TOKEN=AKIAQWERTYUIOPASDFGH\nPASSWORD=hunter2hunter2\n",
    "tokens.json": '{"token": "AKIAQWERTYUIOPASDFGH", "password": hunter2hunter2}',
    "tagged.yaml": "token: !!int AKIAQWERTYUIOPASDFGH\n",
    "flow.yaml": "password: &hunter2hunter2 x\ncopy: *AKIAQWERTYUIOPASDFGH\n",
    "list.yaml": "- AKIAQWERTYUIOPASDFGH\n- hunter2hunter2\n",
    "binary": "AKIAQWERTYUIOPASDFGH\udcff hunter2hunter2",
}
"""Secret files in the shapes they come in: none is an OpenAPI, Arazzo or AsyncAPI document."""


def write_secret(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(SECRETS[name].encode("utf-8", "surrogateescape"))
    return path


def entry(folder: Path, url: str, kind: str = "openapi") -> Path:
    """An Arazzo document whose one source description has ``url``."""
    path = folder / "entry.arazzo.yaml"
    path.write_text(
        f"""\
arazzo: 1.0.1
info: {{title: t, version: '1'}}
sourceDescriptions:
- {{name: api, url: '{url}', type: {kind}}}
workflows:
- workflowId: w
  steps:
  - {{stepId: s, operationId: op}}
""",
        encoding="utf-8",
    )
    return path


def runnable(folder: Path) -> Path:
    """A valid document (and its description) the command line can run."""
    (folder / "api.openapi.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
        "paths:\n  /x:\n    get:\n      operationId: op\n"
        "      responses: {'200': {description: ok}}\n",
        encoding="utf-8",
    )
    return entry(folder, "api.openapi.yaml")


def assert_no_secret(text: str) -> None:
    for token in TOKENS:
        assert token not in text


def load_error(path: Path, **options: Any) -> str:
    with pytest.raises(ArazzoError) as caught:
        Engine.load(path, **options)
    return str(caught.value)


# -- never quote a file that did not parse ----------------------------------------------


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_a_source_naming_a_secret_file_does_not_quote_it(tmp_path: Path, name: str) -> None:
    secret = write_secret(tmp_path, name)
    message = load_error(entry(tmp_path, str(secret)))
    assert_no_secret(message)
    assert f"source description 'api' ({secret}) " in message
    assert "expected an OpenAPI, an Arazzo or an AsyncAPI document (YAML or JSON)" in message


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_the_secret_file_as_the_document_is_not_quoted(tmp_path: Path, name: str) -> None:
    secret = write_secret(tmp_path, name)
    with pytest.raises(DocumentError) as caught:
        Engine.load(secret)
    assert_no_secret(str(caught.value))
    assert str(caught.value).startswith(str(secret))


def test_a_source_given_with_sources_does_not_quote_it(tmp_path: Path) -> None:
    secret = write_secret(tmp_path, "id_rsa")
    path = entry(tmp_path, "api.openapi.yaml")
    message = load_error(path, sources={"api": secret})
    assert_no_secret(message)
    assert "a string (plain text, not YAML or JSON with a mapping at its root)" in message


def test_a_ref_to_a_secret_file_does_not_quote_it(tmp_path: Path) -> None:
    write_secret(tmp_path, "credentials")
    (tmp_path / "api.openapi.yaml").write_text(
        """\
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /x:
    $ref: credentials#/paths/x
""",
        encoding="utf-8",
    )
    message = load_error(entry(tmp_path, "api.openapi.yaml"))
    assert_no_secret(message)
    assert "$ref to file://" in message and "expected a YAML or JSON document" in message


@pytest.mark.parametrize("name", ["id_rsa", "tokens.json", "binary"])
def test_the_command_line_does_not_quote_secret_files(tmp_path: Path, name: str) -> None:
    secret = write_secret(tmp_path, name)
    done = arazzo("validate", str(entry(tmp_path, str(secret))))
    assert done.returncode == 2
    assert_no_secret(done.stdout + done.stderr)
    assert "expected an OpenAPI, an Arazzo or an AsyncAPI document" in done.stdout + done.stderr
    done = arazzo("run", str(runnable(tmp_path)), "--inputs-file", str(secret))
    assert done.returncode == 2
    assert_no_secret(done.stdout + done.stderr)
    assert f"--inputs-file {secret}" in done.stderr


# -- regular files only, bounded --------------------------------------------------------


def within(seconds: float, action: Callable[[], Any], fifo: Path | None = None) -> Any:
    """What ``action`` raised or returned, which must come within ``seconds``."""
    outcome: list[Any] = []

    def attempt() -> None:
        try:
            outcome.append(action())
        except BaseException as error:  # the outcome is what the test checks
            outcome.append(error)

    worker = threading.Thread(target=attempt, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(seconds)
    if worker.is_alive() and fifo is not None:  # release a reader stuck on the FIFO
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert outcome, f"nothing came back within {seconds} s"
    assert time.monotonic() - started < seconds
    return outcome[0]


def test_dev_zero_as_a_source_is_refused_at_once(tmp_path: Path) -> None:
    error = within(1.0, lambda: Engine.load(entry(tmp_path, "/dev/zero")))
    assert isinstance(error, ArazzoValidationError)
    assert "/dev/zero is a character device, not a document; only regular files are read" in str(
        error
    )


def test_a_fifo_as_a_source_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    error = within(1.0, lambda: Engine.load(entry(tmp_path, "pipe.yaml")), fifo)
    assert isinstance(error, ArazzoValidationError)
    assert f"{fifo} is a FIFO (named pipe), not a document" in str(error)


def test_a_fifo_as_the_document_or_a_ref_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    error = within(1.0, lambda: Engine.load(fifo), fifo)
    assert isinstance(error, DocumentError) and "is a FIFO (named pipe)" in str(error)
    (tmp_path / "api.openapi.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x: {$ref: 'pipe.yaml#/x'}\n",
        encoding="utf-8",
    )
    error = within(1.0, lambda: Engine.load(entry(tmp_path, "api.openapi.yaml")), fifo)
    assert isinstance(error, ArazzoValidationError) and "is a FIFO (named pipe)" in str(error)


def test_a_fifo_or_dev_zero_as_the_inputs_file_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "inputs.json"
    os.mkfifo(fifo)
    flow = runnable(tmp_path)
    for given, kind in ((fifo, "a FIFO (named pipe)"), (Path("/dev/zero"), "a character device")):
        started = time.monotonic()
        done = arazzo("run", str(flow), "--inputs-file", str(given), timeout=20)
        assert time.monotonic() - started < 10
        assert done.returncode == 2
        assert f"{given} is {kind}, not a inputs file" in done.stderr


def test_a_document_larger_than_the_cap_is_refused_quickly(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with open(huge, "wb") as handle:  # sparse: costs no disk
        handle.truncate(MAX_DOCUMENT_BYTES + 1)
    error = within(2.0, lambda: Engine.load(entry(tmp_path, "huge.yaml")))
    assert isinstance(error, ArazzoValidationError)
    assert f"larger than the {MAX_DOCUMENT_BYTES:,} bytes a document may have" in str(error)


# -- a remote document names remote documents only ------------------------------------------

REMOTE_ARAZZO = """\
arazzo: 1.0.1
info: {title: remote, version: '1'}
sourceDescriptions:
- {name: pets, url: 'URL', type: openapi}
workflows:
- workflowId: get
  steps:
  - stepId: s
    operationId: getPet
    successCriteria: [{condition: $statusCode == 200}]
    outputs: {name: $response.body#/name}
  outputs: {name: $steps.s.outputs.name}
"""

REMOTE_OPENAPI = """\
openapi: 3.0.3
info: {title: pets, version: '1'}
servers: [{url: 'http://127.0.0.1:9/'}]
paths:
  /pet:
    get:
      operationId: getPet
      responses: {'200': {description: ok}}
REF
"""

LOCAL_ENTRY = """\
arazzo: 1.0.1
info: {title: entry, version: '1'}
sourceDescriptions:
- {name: remote, url: 'URL', type: arazzo}
workflows:
- workflowId: main
  steps:
  - {stepId: call, workflowId: $sourceDescriptions.remote.get}
"""


def serve_remote(server: RecordingServer, folder: Path, url: str, ref: str = "") -> Path:
    """The remote Arazzo document (its pets source at ``url``) and the local entry naming it."""
    arazzo_text = REMOTE_ARAZZO.replace("URL", url)
    server.route(
        "GET", "/flows/remote.arazzo.yaml", Reply(200, arazzo_text, content_type="text/yaml")
    )
    openapi = REMOTE_OPENAPI.replace("REF", ref)
    server.route("GET", "/flows/pets.openapi.yaml", Reply(200, openapi, content_type="text/yaml"))
    server.route("GET", "/pet", Reply(200, {"name": "rex"}))
    path = folder / "entry.arazzo.yaml"
    path.write_text(
        LOCAL_ENTRY.replace("URL", f"{server.url}/flows/remote.arazzo.yaml"), encoding="utf-8"
    )
    return path


def test_a_remote_relative_url_is_fetched_from_the_remote_server(
    http_server: RecordingServer, tmp_path: Path
) -> None:
    (tmp_path / "pets.openapi.yaml").write_text("not: this one\n", encoding="utf-8")
    path = serve_remote(http_server, tmp_path, "pets.openapi.yaml")
    engine = Engine.load(path, allow_remote=True, servers={"pets": http_server.url})
    fetched = [r.path for r in http_server.requests]
    assert fetched == ["/flows/remote.arazzo.yaml", "/flows/pets.openapi.yaml"]
    result = engine.run("main")
    assert result.succeeded, result.error
    assert [r.path for r in http_server.requests][2:] == ["/pet"]


@pytest.mark.parametrize("url", ["LOCAL", "file://LOCAL", "/etc/passwd", "file:///etc/passwd"])
def test_a_remote_document_naming_a_local_path_is_refused(
    http_server: RecordingServer, tmp_path: Path, url: str
) -> None:
    local = tmp_path / "pets.openapi.yaml"
    local.write_text(REMOTE_OPENAPI.replace("REF", ""), encoding="utf-8")
    url = url.replace("LOCAL", str(local))
    path = serve_remote(http_server, tmp_path, url)
    message = load_error(path, allow_remote=True, servers={"pets": http_server.url})
    remote = f"{http_server.url}/flows/remote.arazzo.yaml"
    assert (
        f"source description 'pets' of the remote document {remote} has url {url!r}, a local "
        "path: a remote document may only name remote documents"
    ) in message
    assert [r.path for r in http_server.requests] == ["/flows/remote.arazzo.yaml"]


def test_a_remote_descriptions_ref_resolves_against_its_url(
    http_server: RecordingServer, tmp_path: Path
) -> None:
    ref = "  /other: {$ref: 'other.yaml#/paths/~1other'}"
    path = serve_remote(http_server, tmp_path, "pets.openapi.yaml", ref)
    message = load_error(path, allow_remote=True, servers={"pets": http_server.url})
    assert f"$ref to {http_server.url}/flows/other.yaml" in message
    assert "arazzo-remote-" not in message  # never a local temporary folder


def test_a_remote_descriptions_ref_to_a_local_file_is_refused(
    http_server: RecordingServer, tmp_path: Path
) -> None:
    secret = write_secret(tmp_path, "credentials")
    ref = f"  /other: {{$ref: '{secret.as_uri()}#/paths/x'}}"
    path = serve_remote(http_server, tmp_path, "pets.openapi.yaml", ref)
    message = load_error(path, allow_remote=True, servers={"pets": http_server.url})
    assert f"$ref to {secret.as_uri()} in the remote document {http_server.url}/flows/" in message
    assert "a remote document may not name a local file" in message
    assert_no_secret(message)
