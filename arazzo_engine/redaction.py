"""Keeping credential values out of every result, message, log record and report.

A :class:`Redactor` knows the credential values of an engine and every form
the engine itself can give them: raw, percent-encoded (``quote`` with and
without reserved characters kept, ``quote_plus``), base64 (what HTTP Basic
sends), Python's ``repr`` and ``ascii``, and each of those JSON-escaped
(``json.dumps`` with and without ``ensure_ascii``, twice for a JSON text
inside a JSON string, and with ``/`` as ``\\/``, as some servers echo it).
All forms are searched with one regular expression compiled once, longest
first, so a form containing another is masked whole.  The expression runs only
on text that holds an *anchor* (a piece every form of a secret shares, found
with fast substring search), so text without a secret costs a few scans.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = ["CREDENTIAL_HEADERS", "MASK", "MIN_SECRET_CHARS", "Redactor", "encoded_forms"]

MASK = "***"

MIN_SECRET_CHARS = 3
"""Values shorter than this are not searched for: masking every ``a`` would mask everything."""

CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "set-cookie"})
"""Headers whose values are masked whole, whoever set them (lower case)."""

_RESERVED = ":/?#[]@!$&'()*+,;="
"""RFC 3986 reserved characters, kept raw by ``allowReserved`` serialisation."""

_MASK_BYTES = MASK.encode("ascii")

_ANCHOR_RUN = re.compile(f"[A-Za-z0-9]{{{MIN_SECRET_CHARS},}}")
"""Letters and digits: what no encoding of the engine changes, so forms share them."""


def _anchors(forms: Iterable[str]) -> tuple[str, ...]:
    """Pieces such that every form contains one: the longest alphanumeric run of each
    form (or the form itself), without the pieces that contain another piece."""
    found: set[str] = set()
    for form in forms:
        runs = _ANCHOR_RUN.findall(form)
        found.add(max(runs, key=len) if runs else form)
    return tuple(
        sorted(piece for piece in found if not any(o != piece and o in piece for o in found))
    )


def _json_escaped(text: str) -> set[str]:
    """``text`` as it shows inside a JSON string: both ``ensure_ascii`` forms, ``/`` as ``\\/``."""
    found = {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
    return found | {form.replace("/", "\\/") for form in found}


def encoded_forms(secret: str) -> set[str]:
    """Every form in which the engine can write ``secret`` (the secret itself included).

    Python's ``repr`` and ``ascii`` forms too: messages of libraries quote values
    that way (jsonschema: ``'k\\ey' is too long``).
    """
    plain = {
        secret,
        quote(secret, safe=""),
        quote(secret, safe="/"),
        quote(secret, safe=_RESERVED),
        quote_plus(secret),
        base64.b64encode(secret.encode("utf-8")).decode("ascii"),
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
    }
    forms = set(plain)
    for form in plain:
        once = _json_escaped(form)
        forms |= once
        for escaped in once:
            forms |= _json_escaped(escaped)
    return {form for form in forms if len(form) >= MIN_SECRET_CHARS}


class Redactor:
    """Replaces known secret values (in every form of :func:`encoded_forms`) with ``***``."""

    __slots__ = (
        "_anchors",
        "_byte_anchors",
        "_bytes_pattern",
        "_count",
        "_longest",
        "_pattern",
    )

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        found: set[str] = set()
        for secret in secrets:
            if len(secret) >= MIN_SECRET_CHARS:
                found |= encoded_forms(secret)
        # Longest first: the alternation takes the first that matches, so the whole form.
        ordered = sorted(found, key=lambda form: (-len(form), form))
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._bytes_pattern = (
            re.compile(b"|".join(re.escape(form.encode("utf-8")) for form in ordered))
            if ordered
            else None
        )
        self._anchors = _anchors(ordered)
        self._byte_anchors = tuple(anchor.encode("utf-8") for anchor in self._anchors)
        self._count = len(ordered)
        self._longest = len(ordered[0]) if ordered else 0

    @property
    def longest(self) -> int:
        """Characters of the longest form searched for (0: nothing is)."""
        return self._current()._longest

    def __bool__(self) -> bool:
        """Whether there is anything to mask."""
        return self._current()._pattern is not None

    def _current(self) -> Redactor:
        """The redactor that masks now (a live one learns secrets as a run goes)."""
        return self

    def text(self, value: str) -> str:
        """The text with every secret masked."""
        current = self._current()
        if current._pattern is None or not any(a in value for a in current._anchors):
            return value
        return current._pattern.sub(MASK, value)

    def data(self, value: bytes) -> bytes:
        """Bytes with every secret's UTF-8 form masked; the same object when none is found."""
        current = self._current()
        pattern = current._bytes_pattern
        if pattern is None or not any(a in value for a in current._byte_anchors):
            return value
        if pattern.search(value) is None:
            return value
        return pattern.sub(_MASK_BYTES, value)

    def value(self, value: Any) -> Any:
        """A value with every secret masked, keeping its shape and types.

        Strings and bytes are masked; mappings, lists and tuples are rebuilt
        (a mapping as a dict) only when something inside changed; anything
        else is returned as is.  Iterative, so depth is no limit.
        """
        current = self._current()
        if current._pattern is None:
            return value
        return _masked_tree(value, current.text, current.data)

    def preview(self, text: str, limit: int, *, complete: bool = True) -> tuple[str, bool]:
        """``text`` masked, then cut to ``limit`` characters; was anything left out?

        Masking comes first, so a secret across the cut is masked, not halved;
        a mask at the cut is kept whole (the preview may end two characters
        past ``limit``).  ``complete=False`` says ``text`` is only the start of
        something longer: its last :attr:`longest` characters are read to see
        whole a secret that starts before them, and never shown.
        """
        current = self._current()
        visible = len(text) if complete else max(0, len(text) - current._longest)
        pieces: list[str] = []
        size = position = 0
        pattern = current._pattern
        found = pattern is not None and any(a in text for a in current._anchors)
        matches = pattern.finditer(text) if pattern is not None and found else ()
        for match in matches:
            start = match.start()
            if start >= visible or start - position >= limit - size:
                break  # the cut comes before this secret
            pieces += (text[position:start], MASK)
            size += start - position + len(MASK)
            position = match.end()
            if size >= limit:
                break
        if size < limit and position < visible:
            take = min(limit - size, visible - position)
            pieces.append(text[position : position + take])
            position += take
        return "".join(pieces), not complete or position < len(text)

    def __repr__(self) -> str:
        return f"<Redactor of {self._current()._count} forms>"


