"""Credentials applied to a request from the operation's security requirements.

The caller gives values by security scheme name (``credentials=``).  Of the
operation's alternative requirements (OR), the first whose schemes all have a
value is applied (AND); when none can be met the request goes out without
credentials, and the missing scheme names are kept for the step's error.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field

from arazzo_engine.openapi.index import Operation, SecurityScheme


@dataclass
class AppliedCredentials:
    """What credentials add to one request."""

    headers: dict[str, str] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    cookies: list[tuple[str, str]] = field(default_factory=list)
    missing: tuple[str, ...] = ()
    """Schemes the operation asks for and no credential was given for."""


def _apply_scheme(scheme: SecurityScheme, value: str, applied: AppliedCredentials) -> None:
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
        applied.headers["Authorization"] = f"Bearer {value}"
    else:
        # Other http schemes: the caller gives the whole Authorization value.
        applied.headers["Authorization"] = value


def apply_credentials(
    operation: Operation,
    schemes: Mapping[str, SecurityScheme],
    credentials: Mapping[str, str],
) -> AppliedCredentials:
    """Choose the first requirement the credentials satisfy and apply it."""
    applied = AppliedCredentials()
    if not operation.security:
        return applied
    for requirement in operation.security:
        if all(name in credentials and name in schemes for name in requirement):
            for name in requirement:
                _apply_scheme(schemes[name], credentials[name], applied)
            return applied
    wanted = {name for requirement in operation.security for name in requirement}
    applied.missing = tuple(sorted(wanted - set(credentials)))
    return applied
