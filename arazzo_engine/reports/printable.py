"""Text a server (or a document) wrote, made safe to print on a terminal.

A terminal obeys control characters in what it prints: ESC starts sequences
that clear the screen, move the cursor, retitle the window or make links (OSC
8); BEL rings; CR returns to the start of the line and overwrites it; C1
characters (U+0080-U+009F, CSI among them) act like ESC sequences on some
terminals; the bidirectional overrides and isolates (U+202A-U+202E,
U+2066-U+2069) reorder what the reader sees.  Every printer of the command line
and of the text reports passes what it did not write itself through
:func:`printable` (one line) or :func:`printable_lines` (line breaks kept), so
these arrive as visible escapes (``\\x1b``, ``\\r``, ``\\u202e``) instead.
"""

from __future__ import annotations

import re

__all__ = ["escape_json_text", "printable", "printable_lines"]

_ONE_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""C0 but TAB (harmless spacing), DEL, C1, the bidirectional embeddings, overrides, isolates."""
_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""The same, LF excepted."""
_SHORT = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _SHORT.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: str) -> str:
    """``text`` with every control character, line breaks included, written as an escape."""
    return _ONE_LINE.sub(_escape, text)


def printable_lines(text: str) -> str:
    """As :func:`printable`, but LF stays a line break (messages of several lines)."""
    return _LINES.sub(_escape, text)


_JSON_ESCAPES = {
    code: f"\\u{code:04x}" for code in (0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F))
} | {code: f"\\u{code:04x}" for code in range(0x2066, 0x206A)}


def escape_json_text(text: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with DEL, C1 and bidi controls
    written as ``\\uXXXX``: the same JSON value, safe to ``cat`` (json.dumps escapes
    only C0)."""
    return text.translate(_JSON_ESCAPES)
