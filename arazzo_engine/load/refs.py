"""``$ref`` resolution, on demand, for OpenAPI descriptions, inputs schemas and the checks.

A reference is resolved against the URI of the document it sits in (RFC 3986),
so a ``$ref`` inside another file is relative to that file; its fragment is a
JSON pointer (:mod:`arazzo_engine.load.pointers`), percent-decoded.  Documents
live in a ``referencing`` registry: the root is given, another local file is
read (once, without positions) the first time a reference reaches it, and
remote documents are never fetched; a remote document's references
resolve against its URL, and one naming a local file is refused.  JSON Schema
validators take the same registry (:attr:`RefResolver.registry`), so they see
exactly the documents the resolver sees.

Only what a caller dereferences is resolved: nothing walks a whole document, so
recursive schemas cost nothing and a chain of references that comes back on
itself (``a -> b -> a``) is reported instead of followed forever.  Following a
reference is a pointer walk in an already parsed document: no copies.

``referencing`` is not asked to walk the pointers themselves: its pointer
lookup reads ``-1`` as the last item and ``01`` as item 1 (RFC 6901 allows
neither), and it cannot name the token that found nothing, which messages do.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from arazzo_engine.errors import DocumentError, RefError
from arazzo_engine.load.pointers import PointerError, child, follow, split
from arazzo_engine.load.reader import read_data

if TYPE_CHECKING:
    from referencing import Registry, Resource, Specification

__all__ = ["DOCUMENT_URI", "MAX_HOPS", "Located", "RefError", "RefResolver", "absolute_refs"]

DOCUMENT_URI = "urn:arazzo-engine:document"
"""The base URI of an Arazzo document's own ``$ref`` s (they may only point inside it)."""

