"""``multipart/form-data`` bodies (RFC 7578): the engine's own small encoder.

Parts are written as browsers and curl write them: a
``Content-Disposition: form-data; name="..."`` header (with ``filename`` for a
file), a ``Content-Type`` when one is known, a blank line, the bytes.  Names and
file names are UTF-8 with ``"``, CR and LF percent-encoded (the WHATWG HTML
rule).  A part's media type with a CR, LF or NUL is refused
(:class:`~arazzo_engine.errors.RequestBuildError`): it would add a header to
the part.  The boundary is 32 random hex digits, so it cannot collide with a
part by accident.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from arazzo_engine.errors import RequestBuildError

__all__ = ["Part", "encode_multipart"]

_ESCAPES = {ord('"'): "%22", ord("\r"): "%0D", ord("\n"): "%0A"}


@dataclass(frozen=True)
class Part:
    """One form field: its name, bytes, and optional file name and media type."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None


def _quoted(key: str, value: str) -> str:
    return f'{key}="{value.translate(_ESCAPES)}"'


def encode_multipart(parts: Iterable[Part], boundary: str | None = None) -> tuple[bytes, str]:
    """The body and its ``Content-Type`` (``multipart/form-data; boundary=...``)."""
    boundary = boundary or os.urandom(16).hex()
    delimiter = f"--{boundary}\r\n".encode("ascii")
    chunks: list[bytes] = []
    for part in parts:
        disposition = "form-data; " + _quoted("name", part.name)
        if part.filename is not None:
            disposition += "; " + _quoted("filename", part.filename)
        head = f"Content-Disposition: {disposition}\r\n"
        if part.content_type:
            if any(c in part.content_type for c in "\r\n\0"):
                raise RequestBuildError(
                    f"multipart part {part.name!r}: its content type holds a line break or "
                    "NUL, which would add a header to the part; it is not sent"
                )
            head += f"Content-Type: {part.content_type}\r\n"
        chunks += [delimiter, head.encode("utf-8"), b"\r\n", part.data, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
