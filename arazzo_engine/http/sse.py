"""An incremental Server-Sent Events decoder.

Implements the "event stream interpretation" rules of the WHATWG HTML standard
(section 9.2.6): bytes arrive in arbitrary chunks, are decoded as UTF-8 (invalid
bytes become U+FFFD, one leading BOM is dropped), split into lines ending in CRLF,
LF or CR, and the lines are folded into events that are dispatched at each blank
line.  Nothing here depends on an HTTP library: feed it bytes from anywhere.

Typical use::

    for event in iter_events(chunks):   # any iterable of bytes chunks
        print(event.event, event.json())

(:meth:`~arazzo_engine.http.response.HttpResponse.events` does this on a
response's byte stream.)

The work is linear in the bytes fed, however they are chunked: lines are found
in each new chunk only (CR and LF bytes never occur inside a UTF-8 sequence, so
bytes are split before they are decoded), and the unfinished line and event
grow in place.  What is pending (the unfinished line plus the data of the
unfinished event) is capped at ``max_event_bytes``: a server that never ends a
line or an event gets a :class:`StreamError`, not the process's memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from arazzo_engine.errors import LimitError, StreamError
from arazzo_engine.limits import load_json

__all__ = ["MAX_EVENT_BYTES", "ServerSentEvent", "SseDecoder", "iter_events"]

MAX_EVENT_BYTES = 64 * 1024 * 1024
"""The most bytes one unfinished event (its data so far plus its unfinished line) may hold.

The default of a bare :class:`SseDecoder`; a response's stream uses the
transport's ``max_body_bytes`` instead (64 MiB unless changed), so one event
can be as large as any body the engine reads, and never larger.
"""

MAX_RETRY_DIGITS = 18
"""A ``retry`` value with more digits than this (over 31 million years) is ignored."""

_BOM = b"\xef\xbb\xbf"
_CR, _LF = b"\r", b"\n"


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event.

    ``id`` is the stream's last event ID at dispatch time (it persists across
    events until an ``id`` field changes it; ``None`` if no ``id`` was ever
    seen).  ``retry`` is the reconnection time in milliseconds set by a
    ``retry`` field since the previous dispatched event, else ``None``.
    """

    event: str = "message"
    data: str = ""
    id: str | None = None
    retry: int | None = None

    def json(self) -> Any:
        """Parse ``data`` as JSON; raise :class:`StreamError` if it is not JSON.

        The limits of :mod:`arazzo_engine.limits` hold: data nested too deeply or
        holding too long an integer is a StreamError naming the limit.
        """
        try:
            return load_json(self.data)
        except LimitError as exc:
            raise StreamError(f"data of event {self.event!r} {exc}") from None
        except ValueError as exc:
            raise StreamError(
                f"data of event {self.event!r} is not valid JSON ({exc}): {self.data[:80]!r}"
            ) from exc


