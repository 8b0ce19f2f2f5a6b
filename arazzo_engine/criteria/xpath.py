"""``xpath`` criteria: an XPath expression judged against an XML context.

Versions
--------
No ``version`` or ``xpath-31``: XPath 3.1; ``xpath-30``, ``xpath-20``,
``xpath-10``: XPath 3.0, 2.0 and 1.0.  All are evaluated by ``elementpath``,
imported on the first ``xpath`` criterion compiled
(:mod:`arazzo_engine.criteria._xpath_engine`).  Any other version is a
:class:`~arazzo_engine.errors.CriterionSyntaxError` naming the known ones.
:data:`VERSIONS` is the one table of versions: Arazzo 1.0 allows ``xpath-30``,
``xpath-20`` and ``xpath-10``; ``xpath-31`` (which Arazzo 1.1 adds) draws the
model builder's warning in a 1.0 document and is evaluated all the same.

The condition is parsed once, at construction, so syntax errors and unknown
functions of the chosen version (``matches()`` in 1.0, ``||`` before 3.0,
arrays and maps before 3.1) are :class:`~arazzo_engine.errors.CriterionSyntaxError`
quoting the condition and the column.

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

Bounds
------
A condition longer than ``MAX_QUERY_LENGTH`` characters is refused at load; a
context (text or bytes) longer than ``MAX_XML_CONTEXT`` fails the criterion
without being parsed.  Response bodies are capped by ``max_body_bytes`` before
that.  Parsing the condition (elementpath computes its constant parts then)
and each evaluation run within ``EVALUATION_SECONDS``; a range expression
holds at most ``MAX_XPATH_RANGE`` integers; ``matches()``, ``replace()`` and
``tokenize()`` match with a time bound and ``analyze-string()`` is refused
(:mod:`arazzo_engine.criteria._xpath_bounds`).  Going over a limit at load is a
``criterion`` error; at run time it fails the criterion with the reason.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from arazzo_engine.criteria.kind import ContextKind, ExpressionVersion, Verdict, check_length
from arazzo_engine.errors import CriterionSyntaxError, EvaluationLimitError
from arazzo_engine.model import Criterion

if TYPE_CHECKING:
    from xml.etree import ElementTree

    from elementpath import XPathToken

__all__ = [
    "KNOWN_VERSIONS",
    "MAX_QUERY_LENGTH",
    "MAX_XML_CONTEXT",
    "VERSIONS",
    "XPathCondition",
    "XPathKind",
    "parse_xml",
    "select_xml",
]

VERSIONS: Final = (
    ExpressionVersion("xpath-31", "XPath 3.1", arazzo="1.1"),
    ExpressionVersion("xpath-30", "XPath 3.0", arazzo="1.0"),
    ExpressionVersion("xpath-20", "XPath 2.0", arazzo="1.0"),
    ExpressionVersion("xpath-10", "XPath 1.0", arazzo="1.0"),
)
"""The versions a Criterion Expression Type may name; no version means XPath 3.1."""
KNOWN_VERSIONS: Final = tuple(version.name for version in VERSIONS)
_DIALECTS: Final[dict[str | None, str]] = {
    None: "XPath 3.1",
    **{version.name: version.dialect for version in VERSIONS},
}
MAX_QUERY_LENGTH: Final = 4_000
"""The longest XPath condition compiled."""
MAX_XML_CONTEXT: Final = 10_000_000
"""The largest XML text (characters or bytes) an XPath criterion parses."""

# An NCName followed by ':' and a name or '*' (not '::' of an axis): a prefix.
_PREFIX = re.compile(r"(?<![\w.:-])([A-Za-z_][\w.-]*):(?=[A-Za-z_*])")
_PLACEHOLDER = "urn:arazzo-engine:unbound-prefix:"
_CACHE_SIZE: Final = 32

_Key = tuple[str | None, tuple[tuple[str, str], ...]]


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


def parse_xml(
    value: Any, offsets: dict[ElementTree.Element, list[int]] | None = None
) -> tuple[ElementTree.ElementTree, dict[str, str], str | None]:
    """The document, its first declaration of each prefix, and the root's default namespace.

    ``offsets``, when given, is filled with each element's ``[start, end]``: the
    byte offsets of its start tag's ``<`` and of its end tag's ``<`` (just after
    ``/>`` for an empty-element tag), in the bytes parsed (a ``str`` as UTF-8,
    leading white space and byte-order mark removed).  Payload edits splice there.
    Raises :class:`ValueError` when ``value`` is not safe, well-formed XML text.
    """
    from xml.etree import ElementTree  # the XML libraries: when XML is first parsed
    from xml.parsers import expat

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
        element = builder.start(name(tag), {name(key): text for key, text in attributes.items()})
        if offsets is not None:
            offsets[element] = [parser.CurrentByteIndex, -1]

    def end(tag: str) -> None:
        element = builder.end(name(tag))
        if offsets is not None:
            offsets[element][1] = parser.CurrentByteIndex

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
    parser.EndElementHandler = end
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


def select_xml(root: ElementTree.Element, path: str, namespaces: dict[str, str]) -> Any:
    """What the XPath 2.0 ``path`` selects under ``root``, within the same bounds as criteria.

    For payload replacement targets.  Raises ValueError for a path that does not
    parse or evaluate, EvaluationLimitError when it goes over a limit.
    """
    from arazzo_engine.criteria import _xpath_engine as engine

    try:
        return engine.select(root, path, namespaces)
    except EvaluationLimitError:
        raise
    except Exception as error:  # elementpath raises its own error types
        raise ValueError(str(error)) from None


class XPathCondition:
    """An ``xpath`` criterion's condition, parsed once (see the module docstring)."""

    __slots__ = (
        "_cache",
        "_dialect",
        "_lock",
        "_predefined",
        "_used_prefixes",
        "condition",
        "version",
        "xpath_version",
    )

    def __init__(self, condition: str, version: str | None) -> None:
        self.condition = condition
        self.version = version
        if version not in _DIALECTS:
            raise CriterionSyntaxError(
                "XPath",
                condition,
                f"unknown XPath version {version!r} (known: {', '.join(KNOWN_VERSIONS)}; "
                "give no version for XPath 3.1)",
            )
        from arazzo_engine.criteria import _xpath_engine as engine  # heavy: on first use

        self._dialect = _DIALECTS[version]
        self.xpath_version = self._dialect.removeprefix("XPath ")
        self._predefined = engine.predefined_prefixes(self._dialect)
        self._used_prefixes = tuple(sorted(set(_PREFIX.findall(condition)) - self._predefined))
        self._cache: dict[_Key, XPathToken] = {}
        self._lock = threading.Lock()
        # Check the syntax now, each prefix bound to a placeholder namespace.
        placeholders = {prefix: _PLACEHOLDER + prefix for prefix in self._used_prefixes}
        try:
            token = engine.parse(self._dialect, condition, placeholders)
        except engine.XPathParseError as error:
            raise CriterionSyntaxError(
                self._dialect, condition, error.reason, error.column
            ) from None
        if not self._used_prefixes:
            self._cache[(None, ())] = token

    def _token(self, prefixes: dict[str, str], default: str | None) -> XPathToken:
        from arazzo_engine.criteria import _xpath_engine as engine

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
            token = engine.parse(self._dialect, self.condition, namespaces)
        except engine.XPathParseError as error:
            if error.code is not None and error.code.endswith(engine.UNBOUND_PREFIX):
                declared = ", ".join(sorted(prefixes)) or "none"
                raise ValueError(
                    f"{error.reason} in the XML document (its prefixes: {declared})"
                ) from None
            raise ValueError(f"the XPath condition cannot be compiled: {error.reason}") from None
        with self._lock:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = token
        return token

    def test(self, value: Any) -> bool:
        """The effective boolean value of the condition on the XML ``value``.

        ValueError when it has none; EvaluationLimitError when it goes over a limit.
        """
        from arazzo_engine.criteria import _xpath_engine as engine

        document, prefixes, default = parse_xml(value)
        return engine.holds(self._token(prefixes, default), document)

    def result(self, value: Any) -> Any:
        """What the expression gives on the XML ``value`` (a Selector Object's query).

        ValueError when it fails; EvaluationLimitError when it goes over a limit.
        """
        from arazzo_engine.criteria import _xpath_engine as engine

        document, prefixes, default = parse_xml(value)
        return engine.evaluate(self._token(prefixes, default), document)

    def __repr__(self) -> str:
        return f"XPathCondition({self.condition!r}, {self.version!r})"


@lru_cache(maxsize=1024)
def _cached_condition(condition: str, version: str | None) -> XPathCondition:
    """Parsed once per text: documents repeat the same condition on many steps."""
    return XPathCondition(condition, version)


class XPathKind(ContextKind[XPathCondition]):
    """``type: xpath``: an XPath expression on the context parsed as XML."""

    name = "xpath"
    versions = VERSIONS

    def compile_condition(self, criterion: Criterion) -> XPathCondition:
        check_length(criterion.condition, MAX_QUERY_LENGTH, f"the {self.name} condition")
        return _cached_condition(criterion.condition, criterion.version)

    def judge_value(self, condition: XPathCondition, value: Any) -> Verdict:
        if isinstance(value, (str, bytes)) and len(value) > MAX_XML_CONTEXT:
            return False, f"the XML context is {len(value)} long; the limit is {MAX_XML_CONTEXT}"
        try:
            return condition.test(value), None
        except EvaluationLimitError as error:
            return False, str(error)