MAX_HOPS = 64
"""Most ``$ref`` s followed in one chain before it is called a cycle."""
_MAX_DEPTH = 64
"""Deepest nesting :func:`absolute_refs` rewrites."""


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
    """Resolves the ``$ref`` s of one document and of the local files it reaches.

    ``json_schema``: the documents are JSON Schema 2020-12 resources for the
    validators (their ``$id`` and ``$anchor`` count); otherwise they are opaque
    (OpenAPI 3.0 and Swagger 2.0 descriptions).  ``read_files``: whether
    references to other local files are followed (an Arazzo document's inputs
    schemas may only point inside the document).
    """

    def __init__(
        self, root_uri: str, root: Any, *, json_schema: bool = False, read_files: bool = True
    ) -> None:
        self.root_uri = root_uri
        self._root = root
        self._json_schema = json_schema
        self._read_files = read_files
        self._remote_root = urlsplit(root_uri).scheme in ("http", "https")
        self._lock = threading.RLock()
        self._made: Registry[Any] | None = None
        """The registry, made when first needed: a reference inside the root
        document is followed without it (and without importing ``referencing``)."""

    @property
    def _registry(self) -> Registry[Any]:
        made = self._made
        if made is None:
            with self._lock:
                made = self._made
                if made is None:
                    made = self._made = self._new_registry()
        return made

    @_registry.setter
    def _registry(self, registry: Registry[Any]) -> None:
        self._made = registry

    def _new_registry(self) -> Registry[Any]:
        """A registry holding the root document; it reads others through :meth:`_retrieve`."""
        from referencing import Registry

        empty: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        made: Registry[Any] = empty.with_resource(
            self.root_uri, self._specification.create_resource(self._root)
        )
        return made

    @property
    def _specification(self) -> Specification[Any]:
        from referencing import Specification
        from referencing.jsonschema import DRAFT202012

        return DRAFT202012 if self._json_schema else Specification.OPAQUE

    @property
    def root(self) -> Located:
        return Located(self._root, self.root_uri, "")

    @property
    def registry(self) -> Registry[Any]:
        """A ``referencing`` registry of every document read so far; it reads others here."""
        return self._registry

    @property
    def documents(self) -> dict[str, Any]:
        """The documents read so far, by URI."""
        if self._made is None:
            return {self.root_uri: self._root}
        return {uri: resource.contents for uri, resource in self._made.items()}

    def document(self, uri: str) -> Any:
        """The document at an absolute URI (no fragment), read on first use."""
        if uri == self.root_uri:
            return self._root
        from referencing.exceptions import Unretrievable

        found = self._registry.get(uri)
        if found is not None:
            return found.contents
        with self._lock:
            try:
                retrieved = self._registry.get_or_retrieve(uri)
            except Unretrievable as error:  # raise what the hook raised, not the wrapper
                cause = error.__cause__
                raise (cause if cause is not None else error) from None
            self._registry = retrieved.registry
        return retrieved.value.contents

    def _retrieve(self, uri: str) -> Resource[Any]:
        """The registry's hook for a URI it lacks: a local file, read once; nothing remote."""
        with self._lock:
            return self._read(uri)

    def _read(self, uri: str) -> Resource[Any]:
        known = self._registry.get(uri)
        if known is not None:  # read already, through another copy of the registry
            return known
        parts = urlsplit(uri)
        if parts.scheme == "file" and self._remote_root:
            raise RefError(
                f"$ref to {uri} in the remote document {self.root_uri}: a remote document "
                "may not name a local file"
            )
        if parts.scheme != "file" or not self._read_files:
            if self._read_files:
                reason = "only references to local files are followed"
            else:
                reason = "only references inside the document are followed"
            raise RefError(f"$ref to {uri}: {reason} (remote documents are never fetched)")
        path = Path(unquote(parts.path))
        try:
            data = read_data(path).data
        except DocumentError as error:
            raise RefError(
                f"$ref to {uri}: cannot read {path}: {error}; expected a YAML or JSON document"
            ) from None
        resource = self._specification.create_resource(data)
        self._registry = self._registry.with_resource(uri, resource)
        return resource

    def lookup(self, ref: str, base_uri: str) -> Located:
        """The target of one reference written in the document at ``base_uri``."""
        if ref.startswith("#"):  # in the same document: no URI joining (slow on file URIs)
            uri, fragment = base_uri, ref[1:]
        else:
            uri, fragment = urldefrag(urljoin(base_uri, ref))
            uri = uri or base_uri
        document = self.document(uri)
        pointer = unquote(fragment) if "%" in fragment else fragment
        try:
            tokens = split(pointer)
        except PointerError:
            raise RefError(
                f"$ref '{ref}' (in {base_uri}): the fragment must be a JSON pointer"
            ) from None
        try:
            value = follow(document, tokens)
        except PointerError as error:
            raise RefError(
                f"$ref '{ref}' (in {base_uri}) points at nothing: no '{error.token}' on the way"
            ) from None
        return Located(value, uri, pointer)

    def target(self, located: Located) -> Located | None:
        """Where ``located``'s own ``$ref`` leads (one hop), or None when it is no reference."""
        value = located.value
        if not isinstance(value, Mapping):
            return None
        ref = value.get("$ref")
        return self.lookup(ref, located.uri) if isinstance(ref, str) else None

    def chain(self, located: Located) -> Iterator[Located]:
        """``located``, then each value its ``$ref`` chain reaches, in order; cycles raise.

        Lazy: a hop is looked up only when the caller asks for the next value.
        """
        seen: list[str] = []
        current = located
        yield current
        while isinstance(current.value, Mapping) and isinstance(current.value.get("$ref"), str):
            seen.append(current.ref)
            if len(seen) > MAX_HOPS:
                raise RefError(f"more than {MAX_HOPS} $ref s in a chain from {seen[0]}")
            current = self.lookup(current.value["$ref"], current.uri)
            if current.ref in seen:
                chain = " -> ".join([*seen, current.ref])
                raise RefError(f"$ref cycle: {chain}")
            yield current

    def deref(self, located: Located) -> Located:
        """Follow ``$ref`` s until a value that is not a reference; cycles raise."""
        *_, last = self.chain(located)
        return last

    def resolve(self, located: Located, *tokens: str | int) -> Located:
        """``deref`` each step of the way down to ``tokens``."""
        current = self.deref(located)
        for token in tokens:
            current = self.deref(current.child(token))
        return current


def absolute_refs(schema: Any, base: str, depth: int = 0) -> Any:
    """A copy of a made-up schema whose ``$ref`` s are absolute against ``base``.

    For schemas that sit in no document (Swagger 2.0 parameters turned into a
    schema), so a validator resolves their references where they were written.
    """
    if depth > _MAX_DEPTH:
        return schema
    if isinstance(schema, Mapping):
        return {
            k: urljoin(base, v)
            if k == "$ref" and isinstance(v, str)
            else absolute_refs(v, base, depth + 1)
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [absolute_refs(v, base, depth + 1) for v in schema]
    return schema
