"""Builds the HTTP request of an operation step from evaluated values.

Parameters are serialized by their OpenAPI declaration (undeclared ones by the
default style of their location).  Only what the step gives is sent: a schema
``default`` says what the server assumes when the client sends nothing, so it
is never sent in a value's place.  The body is encoded by its content type
(see :func:`encode_body`); ``docs/openapi.md`` has the rules.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from arazzo_engine.errors import DocumentError, RequestBuildError
from arazzo_engine.expressions.files import FILE_KEY, FileReference
from arazzo_engine.fixes import fix, option
from arazzo_engine.http.cookies import CookieStore
from arazzo_engine.http.media import is_json_media_type, is_text_media_type, is_xml_media_type
from arazzo_engine.http.multipart import Part, encode_multipart
from arazzo_engine.http.transport import HttpRequest
from arazzo_engine.load.local_files import read_local_file
from arazzo_engine.sources.openapi.path_query import literal_query
from arazzo_engine.sources.openapi.querystring import query_pairs, querystring_text
from arazzo_engine.sources.openapi.security import AppliedCredentials
from arazzo_engine.sources.openapi.serialize import (
    PATH_SLASH_KEPT,
    content_text,
    encode_component,
    scalar_text,
    serialize_cookie,
    serialize_header,
    serialize_path,
    serialize_query,
)
from arazzo_engine.sources.openapi.shapes import Operation, ParameterSpec, parameter_key

if TYPE_CHECKING:
    from xml.etree import ElementTree

__all__ = ["MAX_FILE_BYTES", "RequestPlan", "build_request", "declares_redirect", "encode_body"]

_TEMPLATE_VARIABLE = re.compile(r"\{([^{}]+)\}")
_LINE_BREAK = re.compile(r"[\r\n\0]")
"""What no header value may hold: it would end the header line and start another."""
_DOT_SEGMENTS = {".": "%2E", "..": "%2E%2E"}

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest file a ``$file`` marker sends: 64 MiB (like a response body's default cap)."""


def _default_spec(name: str, location: str) -> ParameterSpec:
    style = "form" if location in ("query", "cookie") else "simple"
    return ParameterSpec(
        name=name,
        location=location,
        required=False,
        style=style,
        explode=style == "form",
        allow_reserved=False,
        schema=None,
        content_type=None,
    )


# -- bodies -----------------------------------------------------------------------


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _read_file(file: FileReference, where: str, allowed: Sequence[str]) -> tuple[bytes, str | None]:
    """The bytes a file reference stands for, and its file name (given, or the path's).

    A path resolves against the folder of the document that wrote the marker and,
    symbolic links followed, must lie in that folder or in an ``allowed`` one; a
    remote document's marker may carry bytes only.  Only a regular file is read,
    up to MAX_FILE_BYTES.  Messages name the path as written and why, never content.
    """
    source, filename = file.source, file.filename
    named = str(filename) if filename is not None else None
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), named
    if not isinstance(source, str) or not source:
        raise RequestBuildError(
            f"{where}: {FILE_KEY} must be a file path or bytes, got {type(source).__name__}"
        )
    if file.folder is None:
        raise RequestBuildError(
            f"{where}: {FILE_KEY} {source!r} is a path, and a remote document's file markers "
            "may carry bytes only (an earlier binary response), never a local file"
        )
    path = os.path.realpath(os.path.join(file.folder, source))
    folders = (file.folder, *allowed)
    if not any(_inside(path, folder) for folder in folders):
        allowed_too = f" or in a folder allowed with {option('file_folders')}" if allowed else ""
        raise RequestBuildError(
            f"{where}: {FILE_KEY} {source!r} resolves to {path}, outside the document's folder "
            f"{file.folder}{allowed_too}; a file sent must lie there (allow another folder with "
            f"{fix('file_folders')})"
        )
    try:
        data = read_local_file(
            path, limit=MAX_FILE_BYTES, what="file to send", follow_symlinks=False
        )
    except DocumentError as error:
        raise RequestBuildError(
            f"{where}: {FILE_KEY} {source!r} cannot be sent: {error.message}"
        ) from None
    return data, named if named is not None else os.path.basename(source)


def _single_type(declared: Any) -> str | None:
    """An Encoding Object's ``contentType`` when it names one concrete type."""
    if not isinstance(declared, str):
        return None
    first = declared.split(",", 1)[0].strip()
    return first if first and "*" not in first and "," not in declared else None


