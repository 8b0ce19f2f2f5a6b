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
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from arazzo_engine.errors import LimitError, StreamError
from arazzo_engine.limits import load_json

__all__ = ["ServerSentEvent", "SseDecoder", "iter_events"]

_BOM = "\ufeff"


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
    """

    __slots__ = (
        "_bom_checked",
        "_closed",
        "_data",
        "_decoder",
        "_event_type",
        "_in_event",
        "_last_event_id",
        "_line",
        "_reconnection_time",
        "_retry",
        "_skip_lf",
    )

    def __init__(self, *, last_event_id: str | None = None) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._bom_checked = False
        self._skip_lf = False  # the previous text ended with CR: a leading LF is its pair
        self._line = ""  # an incomplete line (never contains CR or LF)
        self._data: list[str] = []
        self._event_type = ""
        self._in_event = False  # a field line was seen since the last blank line
        self._last_event_id = last_event_id
        self._retry: int | None = None  # set since the previous dispatch
        self._reconnection_time: int | None = None  # the stream-wide value
        self._closed = False

    @property
    def pending(self) -> bool:
        """True while part of a line or of an event is buffered (not yet dispatched)."""
        return bool(self._line or self._in_event or self._decoder.getstate()[0])

    @property
    def last_event_id(self) -> str | None:
        """The last-event-ID buffer: send it as ``Last-Event-ID`` when reconnecting."""
        return self._last_event_id

    @property
    def reconnection_time(self) -> int | None:
        """The latest ``retry`` value (milliseconds) seen on this stream, if any."""
        return self._reconnection_time

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode one chunk; return the events it completes, in order."""
        if self._closed:
            raise ValueError("feed() called on a closed SseDecoder")
        text = self._decoder.decode(chunk)
        if not text:
            return []
        if not self._bom_checked:
            self._bom_checked = True
            if text[0] == _BOM:
                text = text[1:]
        if self._skip_lf:
            self._skip_lf = False
            if text[0] == "\n":
                text = text[1:]
        if not text:
            return []
        if "\r" in text:
            if text[-1] == "\r":
                self._skip_lf = True
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\n" not in text:
            self._line += text
            return []
        lines = text.split("\n")
        if self._line:
            lines[0] = self._line + lines[0]
        self._line = lines.pop()
        return self._process(lines)

    def close(self) -> None:
        """End of stream: discard any incomplete line or event (WHATWG rule)."""
        self._decoder.decode(b"", True)
        self._decoder.reset()
        self._line = ""
        self._data = []
        self._event_type = ""
        self._in_event = False
        self._retry = None
        self._closed = True

    def _process(self, lines: list[str]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append(
                        ServerSentEvent(
                            self._event_type or "message",
                            "\n".join(data),
                            self._last_event_id,
                            self._retry,
                        )
                    )
                    data = self._data = []
                    self._retry = None
                self._event_type = ""
                self._in_event = False
                continue
            if line[0] == ":":
                continue
            name, colon, value = line.partition(":")
            if colon and value[:1] == " ":
                value = value[1:]
            self._in_event = True
            if name == "data":
                data.append(value)
            elif name == "event":
                self._event_type = value
            elif name == "id":
                if "\0" not in value:
                    self._last_event_id = value
            elif name == "retry" and value.isascii() and value.isdigit():
                self._retry = self._reconnection_time = int(value)
        return events


def iter_events(chunks: Iterable[bytes]) -> Iterator[ServerSentEvent]:
    """Decode an iterable of byte chunks, yielding each event as soon as it is complete.

    An incomplete event at the end of the stream is discarded.
    """
    decoder = SseDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    decoder.close()
