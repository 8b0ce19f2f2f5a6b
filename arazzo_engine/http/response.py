"""The HTTP response record a step keeps: decoded on demand, streams left open.

A streaming response (``text/event-stream`` and friends) is handed over with its
body unread, so the caller sees events as they arrive; any other body is read in
full (up to ``max_body_bytes``) while the step runs.

Reading a body never raises a library error: every way a body can break (reset,
closed early, a chunked body without its last chunk, a stall longer than the read
timeout, a bad Content-Encoding) becomes one sentence - a :class:`BodyError` for
the transport, a :class:`~arazzo_engine.errors.StreamError` for a caller reading
an open stream.
"""

from __future__ import annotations

import codecs
import http.client
import json
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from arazzo_engine.errors import StreamError
from arazzo_engine.http.sse import ServerSentEvent, SseDecoder

if TYPE_CHECKING:
    import requests

STREAMING_MEDIA_TYPES = frozenset(
    {"text/event-stream", "application/x-ndjson", "application/jsonl", "application/json-seq"}
)

READ_SIZE = 65536
"""The most bytes one read asks for; a read returns whatever has arrived, up to this."""

_UNSET: Any = object()


def media_type(content_type: str | None) -> str:
    """``'application/json; charset=utf-8'`` -> ``'application/json'``."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def is_json_media_type(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def is_xml_media_type(media: str) -> bool:
    return media in ("application/xml", "text/xml") or media.endswith("+xml")


def is_text_media_type(media: str) -> bool:
    return (
        media.startswith("text/")
        or media
        in (
            "application/javascript",
            "application/ecmascript",
            "application/yaml",
            "application/x-yaml",
            "application/graphql",
        )
        or is_xml_media_type(media)
    )


class BodyDecodeError(ValueError):
    """A response body does not parse as its declared content type."""


def _codec(charset: str | None) -> str:
    """The charset if Python knows it, else UTF-8 (a bogus charset never raises)."""
    if charset:
        try:
            return codecs.lookup(charset).name
        except LookupError:
            pass
    return "utf-8"


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XML_DECLARATION = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][\w.\-]*)["']""")


def text_codec(content: bytes, media: str, charset: str | None) -> str:
    """The codec a text body is decoded with: the declared charset, else a byte-order
    mark, else (XML) the document's own ``encoding`` declaration, else UTF-8."""
    if charset:
        return _codec(charset)
    for bom, name in _BOMS:
        if content.startswith(bom):
            return name
    if is_xml_media_type(media):
        declared = _XML_DECLARATION.match(content)
        if declared:
            return _codec(declared.group(1).decode("ascii"))
    return "utf-8"


def decode_body(content: bytes, media: str, charset: str | None) -> Any:
    """JSON -> Python value, XML and text -> str, anything else -> bytes.

    JSON without a charset is read as RFC 8259 says (UTF-8, or UTF-16/32 told
    by its first bytes); text without one by its byte-order mark, XML's
    ``encoding`` declaration, else UTF-8.  Text bytes that do not decode are
    replaced (``body_problem`` reports them when a charset was declared).
    """
    if is_json_media_type(media):
        if not content.strip():
            return None
        try:
            if charset:
                return json.loads(content.decode(_codec(charset)).lstrip("\ufeff"))
            return json.loads(content)
        except (UnicodeDecodeError, ValueError) as error:
            raise BodyDecodeError(
                f"the response body is not valid JSON although its content type is {media}: {error}"
            ) from None
        except RecursionError:
            raise BodyDecodeError(
                f"the response body ({media}) is nested too deeply to decode"
            ) from None
    if is_text_media_type(media):
        text = content.decode(text_codec(content, media, charset), errors="replace")
        return text[1:] if text.startswith("\ufeff") else text
    return content


class _StopChecking(Exception):
    """The XML declares entities: not expanded, so not checked further."""


