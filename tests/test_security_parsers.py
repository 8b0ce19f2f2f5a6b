"""Hostile documents, bodies and inputs for the parsers: alias expansion and huge integers.

Each case is driven the way an attacker would (a document written into
``tmp_path``, a server on 127.0.0.1, the command line) and must end in a clear,
located ArazzoError (exit 2 from the CLI), quickly, never in a traceback.
Deep nesting has its own file, ``test_security_depth.py``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_engine import ArazzoValidationError, DocumentError, Engine, ServerSentEvent, StreamError
from arazzo_engine.cases import read_cases
from arazzo_engine.errors import SidecarError
from arazzo_engine.load.reader import MAX_EXPANDED_CHARS
from tests.cli_run import arazzo
from tests.http_server import RecordingServer, Reply

DIGITS = sys.get_int_max_str_digits()
HUGE = "9" * 5000
"""An integer with more digits than Python converts (4300 by default)."""

API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "parsers", "version": "1.0.0"},
    "servers": [{"url": "http://127.0.0.1:9"}],
    "paths": {
        "/thing": {
            "get": {"operationId": "getThing", "responses": {"200": {"description": "ok"}}},
            "post": {
                "operationId": "postThing",
                "requestBody": {"content": {"application/json": {"schema": {}}}},
                "responses": {"200": {"description": "ok"}},
            },
        }
    },
}


def flow(*, inputs: dict[str, Any] | None = None, **step: Any) -> dict[str, Any]:
    """A one-step workflow 'w' calling getThing, with ``step``'s fields added."""
    workflow: dict[str, Any] = {
        "workflowId": "w",
        "steps": [
            {
                "stepId": "s",
                "operationId": "getThing",
                "successCriteria": [{"condition": "$statusCode == 200"}],
                "outputs": {"body": "$response.body"},
                **step,
            }
        ],
        "outputs": {"body": "$steps.s.outputs.body"},
    }
    if inputs is not None:
        workflow["inputs"] = {"type": "object", "properties": inputs}
    return {
        "arazzo": "1.0.1",
        "info": {"title": "parsers", "version": "1.0.0"},
        "sourceDescriptions": [{"name": "api", "url": "api.openapi.yaml", "type": "openapi"}],
        "workflows": [workflow],
    }


def write(folder: Path, document: Any, name: str = "flow.arazzo.yaml", *, api: str = "") -> Path:
    """The document (and the API beside it, as ``api`` text when given) written to ``folder``."""
    (folder / "api.openapi.yaml").write_text(api or yaml.safe_dump(API), encoding="utf-8")
    path = folder / name
    text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def assert_clean_cli_failure(done: Any, *expected: str) -> None:
    """Exit 2, no traceback, and every ``expected`` fragment in stderr."""
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr + done.stdout
    for fragment in expected:
        assert fragment in done.stderr, (fragment, done.stderr[-2000:])


# -- alias expansion ------------------------------------------------------------------------
ANCHOR_LINE = 1


def bomb_text(uses: int, size: int) -> str:
    """A string of ``size`` characters anchored on line 1, aliased ``uses`` times in a payload.

    The payload is walked at load (expressions are looked for in every string):
    with each alias costing its whole length, 10,000 uses of 2 MB took 44 s.
    """
    document = flow()
    document["workflows"][0]["steps"][0].update(
        operationId="postThing",
        requestBody={"contentType": "application/json", "payload": "__USES__"},
    )
    text = yaml.safe_dump(document, sort_keys=False)
    uses_text = "[" + ", ".join(["*big"] * uses) + "]"
    return f'x-big: &big "{"x" * size}"\n' + text.replace("__USES__", uses_text)


def test_a_long_string_aliased_many_times_is_refused_at_load(tmp_path: Path) -> None:
    uses, size = 4_000, 20_000  # 80 million characters once expanded
    assert uses * size > MAX_EXPANDED_CHARS
    path = write(tmp_path, bomb_text(uses, size))
    started = time.perf_counter()
    with pytest.raises(DocumentError) as caught:
        Engine.load(path)
    assert time.perf_counter() - started < 3.0
    error = caught.value
    assert error.location is not None
    assert (error.location.file, error.location.line, error.location.column) == (
        str(path),
        ANCHOR_LINE,
        8,  # the anchored string, where "&big" names it
    )
    assert f"more than {MAX_EXPANDED_CHARS:,} characters through aliases" in error.message
    assert "the value anchored here is used again and again" in error.message


def test_aliases_within_the_limit_still_load(tmp_path: Path) -> None:
    path = write(tmp_path, bomb_text(10, 1_000))
    engine = Engine.load(path)
    assert engine.workflow_ids == ["w"]


