"""A response body as the engine owns it: byte chunks as they arrive, then ``close()``.

Every transport hands its body over as a :class:`ByteStream`, so the response
record reads, drains and parses Server-Sent Events the same way whatever sent
the request.  A body that breaks raises :class:`~arazzo_engine.errors.BodyError`
with one sentence saying why; nothing else escapes a :class:`ChunkStream`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from arazzo_engine.errors import BodyError, TransportError
from arazzo_engine.http.headers import content_length

__all__ = ["ByteStream", "ChunkStream", "read_capped"]


class ByteStream(Protocol):
    """Body bytes in chunks as they arrive; iterating raises ``BodyError`` when it breaks.

    Iterated once (a second ``iter`` continues where the first stopped);
    ``close`` releases the connection and may be called more than once.
    """

    def __iter__(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class ChunkStream:
    """A :class:`ByteStream` over any iterable of ``bytes`` (a list, a generator...).

    Empty chunks are skipped.  A chunk that is not bytes, or an exception from
    the iterable other than ``BodyError``, becomes a ``BodyError`` naming it, so
    a mock handler's bug reads as a broken body rather than a traceback.
    ``on_close`` runs once, after the iterable (a generator) is closed.
    """

    __slots__ = ("_chunks", "_closed", "_on_close", "_source", "received")

    def __init__(
        self, chunks: Iterable[bytes], *, on_close: Callable[[], None] | None = None
    ) -> None:
        self._source = chunks
        self._chunks = iter(chunks)
        self._on_close = on_close
        self._closed = False
        self.received = 0
        """Body bytes yielded so far."""

    def __iter__(self) -> ChunkStream:
        return self

    def __next__(self) -> bytes:
        while True:
            if self._closed:
                raise StopIteration
            try:
                chunk = next(self._chunks)
            except (StopIteration, BodyError):
                raise
            except Exception as error:
                text = str(error)
                detail = f": {text[:200]}" if text else ""
                raise BodyError(
                    f"the body's chunk iterable raised {type(error).__name__}{detail}",
                    self.received,
                ) from None
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise BodyError(
                    f"the body's chunk iterable yielded a {type(chunk).__name__}, not bytes",
                    self.received,
                )
            if chunk:
                self.received += len(chunk)
                return bytes(chunk)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            # A generator closes through its iterator, a ByteStream through itself.
            sources = (
                (self._chunks,) if self._chunks is self._source else (self._chunks, self._source)
            )
            for source in sources:
                close = getattr(source, "close", None)
                if callable(close):
                    close()
        finally:
            if self._on_close is not None:
                self._on_close()


def read_capped(
    stream: Iterable[bytes],
    *,
    status: int,
    max_body_bytes: int,
    declared_length: str | None = None,
    deadline: float | None = None,
    limit: float | None = None,
    limit_name: str = "max_response_seconds",
) -> bytes:
    """A whole non-streaming body, within the transport's bounds; TransportError if not.

    ``declared_length`` (the Content-Length header) larger than the cap refuses
    the body before reading, and one that is not a byte count refuses the
    response (its framing cannot be trusted); ``deadline`` (``time.monotonic()``) bounds the whole
    read, ``limit`` being the seconds it stands for in the message and ``limit_name``
    the setting that set it.  The caller
    closes the stream.
    """
    try:
        declared = content_length(declared_length)
    except ValueError as error:
        raise TransportError(f"HTTP {status}: the response was discarded: {error}") from None
    if declared is not None and declared > max_body_bytes:
        raise TransportError(
            f"HTTP {status}: the response body ({declared} bytes by its "
            f"Content-Length) exceeds max_body_bytes ({max_body_bytes}); it was not read"
        )
    parts: list[bytes] = []
    size = 0
    try:
        for chunk in stream:
            size += len(chunk)
            if size > max_body_bytes:
                raise TransportError(
                    f"HTTP {status}: the response body exceeds max_body_bytes "
                    f"({max_body_bytes}); reading stopped there"
                )
            parts.append(chunk)
            if deadline is not None and time.monotonic() > deadline:
                raise TransportError(
                    f"HTTP {status}: the response did not arrive whole within {limit or 0:g} s "
                    f"({limit_name}); {size} bytes of its body had arrived"
                )
    except BodyError as error:
        raise TransportError(
            f"HTTP {status}: the response body broke off after {error.received} bytes: "
            f"{error.reason}"
        ) from None
    return b"".join(parts)
