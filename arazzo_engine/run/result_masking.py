"""What results hold instead of credentials: masked copies made where results are made.

A run's own state (what later steps, actions and nested workflows read with
``$request``, ``$steps...outputs`` and ``$outputs``) keeps the real values;
only what a :class:`~arazzo_engine.results.StepResult` or
:class:`~arazzo_engine.results.RunResult` holds is masked, with the engine's
redactor, so no result carries a credential value: not its repr, not its JSON,
not its pickle.  The program that asked already has its credentials.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from arazzo_engine.http.headers import Headers
from arazzo_engine.http.response import HttpResponse
from arazzo_engine.redaction import CREDENTIAL_HEADERS, MASK, Redactor

if TYPE_CHECKING:
    from arazzo_engine.http.transport import HttpRequest
    from arazzo_engine.results import StepMessage


def masked_message(
    message: StepMessage | None, redactor: Redactor, masking: bool
) -> StepMessage | None:
    """A copy of a message step's message to keep in a result: credential values masked
    in its channel, headers and payload (the ``Authorization`` kind of header whole)."""
    if message is None or not masking:
        return message
    headers = {
        name: MASK if name.lower() in CREDENTIAL_HEADERS else redactor.text(value)
        for name, value in message.headers.items()
    }
    payload = message.payload
    return dataclasses.replace(
        message,
        channel=redactor.text(message.channel),
        headers=headers,
        payload=redactor.data(payload) if isinstance(payload, bytes) else redactor.value(payload),
    )


__all__ = ["masked_message", "masked_request", "masked_response", "without_cookies"]


def masked_request(
    request: HttpRequest, redactor: Redactor, masking: bool | None = None
) -> HttpRequest:
    """A copy of ``request`` to keep in a result.

    ``Authorization``, ``Cookie``, ``Proxy-Authorization`` and the headers a
    security scheme filled are masked whole; credential values are masked in
    the URL, the other headers, the body (bytes masked as bytes, so a binary
    body keeps its other bytes) and the values it was built from.  The copy
    has no cookie store: the run's cookies stay with the run.
    ``masking`` is ``bool(redactor)`` when the caller knows it already.
    """
    listed = request.credential_headers
    if masking is None:
        masking = bool(redactor)
    if not masking and not listed and not _names_credential_header(request.headers):
        # Nothing to mask; the run's cookie store stays with the run, not the result.
        return request if request.cookies is None else without_cookies(request)
    whole = CREDENTIAL_HEADERS | {name.lower() for name in listed}
    headers = {
        name: MASK if name.lower() in whole else redactor.text(value)
        for name, value in request.headers.items()
    }
    return dataclasses.replace(
        request,
        url=redactor.text(request.url),
        headers=headers,
        body=redactor.data(request.body) if request.body else request.body,
        body_value=redactor.value(request.body_value),
        path_values=redactor.value(request.path_values),
        query_values=redactor.value(request.query_values),
        cookies=None,
    )


def _names_credential_header(headers: Mapping[str, str]) -> bool:
    return any(name.lower() in CREDENTIAL_HEADERS for name in headers)


def without_cookies(request: HttpRequest) -> HttpRequest:
    """``dataclasses.replace(request, cookies=None)``, made as a field-for-field copy.

    Every step's result keeps such a copy, and ``replace`` (which calls the
    constructor with every field by name) costs several times more; the request
    has no ``__post_init__`` for the constructor to run.
    """
    copy = object.__new__(type(request))
    fields = copy.__dict__
    fields.update(request.__dict__)
    fields["cookies"] = None
    return copy


def masked_response(response: HttpResponse | None, redactor: Redactor) -> HttpResponse | None:
    """``response``, or a masked copy of it when its URL, headers or body hold a credential.

    An API that echoes the key it was sent (in the body, a header, the URL it
    answered from) gets the key masked in the copy; the copy decodes its body
    again when read.  An open stream stays the live response, for the program
    to read its events (which are the server's): its URL and headers are
    masked in place.
    """
    if response is None or not redactor:
        return response
    url = redactor.text(response.url)
    original = list(response.headers.items())
    headers = [(name, redactor.text(value)) for name, value in original]
    if response.is_stream:
        if url != response.url or headers != original:
            response.url, response.headers = url, Headers(headers)
        return response
    content = response.content
    masked_content = redactor.data(content)
    if masked_content is content and url == response.url and headers == original:
        return response
    return HttpResponse(response.status_code, headers, content=masked_content, url=url)
