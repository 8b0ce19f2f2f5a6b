"""An AsyncAPI description's servers and security schemes, both versions.

3.x writes a server as ``host`` + ``protocol`` (+ ``pathname``), 2.6 as
``url`` (with or without a scheme) + ``protocol``; both are read into one
:class:`Server` whose ``url`` has the protocol as its scheme and the server
variables' defaults filled in.  A channel lists the servers it is on (3.x:
``$ref`` s to them, 2.6: their names); no list means every server.  A server's
``security`` names the schemes its connections use (3.x: ``$ref`` s to
``components/securitySchemes`` or inline, 2.6: ``{name: []}`` requirements).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from arazzo_engine.load.pointers import child
from arazzo_engine.sources.asyncapi.parts import last_token, mapping
from arazzo_engine.sources.asyncapi.shapes import AsyncAPIShapeError, Reader

__all__ = ["SecurityScheme", "Server", "channel_servers", "read_schemes", "read_servers"]

_VARIABLE = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    """A Security Scheme Object, as much as a connection needs."""

    name: str
    type: str
    location: str | None = None
    """``in`` of an ``httpApiKey``/``apiKey`` scheme: header, query, cookie, user, password."""
    parameter: str | None = None
    """``name`` of an ``httpApiKey`` scheme: the header or query parameter."""
    scheme: str | None = None
    """``scheme`` of an ``http`` scheme: bearer, basic."""


@dataclass(frozen=True, slots=True)
class Server:
    """A Server Object: where a channel's messages go, and how to authenticate."""

    name: str
    protocol: str
    """Lower case, as the registry of protocols knows them ('mqtt', 'wss')."""
    url: str
    """``protocol://host[:port][/pathname]``, variables filled with their defaults."""
    security: tuple[str, ...]
    """Names of the security schemes its connections use."""


def _filled(text: str, variables: Any, where: str) -> str:
    """``text`` with each ``{variable}`` replaced by the server variable's default."""
    table = variables if isinstance(variables, Mapping) else {}

    def fill(found: re.Match[str]) -> str:
        variable = table.get(found.group(1))
        default = variable.get("default") if isinstance(variable, Mapping) else None
        if default is None:
            raise AsyncAPIShapeError(
                f"the server at #{where} uses variable '{found.group(1)}', which has no "
                "default value"
            )
        return str(default)

    return _VARIABLE.sub(fill, text)


def _scheme_names(reader: Reader, value: Any, where: str, version: str) -> tuple[str, ...]:
    """The scheme names of a ``security`` list (3.x references, 2.6 requirements)."""
    if not isinstance(value, list):
        return ()
    names: list[str] = []
    for index, item in enumerate(value):
        if version == "2.6":
            if isinstance(item, Mapping):
                names.extend(str(key) for key in item)
            continue
        ref = item.get("$ref") if isinstance(item, Mapping) else None
        if isinstance(ref, str) and ref.startswith("#"):
            names.append(last_token(unquote(ref[1:])))
        elif isinstance(item, Mapping):
            names.append(f"{where}/security/{index}")
    return tuple(names)


def read_servers(reader: Reader, version: str) -> dict[str, Server]:
    """Every root server by name; a server without a protocol is an error."""
    data = reader.data
    found = data.get("servers") if isinstance(data, Mapping) else None
    servers: dict[str, Server] = {}
    for name, value in mapping(found, "/servers", "'servers'").items():
        body, where = reader.deref(value, child("/servers", str(name)))
        fields = mapping(body, where, "a Server Object")
        protocol = fields.get("protocol")
        if not isinstance(protocol, str) or not protocol:
            raise AsyncAPIShapeError(f"the server at #{where} has no 'protocol'")
        protocol = protocol.lower()
        if version == "2.6":
            written = fields.get("url")
            if not isinstance(written, str):
                raise AsyncAPIShapeError(f"the server at #{where} has no 'url'")
            address = written if "://" in written else f"{protocol}://{written}"
        else:
            host = fields.get("host")
            if not isinstance(host, str):
                raise AsyncAPIShapeError(f"the server at #{where} has no 'host'")
            pathname = fields.get("pathname")
            path = pathname if isinstance(pathname, str) else ""
            address = f"{protocol}://{host}{path}"
        servers[str(name)] = Server(
            name=str(name),
            protocol=protocol,
            url=_filled(address, fields.get("variables"), where).rstrip("/"),
            security=_scheme_names(reader, fields.get("security"), where, version),
        )
    return servers


def _text(fields: Mapping[str, Any], key: str) -> str | None:
    value = fields.get(key)
    return value if isinstance(value, str) else None


def read_schemes(reader: Reader) -> dict[str, SecurityScheme]:
    """``components/securitySchemes`` by name."""
    data = reader.data
    components = data.get("components") if isinstance(data, Mapping) else None
    found = components.get("securitySchemes") if isinstance(components, Mapping) else None
    schemes: dict[str, SecurityScheme] = {}
    at = "/components/securitySchemes"
    for name, value in mapping(found, at, "'securitySchemes'").items():
        body, where = reader.deref(value, child(at, str(name)))
        fields = mapping(body, where, "a Security Scheme Object")
        kind = fields.get("type")

        written = fields.get("scheme")
        schemes[str(name)] = SecurityScheme(
            name=str(name),
            type=kind if isinstance(kind, str) else "",
            location=_text(fields, "in"),
            parameter=_text(fields, "name"),
            scheme=written.lower() if isinstance(written, str) else None,
        )
    return schemes


def channel_servers(body: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The names of the servers a channel is on (None: every server)."""
    listed = body.get("servers")
    if not isinstance(listed, list):
        return None
    names: list[str] = []
    for item in listed:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("$ref"), str):
            names.append(last_token(unquote(item["$ref"][1:])))
    return tuple(names)
