"""One run's cookies, kept apart per origin.

Each run has its own :class:`CookieStore` (``Engine.run``, and each run of
``run_many``); the steps of a run, nested workflows included, share it, and
nothing is shared between runs: a run that needs a session cookie gets it from
its own responses.  Cookies are kept per origin (scheme, host, port), so a
cookie a response from one origin set is only ever sent back to that origin;
RFC 6265 ignores ports, this store does not.  Inside an origin the standard
library's cookie rules apply (``Path``, ``Expires``/``Max-Age``, ``Secure``).

A transport honours :attr:`HttpRequest.cookies <arazzo_engine.http.transport.HttpRequest.cookies>`:
before each hop it adds the stored cookies for that hop's URL
(:meth:`CookieStore.request_headers`), after each hop it records the
``Set-Cookie`` headers of the answer (:meth:`CookieStore.record`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import urllib.request
    from http.cookiejar import CookieJar

# http.cookiejar (and urllib.request under it) is imported when a response first
# sets a cookie: loading a document, or a run without cookies, never needs it.

__all__ = ["CookieStore", "origin_of"]

Origin = tuple[str, str, int | None]


def origin_of(url: str) -> Origin:
    """(scheme, host, port) of ``url``, the port made explicit (``http`` -> 80)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


class CookieStore:
    """The cookies one run's responses set, one standard-library jar per origin.

    Thread-safe (a run's stream may be read on another thread).  A store
    pickles as an empty one: cookies are a finished run's session secrets and
    never travel inside a pickled result.
    """

    __slots__ = ("_jars", "_lock")

    def __init__(self) -> None:
        self._jars: dict[Origin, CookieJar] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        with self._lock:
            count = sum(len(jar) for jar in self._jars.values())
        return f"<CookieStore {count} cookies, {len(self._jars)} origins>"

    def __reduce__(self) -> tuple[type[CookieStore], tuple[()]]:
        return CookieStore, ()

    def __len__(self) -> int:
        """How many cookies the store holds, all origins together."""
        with self._lock:
            return sum(len(jar) for jar in self._jars.values())

    def clear(self) -> None:
        """Forget every cookie (the run is over)."""
        with self._lock:
            self._jars.clear()

    def cookie_header(self, url: str) -> str | None:
        """The ``Cookie`` value the stored cookies make for ``url``; None when none apply."""
        if not self._jars:  # nothing stored yet (most runs): no URL to parse
            return None
        with self._lock:
            jar = self._jars.get(origin_of(url))
        if jar is None:
            return None
        probe = _probe(url)
        jar.add_cookie_header(probe)
        return probe.get_header("Cookie")

    def request_headers(self, url: str, headers: Mapping[str, str]) -> dict[str, str]:
        """``headers`` with the stored cookies for ``url`` added to its ``Cookie`` header.

        A cookie the request names itself (a cookie parameter, an API key in a
        cookie) wins over a stored one of the same name.
        """
        stored = self.cookie_header(url)
        merged = dict(headers)
        if stored is None:
            return merged
        name = next((k for k in merged if k.lower() == "cookie"), None)
        if name is None:
            merged["Cookie"] = stored
            return merged
        given = merged[name]
        named = {_cookie_name(piece) for piece in given.split(";")}
        extra = [piece for piece in stored.split("; ") if _cookie_name(piece) not in named]
        if extra:
            merged[name] = "; ".join([given, *extra]) if given else "; ".join(extra)
        return merged

    def record(self, url: str, set_cookies: Iterable[str]) -> None:
        """Keep the cookies the ``Set-Cookie`` values of a response from ``url`` set."""
        values = [value for value in set_cookies if value]
        if not values:
            return
        from http.cookiejar import CookieJar, DefaultCookiePolicy

        key = origin_of(url)
        with self._lock:
            jar = self._jars.get(key)
            if jar is None:
                jar = self._jars[key] = CookieJar(DefaultCookiePolicy())
        jar.extract_cookies(_SetCookies(values), _probe(url))  # type: ignore[arg-type]


def _probe(url: str) -> urllib.request.Request:
    """What the standard-library jar reads a URL from; never opened."""
    import urllib.request

    return urllib.request.Request(url)  # noqa: S310 - a description of a URL, not a fetch


def _cookie_name(piece: str) -> str:
    return piece.partition("=")[0].strip()


class _SetCookies:
    """What ``CookieJar.extract_cookies`` reads from a response: its ``Set-Cookie`` values."""

    def __init__(self, values: list[str]) -> None:
        self._values = values

    def info(self) -> _SetCookies:
        return self

    def get_all(self, name: str, default: Any = None) -> list[str] | Any:
        return list(self._values) if name.lower() == "set-cookie" else default
