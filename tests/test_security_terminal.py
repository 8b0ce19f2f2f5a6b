"""A server cannot drive the user's terminal through what the command line prints.

The server here writes control characters everywhere it can: a reason phrase,
a header, a text body, a JSON value, stream events (their type and data), a
redirect target that ends up in an error message.  The command line runs as a
user runs it (a subprocess, output piped: no colour, so the engine itself
writes no escape sequence) with ``-v`` and ``--trace``, reports and ``--json``;
no control character may come out raw, and each shows as a visible escape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from arazzo_engine.reports.printable import escape_json_text, printable, printable_lines
from tests.cli_run import arazzo
from tests.one_step_flow import write_flow
from tests.raw_server import RawServer, response

CLEAR = "\x1b[2J"
BELL = "\x07"
LINK = "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\"
BIDI = "\u202egnp.exe\u202c and \u2066isolated\u2069"
C1 = "\x9b31m"  # CSI as one C1 character
OTHERS = "\x7f\x00\x1b[1A"  # no CR: it ends a line of a body or of an event stream
HOSTILE = CLEAR + BELL + LINK + BIDI + C1 + OTHERS
"""Every kind of control character a server might send, in one string."""

RAW = [*"\x1b\x07\x9b\x7f\x00\r", *"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
"""None of these may reach stdout or stderr as itself."""


def assert_nothing_raw(*outputs: str) -> None:
    for output in outputs:
        found = sorted({f"U+{ord(c):04X}" for c in RAW if c in output})
        assert not found, f"printed raw: {found}\n{output!r}"


def latin1(text: str) -> bytes:
    """A header's bytes: HTTP header values are read back as Latin-1."""
    return text.encode("latin-1", errors="strict")


def serve(*replies: bytes) -> RawServer:
    """A server giving each reply in turn (the last one again and again)."""
    queue = list(replies)

    def reply(head: bytes) -> Iterator[bytes]:
        yield queue.pop(0) if len(queue) > 1 else queue[0]

    return RawServer(reply)


HEADERS_HOSTILE = "v " + CLEAR + BELL + LINK.replace("\x1b\\", "\x07") + C1 + "\x7f"
"""Latin-1 can carry ESC, BEL, DEL and C1 in a header (not bidi: it is not Latin-1)."""


def stream_reply() -> bytes:
    events = (
        f"event: {CLEAR}progress{BELL}\ndata: {HOSTILE}\n\n"
        f"event: output\ndata: line one{BELL}\ndata: {BIDI}\n\n"
    ).encode()
    return response(
        latin1(f"HTTP/1.1 200 OK{CLEAR}{BELL}"),
        [
            (b"Content-Type", b"text/event-stream"),
            (b"X-Evil", latin1(HEADERS_HOSTILE)),
            (b"Connection", b"close"),
        ],
        events,
    )


def test_stream_events_headers_and_reason_phrase_are_escaped(tmp_path: Path) -> None:
    flow = write_flow(tmp_path)
    with serve(stream_reply()) as server:
        done = arazzo("run", str(flow), "--server", f"api={server.url}", "-v", "--trace")
    assert done.returncode == 0, done.stderr
    assert_nothing_raw(done.stdout, done.stderr)
    out = done.stdout
    assert printable(CLEAR + "progress" + BELL) in out  # the event's type
    assert printable(HOSTILE) in out  # its data
    assert "line one\\x07\\n\\u202egnp.exe\\u202c and \\u2066isolated\\u2069" in out
    assert printable(f"< X-Evil: {HEADERS_HOSTILE}") in out