def _file_type(file: FileReference, filename: str | None, declared: Any) -> str:
    given = file.content_type
    if isinstance(given, str) and given:
        return given
    single = _single_type(declared)
    if single:
        return single
    if filename:
        guessed, _ = mimetypes.guess_type(filename)
        if guessed:
            return guessed
    return "application/octet-stream"


def _encoding_for(encodings: Mapping[str, Mapping[str, Any]], media: str) -> Mapping[str, Any]:
    """The ``encoding`` object declared for ``media`` (parameters ignored)."""
    if media in encodings:
        return encodings[media]
    for key, value in encodings.items():
        if key.split(";", 1)[0].strip().lower() == media:
            return value
    return {}


def _form_body(value: Any, encoding: Mapping[str, Any]) -> bytes:
    """``application/x-www-form-urlencoded`` from an object, by the ``encoding`` object."""
    if not isinstance(value, Mapping):
        raise RequestBuildError(
            f"a form-urlencoded body must be an object or a string, got {type(value).__name__}"
        )
    pieces: list[str] = []
    for raw_name, item in value.items():
        name = str(raw_name)
        if item is None:
            continue
        if isinstance(item, FileReference):
            raise RequestBuildError(_misplaced_file(f"property '{name}' of a form body"))
        rule = encoding.get(name)
        rule = rule if isinstance(rule, Mapping) else {}
        if any(k in rule for k in ("style", "explode", "allowReserved")):
            style = str(rule.get("style", "form"))
            spec = ParameterSpec(
                name=name,
                location="query",
                required=False,
                style=style,
                explode=bool(rule.get("explode", style == "form")),
                allow_reserved=bool(rule.get("allowReserved", False)),
                schema=None,
                content_type=None,
            )
            pieces.extend(serialize_query(spec, item))
            continue
        declared = _single_type(rule.get("contentType"))
        key = encode_component(name)
        if declared is not None:
            pieces.append(f"{key}={encode_component(content_text(declared, item))}")
        elif isinstance(item, list):
            pieces.extend(
                f"{key}={encode_component(scalar_text(i))}" for i in item if i is not None
            )
        else:
            pieces.append(f"{key}={encode_component(scalar_text(item))}")
    return "&".join(pieces).encode("ascii")


def _multipart_body(
    value: Any, encoding: Mapping[str, Any], file_folders: Sequence[str]
) -> tuple[bytes, str]:
    """``multipart/form-data``: one part per property (an array: one part per item)."""
    if not isinstance(value, Mapping):
        raise RequestBuildError(
            "a multipart/form-data body must be an object (one part per property), got "
            f"{type(value).__name__}"
        )
    fields: list[Part] = []
    for raw_name, item in value.items():
        name = str(raw_name)
        rule = encoding.get(name)
        declared = rule.get("contentType") if isinstance(rule, Mapping) else None
        single = _single_type(declared)
        as_json = single is not None and is_json_media_type(single.lower())
        items = item if isinstance(item, list) and not as_json else [item]
        for part in items:
            if part is None:
                continue
            filename: str | None = None
            part_type: str | None
            if isinstance(part, FileReference):
                data, filename = _read_file(part, f"multipart part '{name}'", file_folders)
                part_type = _file_type(part, filename, declared)
            elif isinstance(part, (bytes, bytearray)):
                data, part_type = bytes(part), single or "application/octet-stream"
            elif isinstance(part, str):
                data, part_type = part.encode("utf-8"), single
            elif isinstance(part, (Mapping, list)):
                data = content_text(single or "application/json", part).encode("utf-8")
                part_type = single or "application/json"
            else:
                data, part_type = scalar_text(part).encode("utf-8"), single
            fields.append(Part(name, data, filename, part_type))
    return encode_multipart(fields)


_XML_NAME = re.compile(r"^[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?$")


def _xml_name(name: str) -> str:
    if not _XML_NAME.match(name):
        raise RequestBuildError(f"{name!r} cannot be an XML element or attribute name")
    return name


def _xml_fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, FileReference):
        raise RequestBuildError(_misplaced_file(f"element <{element.tag}> of the XML body"))
    if isinstance(value, Mapping):
        for key, item in value.items():
            key = str(key)
            if key.startswith("@"):
                if item is not None:
                    element.set(_xml_name(key[1:]), scalar_text(item))
            elif key == "#text":
                element.text = scalar_text(item)
            else:
                for each in item if isinstance(item, list) else [item]:
                    _xml_fill(_sub_element(element, _xml_name(key)), each)
    elif value is not None:
        element.text = scalar_text(value)


