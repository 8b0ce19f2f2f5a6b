"""A transport that answers from a function: workflows run with no network at all.

::

    def handler(request: HttpRequest) -> HttpResponse:
        if request.url.endswith("/token"):
            return HttpResponse(200, json={"access_token": "t", "token_type": "Bearer"})
        return HttpResponse(404, text="not here")

    engine = Engine.load(doc, transport=MockTransport(handler))

The handler's response is treated as one from the wire:

* a streaming media type (``text/event-stream``...) stays open: its body is
  read as the caller iterates it, so a generator given as ``content`` yields
  each chunk only when the engine asks for it (delays between chunks included);
* any other body is read whole, at most ``max_body_bytes`` (the constructor's;
  default 64 MiB), with the same error a real server's oversized body gives;
* redirects are not followed: the handler's 3xx is the response;
* cookies behave as on the wire: the handler sees the run's stored cookies for
  the request's origin in its ``Cookie`` header (a cookie the request names
  itself wins), and the ``Set-Cookie`` headers it answers with are kept for
  the rest of the run, for that origin only.

When the handler raises :class:`~arazzo_engine.errors.TransportError`, the step
fails with its message (as with a refused connection); any other exception
fails the step with a message naming its type and text; a return value that is
not an :class:`~arazzo_engine.http.response.HttpResponse` fails the step saying
what it was.  A chunk iterable that raises, or yields something other than
bytes, breaks the body like a reset connection.  Nothing from the handler
escapes ``Engine.run``.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

from arazzo_engine.errors import ConfigurationError, TransportError
from arazzo_engine.http.headers import Headers, header_values
from arazzo_engine.http.response import HttpResponse, adopt
from arazzo_engine.http.transport import DEFAULT_MAX_BODY_BYTES, HttpRequest, keeps_body_open

__all__ = ["Handler", "MockTransport"]

Handler = Callable[[HttpRequest], HttpResponse]
"""What a :class:`MockTransport` calls for each request."""


class MockTransport:
    """Answers every request with ``handler(request)``; keeps the requests it was sent.

    Thread-safe as far as the handler is: ``run_many`` calls it from several threads.
    """

    def __init__(self, handler: Handler, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        if not callable(handler):
            raise ConfigurationError(
                f"MockTransport needs a callable handler(request) -> HttpResponse, "
                f"got {type(handler).__name__}"
            )
        self.handler = handler
        self.max_body_bytes = max_body_bytes
        self.requests: list[HttpRequest] = []
        """Every request sent, in order (tests assert on them)."""
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        name = getattr(self.handler, "__name__", type(self.handler).__name__)
        return f"<MockTransport handler={name}>"

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        cookies = request.cookies
        if cookies is not None and cookies.cookie_header(request.url) is not None:
            # stored cookies apply: the handler sees them (else the request is sent as built)
            headers = cookies.request_headers(request.url, request.headers)
            request = dataclasses.replace(request, headers=headers)
        with self._lock:
            self.requests.append(request)
        try:
            response = self.handler(request)
        except TransportError:
            raise
        except Exception as error:
            text = str(error)
            detail = f": {text[:300]}" if text else ""
            raise TransportError(
                f"the MockTransport handler raised {type(error).__name__}{detail}"
            ) from error
        if not isinstance(response, HttpResponse):
            raise TransportError(
                f"the MockTransport handler returned {type(response).__name__}, not an HttpResponse"
            )
        answered = response.headers
        if cookies is not None and (type(answered) is not Headers or "Set-Cookie" in answered):
            set_cookies = header_values(answered, "Set-Cookie")
            if set_cookies:
                cookies.record(request.url, set_cookies)
        return adopt(
            response,
            url=request.url,
            max_body_bytes=self.max_body_bytes,
            keep_open=keeps_body_open(request, response.content_type),
        )

    def close(self) -> None:
        """Nothing to release; here so the mock is a whole Transport."""
