"""What went wrong, in one sentence: requests/urllib3/http.client failures in words.

The requests transport raises nothing but these sentences (inside
``TransportError`` and ``BodyError``); header values are never quoted, as they
may be secrets.
"""

from __future__ import annotations

import http.client
import socket
from collections.abc import Mapping

import urllib3.exceptions
from urllib3.exceptions import DecodeError, IncompleteRead, InvalidChunkLength, ReadTimeoutError

__all__ = ["bad_headers", "body_failure", "connection_failure", "short"]


def short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) < 300 else text[:297] + "..."


def _chain(error: BaseException) -> list[BaseException]:
    """The error and those it wraps (urllib3/requests keep them in args, reason, cause)."""
    found: list[BaseException] = []
    todo: list[BaseException] = [error]
    while todo and len(found) < 16:
        current = todo.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        todo.extend(a for a in current.args if isinstance(a, BaseException))
        for attribute in ("reason", "__cause__"):
            inner = getattr(current, attribute, None)
            if isinstance(inner, BaseException):
                todo.append(inner)
    return found


def connection_failure(error: BaseException) -> str:
    """One sentence for a request that got no response."""
    chain = _chain(error)

    def has(kind: type[BaseException] | tuple[type[BaseException], ...]) -> bool:
        return any(isinstance(e, kind) for e in chain)

    text = " ".join(str(e) for e in chain)
    if has(ConnectionRefusedError) or "Connection refused" in text:
        return "connection refused"
    if has(http.client.RemoteDisconnected):  # a ConnectionResetError subclass: first
        return "the server closed the connection without a response"
    if has(ConnectionResetError):
        return "the connection was reset before a response arrived"
    if has(http.client.BadStatusLine):
        line = str(next(e for e in chain if isinstance(e, http.client.BadStatusLine)))
        return f"the answer is not HTTP (it began {line[:40]!r})"
    if has(http.client.HTTPException):
        inner = next(e for e in chain if isinstance(e, http.client.HTTPException))
        return f"the response head is malformed: {short(inner)}"
    if has((socket.gaierror, urllib3.exceptions.NameResolutionError)):
        return "the host name could not be resolved"
    if has(TimeoutError) or has(urllib3.exceptions.TimeoutError):
        return "the connection timed out"
    return f"the connection failed: {short(chain[-1])}"


def bad_headers(headers: Mapping[str, str], error: BaseException | None = None) -> str:
    """Which headers cannot be sent, by name only (values may be secrets).

    requests raises the same ``InvalidHeader`` for a response header urllib3
    refuses (Content-Length values that differ): ``error`` tells them apart.
    """
    if error is not None:
        refused = [e for e in _chain(error) if isinstance(e, urllib3.exceptions.InvalidHeader)]
        if refused:
            return f"the response was discarded: {short(refused[0])}"
    bad = []
    for name, value in headers.items():
        text = str(value)
        if any(c in text for c in "\r\n\0") or text[:1] in (" ", "\t"):
            bad.append(name)
            continue
        try:
            (name + text).encode("latin-1")
        except UnicodeEncodeError:
            bad.append(name)
    if not bad:
        return "a request header cannot be sent"
    names = ", ".join(repr(b) for b in bad)
    return (
        f"request header {names} cannot be sent: control characters, a leading space, "
        "or characters outside Latin-1 in its value"
    )


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