def _sub_element(parent: ElementTree.Element, tag: str) -> ElementTree.Element:
    from xml.etree import ElementTree

    return ElementTree.SubElement(parent, tag)


def _xml_body(value: Any) -> bytes:
    """An object with one property (the root element) as XML; see docs/openapi.md."""
    if not isinstance(value, Mapping) or len(value) != 1:
        raise RequestBuildError(
            "an XML body built from a value must be an object with exactly one property "
            "(the root element); give XML text as a string instead"
        )
    from xml.etree import ElementTree  # only XML bodies need it

    ((name, content),) = value.items()
    root = ElementTree.Element(_xml_name(str(name)))
    _xml_fill(root, content)
    return ElementTree.tostring(root, encoding="unicode").encode("utf-8")


def _misplaced_file(where: str) -> str:
    return (
        f"{where} is a file ({FILE_KEY}); a file can be sent as the whole body or as a "
        "multipart/form-data part only"
    )


def _no_files(value: Any) -> Any:
    """``json.dumps``'s fallback: a file inside a JSON body is refused, by name."""
    if isinstance(value, FileReference):
        raise RequestBuildError(_misplaced_file(f"a value inside the JSON body ({value!r})"))
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_JSON_BODY = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_no_files)
"""``json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_no_files)``,
its encoder made once (``dumps`` with options makes one per call)."""


def encode_body(
    value: Any,
    content_type: str | None,
    encoding: Mapping[str, Any] | None = None,
    file_folders: Sequence[str] = (),
) -> tuple[bytes | None, str | None]:
    """Encode a request body by its media type; returns (bytes, Content-Type).

    ``encoding`` is the OpenAPI ``encoding`` object of the media type (per
    property: ``contentType``, ``style``, ``explode``, ``allowReserved``).
    ``file_folders``: where a ``$file`` path may lie besides its document's folder.
    """
    if value is None:
        return None, content_type
    media = (content_type or "").split(";", 1)[0].strip().lower()
    rules = encoding or {}
    if media == "multipart/form-data" and not isinstance(value, (str, bytes, FileReference)):
        return _multipart_body(value, rules, file_folders)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value), content_type or "application/octet-stream"
    if isinstance(value, FileReference):
        data, filename = _read_file(value, "the request body", file_folders)
        return data, content_type or _file_type(value, filename, None)
    if isinstance(value, str):
        # A string payload is the body's text: JSON text with placeholders already
        # substituted, a form string, XML... It is sent as it is, never re-encoded.
        return value.encode("utf-8"), content_type or "text/plain; charset=utf-8"
    if media == "application/x-www-form-urlencoded":
        return _form_body(value, rules), content_type
    if not media or is_json_media_type(media):
        text = _JSON_BODY.encode(value)
        return text.encode("utf-8"), content_type or "application/json"
    if is_xml_media_type(media):
        return _xml_body(value), content_type
    if is_text_media_type(media):
        return scalar_text(value).encode("utf-8"), content_type
    raise RequestBuildError(
        f"cannot encode a {type(value).__name__} body as {media}; give the payload as a "
        f"string, as bytes, or as a file ({{{FILE_KEY!r}: path}}), or use a JSON, form, "
        "multipart, XML or text content type"
    )


# -- the request ------------------------------------------------------------------


def build_request(
    operation: Operation,
    *,
    base_url: str,
    parameters: Sequence[tuple[str, str, Any]],
    body: Any,
    has_body: bool,
    content_type: str | None,
    credentials: AppliedCredentials,
    path_allow_reserved: bool,
    cookies: CookieStore | None = None,
    file_folders: Sequence[str] = (),
) -> HttpRequest:
    """The request for one execution of an operation step.

    ``parameters`` holds (name, in, value) after evaluation; a ``None`` value is
    not sent, nor is a declared parameter the step leaves out (its schema
    ``default`` is the server's to apply), and a path parameter without a value
    fails before sending.  ``cookies`` is the run's
    store, which the transport reads and fills.  A step that runs more than
    once keeps its :class:`RequestPlan` instead of calling this.
    """
    located = [(name, location) for name, location, _ in parameters]
    plan = RequestPlan(operation, located, content_type)
    return plan.build(
        base_url=base_url,
        parameters=parameters,
        body=body,
        has_body=has_body,
        credentials=credentials,
        path_allow_reserved=path_allow_reserved,
        cookies=cookies,
        file_folders=file_folders,
    )


