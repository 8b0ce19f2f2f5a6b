"""Event streams that never end a line or an event: a StreamError, in bounded time and memory.

A server answering ``text/event-stream`` and then sending bytes with no line
end (or one ``data:`` line after another, never a blank line) once held
everything it sent, re-copying the growing line on every chunk.  Now what is
pending is capped at the response's ``max_body_bytes`` and the parser's work is
linear in the bytes received.
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from arazzo_engine import Engine, HttpRequest, HttpResponse, MockTransport, StreamError
from arazzo_engine.http.sse import SseDecoder, iter_events
from tests.one_step_flow import write_flow
from tests.raw_server import RawServer

KIB = 1024
MIB = 1024 * KIB
T = TypeVar("T")

SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    b"Connection: close\r\n\r\n"
)
ENDLESS_LINE = b"data: " + b"x" * (64 * KIB - 6)
"""64 KiB with no line end: sent again and again, one line that never ends."""
ENDLESS_EVENT = b"data: " + b"y" * (64 * KIB - 7) + b"\n"
"""A whole data line, 64 KiB: sent again and again, one event that never ends."""
TINY_DATA_LINES = b"data:ab\n" * (8 * KIB)
"""Short data lines, where each line would cost more to keep than its bytes."""


def within(seconds: float, work: Callable[[], T], stop: threading.Event) -> T:
    """``work()`` in a thread; its result, or a failure if it takes longer than ``seconds``.

    ``stop`` is set either way, so a feeding generator that checks it ends the
    thread even when the code under test would have gone on for minutes.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=target, name="bounded-work")
    thread.start()
    thread.join(seconds)
    stop.set()
    thread.join(30)
    assert not thread.is_alive()
    if failure:
        raise failure[0]
    assert outcome, f"did not finish within {seconds} s"
    return outcome[0]


def read_events_until_error(engine: Engine) -> tuple[list[str], StreamError | None]:
    """Run the flow (it succeeds on the status alone) and read its stream to the end."""
    seen: list[str] = []
    with engine.run("flow") as result:
        assert result.succeeded, result.error
        response = result.steps[0].response
        assert response is not None and response.is_stream
        try:
            for event in response.events():
                seen.append(event.data)
        except StreamError as error:
            return seen, error
    return seen, None


