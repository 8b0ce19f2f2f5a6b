"""The HTTP response record a step keeps: decoded on demand, streams left open.

A response owns its body as a :class:`~arazzo_engine.http.stream.ByteStream`
(bytes chunks as they arrive) or as bytes already read; it never sees the
library that produced it.  A streaming response (``text/event-stream`` and
friends) is handed over with its body unread, so the caller sees events as they
arrive; any other body is read in full (up to ``max_body_bytes``) by the
transport while the step runs.

Reading an open body never raises a library error: a stream that breaks says
why in one :class:`~arazzo_engine.errors.StreamError` sentence.

``HttpResponse(200, json={...})`` is also how a
:class:`~arazzo_engine.http.mock.MockTransport` handler answers.
"""

from __future__ import annotations

import json as _json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from arazzo_engine.errors import BodyDecodeError, BodyError, ConfigurationError, StreamError
from arazzo_engine.http.headers import Headers
from arazzo_engine.http.media import (
    body_problem_of,
    charset_of,
    decode_body,
    is_json_media_type,
    media_type,
)
from arazzo_engine.http.sse import ServerSentEvent, SseDecoder
from arazzo_engine.http.stream import ChunkStream, read_capped

__all__ = ["HttpResponse", "adopt", "public_url"]

_UNSET: Any = object()


