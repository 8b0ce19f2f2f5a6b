"""Fetching a remote source description, only when the caller allowed it.

Documents may come from untrusted authors, so a fetch is bounded: http(s)
only, at most ``MAX_REMOTE_BYTES``, and ``REMOTE_SECONDS`` from the request
to the last byte.  ``$ref`` s inside a remote description that point at other
remote files are not followed.

The fetch goes through a transport: the one given to ``Engine.load`` (so a
``MockTransport`` can serve descriptions too), else the default one.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from arazzo_engine.errors import DocumentError, StreamError, TransportError
from arazzo_engine.http.headers import content_length
from arazzo_engine.http.transport import HttpRequest, Transport
from arazzo_engine.load.reader import RawDocument, read_data, read_document

__all__ = ["MAX_REMOTE_BYTES", "REMOTE_SECONDS", "fetch", "read_remote"]

MAX_REMOTE_BYTES = 20 * 1024 * 1024
REMOTE_SECONDS = 30.0
READ_SECONDS = 10.0
"""Seconds to connect, and for each read."""


def fetch(url: str, transport: Transport) -> bytes:
    """The body at ``url``; DocumentError says why when it cannot be had in bounds."""
    started = time.monotonic()
    request = HttpRequest("GET", url, {}, stream=True)
    try:
        response = transport.send(request, timeout=READ_SECONDS)
    except TransportError as error:
        raise DocumentError(f"fetching {url} failed: {error}") from None
    try:
        if urlsplit(response.url or url).scheme not in ("http", "https"):
            raise DocumentError(f"{url} redirected to a non-HTTP location")
        if response.status_code != 200:
            raise DocumentError(f"fetching {url} answered HTTP {response.status_code}")
        try:
            declared = content_length(response.headers.get("Content-Length"))
        except ValueError as error:
            raise DocumentError(
                f"fetching {url} failed: the response was discarded: {error}"
            ) from None
        if declared is not None and declared > MAX_REMOTE_BYTES:
            raise DocumentError(
                f"{url} is {declared} bytes; remote descriptions are limited to "
                f"{MAX_REMOTE_BYTES} bytes"
            )
        parts: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_REMOTE_BYTES:
                raise DocumentError(
                    f"{url} is larger than the {MAX_REMOTE_BYTES} bytes remote "
                    "descriptions are limited to"
                )
            if time.monotonic() - started > REMOTE_SECONDS:
                raise DocumentError(f"{url} did not arrive within {REMOTE_SECONDS:g} s")
            parts.append(chunk)
        return b"".join(parts)
    except StreamError as error:
        raise DocumentError(f"fetching {url} failed: {error}") from None
    finally:
        response.close()


def read_remote(url: str, *, with_positions: bool, transport: Transport | None) -> RawDocument:
    """Fetch and parse a remote document; messages name the URL, not a temporary file.

    Without a ``transport`` a default one is made for this fetch and closed after.
    """
    if transport is None:
        from arazzo_engine.http.requests_transport import RequestsTransport

        own = RequestsTransport()
        try:
            content = fetch(url, own)
        finally:
            own.close()
    else:
        content = fetch(url, transport)
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    suffix = suffix if suffix in (".json", ".yaml", ".yml") else ".yaml"
    with tempfile.TemporaryDirectory(prefix="arazzo-remote-") as folder:
        path = Path(folder, "description" + suffix)
        path.write_bytes(content)
        try:
            document = (read_document if with_positions else read_data)(path)
        except DocumentError as error:
            raise DocumentError(str(error).replace(str(path), url)) from None
    return dataclasses.replace(document, file=url, url=url)
