"""The elementpath side of ``xpath`` criteria: parsers by dialect, parse errors, evaluation.

Imported on the first ``xpath`` criterion compiled (elementpath takes longer
to import than the rest of the engine), never at ``import arazzo_engine``.
Written and tested against elementpath 5.1.

The parsers are elementpath's, bounded (:mod:`arazzo_engine.criteria._xpath_bounds`):
parsing (where elementpath computes the constant parts of an expression) and
evaluating each run within a time budget of ``EVALUATION_SECONDS``, so going
over a limit raises :class:`~arazzo_engine.errors.EvaluationLimitError`.
"""

from __future__ import annotations

from typing import Any, Final
from xml.etree import ElementTree

import elementpath
from elementpath import ElementPathError, XPath1Parser, XPath2Parser, XPathContext, XPathToken
from elementpath.xpath30 import XPath30Parser
from elementpath.xpath31 import XPath31Parser

from arazzo_engine.criteria._xpath_bounds import bounded_parser
from arazzo_engine.errors import EvaluationLimitError
from arazzo_engine.patterns import time_budget

__all__ = [
    "UNBOUND_PREFIX",
    "XPathParseError",
    "evaluate",
    "holds",
    "parse",
    "predefined_prefixes",
    "select",
]

_PARSERS: Final[dict[str, type[Any]]] = {
    "XPath 3.1": bounded_parser(XPath31Parser),
    "XPath 3.0": bounded_parser(XPath30Parser),
    "XPath 2.0": bounded_parser(XPath2Parser),
    "XPath 1.0": bounded_parser(XPath1Parser),
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
    """The parsed expression, its prefixes bound by ``namespaces``.

    elementpath evaluates the constant parts of the expression while it parses,
    within the time budget: going over a limit is a parse error (code ``None``).
    """
    try:
        with time_budget("computing the constant parts of the XPath condition"):
            token: XPathToken = _PARSERS[dialect](namespaces=namespaces).parse(condition)
    except ElementPathError as error:
        raise XPathParseError(_reason(error), _column(condition, error), error.code) from None
    except EvaluationLimitError as error:
        raise XPathParseError(str(error), None, None) from None
    return token


def holds(token: XPathToken, document: ElementTree.ElementTree) -> bool:
    """The effective boolean value of ``token`` on ``document``; ValueError when it has none.

    Raises EvaluationLimitError when the evaluation goes over a limit.
    """
    try:
        with time_budget("the XPath condition"):
            result = token.evaluate(XPathContext(document))
            return bool(token.boolean_value(result))
    except EvaluationLimitError:
        raise
    except Exception as error:
        reason = _reason(error) if isinstance(error, ElementPathError) else str(error)
        raise ValueError(f"evaluating the XPath condition failed: {reason}") from None


def evaluate(token: XPathToken, document: ElementTree.ElementTree) -> Any:
    """The result of ``token`` on ``document`` (Selector Objects); ValueError when it fails.

    Raises EvaluationLimitError when the evaluation goes over a limit.
    """
    try:
        with time_budget("the XPath selector"):
            return token.evaluate(XPathContext(document))
    except EvaluationLimitError:
        raise
    except Exception as error:
        reason = _reason(error) if isinstance(error, ElementPathError) else str(error)
        raise ValueError(f"evaluating the XPath selector failed: {reason}") from None


def select(root: ElementTree.Element, path: str, namespaces: dict[str, str]) -> Any:
    """What XPath 2.0 ``path`` selects under ``root`` (payload replacement targets), bounded.

    Raises ElementPathError for a path that does not parse or evaluate, and
    EvaluationLimitError when it goes over a limit.
    """
    with time_budget(f"the XPath target {path!r}"):
        return elementpath.select(root, path, namespaces=namespaces, parser=_PARSERS["XPath 2.0"])


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