def test_an_alias_bomb_of_long_strings_in_a_source_description_is_refused(
    tmp_path: Path,
) -> None:
    api = yaml.safe_dump(API) + 'x-big: &big "' + "y" * 50_000 + '"\nx-uses:\n'
    api += "".join("  - *big\n" for _ in range(2_000))  # 100 million characters
    path = write(tmp_path, flow(), api=api)
    started = time.perf_counter()
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(path)
    assert time.perf_counter() - started < 3.0
    message = str(caught.value)
    assert "api.openapi.yaml" in message
    assert f"more than {MAX_EXPANDED_CHARS:,} characters through aliases" in message


def test_the_command_line_reports_an_alias_bomb_in_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, bomb_text(4_000, 20_000))
    done = arazzo("validate", str(path))
    assert_clean_cli_failure(done, f"{path}:1:8: error: ", "through aliases")


# -- huge integers in documents ---------------------------------------------------------------
def _with_huge_integer(as_json: bool) -> str:
    document = flow()
    document["workflows"][0]["steps"][0]["x-count"] = "__HUGE__"
    if as_json:
        return json.dumps(document, indent=1).replace('"__HUGE__"', HUGE)
    return yaml.safe_dump(document, sort_keys=False).replace("__HUGE__", HUGE)


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "yaml"])
def test_a_huge_integer_in_the_arazzo_document_is_a_located_error(
    tmp_path: Path, as_json: bool
) -> None:
    text = _with_huge_integer(as_json)
    path = write(tmp_path, text, "flow.arazzo.json" if as_json else "flow.arazzo.yaml")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if HUGE in row)
    with pytest.raises(DocumentError) as caught:
        Engine.load(path)
    error = caught.value
    assert error.location is not None
    assert (error.location.file, error.location.line) == (str(path), line)
    assert error.location.column > 1
    assert f"the document holds an integer of more than {DIGITS} digits" in error.message
    assert HUGE not in str(error)  # the value is not quoted whole


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "yaml"])
def test_validate_exits_2_with_one_line_for_a_huge_integer(tmp_path: Path, as_json: bool) -> None:
    text = _with_huge_integer(as_json)
    path = write(tmp_path, text, "flow.arazzo.json" if as_json else "flow.arazzo.yaml")
    done = arazzo("validate", str(path))
    assert_clean_cli_failure(done, f"an integer of more than {DIGITS} digits")
    assert len(done.stderr.splitlines()) <= 3  # the finding, its pointer, the summary


