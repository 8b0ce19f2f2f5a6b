"""Where an operation's requests go: its server URL with the variables filled in.

The operation index already picked the servers that apply (the operation's own,
else its path item's, else the document's).  The first of them is used, its
``{variables}`` filled from the caller's ``server_variables`` or their
``default``; a value outside a variable's ``enum`` is a load error.  A relative
URL is resolved against the description's location when that is a URL; against
a local file it stays unknown (the step then asks for ``servers=``).  A
``servers=`` override replaces the whole URL; ``{variables}`` left in it are
filled the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from arazzo_engine.errors import ConfigurationError
from arazzo_engine.fixes import fix, option
from arazzo_engine.sources.openapi.index import OperationIndex
from arazzo_engine.sources.openapi.shapes import HTTP_METHODS_32, ServerSpec

__all__ = ["BaseUrls", "parse_server_variables", "server_base_url"]

_TEMPLATE_VARIABLE = re.compile(r"\{([^{}]+)\}")
_DEFAULT_SERVER = ServerSpec("/", {})


def is_absolute_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme and parts.netloc)


def template_variables(url: str) -> list[str]:
    """The ``{names}`` a server URL template uses, in order."""
    return _TEMPLATE_VARIABLE.findall(url)


def fill_variables(url: str, values: Mapping[str, str]) -> str:
    """The URL with each ``{name}`` it has a value for replaced (others left as they are)."""
    return _TEMPLATE_VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), url)


_NEVER_IN_A_VALUE = re.compile(r"[?#\\\x00-\x20\x7f]")
"""What no server variable value may hold: it would start a query or a fragment, or
is whitespace or a control character."""

_NEVER_IN_A_HOST_VALUE = re.compile(r"[/@]")
"""What a variable in the scheme or host part may not hold either: it would end the
host (``/``) or make what precedes it user info (``@``), sending elsewhere."""


def _authority_variables(template: str) -> set[str]:
    """The ``{names}`` in a URL template's scheme and host part (before its path)."""
    scheme_end = template.find("://")
    start = scheme_end + 3 if scheme_end >= 0 else 0
    path_start = template.find("/", start)
    head = template if path_start < 0 else template[:path_start]
    return set(template_variables(head))


def _check_value(name: str, value: str, template: str, source: str) -> None:
    """A caller's variable value may fill its place in the URL, never change the URL's shape."""
    found = _NEVER_IN_A_VALUE.search(value)
    if found is None and name in _authority_variables(template):
        found = _NEVER_IN_A_HOST_VALUE.search(value)
    if found is not None:
        raise ConfigurationError(
            f"{option('server_variables')}: the value of variable '{name}' of source "
            f"'{source}' (server "
            f"{template}) holds {found.group(0)!r}, which would change where requests go; "
            "a value may not hold ?, #, \\, whitespace or control characters, nor / or @ "
            "in the scheme and host part"
        )


def variable_values(
    server: ServerSpec,
    overrides: Mapping[str, str],
    *,
    source: str,
    template: str | None = None,
) -> dict[str, str]:
    """The server's variables: the caller's values over the defaults, ``enum`` checked,
    and none that would change the shape of ``template`` (default: the server's URL)."""
    values = dict(server.variables)
    for name, value in overrides.items():
        allowed = server.enums.get(name)
        if allowed and value not in allowed:
            choices = ", ".join(repr(a) for a in allowed)
            raise ConfigurationError(
                f"{option('server_variables')}: {value!r} is not an allowed value of variable "
                f"'{name}' of "
                f"source '{source}' (server {server.url}); allowed: {choices}"
            )
        _check_value(name, value, server.url if template is None else template, source)
        values[name] = value
    return values


def server_base_url(
    server: ServerSpec,
    overrides: Mapping[str, str] | None = None,
    *,
    source: str = "",
    location: str = "",
) -> str | None:
    """The absolute base URL (no trailing slash), or None when it stays relative."""
    url = fill_variables(server.url, variable_values(server, overrides or {}, source=source))
    if not is_absolute_url(url):
        if not is_absolute_url(location):
            return None
        url = urljoin(location, url)
    return url.rstrip("/")


