"""``xpath`` criteria: an XPath expression judged against an XML context.

Versions
--------
No ``version`` or ``xpath-31``: XPath 3.1; ``xpath-30``, ``xpath-20``,
``xpath-10``: XPath 3.0, 2.0 and 1.0.  All are evaluated by ``elementpath``.
Any other version is a :class:`CriterionSyntaxError` naming the known ones.

The condition is parsed once, at construction, so syntax errors and unknown
functions of the chosen version (``matches()`` in 1.0, ``||`` before 3.0,
arrays and maps before 3.1) are :class:`CriterionSyntaxError` quoting the
condition and the column.

Pass rule
---------
The condition passes when the **effective boolean value** of its result is
true: an empty sequence is false, a sequence starting with a node is true, a
single boolean, string (non-empty), or number (non-zero, not NaN) counts as
itself.  A result without an effective boolean value (several atomic values,
an array, a map) makes the evaluation fail with a :class:`ValueError`.

The context
-----------
The evaluated ``context`` must be XML text (``str``, or ``bytes`` whose
encoding the XML declaration names, UTF-8 by default).  It is the document
node: ``/`` is the document, ``/pets`` its root element.  Anything else, or
text that is not well-formed XML, raises ``ValueError("the context is not XML:
...")``.

Parsing is safe: the document's DTD may not declare entities (general,
parameter or unparsed ones: billion laughs and external entities are refused
before anything is expanded), external DTDs and entities are never read, and
an entity reference that cannot be resolved is refused rather than skipped.
A plain ``<!DOCTYPE root>`` is accepted.

Namespaces
----------
Arazzo has no place to declare namespace prefixes, so the condition's
prefixes are bound by the **document's own declarations**: each prefix used
in the condition means the namespace that prefix is first declared with in the
document, in document order (so the root element's declarations come first).
For XPath 2.0 and later, the default namespace declared on the **root
element** (``xmlns="..."``) is the default element namespace, so ``/pets/pet``
matches ``<pets xmlns="urn:p"><pet/></pets>``; XPath 1.0 has no default
element namespace (there, unprefixed names mean no namespace: use
``*[local-name()='pets']``).  The predefined prefixes of the version
(``xml``, ``xs``, ``fn``, ``err``, and ``math``, ``map``, ``array`` where they
exist) keep their meaning whatever the document declares.  A prefix the
document does not declare makes the evaluation fail with a :class:`ValueError`.
The expression is re-parsed once for each different set of bindings (and
cached), since prefixes are resolved when an XPath expression is parsed.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Final
from xml.etree import ElementTree
from xml.parsers import expat

from elementpath import (
    ElementPathError,
    XPath1Parser,
    XPath2Parser,
    XPathContext,
    XPathToken,
)
from elementpath.xpath30 import XPath30Parser
from elementpath.xpath31 import XPath31Parser

from arazzo_engine.criteria.jsonpath import CriterionSyntaxError

__all__ = ["KNOWN_VERSIONS", "XPathCondition", "parse_xml"]

_Parser = type[XPath1Parser] | type[XPath2Parser]

_VERSIONS: Final[dict[str | None, tuple[str, _Parser]]] = {
    None: ("3.1", XPath31Parser),
    "xpath-31": ("3.1", XPath31Parser),
    "xpath-30": ("3.0", XPath30Parser),
    "xpath-20": ("2.0", XPath2Parser),
    "xpath-10": ("1.0", XPath1Parser),
}
KNOWN_VERSIONS: Final = ("xpath-31", "xpath-30", "xpath-20", "xpath-10")

# An NCName followed by ':' and a name or '*' (not '::' of an axis): a prefix.
_PREFIX = re.compile(r"(?<![\w.:-])([A-Za-z_][\w.-]*):(?=[A-Za-z_*])")
_PLACEHOLDER = "urn:arazzo-engine:unbound-prefix:"
_CACHE_SIZE: Final = 32

_Key = tuple[str | None, tuple[tuple[str, str], ...]]


def _column(condition: str, error: ElementPathError) -> int | None:
    """The 1-based column, counted from the start of the condition, of an error."""
    token = error.token
    if token is None:
        return None
    line, column = token.position
    lines = condition.split("\n")
    if not 1 <= line <= len(lines):
        return None
    return sum(len(text) + 1 for text in lines[: line - 1]) + column


def _reason(error: ElementPathError) -> str:
    message = error.message.strip().rstrip(".")
    return message[0].lower() + message[1:] if message else str(error)


class _Refused(Exception):
    """The document uses a DTD feature that is refused for safety."""


def _describe(value: Any) -> str:
    if value is None:
        return "it has no value"
    if isinstance(value, bool):
        return "it is a boolean"
    if isinstance(value, dict):
        return "it is a JSON object"
    if isinstance(value, list):
        return "it is a JSON array"
    if isinstance(value, (int, float)):
        return "it is a number"
    return f"it is a {type(value).__name__}"


def parse_xml(value: Any) -> tuple[ElementTree.ElementTree, dict[str, str], str | None]:
    """The document, its first declaration of each prefix, and the root's default namespace.

    Raises :class:`ValueError` when ``value`` is not safe, well-formed XML text.
    """
    if isinstance(value, str):
        data: str | bytes = value.lstrip("\ufeff \t\r\n")
        parser = expat.ParserCreate("utf-8", "}")  # a str is already decoded
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        parser = expat.ParserCreate(None, "}")
    else:
        raise ValueError(f"the context is not XML: {_describe(value)}")

    builder = ElementTree.TreeBuilder(insert_comments=True, insert_pis=True)
    prefixes: dict[str, str] = {}
    root_default: list[str] = []
    started = False

    def name(raw: str) -> str:
        return "{" + raw if "}" in raw else raw

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal started
        started = True
        builder.start(name(tag), {name(key): text for key, text in attributes.items()})

    def declare(prefix: str | None, uri: str) -> None:
        if prefix is None:
            if not started and uri:
                root_default.append(uri)
        else:
            prefixes.setdefault(prefix, uri)

    def entity(name: str, *_: Any) -> None:
        raise _Refused(f"the document declares the entity {name!r}; entities are not allowed")

    def external(_context: Any, _base: Any, system_id: Any, _public_id: Any) -> int:
        raise _Refused(f"the document refers to the external entity {system_id!r}")

    def skipped(name: str, _is_parameter: bool) -> None:
        raise _Refused(f"the entity reference &{name}; cannot be resolved")

    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: builder.end(name(tag))
    parser.CharacterDataHandler = builder.data
    parser.CommentHandler = builder.comment
    parser.ProcessingInstructionHandler = builder.pi
    parser.StartNamespaceDeclHandler = declare
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    parser.SkippedEntityHandler = skipped
    try:
        parser.Parse(data, True)
    except _Refused as error:
        raise ValueError(f"the context is not acceptable XML: {error}") from None
    except expat.ExpatError as error:
        raise ValueError(f"the context is not XML: {error}") from None
    root = builder.close()
    return ElementTree.ElementTree(root), prefixes, root_default[0] if root_default else None


class XPathCondition:
    """An ``xpath`` criterion's condition, parsed once (see the module docstring)."""

    __slots__ = (
        "_cache",
        "_lock",
        "_parser_class",
        "_predefined",
        "_used_prefixes",
        "condition",
        "version",
        "xpath_version",
    )

    def __init__(self, condition: str, version: str | None) -> None:
        self.condition = condition
        self.version = version
        if version not in _VERSIONS:
            raise CriterionSyntaxError(
                "XPath",
                condition,
                f"unknown XPath version {version!r} (known: {', '.join(KNOWN_VERSIONS)}; "
                "give no version for XPath 3.1)",
            )
        self.xpath_version, self._parser_class = _VERSIONS[version]
        language = f"XPath {self.xpath_version}"
        self._predefined = frozenset(self._parser_class().namespaces)
        self._used_prefixes = tuple(sorted(set(_PREFIX.findall(condition)) - self._predefined))
        self._cache: dict[_Key, XPathToken] = {}
        self._lock = threading.Lock()
        # Check the syntax now, each prefix bound to a placeholder namespace.
        placeholders = {prefix: _PLACEHOLDER + prefix for prefix in self._used_prefixes}
        try:
            token = self._parser_class(namespaces=placeholders).parse(condition)
        except ElementPathError as error:
            raise CriterionSyntaxError(
                language, condition, _reason(error), _column(condition, error)
            ) from None
        if not self._used_prefixes:
            self._cache[(None, ())] = token

    def _compiled(self, prefixes: dict[str, str], default: str | None) -> XPathToken:
        bound = tuple(
            (prefix, prefixes[prefix]) for prefix in self._used_prefixes if prefix in prefixes
        )
        key: _Key = (default, bound)
        token = self._cache.get(key)
        if token is not None:
            return token
        namespaces = dict(bound)
        if default is not None:
            namespaces[""] = default
        try:
            token = self._parser_class(namespaces=namespaces).parse(self.condition)
        except ElementPathError as error:
            if error.code is not None and error.code.endswith("XPST0081"):
                declared = ", ".join(sorted(prefixes)) or "none"
                raise ValueError(
                    f"{_reason(error)} in the XML document (its prefixes: {declared})"
                ) from None
            raise ValueError(f"the XPath condition cannot be compiled: {_reason(error)}") from None
        with self._lock:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = token
        return token

    def test(self, value: Any) -> bool:
        """The effective boolean value of the condition on the XML ``value``."""
        document, prefixes, default = parse_xml(value)
        token = self._compiled(prefixes, default)
        try:
            result = token.evaluate(XPathContext(document))
            return bool(token.boolean_value(result))
        except Exception as error:
            reason = _reason(error) if isinstance(error, ElementPathError) else str(error)
            raise ValueError(f"evaluating the XPath condition failed: {reason}") from None

    def __repr__(self) -> str:
        return f"XPathCondition({self.condition!r}, {self.version!r})"