@pytest.mark.parametrize(
    ("value", "as_json"),
    [
        pytest.param(HUGE, True, id="json"),
        pytest.param(HUGE, False, id="yaml-decimal"),
        pytest.param("0x" + "f" * 4000, False, id="yaml-hexadecimal"),
        pytest.param("1" + ":59" * 150_000, False, id="yaml-sexagesimal"),  # quadratic
    ],
)
def test_a_huge_integer_in_a_source_description_is_a_located_error(
    tmp_path: Path, value: str, as_json: bool
) -> None:
    if as_json:
        api = json.dumps({**API, "x-count": "__N__"}, indent=1).replace('"__N__"', value)
        name = "api.openapi.json"
    else:
        api = yaml.safe_dump(API) + f"x-count: {value}\n"
        name = "api.openapi.yaml"
    document = flow()
    document["sourceDescriptions"][0]["url"] = name
    path = write(tmp_path, document)
    (tmp_path / name).write_text(api, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(path)
    assert time.perf_counter() - started < 3.0
    message = str(caught.value)
    line = next(n for n, row in enumerate(api.splitlines(), 1) if value in row)
    assert f"{tmp_path / name}:{line}:" in message
    assert f"an integer of more than {DIGITS} digits" in message


@pytest.mark.parametrize("tag", ["!!int", "!!float"])
def test_a_mistagged_number_in_a_source_description_is_a_located_error(
    tmp_path: Path, tag: str
) -> None:
    path = write(tmp_path, flow(), api=yaml.safe_dump(API) + f"x-count: {tag} abc\n")
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(path)
    message = str(caught.value)
    assert f"api.openapi.yaml:23:10: this value is not a valid {tag}" in message
    assert "abc" not in message  # the text of a file that did not parse is never quoted


def test_a_huge_integer_in_a_json_payload_text_is_a_finding(tmp_path: Path) -> None:
    document = flow(operationId="postThing")
    document["workflows"][0]["steps"][0]["requestBody"] = {
        "contentType": "application/json",
        "payload": '{"n": ' + HUGE + "}",
    }
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(write(tmp_path, document))
    assert (
        f"the payload of step 's' is JSON text but holds an integer of more than {DIGITS} "
        "digits at line 1, column 7 of the payload"
    ) in str(caught.value)


# -- huge integers from a server ---------------------------------------------------------------
def test_a_huge_integer_in_a_response_body_fails_the_step_cleanly(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    http_server.route("GET", "/thing", Reply(200, '{"n": ' + HUGE + "}"))
    engine = Engine.load(write(tmp_path, flow()), servers={"api": http_server.url})
    events: list[Any] = []
    with engine.run("w", on_event=events.append) as result:
        assert not result.succeeded
        assert result.error == (
            "step 's' of workflow 'w': the response body (application/json) holds an integer "
            f"of more than {DIGITS} digits (line 1, column 7)"
        )
        json.dumps(result.to_json())  # the result renders


def test_the_command_line_reports_a_huge_integer_from_the_server_in_one_line(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    http_server.route("GET", "/thing", Reply(200, "[" + HUGE + "]"))
    path = write(tmp_path, flow())
    for extra in ([], ["-v", "--trace"], ["--json"]):
        done = arazzo("run", str(path), "--server", f"api={http_server.url}", *extra)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        assert f"holds an integer of more than {DIGITS} digits" in done.stdout + done.stderr


def test_a_huge_integer_in_event_data_is_a_stream_error() -> None:
    with pytest.raises(StreamError) as caught:
        ServerSentEvent(event="tick", data='{"n": ' + HUGE + "}").json()
    assert str(caught.value) == (
        f"data of event 'tick' holds an integer of more than {DIGITS} digits (line 1, column 7)"
    )


@pytest.mark.parametrize("literal", ["1e5000", HUGE[:4000], "-" + HUGE[:4000] + ".5"])
def test_huge_number_literals_in_a_condition_are_compared_not_crashed_on(
    tmp_path: Path, http_server: RecordingServer, literal: str
) -> None:
    http_server.route("GET", "/thing", Reply(200, {}))
    document = flow(successCriteria=[{"condition": f"$statusCode != {literal}"}])
    engine = Engine.load(write(tmp_path, document), servers={"api": http_server.url})
    with engine.run("w", on_event=lambda event: None) as result:
        assert result.succeeded, result.error


# -- huge integers on the command line ----------------------------------------------------------
def test_a_huge_integer_in_an_inputs_file_exits_2(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    inputs = tmp_path / "inputs.json"
    inputs.write_text('{"n": ' + HUGE + "}", encoding="utf-8")
    path = write(tmp_path, flow(inputs={"n": {"type": "integer"}}))
    done = arazzo(
        "run", str(path), "--server", f"api={http_server.url}", "--inputs-file", str(inputs)
    )
    assert_clean_cli_failure(
        done, f"--inputs-file {inputs}: the file holds an integer of more than {DIGITS} digits"
    )
    assert http_server.requests == []


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        (f"n={HUGE}", f"--input n: the value is an integer of more than {DIGITS} digits"),
        (f"n:={HUGE}", f"--input n:= the value holds an integer of more than {DIGITS} digits"),
        (f'o={{"n": {HUGE}}}', f"--input o: the value holds an integer of more than {DIGITS}"),
    ],
    ids=["typed", "raw-json", "object"],
)
def test_a_huge_integer_given_with_input_exits_2(
    tmp_path: Path, http_server: RecordingServer, argument: str, expected: str
) -> None:
    path = write(tmp_path, flow(inputs={"n": {"type": "integer"}, "o": {"type": "object"}}))
    done = arazzo("run", str(path), "--server", f"api={http_server.url}", "--input", argument)
    assert_clean_cli_failure(done, expected)
    assert HUGE not in done.stderr
    assert http_server.requests == []


def test_a_sidecar_with_a_huge_integer_is_a_sidecar_error_naming_the_file(
    tmp_path: Path,
) -> None:
    sidecar = tmp_path / "flow.inputs.yaml"
    sidecar.write_text("flow:\n  inputs:\n    n: " + "9" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(SidecarError) as caught:
        read_cases(sidecar, ["flow"])
    message = str(caught.value)
    assert f"{sidecar}:3:" in message and f"more than {DIGITS} digits" in message
    assert "9" * 50 not in message


def test_a_sidecar_that_is_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    sidecar = tmp_path / "flow.inputs.yaml"
    os.mkfifo(sidecar)
    started = time.perf_counter()
    with pytest.raises(SidecarError, match="regular file"):
        read_cases(sidecar, ["flow"])
    assert time.perf_counter() - started < 2.0