class SseDecoder:
    """Turns chunks of an ``text/event-stream`` body into :class:`ServerSentEvent` s.

    Feed every chunk to :meth:`feed`, which returns the events whose closing
    blank line arrived in that chunk, then call :meth:`close` at the end of the
    stream; an unfinished event is then discarded, as the standard requires
    (check :attr:`pending` first to notice a truncated stream).

    ``last_event_id`` seeds the last-event-ID buffer, e.g. when resuming a
    stream after a reconnection with a ``Last-Event-ID`` header.
    ``max_event_bytes`` caps what is pending (see :data:`MAX_EVENT_BYTES`):
    beyond it :meth:`feed` raises :class:`StreamError` and the decoder closes.
    """

    __slots__ = (
        "_bom_checked",
        "_closed",
        "_data",
        "_event_type",
        "_has_data",
        "_in_event",
        "_last_event_id",
        "_line",
        "_max_event_bytes",
        "_reconnection_time",
        "_retry",
        "_skip_lf",
        "_type_bytes",
        "_type_text",
    )

    def __init__(
        self, *, last_event_id: str | None = None, max_event_bytes: int = MAX_EVENT_BYTES
    ) -> None:
        self._max_event_bytes = max_event_bytes
        self._bom_checked = False
        self._skip_lf = False  # the previous chunk ended with CR: a leading LF is its pair
        self._line = bytearray()  # an incomplete line (never contains CR or LF)
        self._data = bytearray()  # the data values so far, joined by LF
        self._has_data = False  # a data field was seen (its value may be empty)
        self._event_type = b""
        self._type_bytes, self._type_text = b"", "message"  # the last type decoded
        self._in_event = False  # a field line was seen since the last blank line
        self._last_event_id = last_event_id
        self._retry: int | None = None  # set since the previous dispatch
        self._reconnection_time: int | None = None  # the stream-wide value
        self._closed = False

    @property
    def pending(self) -> bool:
        """True while part of a line or of an event is buffered (not yet dispatched)."""
        return bool(self._line or self._in_event)

    @property
    def last_event_id(self) -> str | None:
        """The last-event-ID buffer: send it as ``Last-Event-ID`` when reconnecting."""
        return self._last_event_id

    @property
    def reconnection_time(self) -> int | None:
        """The latest ``retry`` value (milliseconds) seen on this stream, if any."""
        return self._reconnection_time

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode one chunk; return the events it completes, in order.

        Raises :class:`StreamError` (and closes the decoder) when the unfinished
        line and event would hold more than ``max_event_bytes``.
        """
        if self._closed:
            raise ValueError("feed() called on a closed SseDecoder")
        if not chunk:
            return []
        if not self._bom_checked:
            # The BOM may arrive split: keep its first bytes in the line until decided.
            chunk = bytes(self._line) + chunk
            self._line.clear()
            if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
                self._line += chunk
                return []
            self._bom_checked = True
            if chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == _LF:
                chunk = chunk[1:]
        if not chunk:
            return []
        if _CR in chunk:
            if chunk[-1:] == _CR:
                self._skip_lf = True
            chunk = chunk.replace(b"\r\n", _LF).replace(_CR, _LF)
        elif _LF not in chunk:
            self._check(len(self._line) + len(chunk))
            self._line += chunk
            return []
        lines = chunk.split(_LF)
        tail = lines.pop()
        if self._line:
            self._line += lines[0]
            lines[0] = bytes(self._line)
            self._line.clear()
        events = self._process(lines)
        self._check(len(tail))
        self._line += tail
        return events

    def close(self) -> None:
        """End of stream: discard any incomplete line or event (WHATWG rule)."""
        self._line.clear()
        self._data.clear()
        self._has_data = False
        self._event_type = b""
        self._in_event = False
        self._retry = None
        self._closed = True

    def _check(self, line_size: int) -> None:
        """Raise StreamError when an unfinished line of ``line_size`` bytes is too much."""
        pending = line_size + len(self._data)
        if pending > self._max_event_bytes:
            what = "event" if self._data else "line"
            self.close()
            raise StreamError(
                f"an unfinished {what} grew past {self._max_event_bytes} bytes "
                f"({pending} bytes pending)"
            )

    def _process(self, lines: list[bytes]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        data = self._data
        limit = self._max_event_bytes
        for line in lines:
            if not line:
                if self._has_data:
                    events.append(
                        ServerSentEvent(
                            self._event_name(),
                            data.decode("utf-8", "replace"),
                            self._last_event_id,
                            self._retry,
                        )
                    )
                    data.clear()
                    self._has_data = False
                    self._retry = None
                self._event_type = b""
                self._in_event = False
                continue
            if len(line) + len(data) > limit:
                self._check(len(line))
            if line[0] == 0x3A:  # ":" a comment
                continue
            self._in_event = True
            if line.startswith(b"data:"):  # the common case, without partition's copies
                if self._has_data:
                    data += _LF
                data += line[6:] if line[5:6] == b" " else line[5:]
                self._has_data = True
                continue
            if line.startswith(b"event:"):
                self._event_type = line[7:] if line[6:7] == b" " else line[6:]
                continue
            name, colon, value = line.partition(b":")
            if colon and value[:1] == b" ":
                value = value[1:]
            if name == b"data":  # "data" without a colon
                if self._has_data:
                    data += _LF
                self._has_data = True
            elif name == b"event":
                self._event_type = value
            elif name == b"id":
                if b"\0" not in value:
                    self._last_event_id = value.decode("utf-8", "replace")
            elif name == b"retry" and len(value) <= MAX_RETRY_DIGITS and value.isdigit():
                self._retry = self._reconnection_time = int(value)
        return events

    def _event_name(self) -> str:
        """The event's type as text; the previous one's str again when it repeats."""
        raw = self._event_type
        if not raw:
            return "message"
        if raw != self._type_bytes:
            self._type_bytes, self._type_text = raw, raw.decode("utf-8", "replace")
        return self._type_text


def iter_events(
    chunks: Iterable[bytes], *, max_event_bytes: int = MAX_EVENT_BYTES
) -> Iterator[ServerSentEvent]:
    """Decode an iterable of byte chunks, yielding each event as soon as it is complete.

    An incomplete event at the end of the stream is discarded; one growing past
    ``max_event_bytes`` raises :class:`StreamError`.
    """
    decoder = SseDecoder(max_event_bytes=max_event_bytes)
    for chunk in chunks:
        yield from decoder.feed(chunk)
    decoder.close()
