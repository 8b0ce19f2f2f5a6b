"""Arazzo 1.1 Selector Objects compiled into value nodes, once, at load.

The plan hands :meth:`SelectorCompiler.hook` to the value parser, which asks
it about every mapping of a parameter value, a payload or a replacement value:
one whose keys are exactly ``context``, ``selector`` and ``type`` (plus
``x-``) becomes a :class:`~arazzo_engine.expressions.ast.SelectorValue` (its
context parsed in the 1.1 dialect, its query compiled by
:mod:`arazzo_engine.criteria.selector`).  Outputs come as model
:class:`~arazzo_engine.model.Selector` objects (:meth:`SelectorCompiler.selector`).
A selector that does not compile is a ``selector`` error at its place; one
the model builder found malformed (and reported) is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from arazzo_engine.criteria.selector import SelectorSyntaxError, compile_selector
from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions.ast import Expression, SelectorValue, ValueNode
from arazzo_engine.expressions.parser import SelectorHook, parse_value
from arazzo_engine.load.pointers import child, join
from arazzo_engine.model import Selector

__all__ = ["SELECTOR_KEYS", "SelectorCompiler", "is_selector"]

SELECTOR_KEYS = frozenset(("context", "selector", "type"))

Report = Callable[[str, str, str, int], None]
"""(rule, message, pointer, line): how the plan records an error."""


def is_selector(value: Any) -> bool:
    """Whether a value is Selector-shaped: a mapping of exactly its three keys (and ``x-``)."""
    return (
        isinstance(value, Mapping)
        and {k for k in value if not (isinstance(k, str) and k.startswith("x-"))} == SELECTOR_KEYS
    )


class SelectorCompiler:
    """Compiles the Selector Objects of one document, reporting what does not compile."""

    def __init__(self, error: Report) -> None:
        self.error = error

    def hook(self, what: str, pointer: str, line: int) -> SelectorHook:
        """The parser's question for the value of ``what`` written at ``pointer``."""

        def selector_at(value: Mapping[Any, Any], path: tuple[str | int, ...]) -> ValueNode | None:
            if not is_selector(value):
                return None
            raw_type = value["type"]
            kind, version = (
                (raw_type.get("type"), raw_type.get("version"))
                if isinstance(raw_type, Mapping)
                else (raw_type, None)
            )
            context, text = value["context"], value["selector"]
            if not (isinstance(context, str) and isinstance(text, str) and isinstance(kind, str)):
                return None  # malformed: the model builder reported it
            if version is not None and not isinstance(version, str):
                return None
            where = f"{what} at {join(path)}" if path else what
            return self.compile(context, text, kind, version, where, child(pointer, *path), line)

        return selector_at

    def selector(self, selector: Selector, where: str) -> SelectorValue | None:
        """A Selector Object the model holds (an output's)."""
        expression_type = selector.expression_type
        version = expression_type.version if expression_type is not None else None
        return self.compile(
            selector.context,
            selector.selector,
            selector.type,
            version,
            where,
            selector.pointer,
            selector.line,
        )

    def compile(
        self,
        context: str,
        text: str,
        kind: str,
        version: str | None,
        where: str,
        pointer: str,
        line: int,
    ) -> SelectorValue | None:
        try:
            node = parse_value(context, version="1.1")
        except ExpressionSyntaxError as error:
            self.error(
                "expression-syntax",
                f"the context of {where} does not parse: {error.render()}",
                child(pointer, "context"),
                line,
            )
            return None
        if not isinstance(node, Expression):
            self.error(
                "selector",
                f"the context of {where} must be a runtime expression "
                f"(such as $response.body), got {context!r}",
                child(pointer, "context"),
                line,
            )
            return None
        try:
            compiled = compile_selector(text, kind, version, where)
        except SelectorSyntaxError as error:
            self.error("selector", f"{where}: {error}", child(pointer, "selector"), line)
            return None
        return SelectorValue(node, text, kind, compiled.version, compiled)
