"""XPath-targeted edits of XML text, spliced in: only the targets' bytes change.

Re-serialising a parsed tree renames namespace prefixes (``ns0:``), drops
declarations that only an attribute value such as ``xsi:type="p:Dog"`` still
needs, and loses comments, CDATA sections and the DOCTYPE.  So the document is
parsed once per replacement only to find the targets (with each element's byte
offsets), and each edit replaces the bytes of one span of the original text:

* an element target: its content (everything between its start and end tags,
  children included) becomes the value as escaped text; an empty-element tag
  ``<a/>`` becomes ``<a>value</a>``;
* ``.../@name``: that attribute's quoted value, escaped, keeping its quotes;
  an attribute the element lacks is added at the end of its start tag (with a
  namespace declaration when its prefix is not declared there).

Parsing is :func:`arazzo_engine.criteria.xpath.parse_xml`'s: no entity
declarations, no external DTD or entities.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import unescape

from arazzo_engine.errors import EvaluationLimitError, RequestBuildError

__all__ = ["edit_xml"]

XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
_LEADING = "\ufeff \t\r\n"
_TAG_NAME = re.compile(rb"<([^\s/>]+)")
_ATTRIBUTE = re.compile(rb"\s*([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_TAG_CLOSE = re.compile(rb"\s*(/?)>")
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTRIBUTE_NAME = re.compile(r"^(?:([A-Za-z_][\w.\-]*):)?([A-Za-z_][\w.\-]*)$")


@dataclass(frozen=True, slots=True)
class _Attribute:
    name: str
    value_start: int
    value_end: int

    @property
    def declares(self) -> str | None:
        """The prefix this attribute declares ('' for ``xmlns``), or None."""
        if self.name == "xmlns":
            return ""
        return self.name[6:] if self.name.startswith("xmlns:") else None


@dataclass(frozen=True, slots=True)
class _StartTag:
    name: bytes
    attributes: tuple[_Attribute, ...]
    close: int
    """Offset of the ``/>`` or ``>`` that ends the tag (white space before it excluded)."""
    end: int
    """Offset just after the tag."""
    empty: bool


def _start_tag(data: bytes, at: int) -> _StartTag:
    """The start tag at ``at``, read from the (well-formed) text."""
    found = _TAG_NAME.match(data, at)
    assert found is not None  # the parser reported an element here
    position = found.end()
    attributes: list[_Attribute] = []
    while (attribute := _ATTRIBUTE.match(data, position)) is not None:
        group = 2 if attribute.group(2) is not None else 3
        name = attribute.group(1).decode("utf-8")
        attributes.append(_Attribute(name, attribute.start(group), attribute.end(group)))
        position = attribute.end()
    close = _TAG_CLOSE.match(data, position)
    assert close is not None
    return _StartTag(
        found.group(1),
        tuple(attributes),
        close.start(1) if close.group(1) else close.end() - 1,
        close.end(),
        bool(close.group(1)),
    )


def _checked(text: str, target: str) -> str:
    bad = _NOT_XML_CHAR.search(text)
    if bad is not None:
        raise RequestBuildError(
            f"payload replacement target '{target}': the value holds the character "
            f"U+{ord(bad.group(0)):04X}, which XML cannot hold; remove it from the value"
        )
    return text


def _escape_text(text: str) -> bytes:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\r", "&#13;").encode("utf-8")


def _escape_attribute(text: str, quote: bytes) -> bytes:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")
    escaped = escaped.replace('"', "&quot;") if quote == b'"' else escaped.replace("'", "&apos;")
    return escaped.encode("utf-8")


class _Document:
    """One parse of the text: its elements' offsets and prefixes, and the edits to make."""

    def __init__(self, data: bytes) -> None:
        from arazzo_engine.criteria.xpath import parse_xml

        self.data = data
        self.offsets: dict[ElementTree.Element, list[int]] = {}
        try:
            tree, self.namespaces, default = parse_xml(data.decode("utf-8"), self.offsets)
        except ValueError as error:
            raise RequestBuildError(f"the XML payload cannot be edited: {error}") from None
        root = tree.getroot()
        if root is None:
            raise RequestBuildError("the XML payload has no root element")
        self.root = root
        self.bindings = {**self.namespaces, "": default} if default else self.namespaces
        self.edits: list[tuple[int, int, bytes]] = []
        self._parents: dict[ElementTree.Element, ElementTree.Element] | None = None

    def select(self, target: str, path: str) -> list[ElementTree.Element]:
        from arazzo_engine.criteria.xpath import select_xml

        try:
            selected = select_xml(self.root, path, self.bindings)
        except EvaluationLimitError as error:
            raise RequestBuildError(
                f"payload replacement target '{target}' cannot be evaluated: {error}"
            ) from None
        except ValueError as error:
            raise RequestBuildError(
                f"payload replacement target '{target}' is not a valid XPath: {error}"
            ) from None
        nodes = selected if isinstance(selected, list) else []
        elements = [n for n in nodes if isinstance(n, ElementTree.Element) and n in self.offsets]
        if not elements:
            raise RequestBuildError(f"payload replacement target '{target}' does not exist")
        return sorted(elements, key=lambda e: self.offsets[e][0])

    def replace_content(self, element: ElementTree.Element, text: bytes) -> None:
        start, end = self.offsets[element]
        tag = _start_tag(self.data, start)
        if tag.empty:
            self.edits.append((tag.close, tag.end, b">" + text + b"</" + tag.name + b">"))
        else:
            self.edits.append((tag.end, end, text))

    def set_attribute(self, element: ElementTree.Element, name: str, value: str) -> None:
        key, prefix = self._attribute_key(name)
        tag = _start_tag(self.data, self.offsets[element][0])
        plain = [a for a in tag.attributes if a.declares is None]
        for attribute, parsed in zip(plain, element.attrib, strict=False):
            if parsed == key:
                quote = self.data[attribute.value_start - 1 : attribute.value_start]
                escaped = _escape_attribute(value, quote)
                self.edits.append((attribute.value_start, attribute.value_end, escaped))
                return
        added = f' {name}="'.encode() + _escape_attribute(value, b'"') + b'"'
        if prefix and prefix != "xml":
            added = self._declaration(element, tag, name, prefix) + added
        self.edits.append((tag.close, tag.close, added))

    def _attribute_key(self, name: str) -> tuple[str, str]:
        """The parsed form of an attribute name (``{uri}local`` or ``local``) and its prefix."""
        found = _ATTRIBUTE_NAME.match(name)
        if found is None or name == "xmlns" or name.startswith("xmlns:"):
            raise RequestBuildError(
                f"'@{name}' cannot be a payload replacement target: name an attribute "
                "(a namespace declaration cannot be replaced)"
            )
        prefix, local = found.group(1) or "", found.group(2)
        if not prefix:
            return local, ""
        uri = XML_NAMESPACE if prefix == "xml" else self.namespaces.get(prefix)
        if uri is None:
            declared = ", ".join(sorted(self.namespaces)) or "none"
            raise RequestBuildError(
                f"attribute '@{name}': the XML payload declares no prefix '{prefix}' "
                f"(its prefixes: {declared}); use one of them or declare it in the payload"
            )
        return "{" + uri + "}" + local, prefix

    def _declaration(
        self, element: ElementTree.Element, tag: _StartTag, name: str, prefix: str
    ) -> bytes:
        """What declares ``prefix`` for an attribute added to ``element`` (b'' if in scope)."""
        uri = self.namespaces[prefix]
        if self._parents is None:
            self._parents = {child: parent for parent in self.root.iter() for child in parent}
        current: ElementTree.Element | None = element
        while current is not None:
            here = tag if current is element else _start_tag(self.data, self.offsets[current][0])
            for attribute in here.attributes:
                if attribute.declares == prefix:
                    raw = self.data[attribute.value_start : attribute.value_end].decode("utf-8")
                    if unescape(raw, {"&quot;": '"', "&apos;": "'"}) == uri:
                        return b""
                    raise RequestBuildError(
                        f"attribute '@{name}' cannot be added to <{tag.name.decode()}>: there "
                        f"the prefix '{prefix}' means {raw!r}, not {uri!r}; add the attribute "
                        "to the payload itself"
                    )
            current = self._parents.get(current)
        return f' xmlns:{prefix}="'.encode() + _escape_attribute(uri, b'"') + b'"'

    def edited(self) -> bytes:
        data = self.data
        for start, end, text in sorted(self.edits, reverse=True):
            data = data[:start] + text + data[end:]
        return data