def _without_dot_segments(path: str) -> str:
    """A value that makes a whole segment "." or ".." is data, not a dot-segment:
    encoded, so the client's URL normalization does not resolve it away."""
    if "." not in path:
        return path
    return "/".join(_DOT_SEGMENTS.get(s, s) for s in path.split("/"))


def _plain_path(spec: ParameterSpec) -> bool:
    """Whether a path variable's scalar value is just percent-encoded (``simple`` style,
    no ``content``, no ``allowReserved``): :meth:`RequestPlan.build` does that itself."""
    return spec.style == "simple" and spec.content_type is None and not spec.allow_reserved


_NO_CREDENTIAL_HEADERS: frozenset[str] = frozenset()
_COOKIE_HEADER = frozenset({"Cookie"})


class RequestPlan:
    """What building an operation step's request needs that no value changes, settled once.

    Made from the operation, the (name, in) of the step's parameters in order
    and the step's content type: each parameter's declaration (or the default
    one of its location), the path template cut into literal text and
    variables, the body's media type and ``encoding`` rules, whether redirects
    are followed.  :meth:`build` then only serializes the values of one
    execution; it gives exactly what :func:`build_request` gives.
    """

    __slots__ = (
        "_fixed_path",
        "_follow_redirects",
        "_json_type",
        "_media",
        "_rules",
        "_specs",
        "_tail",
        "_variables",
        "operation",
    )

    def __init__(
        self,
        operation: Operation,
        parameters: Sequence[tuple[str, str]],
        content_type: str | None,
    ) -> None:
        declared = operation.parameters
        self.operation = operation
        self._specs = tuple(
            declared.get(parameter_key(name, location)) or _default_spec(name, location)
            for name, location in parameters
        )
        template = operation.path_template
        variables: list[tuple[str, str, ParameterSpec, bool]] = []
        position = 0
        for match in _TEMPLATE_VARIABLE.finditer(template):
            name = match.group(1)
            spec = declared.get((name, "path")) or _default_spec(name, "path")
            variables.append((template[position : match.start()], name, spec, _plain_path(spec)))
            position = match.end()
        self._variables = tuple(variables)
        """The path template cut at its variables: (text before, name, declaration, plain)."""
        self._tail = template[position:]
        self._fixed_path = _without_dot_segments(template)
        """The path of a template without variables."""
        media = content_type
        if media is None and len(operation.request_media_types) == 1:
            media = operation.request_media_types[0]
        self._media = media
        lowered = (media or "").split(";", 1)[0].strip().lower()
        self._rules = _encoding_for(operation.request_encodings, lowered)
        self._json_type: str | None = media or "application/json"
        """Where encode_body sends an object or array as JSON (no media type, or a JSON
        one), the Content-Type it gives; None elsewhere."""
        if (lowered and not is_json_media_type(lowered)) or _LINE_BREAK.search(self._json_type):
            self._json_type = None  # encode_body (or the header check) has the last word
        self._follow_redirects = not declares_redirect(operation)

    @property
    def declarations(self) -> tuple[ParameterSpec, ...]:
        """Each parameter's declaration (or its location's default one), in order."""
        return self._specs

    def build(
        self,
        *,
        base_url: str,
        parameters: Sequence[tuple[str, str, Any]],
        body: Any,
        has_body: bool,
        credentials: AppliedCredentials | None,
        path_allow_reserved: bool,
        cookies: CookieStore | None = None,
        file_folders: Sequence[str] = (),
    ) -> HttpRequest:
        """The request of one execution; ``parameters`` are (name, in, value), the
        (name, in) the plan was made with in the same order (see
        :func:`build_request`); ``credentials`` None when the operation asks for none."""
        operation = self.operation
        path_values: dict[str, Any] = {}
        query_values: dict[str, Any] = {}
        query: list[str] = []
        headers: dict[str, str] = {}
        cookie_pairs: list[str] = []
        whole_query = False
        for (name, location, value), spec in zip(parameters, self._specs, strict=True):
            if value is None:
                continue
            if location == "path":
                path_values[name] = value
            elif location == "query":
                query_values[name] = value
                query.extend(serialize_query(spec, value))
            elif location == "header":
                headers[name] = serialize_header(spec, value)
            elif location == "cookie":
                cookie_pairs.extend(serialize_cookie(spec, value))
            elif location == "querystring":
                text = querystring_text(name, spec.content_type, value)
                if text:
                    query.append(text)
                whole_query = True
        if operation.query_template:
            query[:0] = literal_query(operation.query_template, query_values)
        path = self._fixed_path if not self._variables else ""
        pieces: list[str] = []
        for before, name, spec, plain in self._variables:
            pieces.append(before)
            if name not in path_values:
                raise RequestBuildError(_no_path_value(operation, spec))
            value = path_values[name]
            if plain and not isinstance(value, (list, Mapping)):
                # serialize_path's answer for a simple-style scalar, without its set-up
                slash = PATH_SLASH_KEPT if path_allow_reserved else ""
                pieces.append(quote(scalar_text(value), safe=slash))
            else:
                pieces.append(serialize_path(spec, value, allow_reserved=path_allow_reserved))
        if pieces:
            pieces.append(self._tail)
            path = _without_dot_segments("".join(pieces))
        credential_headers = _NO_CREDENTIAL_HEADERS
        if credentials is not None:
            for name, value in credentials.query:
                query.append(f"{quote(name, safe='')}={quote(value, safe='')}")
            for name, value in credentials.cookies:
                cookie_pairs.append(f"{name}={value}")
            headers.update(credentials.headers)
            credential_headers = frozenset(credentials.headers)
            if credentials.cookies:
                credential_headers |= _COOKIE_HEADER
        if cookie_pairs:
            headers["Cookie"] = "; ".join(cookie_pairs)
        if whole_query:  # $request.query.<name> reads the query sent, as form data
            query_values = query_pairs("&".join(query))
        url = base_url + path + ("?" + "&".join(query) if query else "")
        encoded: bytes | None = None
        check_headers = True
        if has_body:
            media: str | None
            if self._json_type is not None and type(body) in (dict, list):
                # encode_body's answer for an object or array sent as JSON
                encoded, media = _JSON_BODY.encode(body).encode("utf-8"), self._json_type
                check_headers = bool(headers)  # else only this Content-Type, checked in __init__
            else:
                encoded, media = encode_body(body, self._media, self._rules, file_folders)
            if media is not None and encoded is not None:
                headers.setdefault("Content-Type", media)
                if media.lower().startswith("multipart/"):
                    headers["Content-Type"] = media
        if headers and check_headers:
            _check_header_values(operation, headers)
        request: HttpRequest = _new_request(HttpRequest)
        fields = request.__dict__  # what HttpRequest(method=..., ...) sets, field for field
        fields["method"] = operation.method
        fields["url"] = url
        fields["headers"] = headers
        fields["body"] = encoded
        fields["body_value"] = body if has_body else None
        fields["path_values"] = path_values
        fields["query_values"] = query_values
        fields["credential_headers"] = credential_headers
        fields["follow_redirects"] = self._follow_redirects
        fields["stream"] = False
        fields["deadline"] = None
        fields["cookies"] = cookies
        return request


