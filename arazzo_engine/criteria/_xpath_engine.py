"""The elementpath side of ``xpath`` criteria: parsers by dialect, parse errors, evaluation.

Imported on the first ``xpath`` criterion compiled (elementpath takes longer
to import than the rest of the engine), never at ``import arazzo_engine``.
Written and tested against elementpath 5.1.
"""

from __future__ import annotations

from typing import Final
from xml.etree import ElementTree

from elementpath import ElementPathError, XPath1Parser, XPath2Parser, XPathContext, XPathToken
from elementpath.xpath30 import XPath30Parser
from elementpath.xpath31 import XPath31Parser

__all__ = ["UNBOUND_PREFIX", "XPathParseError", "holds", "parse", "predefined_prefixes"]

_PARSERS: Final[dict[str, type[XPath1Parser] | type[XPath2Parser]]] = {
    "XPath 3.1": XPath31Parser,
    "XPath 3.0": XPath30Parser,
    "XPath 2.0": XPath2Parser,
    "XPath 1.0": XPath1Parser,
}
UNBOUND_PREFIX: Final = "XPST0081"
"""The error code of a prefix bound to no namespace."""


class XPathParseError(Exception):
    """An expression does not parse: the reason, its 1-based column, elementpath's code."""

    def __init__(self, reason: str, column: int | None, code: str | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.column = column
        self.code = code


def predefined_prefixes(dialect: str) -> frozenset[str]:
    """The prefixes a dialect binds by itself (``xml``, ``xs``, ``fn`` ...)."""
    return frozenset(_PARSERS[dialect]().namespaces)


def parse(dialect: str, condition: str, namespaces: dict[str, str]) -> XPathToken:
    """The parsed expression, its prefixes bound by ``namespaces``."""
    try:
        return _PARSERS[dialect](namespaces=namespaces).parse(condition)
    except ElementPathError as error:
        raise XPathParseError(_reason(error), _column(condition, error), error.code) from None


def holds(token: XPathToken, document: ElementTree.ElementTree) -> bool:
    """The effective boolean value of ``token`` on ``document``; ValueError when it has none."""
    try:
        result = token.evaluate(XPathContext(document))
        return bool(token.boolean_value(result))
    except Exception as error:
        reason = _reason(error) if isinstance(error, ElementPathError) else str(error)
        raise ValueError(f"evaluating the XPath condition failed: {reason}") from None


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