def _outermost(
    document: _Document, elements: list[ElementTree.Element]
) -> list[ElementTree.Element]:
    """The elements not inside another one's content (that content is replaced whole)."""
    kept: list[ElementTree.Element] = []
    reach = -1
    for element in elements:
        start, end = document.offsets[element]
        if start < reach:
            continue
        kept.append(element)
        reach = end
    return kept


def edit_xml(text: str, replacements: Sequence[tuple[str, Any]]) -> str:
    """Apply each (XPath target, value) in order to XML ``text``; the rest stays as written.

    Targets are evaluated within the bounds of XPath criteria (a time budget, a
    cap on ranges, bounded regular expressions); a target that selects no
    element is a RequestBuildError naming it.
    """
    from arazzo_engine.expressions.evaluate import to_text

    stripped = text.lstrip(_LEADING)
    lead = text[: len(text) - len(stripped)]
    try:
        data = stripped.encode("utf-8")
    except UnicodeEncodeError as error:
        raise RequestBuildError(
            f"the XML payload cannot be edited: it holds the lone surrogate "
            f"U+{ord(stripped[error.start]):04X}, which no XML text can hold"
        ) from None
    for target, value in replacements:
        document = _Document(data)
        path, _, attribute = target.rpartition("/@") if "/@" in target else (target, "", "")
        elements = document.select(target, path)
        new = _checked(to_text(value), target)
        if attribute:
            for element in elements:
                document.set_attribute(element, attribute, new)
        else:
            escaped = _escape_text(new)
            for element in _outermost(document, elements):
                document.replace_content(element, escaped)
        data = document.edited()
    return lead + data.decode("utf-8")