_new_request = object.__new__
"""An HttpRequest without its constructor, whose frozen fields are set one
``object.__setattr__`` at a time (several times slower for a request a step);
the class has no ``__post_init__``, so filling its fields is all it does."""


def _no_path_value(operation: Operation, spec: ParameterSpec) -> str:
    """Why the path cannot be built, and how the step gives the value."""
    name = spec.name
    unused = (
        f"; its schema default {spec.default!r} is not sent in its place, as a default "
        "says what the server assumes when a value is left out and a path cannot leave one out"
        if spec.has_default
        else ""
    )
    return (
        f"path parameter '{name}' of {operation.method} {operation.path_template} has no "
        f"value: the step gives none, or its value is null{unused}; give it in the step's "
        f"parameters ('- name: {name}' with 'in: path' and a 'value' that is not null)"
    )


def _check_header_values(operation: Operation, headers: Mapping[str, str]) -> None:
    """No header value reaches any transport with a CR, LF or NUL (the value is not quoted:
    it may be a credential)."""
    for name, value in headers.items():
        if _LINE_BREAK.search(value):
            raise RequestBuildError(
                f"request header {name!r} cannot be sent: its value holds a line break or NUL, "
                "which would end the header and start another "
                f"({operation.method} {operation.path_template})"
            )


def declares_redirect(operation: Operation) -> bool:
    """Whether the operation documents a 3xx answer (then a redirect is its response).

    Reads ``Operation.response_statuses``, the keys of the operation's
    ``responses`` (``'302'``, ``'3XX'``...).
    """
    return any(status.strip()[:1] == "3" for status in operation.response_statuses)