def _xml_problem(content: bytes, media: str, charset: str | None) -> str | None:
    """Why an XML body is not well-formed, or None.  Entities are never expanded."""
    from xml.parsers import expat

    if charset:
        try:
            data = content.decode(_codec(charset)).lstrip("\ufeff").encode("utf-8")
        except UnicodeDecodeError as error:
            return (
                f"the response body is not valid {charset} text although its content type "
                f"says so: {error}"
            )
        parser = expat.ParserCreate("utf-8")
    else:
        data, parser = content, expat.ParserCreate()

    def stop(*_: Any) -> None:
        raise _StopChecking

    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = stop
    parser.UnparsedEntityDeclHandler = stop
    try:
        parser.Parse(data, True)
    except _StopChecking:
        return None
    except expat.ExpatError as error:
        return (
            f"the response body is not well-formed XML although its content type is {media}: "
            f"{error}"
        )
    return None


def body_problem_of(content: bytes, media: str, charset: str | None) -> str | None:
    """Why a body does not parse as its content type, or None.

    JSON that does not parse; XML that is not well-formed; text whose bytes are
    not valid in its declared charset.  Binary bodies never have a problem.
    """
    if is_json_media_type(media):
        try:
            decode_body(content, media, charset)
        except BodyDecodeError as error:
            return str(error)
        return None
    if is_xml_media_type(media):
        return _xml_problem(content, media, charset) if content.strip() else None
    if is_text_media_type(media) and charset:
        try:
            content.decode(_codec(charset))
        except UnicodeDecodeError as error:
            return (
                f"the response body is not valid {charset} text although its content type "
                f"says so: {error}"
            )
    return None


