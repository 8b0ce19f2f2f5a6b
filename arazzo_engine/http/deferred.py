"""A transport made on its first request.

``Engine.load`` of a local document sends nothing, so the default transport (and
the HTTP library under it) is made only when a request is sent: ``arazzo
validate`` and ``arazzo list`` never pay for importing it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from arazzo_engine.http.response import HttpResponse
from arazzo_engine.http.transport import HttpRequest, Transport

__all__ = ["DeferredTransport"]


class DeferredTransport:
    """Sends through the transport ``make()`` returns, called once, on the first send."""

    def __init__(self, make: Callable[[], Transport]) -> None:
        self._make = make
        self._made: Transport | None = None
        self._lock = threading.Lock()

    @property
    def made(self) -> Transport | None:
        """The transport, once a request made it; None before."""
        return self._made

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        made = self._made
        if made is None:
            with self._lock:
                made = self._made
                if made is None:
                    made = self._made = self._make()
        return made.send(request, timeout=timeout)

    def close(self) -> None:
        """Close the transport if one was made; nothing was opened otherwise."""
        made = self._made
        if made is not None:
            made.close()