def public_url(url: str) -> str:
    """The URL without query, fragment or user info (query strings may hold API keys)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host + (f":{port}" if port is not None else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class HttpResponse:
    """One HTTP response: status, headers, and a body decoded when first read.

    Give the body as one of ``content`` (bytes, or an iterable of bytes chunks:
    an open stream, read as it is iterated), ``text`` (encoded by the
    Content-Type's charset, else UTF-8; Content-Type defaults to
    ``text/plain; charset=utf-8``) or ``json`` (any JSON value; Content-Type
    defaults to ``application/json``).  No body is an empty one.

    ``max_body_bytes`` caps draining an open stream (``content``/``body``);
    the transport sets it, as it sets ``url`` (where the response came from).
    """

    __slots__ = (
        "_body",
        "_chunks",
        "_content",
        "_events_iter",
        "_max_body_bytes",
        "_stream",
        "content_type",
        "headers",
        "is_stream",
        "status_code",
        "url",
    )

    def __init__(
        self,
        status_code: int = 200,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        *,
        content: bytes | Iterable[bytes] | None = None,
        text: str | None = None,
        json: Any = _UNSET,
        url: str = "",
        max_body_bytes: int | None = None,
    ) -> None:
        if (content is not None) + (text is not None) + (json is not _UNSET) > 1:
            raise ConfigurationError("give at most one of content=, text= and json=")
        self.status_code = status_code
        listed = Headers(headers or ())
        self.headers: Mapping[str, str] = listed
        if text is not None or json is not _UNSET:
            given_type = listed.get("Content-Type")
            content, default_type = _encoded(text, json, given_type)
            if given_type is None:
                added = ("Content-Type", default_type)
                self.headers = Headers([*listed.pairs(), added] if listed else [added])
        self.url = url
        self.content_type = media_type(self.headers.get("Content-Type"))
        self._max_body_bytes = max_body_bytes
        self._body: Any = _UNSET
        self._events_iter: Iterator[ServerSentEvent] | None = None
        self._stream: ChunkStream | None = None
        self._chunks: Iterator[bytes] | None = None
        self._content: bytes | None = None
        if content is None or isinstance(content, (bytes, bytearray, memoryview)):
            self._content = bytes(content or b"")
        elif isinstance(content, str):
            raise ConfigurationError(
                "content= takes bytes or an iterable of bytes; give a str as text="
            )
        else:
            self._stream = content if isinstance(content, ChunkStream) else ChunkStream(content)
            self._chunks = iter(self._stream)
        self.is_stream = self._stream is not None
        """The body was handed over open (a streaming media type)."""

    def __repr__(self) -> str:
        state = " (open stream)" if self._stream is not None else ""
        return f"<HttpResponse {self.status_code} {self.content_type or '-'}{state}>"

    @property
    def charset(self) -> str | None:
        return charset_of(self.headers.get("Content-Type"))

    @property
    def content(self) -> bytes:
        """The raw body bytes; on an open stream this reads it to the end.

        Draining a stream stops with :class:`StreamError` when it breaks or grows
        past ``max_body_bytes``.
        """
        if self._content is None:
            limit = self._max_body_bytes
            parts: list[bytes] = []
            size = 0
            for chunk in self.iter_bytes():  # closes the stream when it ends or breaks
                size += len(chunk)
                if limit is not None and size > limit:
                    self.close()
                    raise StreamError(
                        f"the response stream from {public_url(self.url)} exceeds "
                        f"max_body_bytes ({limit}); it was not read to its end"
                    )
                parts.append(chunk)
            self._content = b"".join(parts)
        return self._content

    @property
    def body(self) -> Any:
        """The decoded body (JSON value, text, or bytes); drains an open stream."""
        body = self._body
        if body is _UNSET:
            content = self._content
            body = self._body = decode_body(
                content if content is not None else self.content,
                self.content_type,
                charset_of(self.headers.get("Content-Type")),  # self.charset
            )
        return body

    @property
    def body_problem(self) -> str | None:
        """Why the body does not decode as its content type, or None.

        None as well for an open stream (checking would drain it).  The decoded
        body is kept, so a later ``body`` costs nothing.
        """
        if self._stream is not None:
            return None
        content = self._content or b""
        if is_json_media_type(self.content_type):
            if self._body is not _UNSET:
                return None
            try:
                self._body = decode_body(content, self.content_type, self.charset)
            except BodyDecodeError as error:
                return str(error)
            return None
        return body_problem_of(content, self.content_type, self.charset)

    def iter_bytes(self) -> Iterator[bytes]:
        """The body's bytes as they arrive (an open stream), else in one piece.

        No cap: the caller bounds what it reads.  A broken stream raises
        :class:`StreamError`; the stream is closed when the iteration ends.
        """
        if self._chunks is None:
            content = self._content
            if content is None:
                raise StreamError(
                    f"the response stream from {public_url(self.url)} is already closed"
                )
            if content:
                yield content
            return
        try:
            yield from self._chunks
        except BodyError as error:
            raise StreamError(
                f"the response stream from {public_url(self.url)} broke after "
                f"{error.received} bytes: {error.reason}"
            ) from None
        finally:
            self.close()

    def events(self) -> Iterator[ServerSentEvent]:
        """Server-Sent Events as they arrive; a second call continues the same stream.

        The iterator raises :class:`StreamError` when the stream breaks, or ends
        in the middle of an event; a partial event is never yielded.
        """
        if self._events_iter is None:
            self._events_iter = self._iterate_events()
        return self._events_iter

    def _iterate_events(self) -> Iterator[ServerSentEvent]:
        limit = self._max_body_bytes
        decoder = SseDecoder() if limit is None else SseDecoder(max_event_bytes=limit)
        where = public_url(self.url)
        chunks = self._chunks
        try:
            if chunks is None:
                # Already read (not a stream, drained, or closed): parse what was received.
                yield from decoder.feed(self._content or b"")
            else:
                for chunk in chunks:
                    yield from decoder.feed(chunk)
        except BodyError as error:
            place = (
                "in the middle of an event (the partial event was discarded)"
                if decoder.pending
                else "between events"
            )
            raise StreamError(
                f"the event stream from {where} broke {place}: {error.reason}"
            ) from None
        except StreamError as error:  # the decoder's limit
            limit_name = "max_body_bytes" if limit is not None else "MAX_EVENT_BYTES"
            raise StreamError(
                f"the event stream from {where} was closed: {error} (the limit is {limit_name})"
            ) from None
        finally:
            self.close()
        self._end_events(decoder, where)

    @staticmethod
    def _end_events(decoder: SseDecoder, where: str) -> None:
        pending = decoder.pending
        decoder.close()
        if pending:
            raise StreamError(
                f"the event stream from {where} ended in the middle of an event "
                "(the partial event was discarded)"
            )

    def close(self) -> None:
        """Release the connection; safe to call more than once."""
        stream, self._stream = self._stream, None
        self._chunks = None
        if stream is not None:
            stream.close()


def _encoded(text: str | None, value: Any, content_type: str | None) -> tuple[bytes, str]:
    """The bytes of a ``text=`` or ``json=`` body and the Content-Type it implies."""
    if text is not None:
        charset = charset_of(content_type) or "utf-8"
        return text.encode(charset), "text/plain; charset=utf-8"
    return _json.dumps(value).encode("utf-8"), "application/json"


def adopt(
    response: HttpResponse, *, url: str, max_body_bytes: int, keep_open: bool
) -> HttpResponse:
    """A response built outside a transport (a mock handler's), made as one from the wire.

    It gets ``url`` unless it names its own, and ``max_body_bytes`` for draining;
    with ``keep_open`` its body becomes an open stream (bytes included), otherwise
    it is read whole within ``max_body_bytes`` (TransportError beyond) and closed.
    """
    if not response.url:
        response.url = url
    response._max_body_bytes = max_body_bytes
    if keep_open:
        if response._stream is None and response._content is not None:
            response._stream = ChunkStream([response._content])
            response._chunks = iter(response._stream)
            response._content = None
    elif (
        response._chunks is None
        and len(response._content or b"") <= max_body_bytes
        and "Content-Length" not in response.headers
    ):
        # Bytes already whole and within the cap (most handlers): what read_capped gives;
        # there is no stream to close.
        response._content = response._content or b""
    else:
        chunks = response._chunks if response._chunks is not None else [response._content or b""]
        try:
            response._content = read_capped(
                chunks,
                status=response.status_code,
                max_body_bytes=max_body_bytes,
                declared_length=response.headers.get("Content-Length"),
            )
        finally:
            response.close()
    response.is_stream = response._stream is not None
    return response