def _masked_tree(root: Any, text: Callable[[str], str], data: Callable[[bytes], bytes]) -> Any:
    """``root`` with ``text``/``data`` applied to every string and bytes, walked with a stack."""
    if not isinstance(root, (Mapping, list, tuple)):
        return _masked_leaf(root, text, data)
    result: Any = None
    stack = [_Frame(root)]
    on_stack = {id(root)}
    while stack:
        frame = stack[-1]
        child = frame.next_child(text, data)
        if child is _DONE:
            stack.pop()
            on_stack.discard(id(frame.original))
            done = frame.rebuilt()
            if stack:
                stack[-1].add(done)
            else:
                result = done
        elif isinstance(child, (Mapping, list, tuple)) and id(child) not in on_stack:
            stack.append(_Frame(child))
            on_stack.add(id(child))
        else:  # a leaf, or a container that holds itself: left as it is
            frame.add(child if id(child) in on_stack else _masked_leaf(child, text, data))
    return result


def _masked_leaf(value: Any, text: Callable[[str], str], data: Callable[[bytes], bytes]) -> Any:
    if isinstance(value, str):
        return text(value)
    if isinstance(value, bytes):
        return data(value)
    return value


_DONE: Any = object()


class _Frame:
    """One container being rebuilt: its children so far, whether any changed."""

    __slots__ = ("changed", "children", "current", "items", "key", "keys", "original")

    def __init__(self, original: Mapping[Any, Any] | list[Any] | tuple[Any, ...]) -> None:
        self.original = original
        self.items = iter(original.items()) if isinstance(original, Mapping) else iter(original)
        self.keys: list[Any] | None = [] if isinstance(original, Mapping) else None
        self.children: list[Any] = []
        self.current: Any = None
        self.key: Any = None
        self.changed = False

    def next_child(self, text: Callable[[str], str], data: Callable[[bytes], bytes]) -> Any:
        """The next child to mask (_DONE at the end); a mapping's key is masked here."""
        item = next(self.items, _DONE)
        if item is _DONE:
            return item
        if self.keys is not None:
            key, item = item
            self.key = _masked_leaf(key, text, data)
            self.changed |= self.key is not key
        self.current = item
        return item

    def add(self, child: Any) -> None:
        """The masked form of the child :meth:`next_child` gave."""
        if self.keys is not None:
            self.keys.append(self.key)
        self.children.append(child)
        self.changed |= child is not self.current

    def rebuilt(self) -> Any:
        if not self.changed:
            return self.original
        if self.keys is not None:
            return dict(zip(self.keys, self.children, strict=True))
        if isinstance(self.original, tuple):
            return tuple(self.children)
        return self.children