def peak_memory(work: Callable[[], T]) -> tuple[T, int]:
    """``work()`` and the peak of memory traced while it ran (every thread's)."""
    tracemalloc.start()
    try:
        return work(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- over the wire ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("piece", "what"),
    [(ENDLESS_LINE, "line"), (ENDLESS_EVENT, "event"), (TINY_DATA_LINES, "event")],
    ids=["endless-line", "endless-event", "tiny-data-lines"],
)
def test_a_server_that_never_ends_a_line_or_event_gets_a_stream_error(
    tmp_path: Path, piece: bytes, what: str
) -> None:
    """64 MiB offered by a real server; reading stops at the 1 MiB limit."""
    stop = threading.Event()

    def reply(head: bytes) -> Iterator[bytes]:
        yield SSE_HEAD + b"data: first\n\n"
        for _ in range(64 * MIB // len(piece)):
            if stop.is_set():
                return
            yield piece

    with RawServer(reply) as server:
        engine = Engine.load(
            write_flow(tmp_path), servers={"api": server.url}, max_body_bytes=MIB, timeout=5
        )
        started = time.monotonic()
        (seen, error), peak = within(
            20, lambda: peak_memory(lambda: read_events_until_error(engine)), stop
        )
        elapsed = time.monotonic() - started
        sent = server.sent
    assert seen == ["first"]
    assert isinstance(error, StreamError)
    message = str(error)
    assert message.startswith(
        f"the event stream from {server.url}/thing was closed: an unfinished {what} grew "
        f"past {MIB} bytes ("
    ), message
    assert message.endswith(" bytes pending) (the limit is max_body_bytes)"), message
    pending = int(message.split(" bytes pending")[0].rsplit("(", 1)[1])
    assert MIB < pending <= MIB + 2 * 64 * KIB
    # a bound on hanging, not a speed figure: tracemalloc (peak_memory) makes the
    # 131072 tiny lines slow on a busy 2-core machine; reading all 64 MiB would not fit
    assert elapsed < 15, f"{elapsed:.1f} s"
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB"
    assert sent < 16 * MIB, "the client kept reading past the limit"


def test_the_limit_follows_max_body_bytes_and_an_event_just_under_it_arrives(
    tmp_path: Path,
) -> None:
    data = "z" * (MIB - 100)

    def reply(head: bytes) -> Iterator[bytes]:
        yield SSE_HEAD + f"event: big\ndata: {data}\n\ndata: after\n\n".encode()

    with RawServer(reply) as server:
        engine = Engine.load(
            write_flow(tmp_path), servers={"api": server.url}, max_body_bytes=MIB, timeout=5
        )
        seen, error = read_events_until_error(engine)
    assert error is None
    assert seen == [data, "after"]


# -- through MockTransport: the big one and the one-byte chunks ------------------------


def mock_engine(tmp_path: Path, chunks: Callable[[], Iterator[bytes]], limit: int) -> Engine:
    def handler(request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, {"Content-Type": "text/event-stream"}, content=chunks())

    transport = MockTransport(handler, max_body_bytes=limit)
    return Engine.load(write_flow(tmp_path), transport=transport)


def test_64_mib_without_a_line_end_stops_at_8_mib_in_bounded_time_and_memory(
    tmp_path: Path,
) -> None:
    stop = threading.Event()
    fed = [0]

    def chunks() -> Iterator[bytes]:
        block = b"x" * (64 * KIB)
        for _ in range(1024):  # 64 MiB
            if stop.is_set():
                return
            fed[0] += len(block)
            yield block

    engine = mock_engine(tmp_path, chunks, 8 * MIB)
    started = time.monotonic()
    (seen, error), peak = within(
        30, lambda: peak_memory(lambda: read_events_until_error(engine)), stop
    )
    elapsed = time.monotonic() - started
    assert seen == []
    assert isinstance(error, StreamError)
    assert f"an unfinished line grew past {8 * MIB} bytes ({8 * MIB + 64 * KIB} bytes" in str(error)
    assert fed[0] == 8 * MIB + 64 * KIB, "read on past the limit"
    assert elapsed < 5, f"{elapsed:.1f} s"
    assert peak < 24 * MIB, f"peak {peak / MIB:.1f} MiB for 8 MiB pending"


def test_one_byte_chunks_without_a_line_end_cost_linear_time(tmp_path: Path) -> None:
    """256 Ki one-byte chunks: re-copying the growing line would take minutes."""
    stop = threading.Event()

    def chunks() -> Iterator[bytes]:
        for _ in range(64 * MIB):
            if stop.is_set():
                return
            yield b"x"

    engine = mock_engine(tmp_path, chunks, 256 * KIB)
    started = time.monotonic()
    seen, error = within(20, lambda: read_events_until_error(engine), stop)
    elapsed = time.monotonic() - started
    assert seen == []
    assert isinstance(error, StreamError)
    assert f"grew past {256 * KIB} bytes ({256 * KIB + 1} bytes pending)" in str(error)
    assert elapsed < 5, f"{elapsed:.1f} s"


def test_a_response_built_without_a_limit_uses_the_decoders_default() -> None:
    from arazzo_engine.http.sse import MAX_EVENT_BYTES

    assert MAX_EVENT_BYTES == 64 * MIB
    response = HttpResponse(
        200, {"Content-Type": "text/event-stream"}, content=iter([b"data: a\n\n"])
    )
    assert [e.data for e in response.events()] == ["a"]


# -- the decoder on its own ------------------------------------------------------------


def test_the_decoder_raises_past_its_limit_and_closes() -> None:
    decoder = SseDecoder(max_event_bytes=10)
    assert decoder.feed(b"data: 12\n\n")[0].data == "12"
    with pytest.raises(StreamError, match=r"^an unfinished line grew past 10 bytes \(11 bytes"):
        decoder.feed(b"data: 12345")  # 11 bytes, no line end
    with pytest.raises(ValueError, match="closed"):
        decoder.feed(b"\n\n")


def test_complete_lines_count_towards_the_event() -> None:
    decoder = SseDecoder(max_event_bytes=10)
    with pytest.raises(StreamError, match=r"^an unfinished event grew past 10 bytes \(13 bytes"):
        decoder.feed(b"data:abcd\ndata:efgh\n")  # the data "abcd", then a 9-byte line
    with pytest.raises(StreamError, match="an unfinished line grew past 10 bytes"):
        list(iter_events([b": a comment of 20 bytes\n"], max_event_bytes=10))


def test_a_limit_in_the_middle_of_a_chunk_after_complete_events() -> None:
    assert [e.data for e in iter_events([b"data: a\n\n", b"data: b\n\n"], max_event_bytes=8)] == [
        "a",
        "b",
    ]
