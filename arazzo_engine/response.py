"""The HTTP response record a step keeps: decoded on demand, streams left open.

A streaming response (``text/event-stream`` and friends) is handed over with its
body unread, so the caller sees events as they arrive; any other body is read in
full (up to ``max_body_bytes``) while the step runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import requests

from arazzo_engine.errors import StreamError
from arazzo_engine.sse import ServerSentEvent, SseDecoder, iter_raw_chunks

STREAMING_MEDIA_TYPES = frozenset(
    {"text/event-stream", "application/x-ndjson", "application/jsonl", "application/json-seq"}
)

_UNSET: Any = object()


def media_type(content_type: str | None) -> str:
    """``'application/json; charset=utf-8'`` -> ``'application/json'``."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def is_json_media_type(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def is_text_media_type(media: str) -> bool:
    return (
        media.startswith("text/")
        or media in ("application/xml", "application/javascript", "application/yaml")
        or media.endswith("+xml")
    )


class BodyDecodeError(ValueError):
    """A response body does not parse as its declared content type."""


def decode_body(content: bytes, media: str, charset: str | None) -> Any:
    """JSON -> Python value, XML and text -> str, anything else -> bytes."""
    if is_json_media_type(media):
        if not content.strip():
            return None
        try:
            return json.loads(content.decode(charset or "utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise BodyDecodeError(
                f"the response body is not valid JSON although its content type is {media}: {error}"
            ) from None
    if is_text_media_type(media):
        return content.decode(charset or "utf-8", errors="replace")
    return content


class HttpResponse:
    """One HTTP response: status, headers, and a body decoded when first read."""

    __slots__ = (
        "_body",
        "_content",
        "_decoder",
        "_events_iter",
        "_raw",
        "content_type",
        "headers",
        "is_stream",
        "status_code",
        "url",
    )

    def __init__(
        self,
        *,
        status_code: int,
        headers: Mapping[str, str],
        url: str,
        content: bytes | None,
        raw: requests.Response | None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.url = url
        self.content_type = media_type(headers.get("Content-Type"))
        self.is_stream = raw is not None
        self._raw = raw
        self._content = content
        self._body: Any = _UNSET
        self._decoder: SseDecoder | None = None
        self._events_iter: Iterator[ServerSentEvent] | None = None

    def __repr__(self) -> str:
        state = " (open stream)" if self._raw is not None else ""
        return f"<HttpResponse {self.status_code} {self.content_type or '-'}{state}>"

    @property
    def charset(self) -> str | None:
        for part in (self.headers.get("Content-Type") or "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip('"')
        return None

    @property
    def content(self) -> bytes:
        """The raw body bytes; on an open stream this reads it to the end."""
        if self._content is None:
            raw = self._require_open()
            try:
                self._content = b"".join(iter_raw_chunks(raw))
            except requests.RequestException as error:
                raise StreamError(f"the response stream from {self.url} broke: {error}") from None
            finally:
                self.close()
        return self._content

    @property
    def body(self) -> Any:
        """The decoded body (JSON value, text, or bytes); drains an open stream."""
        if self._body is _UNSET:
            self._body = decode_body(self.content, self.content_type, self.charset)
        return self._body

    def events(self) -> Iterator[ServerSentEvent]:
        """Server-Sent Events as they arrive; a second call continues the same stream."""
        if self._events_iter is None:
            self._events_iter = self._iterate_events()
        return self._events_iter

    def _iterate_events(self) -> Iterator[ServerSentEvent]:
        decoder = SseDecoder()
        if self._raw is None:
            # Already read (not a stream, or drained): parse what was received.
            yield from decoder.feed(self._content or b"")
            decoder.close()
            return
        raw = self._raw
        try:
            for chunk in iter_raw_chunks(raw):
                yield from decoder.feed(chunk)
        except requests.RequestException as error:
            raise StreamError(
                f"the event stream from {self.url} broke"
                f"{' in the middle of an event' if decoder.pending else ''}: {error}"
            ) from None
        finally:
            self.close()
        decoder.close()

    def _require_open(self) -> requests.Response:
        if self._raw is None:
            raise StreamError(f"the response stream from {self.url} is already closed")
        return self._raw

    def close(self) -> None:
        """Release the connection; safe to call more than once."""
        raw, self._raw = self._raw, None
        if raw is not None:
            raw.close()
