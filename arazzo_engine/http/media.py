"""Media types and body decoding: what a response body means, given its Content-Type.

Pure functions of bytes and header text, shared by the response record, the
request builder (which encodes by the same media-type families) and the
OpenAPI checks; nothing here touches the wire.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from arazzo_engine.errors import BodyDecodeError, LimitError
from arazzo_engine.limits import load_json

__all__ = [
    "STREAMING_MEDIA_TYPES",
    "body_problem_of",
    "charset_of",
    "decode_body",
    "is_json_media_type",
    "is_text_media_type",
    "is_xml_media_type",
    "media_type",
    "text_codec",
]

STREAMING_MEDIA_TYPES = frozenset(
    {"text/event-stream", "application/x-ndjson", "application/jsonl", "application/json-seq"}
)
"""Bodies of these types are handed over open: the step is judged on the headers."""


def media_type(content_type: str | None) -> str:
    """``'application/json; charset=utf-8'`` -> ``'application/json'``."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def charset_of(content_type: str | None) -> str | None:
    """``'text/plain; charset="latin-1"'`` -> ``'latin-1'``; None when not declared."""
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return None


def is_json_media_type(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def is_xml_media_type(media: str) -> bool:
    return media in ("application/xml", "text/xml") or media.endswith("+xml")


def is_text_media_type(media: str) -> bool:
    return (
        media.startswith("text/")
        or media
        in (
            "application/javascript",
            "application/ecmascript",
            "application/yaml",
            "application/x-yaml",
            "application/graphql",
        )
        or is_xml_media_type(media)
    )


def _codec(charset: str | None) -> str:
    """The charset if Python knows it, else UTF-8 (a bogus charset never raises)."""
    if charset:
        try:
            return codecs.lookup(charset).name
        except LookupError:
            pass
    return "utf-8"


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XML_DECLARATION = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][\w.\-]*)["']""")


def text_codec(content: bytes, media: str, charset: str | None) -> str:
    """The codec a text body is decoded with: the declared charset, else a byte-order
    mark, else (XML) the document's own ``encoding`` declaration, else UTF-8."""
    if charset:
        return _codec(charset)
    for bom, name in _BOMS:
        if content.startswith(bom):
            return name
    if is_xml_media_type(media):
        declared = _XML_DECLARATION.match(content)
        if declared:
            return _codec(declared.group(1).decode("ascii"))
    return "utf-8"


_UTF8_JSON_STARTS = (b"{", b"[")
"""First bytes of a JSON text that, with a second byte that is not NUL, only UTF-8 has."""


def decode_body(
    content: bytes, media: str, charset: str | None, what: str = "the response body"
) -> Any:
    """JSON -> Python value, XML and text -> str, anything else -> bytes.

    JSON without a charset is read as RFC 8259 says (UTF-8, or UTF-16/32 told
    by its first bytes), within :mod:`arazzo_engine.limits` (nested at most
    ``MAX_DEPTH`` levels, integers of at most 4300 digits: BodyDecodeError
    beyond); text without one by its byte-order mark, XML's
    ``encoding`` declaration, else UTF-8.  Text bytes that do not decode are
    replaced (``body_problem`` reports them when a charset was declared).
    """
    if is_json_media_type(media):
        if content[:1] not in _UTF8_JSON_STARTS and not content.strip():  # blank: no value
            return None
        try:
            if charset:
                return load_json(content.decode(_codec(charset)).lstrip("\ufeff"))
            if content[:1] in _UTF8_JSON_STARTS and content[1:2] != b"\0":
                # What json.loads would detect for these first bytes (RFC 8259 8.1): UTF-8.
                return load_json(content.decode("utf-8", "surrogatepass"))
            return load_json(content)
        except LimitError as error:
            raise BodyDecodeError(f"{what} ({media}) {error}") from None
        except (UnicodeDecodeError, ValueError) as error:
            raise BodyDecodeError(
                f"{what} is not valid JSON although its content type is {media}: {error}"
            ) from None
    if is_text_media_type(media):
        text = content.decode(text_codec(content, media, charset), errors="replace")
        return text[1:] if text.startswith("\ufeff") else text
    return content


class _StopChecking(Exception):
    """The XML declares entities: not expanded, so not checked further."""


def _xml_problem(content: bytes, media: str, charset: str | None) -> str | None:
    """Why an XML body is not well-formed, or None.  Entities are never expanded."""
    from xml.parsers import expat

    if charset:
        try:
            data = content.decode(_codec(charset)).lstrip("\ufeff").encode("utf-8")
        except UnicodeDecodeError as error:
            return (
                f"the response body is not valid {charset} text although its content type "
                f"says so: {error}"
            )
        parser = expat.ParserCreate("utf-8")
    else:
        data, parser = content, expat.ParserCreate()

    def stop(*_: Any) -> None:
        raise _StopChecking

    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = stop
    parser.UnparsedEntityDeclHandler = stop
    try:
        parser.Parse(data, True)
    except _StopChecking:
        return None
    except expat.ExpatError as error:
        return (
            f"the response body is not well-formed XML although its content type is {media}: "
            f"{error}"
        )
    return None


def body_problem_of(content: bytes, media: str, charset: str | None) -> str | None:
    """Why a body does not parse as its content type, or None.

    JSON that does not parse; XML that is not well-formed; text whose bytes are
    not valid in its declared charset.  Binary bodies never have a problem.
    """
    if is_json_media_type(media):
        try:
            decode_body(content, media, charset)
        except BodyDecodeError as error:
            return str(error)
        return None
    if is_xml_media_type(media):
        return _xml_problem(content, media, charset) if content.strip() else None
    if is_text_media_type(media) and charset:
        try:
            content.decode(_codec(charset))
        except UnicodeDecodeError as error:
            return (
                f"the response body is not valid {charset} text although its content type "
                f"says so: {error}"
            )
    return None