def test_bodies_values_and_criteria_of_a_text_response_are_escaped(tmp_path: Path) -> None:
    body = f"first line {CLEAR}\nsecond {HOSTILE}\n".encode()
    reply = response(
        b"HTTP/1.1 200 OK",
        [(b"Content-Type", b"text/plain; charset=utf-8"), (b"Content-Length", b"%d" % len(body))],
        body,
    )
    flow = write_flow(
        tmp_path,
        criteria=("$statusCode == 200", "$response.body != 'x'"),
        outputs={"text": "$response.body"},
    )
    report = tmp_path / "report.json"
    junit = tmp_path / "junit.xml"
    with serve(reply) as server:
        done = arazzo(
            "run",
            str(flow),
            "--server",
            f"api={server.url}",
            "-v",
            "--trace",
            "--report",
            f"json={report}",
            "--report",
            f"junit={junit}",
        )
        as_json = arazzo("run", str(flow), "--server", f"api={server.url}", "--json")
    assert done.returncode == 0, done.stderr
    assert_nothing_raw(done.stdout, done.stderr, report.read_text(), junit.read_text())
    assert_nothing_raw(as_json.stdout, as_json.stderr)
    assert "< first line \\x1b[2J" in done.stdout  # the body, line by line
    assert "< second " + printable(HOSTILE) in done.stdout
    assert json.loads(as_json.stdout)["steps"][0]["outputs"]["text"] == body.decode()
    as_text = json.dumps(body.decode(), ensure_ascii=False)[1:-1]
    assert as_text in json.dumps(json.loads(report.read_text()), ensure_ascii=False)


def test_an_error_message_a_server_shaped_is_escaped(tmp_path: Path) -> None:
    """A redirect loop's message names the last target: the server chose its path."""
    loop = response(
        b"HTTP/1.1 302 Found",
        [(b"Location", f"/next{CLEAR}{BELL}{C1}".encode()), (b"Content-Length", b"0")],
    )
    flow = write_flow(tmp_path)
    junit = tmp_path / "junit.xml"
    with serve(loop) as server:
        done = arazzo(
            "run", str(flow), "--server", f"api={server.url}", "--report", f"junit={junit}"
        )
    assert done.returncode == 1
    assert_nothing_raw(done.stdout, done.stderr, junit.read_text())
    assert "more than 10 redirects (the last to " in done.stderr
    assert "/next\\x1b[2J\\x07" in done.stderr
    assert "\\x9b31m)" in done.stderr  # U+009B, its UTF-8 bytes read back as Latin-1


def test_a_failed_run_explained_for_pytest_is_escaped(tmp_path: Path) -> None:
    body = f'{{"detail": "{CLEAR}denied{BELL}"}}'.encode()
    reply = response(
        b"HTTP/1.1 403 Forbidden",
        [(b"Content-Type", b"application/json"), (b"Content-Length", b"%d" % len(body))],
        body,
    )
    from arazzo_engine import Engine
    from arazzo_engine.cases import Case, check_result
    from arazzo_engine.reports.trace import RunTrace

    trace = RunTrace()
    with serve(reply) as server:
        engine = Engine.load(write_flow(tmp_path), servers={"api": server.url})
        result = engine.run("flow", on_event=trace)
    lines = check_result(result, trace, Case())
    assert lines
    assert_nothing_raw("\n".join(lines))
    assert any("\\x1b[2Jdenied\\x07" in line for line in lines)


# -- the function itself -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text, tabs\tand é ü 😀 stay", "plain text, tabs\tand é ü 😀 stay"),
        ("\x1b[2J", "\\x1b[2J"),
        ("a\nb\rc", "a\\nb\\rc"),
        ("\x00\x07\x08\x0b\x0c\x1f\x7f", "\\x00\\x07\\x08\\x0b\\x0c\\x1f\\x7f"),
        ("\x80\x9b\x9f\xa0", "\\x80\\x9b\\x9f\xa0"),
        ("\u202a\u202e\u2066\u2069\u2028", "\\u202a\\u202e\\u2066\\u2069\u2028"),
    ],
)
def test_printable_escapes_control_characters_only(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert printable_lines(text) == shown.replace("\\n", "\n")


def test_json_text_keeps_its_value_and_loses_its_controls() -> None:
    value = {"k": "\x1b\x7f\x9b\u202e\u2066é"}
    text = escape_json_text(json.dumps(value, ensure_ascii=False))
    assert json.loads(text) == value
    assert_nothing_raw(text)
    assert "é" in text
