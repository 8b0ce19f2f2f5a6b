"""``$ref`` resolution over the documents of one OpenAPI description, on demand.

A reference is resolved against the URI of the document it sits in (RFC 3986),
so a ``$ref`` inside another file is relative to that file.  Other files are
read when first reached, once, without positions; remote documents are never
fetched.  Only what a caller dereferences is resolved: nothing walks the whole
description, so recursive schemas cost nothing and a cycle of references
(``a -> b -> a``) is reported instead of followed forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from arazzo_engine.errors import ArazzoError, DocumentError
from arazzo_engine.load.pointers import PointerError, child, follow, split
from arazzo_engine.load.reader import read_data

MAX_HOPS = 64
"""Most ``$ref`` s followed in one chain before it is called a cycle."""


class OpenAPIShapeError(ArazzoError):
    """An OpenAPI description lacks something the engine needs to call it."""


@dataclass(frozen=True, slots=True)
class Located:
    """A value and where it sits: its document's URI and its JSON pointer there."""

    value: Any
    uri: str
    pointer: str

    def child(self, *tokens: str | int) -> Located:
        """The member ``tokens`` below this value (missing members give None)."""
        value = self.value
        for token in tokens:
            if isinstance(value, Mapping):
                value = value.get(token) if isinstance(token, str) else None
            elif isinstance(value, list) and isinstance(token, int) and 0 <= token < len(value):
                value = value[token]
            else:
                value = None
        return Located(value, self.uri, child(self.pointer, *tokens))

    @property
    def ref(self) -> str:
        """An absolute ``$ref`` to this value."""
        return f"{self.uri}#{self.pointer}"


class RefResolver:
    """Resolves ``$ref`` s of one description; documents are read once and shared."""

    def __init__(self, root_uri: str, root: Any) -> None:
        self.root_uri = root_uri
        self.documents: dict[str, Any] = {root_uri: root}

    @property
    def root(self) -> Located:
        return Located(self.documents[self.root_uri], self.root_uri, "")

    def document(self, uri: str) -> Any:
        """The document at an absolute URI (no fragment), read on first use."""
        found = self.documents.get(uri)
        if found is not None:
            return found
        parts = urlsplit(uri)
        if parts.scheme != "file":
            raise OpenAPIShapeError(
                f"$ref to {uri}: only references to local files are followed "
                "(remote documents are never fetched)"
            )
        path = Path(unquote(parts.path))
        try:
            data = read_data(path).data
        except DocumentError as error:
            raise OpenAPIShapeError(f"$ref to {uri}: cannot read {path}: {error}") from None
        self.documents[uri] = data
        return data

    def lookup(self, ref: str, base_uri: str) -> Located:
        """The target of one reference written in the document at ``base_uri``."""
        target = urljoin(base_uri, ref) if ref else base_uri
        uri, fragment = urldefrag(target)
        document = self.document(uri or base_uri)
        pointer = unquote(fragment)
        if pointer and not pointer.startswith("/"):
            raise OpenAPIShapeError(
                f"$ref '{ref}' (in {base_uri}): the fragment must be a JSON pointer"
            )
        try:
            value = follow(document, split(pointer))
        except PointerError as error:
            raise OpenAPIShapeError(
                f"$ref '{ref}' (in {base_uri}) points at nothing: no '{error.token}' on the way"
            ) from None
        return Located(value, uri or base_uri, pointer)

    def deref(self, located: Located) -> Located:
        """Follow ``$ref`` s until a value that is not a reference; cycles raise."""
        seen: list[str] = []
        current = located
        while isinstance(current.value, Mapping) and isinstance(current.value.get("$ref"), str):
            seen.append(current.ref)
            if len(seen) > MAX_HOPS:
                raise OpenAPIShapeError(f"more than {MAX_HOPS} $ref s in a chain from {seen[0]}")
            current = self.lookup(current.value["$ref"], current.uri)
            if current.ref in seen:
                chain = " -> ".join([*seen, current.ref])
                raise OpenAPIShapeError(f"$ref cycle: {chain}")
        return current

    def resolve(self, located: Located, *tokens: str | int) -> Located:
        """``deref`` each step of the way down to ``tokens``."""
        current = self.deref(located)
        for token in tokens:
            current = self.deref(current.child(token))
        return current
