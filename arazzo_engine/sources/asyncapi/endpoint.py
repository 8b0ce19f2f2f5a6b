"""Which server a message step talks to, and as whom.

At load (:func:`choose_server`): the channel's servers (none listed: every
server of the description); ``servers=`` may name one as
``"<source>.<server>"`` or the source as a whole (``"<source>"``), the URL's
scheme naming the protocol.  One candidate is used; several without an
override is an error naming them, and so is none.  The protocol must be one
the engine runs, with its client library installed
(:func:`~arazzo_engine.messaging.protocols.check_protocol`).

At run time (:func:`server_target`): the credentials given by security scheme
name (``credentials=``) are mapped onto the connection:

* ``userPassword``, ``plain``, ``scramSha256``, ``scramSha512``: ``user:password``;
* ``httpApiKey``: the value in the header (WebSocket handshake, HTTP), query
  parameter or cookie its ``in``/``name`` say;
* ``http``: ``bearer`` sends ``Authorization: Bearer <token>`` (a value already
  starting with ``Bearer `` as is), ``basic`` ``user:password`` both as the
  connection's user and password and as ``Authorization: Basic ...``;
* ``apiKey``: the value as the user (``in: user``) or the password (``in: password``);
* ``oauth2``/``openIdConnect``: the token, as ``Authorization: Bearer``.

A scheme the server lists with no credential given is left out (the server
then says whether it minds).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from arazzo_engine.messaging.protocols import check_protocol
from arazzo_engine.messaging.transport import ServerTarget
from arazzo_engine.sources.asyncapi.servers import SecurityScheme, Server

__all__ = ["Endpoint", "choose_server", "server_target"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """The server a step's messages go through, settled at load."""

    name: str
    protocol: str
    url: str
    schemes: tuple[SecurityScheme, ...]


def _protocol_of(url: str) -> str:
    return urlsplit(url).scheme.lower()


def choose_server(
    source: str,
    servers: Mapping[str, Server],
    listed: tuple[str, ...] | None,
    schemes: Mapping[str, SecurityScheme],
    overrides: Mapping[str, str],
    channel: str,
) -> Endpoint | str:
    """The endpoint of a channel on ``source``'s servers; a string says why there is none."""
    names = list(listed) if listed is not None else list(servers)
    unknown = [name for name in names if name not in servers]
    if unknown:
        return (
            f"channel '{channel}' is on server '{unknown[0]}', which source '{source}' does "
            f"not define (its servers: {', '.join(repr(s) for s in servers) or 'none'})"
        )
    chosen: Server | None = None
    url: str | None = None
    for name in names:
        given = overrides.get(f"{source}.{name}")
        if given is not None:
            chosen, url = servers[name], given
            break
    if url is None:
        url = overrides.get(source)
        if url is None:
            if not names:
                return (
                    f"source '{source}' defines no server for channel '{channel}': give one "
                    f"with servers={{'{source}': 'protocol://host:port'}}"
                )
            if len(names) > 1:
                options = ", ".join(f"'{source}.{n}'" for n in names)
                return (
                    f"channel '{channel}' of source '{source}' is on several servers "
                    f"({', '.join(names)}): choose one with servers= naming {options}"
                )
            chosen = servers[names[0]]
        elif len(names) == 1:
            chosen = servers[names[0]]
    protocol = _protocol_of(url) if url is not None else None
    if url is not None and not protocol:
        return (
            f"the server URL given for source '{source}' ({url!r}) has no scheme: write it "
            "as protocol://host:port (mqtt://, nats://, amqp://, ws://, https://...)"
        )
    if chosen is not None and url is None:
        url, protocol = chosen.url, chosen.protocol
    assert url is not None and protocol is not None
    problem = check_protocol(protocol)
    if problem is not None:
        where = f"server '{chosen.name}' of source '{source}'" if chosen else f"source '{source}'"
        return f"{where}: {problem}"
    named = chosen.security if chosen is not None else ()
    return Endpoint(
        name=chosen.name if chosen is not None else source,
        protocol=protocol,
        url=url.rstrip("/"),
        schemes=tuple(schemes[n] for n in named if n in schemes),
    )


def _bearer(value: str) -> str:
    return value if value[:7].lower() == "bearer " else f"Bearer {value}"


def server_target(endpoint: Endpoint, credentials: Mapping[str, object]) -> ServerTarget:
    """Where to connect, with the credentials given for the endpoint's schemes."""
    username: str | None = None
    password: str | None = None
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    for scheme in endpoint.schemes:
        value = credentials.get(scheme.name)
        if not isinstance(value, str):
            continue
        kind = scheme.type
        if kind in ("userPassword", "plain", "scramSha256", "scramSha512"):
            username, _, password = value.partition(":")
        elif kind == "httpApiKey" and scheme.parameter:
            if scheme.location == "query":
                query[scheme.parameter] = value
            elif scheme.location == "cookie":
                headers["Cookie"] = f"{scheme.parameter}={value}"
            else:
                headers[scheme.parameter] = value
        elif kind == "http" and scheme.scheme == "basic":
            username, _, password = value.partition(":")
            token = base64.b64encode(value.encode("utf-8")).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        elif kind in ("http", "oauth2", "openIdConnect"):
            headers["Authorization"] = _bearer(value)
        elif kind == "apiKey":
            if scheme.location == "password":
                password = value
            else:
                username = value
    return ServerTarget(
        protocol=endpoint.protocol,
        url=endpoint.url,
        username=username,
        password=password,
        headers=headers,
        query=query,
    )
