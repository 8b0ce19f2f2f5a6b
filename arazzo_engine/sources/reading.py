"""Reading the documents a workflow's ``sourceDescriptions`` point at.

A source's ``url`` is resolved against the base URI of the Arazzo document that
names it: its ``$self`` (Arazzo 1.1) resolved against where it was read from, or
without one the file that names it (a remote Arazzo document's URL: it may name
remote documents only); the caller may point a source elsewhere with
``sources=`` (paths relative to the current directory).  Nothing is fetched over
the network unless the caller allowed it.  The document's kind
(:mod:`arazzo_engine.sources.kinds`) is its declared ``type``, checked against
its root field, or its root field alone.

Identity (Arazzo 1.1): a document that declares a ``$self`` (an Arazzo 1.1
document, an OpenAPI 3.2 description) is known by it once loaded.  A source
whose resolved ``url`` equals the identity of a document already loaded is that
document, read again from nowhere; otherwise it is fetched by location, and a
fetched document whose ``$self`` names another URI draws a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

from arazzo_engine.errors import ConfigurationError, Diagnostic, DocumentError, Location
from arazzo_engine.fixes import fix, option
from arazzo_engine.http.transport import Transport
from arazzo_engine.load.reader import RawDocument, read_data, read_document
from arazzo_engine.sources.base import LoadedSource
from arazzo_engine.sources.kinds import kind_named, kind_of, kinds_described, kinds_expected
from arazzo_engine.sources.remote import read_remote

__all__ = [
    "LoadedSource",
    "base_uri",
    "check_override_names",
    "declared_identity",
    "identity_mismatch",
    "load_source",
    "resolve_source_location",
]


def _is_remote(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def resolve_source_location(url: str, base_file: Path) -> str:
    """Resolve a source ``url`` against the folder of the Arazzo file naming it."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return url
    if parts.scheme and len(parts.scheme) > 1:
        return url
    path = Path(unquote(parts.path))
    return str(path if path.is_absolute() else (base_file.parent / path).resolve())


def _names_local_path(url: str) -> bool:
    """Whether a ``url`` names a local file whatever it is resolved against.

    An absolute path (``/etc/passwd``, ``C:\\x``) or a ``file:`` URL.
    """
    parts = urlsplit(url)
    if parts.scheme and len(parts.scheme) > 1:
        return parts.scheme == "file"
    return url.startswith(("/", "\\")) or Path(url).is_absolute() or len(parts.scheme) == 1


def _resolve_remote(url: str, referring: RawDocument) -> str | None:
    """A source ``url`` of a remote document, resolved against the document's URL.

    None when it names a local file: a remote document may only name remote ones.
    """
    if referring.url is None or _names_local_path(url):
        return None
    return urljoin(referring.url, url)


def base_uri(document: RawDocument, self_uri: str | None) -> str:
    """The base URI of ``document`` (RFC 3986 5.1): its ``$self`` resolved against where
    it was read from (its URL, or its file's ``file:`` URI), else that retrieval URI."""
    if not self_uri:
        return document.uri
    return urljoin(document.uri, self_uri)


def declared_identity(document: RawDocument) -> str | None:
    """The identity a read document declares: its top-level ``$self`` resolved against
    where it was read from, for an Arazzo 1.1 document or an OpenAPI 3.2 description;
    None for any other document."""
    data = document.data
    if not isinstance(data, dict):
        return None
    written = data.get("$self")
    if not isinstance(written, str) or not written or "#" in written:
        return None
    arazzo, openapi = data.get("arazzo"), data.get("openapi")
    if not (
        (isinstance(arazzo, str) and arazzo.startswith("1.1."))
        or (isinstance(openapi, str) and openapi.startswith("3.2."))
    ):
        return None
    return base_uri(document, written)


def identity_mismatch(
    found: LoadedSource, referring: RawDocument, pointer: str
) -> Diagnostic | None:
    """A warning when a document fetched by location calls itself by another URI."""
    identity = declared_identity(found.document)
    if identity is None or identity == found.document.uri:
        return None
    return Diagnostic(
        "warning",
        "source-identity",
        f"source description '{found.name}' was read from {found.document.uri}, but that "
        f"document's $self says it is {identity}; the source's url should name it by its "
        "$self (or supply the document under that URI)",
        referring.locate(f"{pointer}/url"),
    )


def _file_path(uri: str) -> str:
    """The local path a ``file:`` URI names."""
    parts = urlsplit(uri)
    return url2pathname(unquote(parts.path))


