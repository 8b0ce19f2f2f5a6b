"""Tests of arazzo_engine.http.sse: the WHATWG event-stream rules, chunking, and HTTP reading."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from arazzo_engine.errors import StreamError
from arazzo_engine.http.requests_transport import RequestsTransport
from arazzo_engine.http.response import HttpResponse
from arazzo_engine.http.sse import ServerSentEvent, SseDecoder, iter_events
from arazzo_engine.http.transport import HttpRequest
from fixtures.fal.fake_fal_server import FakeFalServer

E = ServerSentEvent


def decode(*chunks: bytes | str) -> list[ServerSentEvent]:
    """Feed every chunk (str is UTF-8 encoded) and close; return all events."""
    decoder = SseDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk.encode() if isinstance(chunk, str) else chunk)
    decoder.close()
    return events


# -- fields and dispatch -----------------------------------------------------


def test_simple_event_has_defaults() -> None:
    assert decode("data: hello\n\n") == [E("message", "hello", None, None)]


def test_event_field_sets_the_type_and_empty_type_means_message() -> None:
    assert decode("event: progress\ndata: 1\n\nevent:\ndata: 2\n\n") == [
        E("progress", "1"),
        E("message", "2"),
    ]


def test_event_type_is_reset_after_dispatch() -> None:
    assert decode("event: a\ndata: 1\n\ndata: 2\n\n") == [E("a", "1"), E("message", "2")]


def test_multi_line_data_is_joined_and_the_trailing_newline_removed() -> None:
    assert decode("data: one\ndata:\ndata: three\n\n") == [E(data="one\n\nthree")]


def test_empty_data_field_still_dispatches() -> None:
    assert decode("data:\n\n") == [E(data="")]


def test_blank_line_without_data_dispatches_nothing_and_resets_the_type() -> None:
    assert decode("event: lost\n\ndata: x\n\n") == [E("message", "x")]


def test_comment_lines_are_ignored() -> None:
    stream = ": hello\n:\ndata: a\n: between\ndata: b\n\n:: tail\n\n"
    assert decode(stream) == [E(data="a\nb")]


def test_only_one_leading_space_of_the_value_is_removed() -> None:
    assert decode("data:  two\n\ndata:none\n\ndata: trailing \n\n") == [
        E(data=" two"),
        E(data="none"),
        E(data="trailing "),
    ]


def test_value_keeps_later_colons() -> None:
    assert decode('data: {"a": 1}\n\n') == [E(data='{"a": 1}')]


def test_line_without_colon_is_a_field_with_empty_value() -> None:
    assert decode("data\ndata\n\nevent\ndata: x\n\n") == [E(data="\n"), E(data="x")]


def test_unknown_fields_are_ignored_and_names_are_case_sensitive() -> None:
    assert decode("foo: bar\nData: no\nEVENT: no\ndata: yes\n\n") == [E(data="yes")]


def test_id_persists_across_events() -> None:
    stream = "id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n"
    assert [e.id for e in decode(stream)] == ["1", "1", "2"]


def test_id_is_none_until_set_and_empty_id_resets_it_to_empty() -> None:
    assert [e.id for e in decode("data: a\n\nid: 7\ndata: b\n\nid\ndata: c\n\n")] == [
        None,
        "7",
        "",
    ]


def test_id_containing_nul_is_ignored() -> None:
    assert [e.id for e in decode("id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n")] == ["1", "1"]


def test_id_only_block_updates_the_buffer_for_later_events() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b"id: 9\n\n") == []
    assert decoder.last_event_id == "9"
    assert decoder.feed(b"data: x\n\n") == [E(data="x", id="9")]


def test_last_event_id_can_be_seeded() -> None:
    decoder = SseDecoder(last_event_id="41")
    assert decoder.feed(b"data: x\n\n") == [E(data="x", id="41")]


def test_retry_sets_the_event_retry_until_the_next_dispatch() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b"retry: 1500\ndata: a\n\ndata: b\n\n") == [
        E(data="a", retry=1500),
        E(data="b"),
    ]
    assert decoder.reconnection_time == 1500


def test_retry_set_in_a_block_without_data_applies_to_the_next_event() -> None:
    assert decode("retry: 10\n\ndata: a\n\n") == [E(data="a", retry=10)]


@pytest.mark.parametrize("value", ["1a", "-1", " 10", "1.5", "", "\uff11\uff12", "\u00b2"])
def test_retry_with_anything_but_ascii_digits_is_ignored(value: str) -> None:
    decoder = SseDecoder()
    assert decoder.feed(f"retry: 5\nretry: {value}\ndata: a\n\n".encode()) == [E(data="a", retry=5)]
    assert decoder.reconnection_time == 5


# -- line endings, chunking, decoding ------------------------------------------


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_each_line_ending_works(eol: str) -> None:
    stream = f"event: e{eol}data: a{eol}data: b{eol}{eol}data: c{eol}{eol}"
    assert decode(stream) == [E("e", "a\nb"), E(data="c")]


def test_mixed_line_endings() -> None:
    assert decode("data: a\rdata: b\r\ndata: c\n\r\n") == [E(data="a\nb\nc")]


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    # Were CR and LF two line ends, the LF would be a blank line dispatching "a" alone.
    assert decode("data: a\r", "\ndata: b\r", "\n\r", "\n") == [E(data="a\nb")]


def test_cr_at_chunk_end_then_empty_chunk_then_lf() -> None:
    assert decode("data: a\r", "", "\ndata: b\r\n\r\n") == [E(data="a\nb")]


def test_cr_at_chunk_end_completes_the_line_at_once() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b"data: a\r\r") == [E(data="a")]  # no need to see the next byte
    assert decoder.feed(b"data: b\r") == []
    assert decoder.feed(b"\r") == [E(data="b")]


def test_cr_then_cr_across_chunks_is_two_line_ends() -> None:
    assert decode("data: a\r", "\rdata: b\n\n") == [E(data="a"), E(data="b")]


def test_bom_is_stripped_once() -> None:
    assert decode("\ufeffdata: a\n\n") == [E(data="a")]
    # A second BOM makes the field name "\ufeffdata": unknown, so no event.
    assert decode("\ufeff\ufeffdata: a\n\n") == []


def test_bom_split_across_chunks_is_stripped() -> None:
    bom = "\ufeff".encode()
    assert decode(bom[:1], bom[1:2], bom[2:] + b"data: a\n\n") == [E(data="a")]


def test_bom_later_in_the_stream_is_kept() -> None:
    assert decode("data: a\n\n", "\ufeffdata: b\n\ndata: c\n\n") == [E(data="a"), E(data="c")]


def test_multibyte_characters_split_across_chunks() -> None:
    raw = "data: é€😀\n\n".encode()
    assert decode(*(raw[i : i + 1] for i in range(len(raw)))) == [E(data="é€😀")]


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert decode(b"data: a\xffb\xc3\n\n") == [E(data="a\ufffdb\ufffd")]


def test_truncated_multibyte_at_close_is_discarded_without_error() -> None:
    assert decode(b"data: a\n\ndata: \xe2\x82") == [E(data="a")]


def test_feed_returns_only_the_events_this_chunk_completes() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b"data: a\n\ndata: b\n") == [E(data="a")]
    assert decoder.feed(b"\ndata: c\n\ndata: d") == [E(data="b"), E(data="c")]
    assert decoder.feed(b"\n\n") == [E(data="d")]


# -- pending and close ---------------------------------------------------------


def test_pending_tracks_partial_lines_and_events() -> None:
    decoder = SseDecoder()
    assert not decoder.pending
    decoder.feed(b"data: par")
    assert decoder.pending  # partial line
    decoder.feed(b"tial\n")
    assert decoder.pending  # complete line, event not dispatched
    assert decoder.feed(b"\n") == [E(data="partial")]
    assert not decoder.pending
    decoder.feed(b": just a comment\n")
    assert not decoder.pending
    decoder.feed(b"\xe2\x82")
    assert decoder.pending  # half a character


def test_close_discards_a_partial_trailing_event() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b"data: a\n\ndata: b\nid: 3\n") == [E(data="a")]
    assert decoder.pending
    decoder.close()
    assert not decoder.pending
    assert decoder.last_event_id == "3"
    with pytest.raises(ValueError, match="closed"):
        decoder.feed(b"\n")


def test_iter_events_discards_a_partial_trailing_event() -> None:
    assert list(iter_events([b"data: a\n\ndata: b\n"])) == [E(data="a")]
    assert list(iter_events([b"data: a\n\ndata: b"])) == [E(data="a")]


def test_iter_events_yields_each_event_before_reading_the_next_chunk() -> None:
    pulled: list[int] = []

    def chunks() -> Iterator[bytes]:
        for i, chunk in enumerate([b"data: a\n", b"\ndata: b\n\n", b"data: c\n\n"]):
            pulled.append(i)
            yield chunk

    seen = []
    for event in iter_events(chunks()):
        seen.append((event.data, list(pulled)))
    assert seen == [("a", [0, 1]), ("b", [0, 1]), ("c", [0, 1, 2])]


# -- json() --------------------------------------------------------------------


def test_json_parses_the_data() -> None:
    assert E(data='{"step": 1}').json() == {"step": 1}


def test_json_error_is_a_stream_error_quoting_type_and_80_chars() -> None:
    data = "not json " + "x" * 200
    with pytest.raises(StreamError) as info:
        E("progress", data).json()
    message = str(info.value)
    assert "'progress'" in message
    assert repr(data[:80]) in message
    assert data[:81] not in message
    assert isinstance(info.value.__cause__, json.JSONDecodeError)


# -- chunking properties -------------------------------------------------------

SAMPLE = (
    "\ufeff: welcome\r\n"
    "retry: 3000\r\n"
    "event: progress\r\n"
    'data: {"step": 1, "text": "héllo €"}\r\n'
    "id: 1\r\n"
    "\r\n"
    "data: line one\r"
    "data: line two 😀\r"
    "\r"
    "event: output\n"
    "data\n"
    "data:  spaced\n"
    "id: bad\x00id\n"
    "\n"
    "event: lonely\n"
    "\n"
    "data: last\n"
    "\n"
    "data: truncated"
).encode()

SAMPLE_EVENTS = [
    E("progress", '{"step": 1, "text": "héllo €"}', "1", 3000),
    E("message", "line one\nline two 😀", "1", None),
    E("output", "\n spaced", "1", None),
    E("message", "last", "1", None),
]


def test_sample_in_one_chunk() -> None:
    assert decode(SAMPLE) == SAMPLE_EVENTS


def test_sample_split_at_every_byte_boundary() -> None:
    for i in range(len(SAMPLE) + 1):
        assert decode(SAMPLE[:i], SAMPLE[i:]) == SAMPLE_EVENTS, f"split at byte {i}"


def test_sample_fed_byte_by_byte() -> None:
    assert decode(*(SAMPLE[i : i + 1] for i in range(len(SAMPLE)))) == SAMPLE_EVENTS


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(SAMPLE)), max_size=30))
def test_sample_split_arbitrarily(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(SAMPLE)]
    chunks = [SAMPLE[a:b] for a, b in itertools.pairwise(bounds)]
    assert decode(*chunks) == SAMPLE_EVENTS


_line_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"), max_size=12
)


@st.composite
def _streams(draw: st.DrawFn) -> tuple[bytes, list[ServerSentEvent]]:
    """A random stream written with random line endings, and its expected events."""
    eols = st.sampled_from(["\n", "\r\n", "\r"])
    out: list[str] = []
    expected: list[ServerSentEvent] = []
    for _ in range(draw(st.integers(0, 5))):
        event = draw(st.sampled_from(["message", "progress", "ü"]))
        data = draw(st.lists(_line_text, min_size=1, max_size=3))
        ident = draw(st.none() | st.text("abc123", max_size=4))
        if ident is None and expected:
            ident = expected[-1].id
        if draw(st.booleans()):
            out.append(": comment" + draw(eols))
        out.append(f"event: {event}" + draw(eols))
        if ident is not None:
            out.append(f"id: {ident}" + draw(eols))
        out += [f"data: {line}" + draw(eols) for line in data]
        blank = draw(eols)
        if blank == "\n" and out[-1].endswith("\r"):
            blank = "\r\n"  # else the CR + LF would be one line end
        out.append(blank)
        expected.append(E(event, "\n".join(data), ident))
    return "".join(out).encode(), expected


@settings(max_examples=200, deadline=None)
@given(_streams(), st.lists(st.integers(min_value=0, max_value=400), max_size=10))
def test_random_streams_split_arbitrarily(
    stream: tuple[bytes, list[ServerSentEvent]], cuts: list[int]
) -> None:
    raw, expected = stream
    bounds = [0, *sorted(min(c, len(raw)) for c in cuts), len(raw)]
    assert decode(*(raw[a:b] for a, b in itertools.pairwise(bounds))) == expected


def test_throughput_is_not_byte_by_byte() -> None:
    # The target is >= 50,000 events/s; assert a lenient floor so a slow CI passes.
    n = 20_000
    blob = b'event: progress\ndata: {"step": 1, "text": "hello"}\nid: 7\n\n' * n
    chunks = [blob[i : i + 4096] for i in range(0, len(blob), 4096)]
    decoder = SseDecoder()
    start = time.perf_counter()
    count = sum(len(decoder.feed(chunk)) for chunk in chunks)
    elapsed = time.perf_counter() - start
    assert count == n
    assert n / elapsed > 25_000, f"{n / elapsed:,.0f} events/s"


# -- over HTTP: the requests transport's byte stream with the fake fal server ----------

AUTH = {"Authorization": "Key test-key", "Content-Type": "application/json"}
MODEL_PATH = "/fal-ai/flux/schnell/stream"


@contextmanager
def streamed(url: str, body: object) -> Iterator[HttpResponse]:
    """POST through the engine's default transport; the response is closed on exit."""
    transport = RequestsTransport()
    try:
        request = HttpRequest("POST", url, AUTH, body=json.dumps(body).encode())
        response = transport.send(request, timeout=10.0)
        try:
            yield response
        finally:
            response.close()
    finally:
        transport.close()


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "close-delimited"])
def test_first_event_arrives_while_the_server_is_still_sending(chunked: bool) -> None:
    with (
        FakeFalServer(events=3, interval=0.02, hold_open=1.0, chunked=chunked) as fal,
        streamed(fal.url + MODEL_PATH, {"prompt": "p"}) as resp,
    ):
        assert resp.is_stream
        events = resp.events()
        first = next(events)
        finished_when_first_arrived = fal.stream_finished.is_set()
        assert first.event == "progress"
        assert first.json()["step"] == 1
        assert not finished_when_first_arrived
        output = next(e for e in events if e.event == "output")
        assert not fal.stream_finished.is_set()  # still held open for ~1 s
        assert output.json()["input"] == {"prompt": "p"}
    # Leaving early: the response is closed and stop() cuts the held-open stream.


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "close-delimited"])
def test_whole_stream_decodes_over_http(chunked: bool) -> None:
    with (
        FakeFalServer(events=4, interval=0.0, chunked=chunked) as fal,
        streamed(fal.url + MODEL_PATH, {"seed": 1}) as resp,
    ):
        events = list(resp.events())
        assert fal.stream_finished.wait(2)
    assert [e.event for e in events] == ["progress"] * 4 + ["output"]
    assert [e.json().get("step") for e in events] == [1, 2, 3, 4, None]
    assert events[-1].json()["output"]["seed"] == 1


def test_a_stream_already_read_whole_still_gives_its_events() -> None:
    with (
        FakeFalServer(events=1, interval=0.0) as fal,
        streamed(fal.url + MODEL_PATH, {}) as resp,
    ):
        assert b"event: output" in resp.content  # drains the stream
        events = list(resp.events())
    assert [e.event for e in events] == ["progress", "output"]


def test_iter_content_none_waits_for_the_whole_close_delimited_body() -> None:
    """Why the requests transport reads with raw.read1: this is what iter_content would do."""
    with (
        FakeFalServer(events=2, interval=0.0, hold_open=0.3, chunked=False) as fal,
        requests.Session() as session,
        session.post(fal.url + MODEL_PATH, json={}, headers=AUTH, stream=True) as resp,
    ):
        start = time.perf_counter()
        first = next(resp.iter_content(chunk_size=None))
        waited = time.perf_counter() - start
    assert b"event: output" in first  # the whole body came in one piece...
    assert waited >= 0.25  # ...only after the server held it open and closed it