def declared_variables(data: Any) -> dict[str, None]:
    """Every server variable a description's raw ``servers`` lists name (document,
    path and operation level; ``$ref`` ed path items are not followed)."""
    names: dict[str, None] = {}

    def add(listed: Any) -> None:
        for server in listed if isinstance(listed, list) else ():
            if isinstance(server, Mapping):
                variables = server.get("variables")
                if isinstance(variables, Mapping):
                    names.update(dict.fromkeys(str(v) for v in variables))
                names.update(dict.fromkeys(template_variables(str(server.get("url", "")))))

    if isinstance(data, Mapping):
        add(data.get("servers"))
        paths = data.get("paths")
        for item in paths.values() if isinstance(paths, Mapping) else ():
            if isinstance(item, Mapping):
                add(item.get("servers"))
                extra = item.get("additionalOperations")  # OpenAPI 3.2
                operations = [item.get(method) for method in HTTP_METHODS_32]
                operations += list(extra.values()) if isinstance(extra, Mapping) else []
                for operation in operations:
                    if isinstance(operation, Mapping):
                        add(operation.get("servers"))
    return names


def check_variable_names(source: str, overrides: Mapping[str, str], known: Iterable[str]) -> None:
    """Reject ``server_variables`` naming a variable no server of the source has."""
    valid = list(known)
    unknown = [name for name in overrides if name not in valid]
    if unknown:
        names = ", ".join(repr(u) for u in unknown)
        listed = ", ".join(repr(k) for k in valid) or "none"
        raise ConfigurationError(
            f"{option('server_variables')} for source '{source}' names {names}, which none of "
            f"its servers "
            f"declares; its server variables: {listed}"
        )


class BaseUrls(Mapping[tuple[str, str], str]):
    """Per (source, operation pointer): the base URL its requests go to.

    Worked out on lookup (operations are resolved lazily, so nothing here
    walks a whole description); the ``server_variables`` names are checked at
    once.  Operations whose server URL stays relative (and no ``servers=``
    override) have no entry; their steps fail with a message asking for one.
    """

    def __init__(
        self,
        indexes: Mapping[str, OperationIndex],
        servers: Mapping[str, str],
        server_variables: Mapping[str, Mapping[str, str]],
    ) -> None:
        self._indexes = indexes
        self._servers = servers
        self._variables = server_variables
        self._cache: dict[tuple[str, int], str | None] = {}
        self._keep: list[ServerSpec] = []  # keeps the ids in _cache valid
        for name, given in server_variables.items():
            index = indexes.get(name)
            if index is None or not given:
                continue
            override = servers.get(name)
            known = declared_variables(index.source.document.data)
            known.update(dict.fromkeys(template_variables(override) if override else ()))
            check_variable_names(name, given, known)

    def _url(self, source: str, server: ServerSpec) -> str | None:
        key = (source, id(server))
        if key not in self._cache:
            given = self._variables.get(source, {})
            override = self._servers.get(source)
            if override is not None:
                values = variable_values(server, given, source=source, template=override)
                url: str | None = fill_variables(override, values).rstrip("/")
                left = template_variables(url or "")
                if left:
                    raise ConfigurationError(
                        f"{option('servers')} for source '{source}' uses {{{left[0]}}}, which "
                        f"has no value for the operations served by {server.url}; give it with "
                        f"{fix('server_variables', source, left[0])}"
                    )
            else:
                location = self._indexes[source].source.location
                url = server_base_url(server, given, source=source, location=location)
            self._keep.append(server)
            self._cache[key] = url
        return self._cache[key]

    def __getitem__(self, key: tuple[str, str]) -> str:
        source, pointer = key
        index = self._indexes[source]
        operation = index.by_pointer[pointer]
        server = operation.servers[0] if operation.servers else _DEFAULT_SERVER
        url = self._url(source, server)
        if url is None:
            raise KeyError(key)
        return url

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for source, index in self._indexes.items():
            for pointer in index.by_pointer:
                if (source, pointer) in self:
                    yield source, pointer

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            return False
        return True


def parse_server_variables(items: Iterable[str]) -> dict[str, dict[str, str]]:
    """``--server-var SOURCE.VAR=VALUE`` entries as ``{source: {var: value}}``."""
    found: dict[str, dict[str, str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        source, dot, variable = name.partition(".")
        if not sep or not dot or not source or not variable:
            raise ConfigurationError(f"--server-var expects SOURCE.VAR=VALUE, got {item!r}")
        found.setdefault(source, {})[variable] = value
    return found