def load_source(
    *,
    name: str,
    url: str,
    declared_type: str | None,
    referring: RawDocument,
    pointer: str,
    override: str | None,
    allow_remote: bool,
    transport: Transport | None = None,
    base: str | None = None,
    identities: Mapping[str, RawDocument] | None = None,
) -> LoadedSource | Diagnostic:
    """Read one source description; a problem comes back as a located diagnostic.

    A remote one (``allow_remote``) is fetched with ``transport``, else a default one.
    ``base`` is the referring document's base URI when it declares a ``$self`` (see
    :func:`base_uri`); None resolves against the referring file as Arazzo 1.0 did.
    ``identities`` are the documents loaded so far by their identity
    (:func:`declared_identity`): a source whose resolved url is one of them is
    that document, and nothing is read.
    """
    where = referring.locate(pointer)
    declared = kind_named(declared_type)
    positions = declared is not None and declared.keeps_positions
    hint = f"point it elsewhere with {fix('sources', name)}"
    if override is None and identities:
        known = identities.get(urljoin(base or referring.uri, url))
        if known is not None:
            return _typed(name, url, known.identity, declared_type, known, where)
    if override is not None:
        location = str(Path(override).resolve())
        how = f"the path given for it with {option('sources')} ({override!r})"
    elif base is not None:
        resolved = urljoin(base, url)
        if not urlsplit(resolved).scheme:  # a base that cannot resolve (urn:): the file's
            resolved = urljoin(referring.uri, url)
        how = f"its url {url!r} (resolved against the document's $self, {base})"
        if urlsplit(resolved).scheme == "file":
            if referring.url is not None:
                return Diagnostic(
                    "error",
                    "source-scheme",
                    f"source description '{name}' of the remote document {referring.url} "
                    f"resolves to {resolved!r}, a local file: a remote document may only "
                    f"name remote documents; {hint}",
                    where,
                )
            location = _file_path(resolved)
        else:
            location = resolved
    elif referring.url is not None:
        remote = _resolve_remote(url, referring)
        if remote is None:
            return Diagnostic(
                "error",
                "source-scheme",
                f"source description '{name}' of the remote document {referring.url} has url "
                f"{url!r}, a local path: a remote document may only name remote documents; "
                f"{hint}",
                where,
            )
        location, how = remote, f"its url {url!r}"
    else:
        location = resolve_source_location(url, referring.path)
        how = f"its url {url!r}"
    scheme = urlsplit(location).scheme
    if len(scheme) > 1 and scheme not in ("http", "https"):
        return Diagnostic(
            "error",
            "source-scheme",
            f"source description '{name}' has url {location!r}: the scheme '{scheme}' is not "
            f"supported (only relative or absolute paths, and http(s) with "
            f"{fix('allow_remote')}); {hint}",
            where,
        )
    if _is_remote(location):
        if not allow_remote:
            return Diagnostic(
                "error",
                "source-remote",
                f"source description '{name}' is remote ({location}) and remote loading is "
                f"off; allow it with {fix('allow_remote')}, or {hint}",
                where,
            )
        try:
            document = read_remote(location, with_positions=positions, transport=transport)
        except DocumentError as error:
            return Diagnostic(
                "error",
                "source-unreadable",
                f"source description '{name}' cannot be read: {error}; expected "
                f"{kinds_expected()}; {hint}",
                where,
            )
        return _typed(name, url, location, declared_type, document, where)
    try:
        # Kinds whose documents get no diagnostics of their own (OpenAPI) are read
        # fast, without positions; an Arazzo document keeps them.
        document = (read_document if positions else read_data)(location)
        if not positions:
            found = kind_of(document.data)
            if found is not None and found.keeps_positions:
                document = read_document(location)
    except DocumentError as error:
        if not Path(location).exists():
            message = (
                f"source description '{name}' cannot be read: {how} resolves to "
                f"{location}, which does not exist; {hint}"
            )
        else:
            message = (
                f"source description '{name}' ({location}) cannot be read: {error}; "
                f"expected {kinds_expected()}"
            )
        return Diagnostic("error", "source-unreadable", message, where)
    return _typed(name, url, location, declared_type, document, where)


def _typed(
    name: str,
    url: str,
    location: str,
    declared_type: str | None,
    document: RawDocument,
    where: Location,
) -> LoadedSource | Diagnostic:
    """The loaded source, once its declared type agrees with what it is."""
    found = kind_of(document.data)
    if declared_type is not None and found is not None and declared_type != found.name:
        return Diagnostic(
            "error",
            "source-type",
            f"source description '{name}' is declared type '{declared_type}' but "
            f"{location} is an {found.name} document",
            where,
        )
    kind = found or kind_named(declared_type)
    if kind is None:
        return Diagnostic(
            "error",
            "source-type",
            f"source description '{name}' ({location}) is {kinds_described()}",
            where,
        )
    return LoadedSource(name=name, type=kind.name, url=url, location=location, document=document)


def check_override_names(kind: str, given: Mapping[str, Any], known: list[str]) -> None:
    """Reject an override that names something the document does not have."""
    unknown = sorted(set(given) - set(known))
    if unknown:
        valid = ", ".join(repr(k) for k in known) or "none"
        names = ", ".join(repr(u) for u in unknown)
        raise ConfigurationError(
            f"{option(kind)} names {names}, which the document does not have; valid names: {valid}"
        )
