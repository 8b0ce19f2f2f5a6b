"""Credentials applied to a request from the operation's security requirements.

The caller gives values by security scheme name (``credentials=``).  Of the
operation's alternative requirements (OR), the first whose schemes all have a
value is applied (AND); an empty requirement (``{}``, "no security") counts
only when no other one can be met.  When none can be met the request goes out
without credentials, and the missing scheme names are kept for the step's error.

Values by scheme type:

* ``apiKey``: sent as given in its header, query parameter or cookie;
* ``http`` ``basic``: ``user:password`` (base64-encoded here), or the encoded token;
* ``http`` ``bearer``, ``oauth2``, ``openIdConnect``: the token, sent as
  ``Bearer <token>`` (a value already starting with ``Bearer `` is sent as is);
  for ``oauth2``/``openIdConnect`` also a
  :class:`~arazzo_engine.sources.openapi.oauth.ClientCredentials`,
  whose token is fetched (and cached) by the client credentials flow;
* any other ``http`` scheme: the whole ``Authorization`` header value.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from arazzo_engine.errors import RequestBuildError
from arazzo_engine.sources.openapi.oauth import ClientCredentials, TokenContext
from arazzo_engine.sources.openapi.shapes import Operation, SecurityScheme

__all__ = ["AppliedCredentials", "apply_credentials"]


@dataclass
class AppliedCredentials:
    """What credentials add to one request."""

    headers: dict[str, str] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    cookies: list[tuple[str, str]] = field(default_factory=list)
    missing: tuple[str, ...] = ()
    """Schemes the operation asks for and no credential was given for."""


def _bearer(value: str) -> str:
    return value if value[:7].lower() == "bearer " else f"Bearer {value}"


def _apply_scheme(
    scheme: SecurityScheme,
    value: str,
    scopes: Sequence[str],
    applied: AppliedCredentials,
    context: TokenContext | None,
) -> None:
    if isinstance(value, ClientCredentials):
        if scheme.type not in ("oauth2", "openIdConnect"):
            raise RequestBuildError(
                f"security scheme '{scheme.name}' is {scheme.type}; a client id and secret "
                "apply only to oauth2 and openIdConnect schemes (give its value as a string)"
            )
        if context is None:
            raise RequestBuildError(
                f"security scheme '{scheme.name}' needs a token fetched, and no transport "
                "was given to fetch it with"
            )
        token = value.token(scheme, scopes, context)
        applied.headers["Authorization"] = _bearer(token)
        return
    if scheme.type == "apiKey":
        name = scheme.parameter_name or ""
        if scheme.location == "query":
            applied.query.append((name, value))
        elif scheme.location == "cookie":
            applied.cookies.append((name, value))
        else:
            applied.headers[name] = value
    elif scheme.type == "http" and scheme.scheme == "basic":
        token = value
        if ":" in value:
            token = base64.b64encode(value.encode("utf-8")).decode("ascii")
        applied.headers["Authorization"] = f"Basic {token}"
    elif scheme.scheme == "bearer" or scheme.type in ("oauth2", "openIdConnect"):
        applied.headers["Authorization"] = _bearer(value)
    else:
        # Other http schemes: the caller gives the whole Authorization value.
        applied.headers["Authorization"] = value


def apply_credentials(
    operation: Operation,
    schemes: Mapping[str, SecurityScheme],
    credentials: Mapping[str, str],
    context: TokenContext | None = None,
) -> AppliedCredentials:
    """Choose the first requirement the credentials satisfy and apply it.

    ``context`` lets a client-credentials scheme fetch its token (transport,
    timeout, the base URL a relative ``tokenUrl`` is resolved against).
    """
    applied = AppliedCredentials()
    if not operation.security:
        return applied
    for requirement in operation.security:
        if requirement and all(name in credentials and name in schemes for name in requirement):
            for name, scopes in requirement.items():
                _apply_scheme(schemes[name], credentials[name], scopes, applied, context)
            return applied
    if any(not requirement for requirement in operation.security):
        return applied  # anonymous access is one of the alternatives
    wanted = {name for requirement in operation.security for name in requirement}
    applied.missing = tuple(sorted(wanted - set(credentials)))
    return applied
