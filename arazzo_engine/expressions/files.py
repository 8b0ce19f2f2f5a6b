"""What a ``$file`` marker of a document evaluates to: a typed reference to a file.

A :class:`~arazzo_engine.expressions.ast.FileValue` (a marker the document's
own text wrote, recognised at load) evaluates to a :class:`FileReference`,
never to a mapping: the request builder sends a file only for this type, so a
``{"$file": ...}`` mapping that arrives at run time (in a response, an input,
an output) stays ordinary data.  Whether the file may be read, and from where,
is the request builder's decision (the document's folder, or folders the
caller allows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["FILE_KEY", "FILE_MARKER_KEYS", "FileReference", "with_markers"]

FILE_KEY = "$file"
"""The key that makes a payload mapping a file marker."""
FILE_MARKER_KEYS = frozenset({FILE_KEY, "filename", "contentType"})
"""The keys a file marker may have; a mapping with any other key is ordinary data."""


@dataclass(frozen=True, slots=True)
class FileReference:
    """A file to send: a path (relative to ``folder``) or bytes, with optional name and type."""

    source: Any
    """The ``$file`` value evaluated: a path (str) or bytes (an earlier binary response)."""
    filename: Any = None
    content_type: Any = None
    folder: str | None = None
    """The folder of the local document that wrote the marker; None: a remote one (bytes only)."""

    def marker(self) -> dict[str, Any]:
        """The reference as the marker a document writes: plain data a user may see."""
        written: dict[str, Any] = {FILE_KEY: self.source}
        if self.filename is not None:
            written["filename"] = self.filename
        if self.content_type is not None:
            written["contentType"] = self.content_type
        return written

    def __repr__(self) -> str:
        # Never the bytes themselves: a reference may sit in a result that gets printed.
        source = self.source
        shown = f"<{len(source)} bytes>" if isinstance(source, (bytes, bytearray)) else repr(source)
        return f"FileReference({shown})"


def with_markers(value: Any) -> Any:
    """``value`` with each FileReference written back as its marker (a fresh copy of
    lists and dicts): ``$request.body`` shows what the document wrote, as plain data."""
    if isinstance(value, FileReference):
        return value.marker()
    if isinstance(value, dict):
        return {key: with_markers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_markers(item) for item in value]
    return value
