"""elementpath's parsers, bounded: XPath from a document cannot hang a run or fill the memory.

:func:`bounded_parser` derives, once per XPath version, a parser class whose
symbol table holds a subclass of each of elementpath's token classes:

* every ``evaluate`` and ``select`` first calls
  :func:`~arazzo_engine.patterns.checkpoint`, so an evaluation (the constant
  parts elementpath computes while parsing included) stops when its
  :func:`~arazzo_engine.patterns.time_budget` is spent: nested ``for``
  loops, recursive functions and long paths all go through tokens;
* ``to`` refuses a range of more than ``MAX_XPATH_RANGE`` integers before
  building it (``count(1 to 100000000)`` would fill the memory in one step);
* ``matches()``, ``replace()`` and ``tokenize()`` run their regular expression
  (translated from XML Schema syntax by elementpath) on
  :func:`~arazzo_engine.patterns.compile_pattern`, with a time bound per match;
* ``analyze-string()`` is refused when the expression is parsed: its result is
  built by elementpath around Python's ``re``, which cannot be bounded.

The limits raise :class:`~arazzo_engine.errors.EvaluationLimitError`, which is
not an elementpath error, so elementpath never reads it as false.  Written
against elementpath 5.1 (its token classes, ``symbol_table``, ``get_argument``,
``translate_pattern``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from elementpath import RegexError, translate_pattern
from elementpath.datatypes import Integer

from arazzo_engine.errors import PatternError
from arazzo_engine.patterns import MAX_PATTERN_LENGTH, Pattern, checkpoint, compile_pattern
from arazzo_engine.patterns.budget import exceeded
from arazzo_engine.patterns.matching import DOTALL, IGNORECASE, MULTILINE, VERBOSE

__all__ = ["MAX_XPATH_RANGE", "bounded_parser"]

MAX_XPATH_RANGE: Final = 1_000_000
"""The most integers an XPath range expression (``1 to 1000``) may hold."""

_FLAGS: Final = {"s": DOTALL, "m": MULTILINE, "i": IGNORECASE, "x": VERBOSE}
_XML_SPACE: Final = re.compile(r"[ \t\n\r\f\v]+")
_BOUNDED: dict[type[Any], type[Any]] = {}


def bounded_parser(parser: type[Any]) -> type[Any]:
    """``parser`` (an elementpath parser class) with every token class bounded, made once."""
    found = _BOUNDED.get(parser)
    if found is None:
        table = {symbol: _bounded_token(symbol, cls) for symbol, cls in parser.symbol_table.items()}
        found = type(f"Bounded{parser.__name__}", (parser,), {"symbol_table": table})
        _BOUNDED[parser] = found
    return found


def _bounded_token(symbol: str, cls: type[Any]) -> type[Any]:
    base_evaluate = cls.evaluate
    base_select = cls.select

    def evaluate(self: Any, context: Any = None) -> Any:
        checkpoint()
        return base_evaluate(self, context)

    def select(self: Any, context: Any = None) -> Any:
        checkpoint()
        return base_select(self, context)

    namespace: dict[str, Any] = {"evaluate": evaluate, "select": select}
    special = _SPECIAL.get(symbol)
    if special is not None:
        namespace.update(special(base_evaluate))
    return type(cls.__name__, (cls,), namespace)


# -- ranges ---------------------------------------------------------------------------
def _range(base_evaluate: Callable[..., Any]) -> dict[str, Any]:
    def evaluate(self: Any, context: Any = None) -> Any:
        checkpoint()
        try:
            start, stop = self.get_operands(context, cls=Integer)
        except Exception:  # elementpath reports its own errors when it evaluates
            start = stop = None
        if isinstance(start, int) and isinstance(stop, int) and stop - start >= MAX_XPATH_RANGE:
            raise exceeded(
                f"the XPath range {start} to {stop} holds {stop - start + 1} integers; "
                f"the limit is {MAX_XPATH_RANGE}"
            )
        return base_evaluate(self, context)

    return {"evaluate": evaluate}


# -- regular expressions ----------------------------------------------------------------
def _pattern_and_flags(token: Any, context: Any, index: int, pattern: str) -> tuple[str, int, bool]:
    """The pattern (escaped for the ``q`` flag), the flags, and whether ``q`` was given."""
    flags, literal = 0, False
    if len(token) > index:
        for char in token.get_argument(context, index, required=True, cls=str):
            if char in _FLAGS:
                flags |= _FLAGS[char]
            elif char == "q" and token.parser.version > "2":
                literal = True
            else:
                raise token.error("FORX0001", f"Invalid regular expression flag {char!r}")
    return (re.escape(pattern) if literal else pattern), flags, literal


def _compiled(token: Any, pattern: str, flags: int) -> Pattern:
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise token.error(
            "FORX0002",
            f"the regular expression is {len(pattern)} characters long; "
            f"the limit is {MAX_PATTERN_LENGTH}",
        )
    try:
        python = translate_pattern(pattern, flags, token.parser.xsd_version)
        return compile_pattern(python, flags, max_length=None).shown_as(pattern)
    except (RegexError, PatternError, re.error, OverflowError) as error:
        raise token.error("FORX0002", f"Invalid regular expression {pattern!r}: {error}") from None


def _no_empty_match(token: Any, compiled: Pattern, pattern: str) -> None:
    if compiled.search(""):
        raise token.error("FORX0003", f"Regular expression {pattern!r} matches zero-length string")


def _matches(_: Callable[..., Any]) -> dict[str, Any]:
    def evaluate(self: Any, context: Any = None) -> bool:
        checkpoint()
        if self.context is not None:
            context = self.context
        text = self.get_argument(context, default="", cls=str)
        pattern = self.get_argument(context, 1, required=True, cls=str)
        pattern, flags, _ = _pattern_and_flags(self, context, 2, pattern)
        return _compiled(self, pattern, flags).search(text)

    return {"evaluate": evaluate}


def _template(token: Any, replacement: str, groups: int) -> str:
    """An XPath replacement string (``$1``, ``\\$``, ``\\\\``) as a ``regex`` template."""
    parts: list[str] = []
    i, end = 0, len(replacement)
    while i < end:
        char = replacement[i]
        if char == "\\":
            following = replacement[i + 1 : i + 2]
            if following not in ("\\", "$"):
                raise token.error("FORX0004", f"Invalid replacement string {replacement!r}")
            parts.append("\\\\" if following == "\\" else "$")
            i += 2
        elif char == "$":
            j = i + 1
            while j < end and "0" <= replacement[j] <= "9":
                j += 1
            digits = replacement[i + 1 : j]
            if not digits:
                raise token.error("FORX0004", f"Invalid replacement string {replacement!r}")
            # The longest prefix naming a group; the rest is text.  A group number has no
            # more digits than the group count, so a long run (from a response) is never
            # read as one huge integer.
            used = min(len(digits), len(str(groups)))
            while used > 1 and int(digits[:used]) > groups:
                used -= 1
            if int(digits[:used]) <= groups:
                parts.append(f"\\g<{int(digits[:used])}>")
            parts.append(digits[used:])
            i = j
        else:
            parts.append(char)
            i += 1
    return "".join(parts)


def _replace(_: Callable[..., Any]) -> dict[str, Any]:
    def evaluate(self: Any, context: Any = None) -> str:
        checkpoint()
        if self.context is not None:
            context = self.context
        text = self.get_argument(context, default="", cls=str)
        pattern = self.get_argument(context, 1, required=True, cls=str)
        replacement = self.get_argument(context, 2, required=True, cls=str)
        pattern, flags, literal = _pattern_and_flags(self, context, 3, pattern)
        compiled = _compiled(self, pattern, flags)
        _no_empty_match(self, compiled, pattern)
        if literal:
            return compiled.sub(replacement.replace("\\", "\\\\"), text)
        return compiled.sub(_template(self, replacement, compiled.groups), text)

    return {"evaluate": evaluate}


def _tokenize(_: Callable[..., Any]) -> dict[str, Any]:
    def evaluate(self: Any, context: Any = None) -> list[str]:
        checkpoint()
        if self.context is not None:
            context = self.context
        text = self.get_argument(context, cls=str)
        if text is None:
            return []
        if self.parser.version >= "3.1" and len(self) == 1:
            pattern = " "
            text = " ".join(_XML_SPACE.split(text.strip(" \t\n\r\f\v")))
        else:
            pattern = self.get_argument(context, 1, required=True, cls=str)
        pattern, flags, _ = _pattern_and_flags(self, context, 2, pattern)
        compiled = _compiled(self, pattern, flags)
        _no_empty_match(self, compiled, pattern)
        if not text:
            return []
        return [
            piece
            for piece in compiled.split(text)
            if piece is not None and not compiled.search(piece)
        ]

    return {"evaluate": evaluate}


def _refused(_: Callable[..., Any]) -> dict[str, Any]:
    def refuse(self: Any, *_: Any) -> Any:
        raise self.error(
            "XPST0017",
            "fn:analyze-string is not available: its regular expression cannot be "
            "bounded in time (use matches(), replace() or tokenize())",
        )

    return {"nud": refuse, "evaluate": refuse, "select": refuse}


_SPECIAL: Final[dict[str, Callable[[Callable[..., Any]], dict[str, Any]]]] = {
    "to": _range,
    "matches": _matches,
    "replace": _replace,
    "tokenize": _tokenize,
    "analyze-string": _refused,
}