class BodyError(Exception):
    """A response body could not be read to its end; the message says why, in words."""

    def __init__(self, reason: str, received: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.received = received
        """Body bytes that had arrived before it broke."""


def _innermost(error: BaseException) -> BaseException:
    """The exception a urllib3/requests wrapper carries (``ProtocolError(msg, cause)``)."""
    seen = 0
    while seen < 8:
        seen += 1
        inner = next((a for a in error.args if isinstance(a, BaseException)), None)
        if inner is None:
            inner = getattr(error, "reason", None)
        if not isinstance(inner, BaseException):
            return error
        error = inner
    return error


def body_failure(error: BaseException, *, chunked: bool, timeout: float | None) -> str:
    """One sentence for why reading a body failed."""
    from urllib3.exceptions import (
        DecodeError,
        IncompleteRead,
        InvalidChunkLength,
        ReadTimeoutError,
    )

    inner = _innermost(error)
    if any(isinstance(e, (ReadTimeoutError, TimeoutError)) for e in (error, inner)):
        return f"no data for {timeout:g} s" if timeout is not None else "the read timed out"
    if isinstance(inner, ConnectionResetError):
        return "the connection was reset"
    if any(isinstance(e, DecodeError) for e in (error, inner)):
        return "the body cannot be decoded as its Content-Encoding says"
    if isinstance(inner, InvalidChunkLength) or (
        chunked
        and isinstance(inner, http.client.IncompleteRead)
        and isinstance(inner.__context__, ValueError)  # http.client: int(size, 16) failed...
        and not str(inner.__context__).endswith("b''")  # ...on a size line, not at the end
    ):
        return "the chunked body is malformed (a chunk size line is not a hex number)"
    if isinstance(inner, IncompleteRead):  # Content-Length framing
        expected = inner.partial + inner.expected
        return (
            f"the connection closed {inner.expected} bytes short of the {expected} bytes "
            "its Content-Length announced"
        )
    if isinstance(inner, http.client.IncompleteRead) and chunked:
        return "the connection closed before the chunked body's last chunk"
    if isinstance(inner, (BrokenPipeError, ConnectionAbortedError)):
        return "the connection was closed"
    text = str(inner) or type(inner).__name__
    return f"the connection broke ({text[:200]})"


def iter_body(raw: requests.Response, *, timeout: float | None) -> Iterator[bytes]:
    """A response's body bytes (Content-Encoding decoded) as soon as they arrive.

    One read of the socket per chunk (``read1``), so nothing waits for a buffer
    to fill; a failure raises :class:`BodyError`.  The caller closes ``raw``.
    """
    import requests
    from urllib3.exceptions import HTTPError

    stream = raw.raw
    chunked = bool(getattr(stream, "chunked", False))
    if getattr(stream, "read1", None) is None:  # pragma: no cover - urllib3 < 2.3
        pieces = raw.iter_content(chunk_size=1)

        def read() -> bytes:
            return next(pieces, b"")
    else:

        def read() -> bytes:
            data: bytes = stream.read1(READ_SIZE, decode_content=True)
            return data

    received = 0
    while True:
        try:
            chunk = read()
        except (
            HTTPError,
            requests.RequestException,
            http.client.HTTPException,
            OSError,
            ValueError,
        ) as error:
            raise BodyError(
                body_failure(error, chunked=chunked, timeout=timeout), received
            ) from None
        if not chunk:
            return
        received += len(chunk)
        yield chunk


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
    """One HTTP response: status, headers, and a body decoded when first read."""

    __slots__ = (
        "_body",
        "_content",
        "_decoder",
        "_events_iter",
        "_max_body_bytes",
        "_raw",
        "_read_timeout",
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
        max_body_bytes: int | None = None,
        read_timeout: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.url = url
        self.content_type = media_type(headers.get("Content-Type"))
        self.is_stream = raw is not None
        self._raw = raw
        self._content = content
        self._max_body_bytes = max_body_bytes
        self._read_timeout = read_timeout
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
        """The raw body bytes; on an open stream this reads it to the end.

        Draining a stream stops with :class:`StreamError` when it breaks or grows
        past ``max_body_bytes``.
        """
        if self._content is None:
            raw = self._require_open()
            limit = self._max_body_bytes
            parts: list[bytes] = []
            size = 0
            try:
                for chunk in iter_body(raw, timeout=self._read_timeout):
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise StreamError(
                            f"the response stream from {public_url(self.url)} exceeds "
                            f"max_body_bytes ({limit}); it was not read to its end"
                        )
                    parts.append(chunk)
            except BodyError as error:
                raise StreamError(
                    f"the response stream from {public_url(self.url)} broke after "
                    f"{error.received} bytes: {error.reason}"
                ) from None
            finally:
                self.close()
            self._content = b"".join(parts)
        return self._content

    @property
    def body(self) -> Any:
        """The decoded body (JSON value, text, or bytes); drains an open stream."""
        if self._body is _UNSET:
            self._body = decode_body(self.content, self.content_type, self.charset)
        return self._body

    @property
    def body_problem(self) -> str | None:
        """Why the body does not decode as its content type, or None.

        None as well for an open stream (checking would drain it).  The decoded
        body is kept, so a later ``body`` costs nothing.
        """
        if self._raw is not None:
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

    def events(self) -> Iterator[ServerSentEvent]:
        """Server-Sent Events as they arrive; a second call continues the same stream.

        The iterator raises :class:`StreamError` when the stream breaks, or ends
        in the middle of an event; a partial event is never yielded.
        """
        if self._events_iter is None:
            self._events_iter = self._iterate_events()
        return self._events_iter

    def _iterate_events(self) -> Iterator[ServerSentEvent]:
        decoder = SseDecoder()
        where = public_url(self.url)
        if self._raw is None:
            # Already read (not a stream, or drained): parse what was received.
            yield from decoder.feed(self._content or b"")
            self._end_events(decoder, where)
            return
        raw = self._raw
        try:
            for chunk in iter_body(raw, timeout=self._read_timeout):
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

    def _require_open(self) -> requests.Response:
        if self._raw is None:
            raise StreamError(f"the response stream from {public_url(self.url)} is already closed")
        return self._raw

    def close(self) -> None:
        """Release the connection; safe to call more than once."""
        raw, self._raw = self._raw, None
        if raw is not None:
            raw.close()
