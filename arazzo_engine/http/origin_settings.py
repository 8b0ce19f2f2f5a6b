"""What a ``requests.Session`` merges into a request, worked out once per origin.

``Session.request`` re-reads the process environment on every call: proxy
variables and ``NO_PROXY`` (some 75 lookups a call), the CA bundle variables
and ``~/.netrc``.  None of it changes between two requests to one origin, so
:class:`OriginSettings` reads it on the first request to an origin, exactly as
``requests`` does (through the session's own ``merge_environment_settings``),
and every later request to that origin is prepared from what it learnt:

* the scheme and host as ``requests`` prepares them (IDNA, port), so the first
  request of an unusable URL fails with ``requests``' own error, as before;
* the send options: ``proxies``, ``verify`` and ``cert``, the session's merged
  with the environment's;
* the credentials ``requests`` would apply: a ``.netrc`` entry (when the
  session trusts the environment and has no ``auth``), else the session's
  ``auth``, else the URL's user information.

The request itself is prepared as ``Session.prepare_request`` would (the
session's headers under the request's, each header checked, the body and its
``Content-Length``, the session's hooks) but for two things the transport
owns: the request target is the path and query exactly as built, and no
cookie comes from the session's jar.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.cookies import RequestsCookieJar
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import get_auth_from_url, get_netrc_auth

__all__ = ["OriginSettings", "split_target"]


def split_target(url: str) -> tuple[str, str]:
    """``(origin, target)`` of a URL: its ``scheme://authority``, and its path and
    query as sent (no fragment; ``/`` for an empty path; a bare ``?`` dropped).

    The origin is the URL's own text, a key for what was learnt about it; a URL
    without ``://`` is its own origin (requests refuses it when it is prepared).
    """
    start = url.find("://")
    if start < 0:
        return url, "/"
    end = len(url)
    for mark in "/?#":
        at = url.find(mark, start + 3)
        if 0 <= at < end:
            end = at
    path, _, query = url[end:].partition("#")[0].partition("?")
    return url[:end], (path or "/") + ("?" + query if query else "")


@dataclass(frozen=True, slots=True)
class _Learnt:
    prefix: str
    """The scheme and authority as requests prepares them."""
    send_options: Mapping[str, Any]
    """``proxies``, ``verify``, ``cert`` and ``stream`` for ``Session.send``."""
    auth: Any
    """What ``prepare_auth`` is given for this origin; None: no credentials."""


class OriginSettings:
    """Prepares requests for one session, reading the environment once per origin.

    Thread-safe: two threads meeting a new origin at once both learn it, and
    either answer is the same.
    """

    def __init__(self, session: requests.Session) -> None:
        self._session = session
        self._learnt: dict[str, _Learnt] = {}
        self._lock = threading.Lock()

    def prepare(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[PreparedRequest, Mapping[str, Any]]:
        """The prepared request and the options to send it with.

        Raises what ``requests`` raises for an unusable URL or header.
        """
        origin, target = split_target(url)
        learnt = self._learnt.get(origin)
        if learnt is None:
            learnt = self._learn(url)
            with self._lock:
                self._learnt[origin] = learnt
        session = self._session
        prepared = PreparedRequest()
        prepared.prepare_method(method)
        prepared.url = learnt.prefix + target
        merged: CaseInsensitiveDict[Any] = CaseInsensitiveDict(session.headers)
        merged.update(headers)
        prepared.prepare_headers({k: v for k, v in merged.items() if v is not None})
        prepared.prepare_body(body, None)
        # An empty jar: requests reads it when it works out a redirect's next request.
        prepared.prepare_cookies(RequestsCookieJar())
        if learnt.auth is not None:
            prepared.prepare_auth(learnt.auth)
        prepared.prepare_hooks(session.hooks)
        return prepared, learnt.send_options

    def _learn(self, url: str) -> _Learnt:
        """What requests merges into a request to ``url``'s origin, read now."""
        session = self._session
        first = PreparedRequest()
        first.prepare_url(url, None)
        prepared_url = first.url or url
        scheme, netloc, _, _, _ = urlsplit(prepared_url)
        auth = session.auth
        if session.trust_env and not auth:
            auth = get_netrc_auth(prepared_url) or auth
        if auth is None:
            from_url = get_auth_from_url(prepared_url)
            auth = from_url if any(from_url) else None
        options = session.merge_environment_settings(prepared_url, {}, True, None, None)
        return _Learnt(f"{scheme}://{netloc}", options, auth)
