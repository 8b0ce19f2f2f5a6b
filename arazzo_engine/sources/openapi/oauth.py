"""OAuth 2.0 client credentials (RFC 6749 section 4.4): fetch a token, cache it.

A caller who gives an ``oauth2`` or ``openIdConnect`` scheme a client id and
secret instead of a token::

    credentials={"OAuth": {"client_id": "app", "client_secret": "s3cret"}}

gets a :class:`ClientCredentials`.  The first request that needs the scheme
POSTs ``grant_type=client_credentials`` (with the ``scope`` the operation's
security requirement lists) to the scheme's ``clientCredentials.tokenUrl`` -
for ``openIdConnect`` to the ``token_endpoint`` of its discovery document -
authenticating with HTTP Basic (``auth_method="client_secret_post"`` sends the
id and secret in the form instead).  The token is reused, by every run and
thread of the engine, until ``expires_in`` runs out (renewed a tenth of its
life, at most 30 s, early); a token without ``expires_in`` is reused for 300 s.

Token and discovery requests go through the engine's transport (the default
one, or the ``transport=`` given to ``Engine.load``, a ``MockTransport``
included), never following redirects.  Secrets and fetched tokens are masked
in messages (:class:`LiveRedactor`); errors quote the token endpoint's
``error`` and ``error_description`` only.
"""

from __future__ import annotations

import base64
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode, urljoin

from arazzo_engine.errors import ConfigurationError, RequestBuildError, StreamError, TransportError
from arazzo_engine.http.response import public_url
from arazzo_engine.http.transport import HttpRequest, Transport
from arazzo_engine.limits import load_json
from arazzo_engine.redaction import Redactor
from arazzo_engine.sources.openapi.shapes import SecurityScheme

__all__ = [
    "ClientCredentials",
    "LiveRedactor",
    "TokenContext",
    "client_credentials",
    "prepare_credentials",
]

LIFETIME_WITHOUT_EXPIRY = 300.0
"""Seconds a token whose answer has no ``expires_in`` is reused."""

EARLY_RENEWAL_CAP = 30.0
"""A token is renewed a tenth of its lifetime early, at most this many seconds."""

REMEMBERED_TOKENS = 64
"""Renewed tokens a client keeps masking (besides those in use): a long-lived engine
renews for ever, and the mask grows with what it remembers; the oldest renewed
ones go first."""

MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024

_FIELDS = frozenset({"client_id", "client_secret", "scopes", "token_url", "auth_method"})
_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


@dataclass(frozen=True)
class TokenContext:
    """What fetching a token needs from the run: the transport, timeout and base URL."""

    transport: Transport
    timeout: float
    base_url: str | None
    """The operation's server URL: a relative ``tokenUrl`` is resolved against it."""


@dataclass
class _Token:
    value: str
    renew_at: float


class ClientCredentials(str):
    """A client id and secret for an ``oauth2``/``openIdConnect`` scheme, with its token cache.

    It is a ``str`` (the client id, which is not secret) so that it travels in
    the engine's ``credentials`` mapping beside plain token values; the secret
    and the tokens are attributes and never part of its text or repr.
    Thread-safe: concurrent runs share one fetch per (token URL, scopes).
    """

    client_id: str
    auth_method: str
    scopes: tuple[str, ...] | None
    token_url: str | None
    clock: Callable[[], float]
    _secret: str
    _lock: threading.Lock
    _tokens: dict[tuple[str, tuple[str, ...]], _Token]
    _fetching: dict[tuple[str, tuple[str, ...]], threading.Lock]
    _endpoints: dict[str, str]
    _issued: dict[str, None]
    fetches: int
    """Token requests sent so far (tests and diagnostics)."""

    def __new__(
        cls,
        client_id: str,
        client_secret: str,
        *,
        scopes: Sequence[str] | None = None,
        token_url: str | None = None,
        auth_method: str = "client_secret_basic",
    ) -> ClientCredentials:
        self = super().__new__(cls, client_id)
        self.client_id = client_id
        self._secret = client_secret
        self.scopes = tuple(scopes) if scopes is not None else None
        self.token_url = token_url
        self.auth_method = auth_method
        self.clock = time.monotonic
        self._lock = threading.Lock()
        self._tokens = {}
        self._fetching = {}
        self._endpoints = {}
        self._issued = {}
        self.fetches = 0
        return self

    def __repr__(self) -> str:
        return f"<ClientCredentials client_id={self.client_id!r}>"

    def __reduce__(self) -> Any:  # never pickle the secret
        raise TypeError("ClientCredentials cannot be pickled")

    def secrets(self) -> list[str]:
        """The client secret, the id and secret as Basic sends them, and the tokens
        fetched last (at most :data:`REMEMBERED_TOKENS`, oldest first), for redaction."""
        with self._lock:
            return [self._secret, self._basic_pair(), *self._issued]

    def _forget_renewed_tokens(self) -> None:
        """Keep at most REMEMBERED_TOKENS issued tokens, the oldest renewed ones dropped
        first; a token still in use is always kept.  Called with the lock held."""
        excess = len(self._issued) - REMEMBERED_TOKENS
        if excess <= 0:
            return
        in_use = {token.value for token in self._tokens.values()}
        for value in [v for v in self._issued if v not in in_use][:excess]:
            del self._issued[value]

    def _basic_pair(self) -> str:
        """``id:secret`` as RFC 6749 2.3.1 has them sent in HTTP Basic (form-encoded first)."""
        return f"{quote_plus(self.client_id)}:{quote_plus(self._secret)}"

    # -- tokens ------------------------------------------------------------------
    def token(
        self, scheme: SecurityScheme, required_scopes: Sequence[str], context: TokenContext
    ) -> str:
        """A valid access token for ``scheme``, fetched when none is cached."""
        url = self._token_endpoint(scheme, context)
        scopes = self.scopes if self.scopes is not None else tuple(required_scopes)
        key = (url, tuple(sorted(set(scopes))))
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and self.clock() < cached.renew_at:
                return cached.value
            fetch_lock = self._fetching.setdefault(key, threading.Lock())
        with fetch_lock:
            with self._lock:
                cached = self._tokens.get(key)
                if cached is not None and self.clock() < cached.renew_at:
                    return cached.value
            value, lifetime = self._fetch(scheme.name, url, key[1], context)
            early = min(lifetime / 10, EARLY_RENEWAL_CAP)
            with self._lock:
                self._issued[value] = None
                self._tokens[key] = _Token(value, self.clock() + lifetime - early)
                self._forget_renewed_tokens()
            return value

    def _token_endpoint(self, scheme: SecurityScheme, context: TokenContext) -> str:
        if self.token_url:
            return self._absolute(self.token_url, context)
        if scheme.type == "oauth2":
            if not scheme.token_url:
                raise RequestBuildError(
                    f"security scheme '{scheme.name}' has no clientCredentials flow with a "
                    "tokenUrl; give a token, or the client credentials with a token_url"
                )
            return self._absolute(scheme.token_url, context)
        if scheme.type == "openIdConnect" and scheme.openid_url:
            discovery = self._absolute(scheme.openid_url, context)
            with self._lock:
                known = self._endpoints.get(discovery)
            if known is None:
                known = self._discover(scheme.name, discovery, context)
                with self._lock:
                    self._endpoints[discovery] = known
            return known
        raise RequestBuildError(
            f"security scheme '{scheme.name}' ({scheme.type}) cannot use client credentials"
        )

    @staticmethod
    def _absolute(url: str, context: TokenContext) -> str:
        return urljoin(context.base_url + "/", url) if context.base_url else url

    def _discover(self, scheme: str, url: str, context: TokenContext) -> str:
        status, data = _exchange(context, "GET", url, None, {"Accept": "application/json"})
        where = f"the OpenID Connect discovery document {public_url(url)} (scheme '{scheme}')"
        if status != 200 or not isinstance(data, Mapping):
            raise RequestBuildError(f"{where} could not be read (HTTP {status})")
        endpoint = data.get("token_endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            raise RequestBuildError(f"{where} has no token_endpoint")
        return urljoin(url, endpoint)

    def _fetch(
        self, scheme: str, url: str, scopes: tuple[str, ...], context: TokenContext
    ) -> tuple[str, float]:
        form = {"grant_type": "client_credentials"}
        if scopes:
            form["scope"] = " ".join(scopes)
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        if self.auth_method == "client_secret_post":
            form["client_id"] = self.client_id
            form["client_secret"] = self._secret
        else:
            # RFC 6749 2.3.1: both form-urlencoded, then HTTP Basic.
            pair = self._basic_pair().encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        with self._lock:
            self.fetches += 1
        status, data = _exchange(context, "POST", url, urlencode(form).encode("ascii"), headers)
        where = f"the token endpoint {public_url(url)} (scheme '{scheme}')"
        if status != 200:
            detail = ""
            if isinstance(data, Mapping):
                parts = [str(data[k])[:200] for k in ("error", "error_description") if k in data]
                detail = ": " + ": ".join(parts) if parts else ""
            raise RequestBuildError(
                f"{where} refused the client credentials: HTTP {status}{detail}"
            )
        if not isinstance(data, Mapping) or not isinstance(data.get("access_token"), str):
            raise RequestBuildError(f"{where} answered without an access_token")
        token_type = str(data.get("token_type", "Bearer"))
        if token_type.lower() != "bearer":
            raise RequestBuildError(
                f"{where} issued a {token_type!r} token; only Bearer tokens are supported"
            )
        lifetime = LIFETIME_WITHOUT_EXPIRY
        expires = data.get("expires_in")
        try:
            seconds = float(expires) if expires is not None else math.nan
        except (TypeError, ValueError, OverflowError):  # '²', [], or an int past any float
            seconds = math.nan
        if math.isfinite(seconds) and seconds > 0:
            lifetime = seconds
        return str(data["access_token"]), lifetime


def _exchange(
    context: TokenContext,
    method: str,
    url: str,
    body: bytes | None,
    headers: Mapping[str, str],
) -> tuple[int, Any]:
    """Send one request; (status, JSON body or None).  Errors become RequestBuildError."""
    request = HttpRequest(
        method, url, dict(headers), body=body, follow_redirects=False, stream=True
    )
    failed = f"{method} {public_url(url)} failed"
    try:
        response = context.transport.send(request, timeout=context.timeout)
    except TransportError as error:
        raise RequestBuildError(f"{failed}: {error}") from None
    parts: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_TOKEN_RESPONSE_BYTES:
                raise RequestBuildError(
                    f"the answer of {public_url(url)} exceeds {MAX_TOKEN_RESPONSE_BYTES} bytes"
                )
            parts.append(chunk)
    except StreamError as error:
        raise RequestBuildError(f"{failed}: {error}") from None
    finally:
        response.close()
    content = b"".join(parts)
    try:
        return response.status_code, load_json(content) if content.strip() else None
    except ValueError:  # not JSON, or beyond the limits (a LimitError): no token in it
        return response.status_code, None


def client_credentials(scheme: str, value: Mapping[str, Any]) -> ClientCredentials:
    """Check a ``credentials=`` mapping value and make its :class:`ClientCredentials`."""
    unknown = sorted(set(value) - _FIELDS)
    if unknown:
        raise ConfigurationError(
            f"credentials['{scheme}'] has unknown fields {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(_FIELDS))}"
        )
    client_id, secret = value.get("client_id"), value.get("client_secret")
    if not isinstance(client_id, str) or not isinstance(secret, str):
        raise ConfigurationError(
            f"credentials['{scheme}'] needs client_id and client_secret as strings"
        )
    scopes = value.get("scopes")
    if scopes is not None and (
        isinstance(scopes, str) or not all(isinstance(s, str) for s in scopes)
    ):
        raise ConfigurationError(f"credentials['{scheme}']: scopes must be a list of strings")
    method = value.get("auth_method", "client_secret_basic")
    if method not in _AUTH_METHODS:
        raise ConfigurationError(
            f"credentials['{scheme}']: auth_method must be one of {', '.join(_AUTH_METHODS)}"
        )
    token_url = value.get("token_url")
    if token_url is not None and not isinstance(token_url, str):
        raise ConfigurationError(f"credentials['{scheme}']: token_url must be a string")
    return ClientCredentials(
        client_id, secret, scopes=scopes, token_url=token_url, auth_method=method
    )


def prepare_credentials(given: Mapping[str, Any]) -> dict[str, str]:
    """``credentials=`` as the engine keeps it: client id/secret mappings made
    :class:`ClientCredentials`, other values as strings."""
    prepared: dict[str, str] = {}
    for name, value in given.items():
        if isinstance(value, Mapping):
            prepared[name] = client_credentials(name, value)
        elif isinstance(value, str):
            prepared[name] = value
        else:
            raise ConfigurationError(
                f"credentials['{name}'] must be a string, or a mapping with client_id and "
                f"client_secret; got {type(value).__name__}"
            )
    return prepared


class LiveRedactor(Redactor):
    """A :class:`Redactor` that also masks client secrets and the tokens fetched so far.

    The redactor of the secrets known now is rebuilt only when a token is
    issued, and swapped in as one reference, so concurrent runs never see a
    stale one.
    """

    __slots__ = ("_clients", "_live", "_plain")

    def __init__(self, secrets: Iterable[str], clients: Iterable[ClientCredentials]) -> None:
        self._plain = tuple(s for s in secrets if not isinstance(s, ClientCredentials))
        super().__init__(self._plain)
        self._clients = tuple(clients)
        self._live: tuple[tuple[str, ...], Redactor] = ((), self)

    def _current(self) -> Redactor:
        if not self._clients:
            return self
        known = tuple(s for client in self._clients for s in client.secrets())
        live = self._live
        if live[0] != known:
            live = (known, Redactor([*self._plain, *known]))
            self._live = live
        return live[1]
