"""Parse runtime expressions, templates, "any | {expression}" values and conditions.

The grammar is ``grammar/expressions.lark`` (shipped in the wheel as
``arazzo_engine/grammar/expressions.lark``).  It holds two dialects, Arazzo 1.0.x
and 1.1.x, selected by start rule; each public function takes ``version="1.0"``
or ``version="1.1"``.  One LALR parser per dialect (two start rules each) is
built on first use and shared, its tables loaded from the user's cache folder
when an earlier process saved them (:mod:`.parser_cache`; the start rules are
part of the file's key, so each dialect has its own file).

Where names and pointers end
----------------------------
The 1.0.1 ABNF lets a name swallow every character.  This parser tightens it so
that expressions can sit inside conditions and templates:

* no whitespace anywhere inside a runtime expression;
* a name (``$inputs.<name>``, ``query.<name>``, ``outputs.<name>``,
  ``$components.<kind>.<name>``, a source description's ``<field>``) and a
  condition's ``.member`` end at whitespace or at any of
  ``{ } ( ) [ ] < > = ! & | ' " #``; names may contain dots but not start or
  end with one, nor hold two in a row (a member name holds no dot);
* step, workflow and source description ids are ``[A-Za-z0-9_-]+``, so an id
  ends at ``.``; ``$steps.<id>.`` must continue with ``outputs.``;
* a header name is an RFC 7230 token without ``! # & ' |``: ``[A-Za-z0-9$%*+-.^_`~]+``;
* a JSON pointer (``#`` followed by ``/token`` parts) may follow ``body`` and
  every inputs/outputs reference; a reference token ends at whitespace, at
  ``/`` and at any of ``{ } ( ) [ ] < > = ! & | ' "``, and ``~`` must be
  ``~0`` or ``~1``.  A bare ``#`` is the empty pointer (the whole value);
* ``$response.query.<name>`` and ``$response.path.<name>`` parse, as the 1.0.1 ABNF
  shares its ``source`` rule with ``$request.``; they evaluate to null (a load warns).

Inside a template an embedded expression ends at the first ``}``.

Arazzo 1.1 (``version="1.1"``)
------------------------------
The same rules, with the 1.1.0 ABNF's changes (the grammar file lists them):
``$message.header.<token>``, ``$message.payload[#pointer]`` and ``$self`` parse;
input, output and component names are the 1.1 ``identifier`` (ASCII letters,
digits, ``.``, ``-`` and ``_``; a dotted name is still read as the longest
existing name plus members when evaluated); components are parameters,
successActions or failureActions only.  ``$request.payload``,
``$response.payload`` and ``$message.query|path|body``, which the 1.1 ABNF
admits through its shared ``source`` rule, are refused with a reason.

Every parse error is an :class:`~arazzo_engine.errors.ExpressionSyntaxError`
whose column is 1-based in the text given to the parse function; its reason comes
from :mod:`~arazzo_engine.expressions.parse_errors`.
"""

from __future__ import annotations

import importlib.resources
import threading
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions.ast import (
    And,
    ArrayValue,
    Condition,
    Constant,
    FileValue,
    ObjectValue,
    Or,
    RuntimeExpression,
    Template,
    ValueNode,
)
from arazzo_engine.expressions.files import FILE_KEY, FILE_MARKER_KEYS
from arazzo_engine.expressions.parser_cache import cache_folder, cached_lark
from arazzo_engine.expressions.plain import plain_condition, plain_expression
from arazzo_engine.load.pointers import split

if TYPE_CHECKING:
    from lark import Lark

# Lark, the transformer and the error explanations are imported when a text is
# not of the plain shapes :mod:`.plain` reads (and so the parser is needed).

__all__ = [
    "VERSIONS",
    "SelectorHook",
    "Version",
    "dialect_of",
    "parse_condition",
    "parse_expression",
    "parse_payload",
    "parse_template",
    "parse_value",
]

GRAMMAR_NAME = "expressions.lark"

Version = Literal["1.0", "1.1"]
"""An expression dialect: the Arazzo minor version whose ABNF it follows."""
SelectorHook = Callable[[Mapping[Any, Any], tuple[str | int, ...]], "ValueNode | None"]
"""What :func:`parse_value` asks about each mapping: (mapping, path) -> a node, or None."""
VERSIONS: tuple[Version, ...] = ("1.0", "1.1")
STARTS: Mapping[Version, tuple[str, str]] = {
    "1.0": ("expression", "condition"),
    "1.1": ("expression_1_1", "condition_1_1"),
}
"""Each dialect's start rules in the grammar: (a bare expression, a condition)."""


def dialect_of(arazzo: object) -> Version:
    """The expression dialect of a document whose ``arazzo`` field is ``arazzo``.

    ``1.1.x`` (pre-releases included) reads the 1.1 grammar; anything else the 1.0
    one (a version the engine does not load is refused before any expression is read).
    """
    return "1.1" if isinstance(arazzo, str) and arazzo.startswith("1.1.") else "1.0"


_VERSION_OF_START: Mapping[str, Version] = {
    start: version for version, starts in STARTS.items() for start in starts
}

# ---------------------------------------------------------------- the parser


def _grammar_text() -> str:
    """Read the grammar: packaged copy first, then the source checkout's ``grammar/``."""
    tried: list[str] = []
    try:
        packaged = (
            importlib.resources.files("arazzo_engine").joinpath("grammar").joinpath(GRAMMAR_NAME)
        )
        tried.append(str(packaged))
        if packaged.is_file():
            return packaged.read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):  # pragma: no cover - broken installation
        pass
    checkout = Path(__file__).resolve().parent.parent.parent / "grammar" / GRAMMAR_NAME
    tried.append(str(checkout))
    if checkout.is_file():
        return checkout.read_text(encoding="utf-8")
    raise FileNotFoundError(
        f"arazzo_engine cannot find its expression grammar {GRAMMAR_NAME}; looked at "
        + " and ".join(tried)
        + " (reinstall the package)"
    )


class _SemanticError(Exception):
    """Raised by the transformer; ``pos`` is 0-based in the parsed text."""

    def __init__(self, pos: int, reason: str) -> None:
        super().__init__(reason)
        self.pos = pos
        self.reason = reason


def _pointer(token: str | None) -> tuple[str, ...] | None:
    if token is None:
        return None
    body = str(token)[1:]
    if not body:
        return ()
    return split(body)


def _number(text: str) -> int | float:
    if "." in text or "e" in text or "E" in text:
        return float(text)
    try:
        return int(text)
    except ValueError:  # more digits than int() converts
        return float(text)


def _flatten(kind: type[And] | type[Or], items: Sequence[Any]) -> tuple[Condition, ...]:
    out: list[Condition] = []
    for item in items:
        if type(item) is kind:
            out.extend(item.operands)
        else:
            out.append(item)
    return tuple(out)


_lock = threading.Lock()
_parser: Lark | None = None
"""The Arazzo 1.0 parser."""
_parser_1_1: Lark | None = None
"""The Arazzo 1.1 parser."""
PARSER_OPTIONS: Mapping[str, Any] = {
    "parser": "lalr",
    "lexer": "contextual",
    "start": list(STARTS["1.0"]),
    "maybe_placeholders": True,
}
"""Lark's options for the 1.0 parser, the transformer aside (the cache file's name holds them)."""


def parser_options(version: Version) -> Mapping[str, Any]:
    """Lark's options for the parser of ``version``: only the start rules differ."""
    return {**PARSER_OPTIONS, "start": list(STARTS[version])}


def _new_parser(grammar: str, cache: Path | None = None, version: Version = "1.0") -> Lark:
    """An LALR parser for ``grammar``'s ``version`` dialect that builds AST nodes while it reduces.

    ``cache`` is the folder its tables are kept in between processes
    (:mod:`~arazzo_engine.expressions.parser_cache`); None builds them here.
    """
    from arazzo_engine.expressions.lark_transformer import ToAst

    return cached_lark(grammar, cache, **parser_options(version), transformer=ToAst())


def _get_parser(version: Version = "1.0") -> Lark:
    global _parser, _parser_1_1
    parser = _parser if version == "1.0" else _parser_1_1
    if parser is None:
        with _lock:
            parser = _parser if version == "1.0" else _parser_1_1
            if parser is None:
                parser = _new_parser(_grammar_text(), cache_folder(), version)
                if version == "1.0":
                    _parser = parser
                else:
                    _parser_1_1 = parser
    return parser


_EXPLAINED_MAX = 1024
_explained: dict[tuple[str, str], tuple[int, str]] = {}
"""(text, start rule) -> why it does not parse.  The caches of the public functions
keep what parsed; a text that does not (a payload string such as ``$100``, a
mistake a document repeats) is met again by every check that reads it, and its
explanation simulates the parser on every candidate token: it is worked out once."""


def _run(text: str, start: str) -> Any:
    """Parse ``text`` from rule ``start`` (of either dialect); errors carry 0-based
    positions in ``text``."""
    from lark.exceptions import UnexpectedInput

    parser = _get_parser(_VERSION_OF_START[start])
    try:
        return parser.parse(text, start=start)
    except UnexpectedInput as exc:
        key = (text, start)
        found = _explained.get(key)
        if found is None:
            from arazzo_engine.expressions.parse_errors import explain

            found = explain(parser, text, start, exc)
            if len(_explained) >= _EXPLAINED_MAX:
                _explained.clear()
            _explained[key] = found
        raise _SemanticError(*found) from None


# ------------------------------------------------------------- public API


def _syntax_error(text: str, offset: int, error: _SemanticError) -> ExpressionSyntaxError:
    return ExpressionSyntaxError(text, offset + error.pos + 1, error.reason)


def _checked(version: object) -> Version:
    if version == "1.0" or version == "1.1":
        return version
    raise ValueError(f"version must be '1.0' or '1.1' (an Arazzo minor version), not {version!r}")


@lru_cache(maxsize=4096)
def _cached_expression(text: str, version: Version = "1.0") -> RuntimeExpression:
    plain = plain_expression(text)
    if plain is not None:
        return plain
    try:
        return cast(RuntimeExpression, _run(text, STARTS[version][0]))
    except _SemanticError as exc:
        raise _syntax_error(text, 0, exc) from None


@lru_cache(maxsize=4096)
def _cached_condition(text: str, version: Version = "1.0") -> Condition:
    body = text.strip()
    if not body:
        raise ExpressionSyntaxError(text, 1, "the condition is empty")
    plain = plain_condition(body)
    if plain is not None:
        return plain
    try:
        return cast(Condition, _run(body, STARTS[version][1]))
    except _SemanticError as exc:
        raise _syntax_error(text, len(text) - len(text.lstrip()), exc) from None


@lru_cache(maxsize=4096)
def _cached_template(text: str, version: Version = "1.0") -> Template:
    parts: list[str | RuntimeExpression] = []
    i = 0
    while (at := text.find("{$", i)) >= 0:
        close = text.find("}", at + 2)
        if close < 0:
            raise ExpressionSyntaxError(
                text, at + 1, "this '{$' has no closing '}' to end the embedded expression"
            )
        try:
            expression = _cached_expression(text[at + 1 : close], version)
        except ExpressionSyntaxError as exc:
            raise ExpressionSyntaxError(text, at + 1 + exc.column, exc.reason) from None
        if at > i:
            parts.append(text[i:at])
        parts.append(expression)
        i = close + 1
    if i < len(text):
        parts.append(text[i:])
    return Template(tuple(parts))


def _require_str(text: object, what: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, not {type(text).__name__}")
    return text


def parse_expression(text: str, *, version: Version = "1.0") -> RuntimeExpression:
    """Parse one bare runtime expression (the whole text), e.g. ``$response.body#/id``.

    ``version`` is the Arazzo minor version of the document the text is in:
    "1.0" (1.0.x) or "1.1" (1.1.x, see the module docstring).
    """
    return _cached_expression(_require_str(text, "a runtime expression"), _checked(version))


def parse_template(text: str, *, version: Version = "1.0") -> Template:
    """Parse text with zero or more embedded ``{$...}`` expressions.

    A ``{`` not followed by ``$`` is literal text; an embedded expression ends at
    the first ``}``.  Error columns point into the whole template.
    """
    return _cached_template(_require_str(text, "a template"), _checked(version))


def parse_condition(text: str, *, version: Version = "1.0") -> Condition:
    """Parse a ``simple`` criterion condition, e.g. ``$statusCode == 200 && !$inputs.dry``."""
    return _cached_condition(_require_str(text, "a condition"), _checked(version))


def _parse_string_value(text: str, version: Version) -> ValueNode:
    if text.startswith("$"):
        try:
            return _cached_expression(text, version)
        except ExpressionSyntaxError:
            from arazzo_engine.expressions.parse_errors import known_roots, root_word

            if root_word(text) in known_roots(version):
                raise
    if "{$" in text:
        if text.startswith("{$") and text.find("}") == len(text) - 1:
            try:
                return _cached_expression(text[1:-1], version)
            except ExpressionSyntaxError as exc:
                raise ExpressionSyntaxError(text, exc.column + 1, exc.reason) from None
        return _cached_template(text, version)
    return Constant(text)


def parse_value(
    value: object, *, version: Version = "1.0", selectors: SelectorHook | None = None
) -> ValueNode:
    """Parse the value of an "any | {expression}" field (parameter value, payload, ...).

    * a non-string scalar is a :class:`Constant`;
    * a string that is one runtime expression, or exactly ``{$expr}``, is that
      :class:`Expression` (its result keeps its JSON type);
    * a string holding ``{$`` elsewhere is a :class:`Template` (its result is text);
    * a string that starts with a known root (``$inputs``, ``$steps``, ...) but
      does not parse raises :class:`ExpressionSyntaxError` (a likely typo);
    * any other string (``$100``, ``'available'``) is a :class:`Constant`;
    * mappings and lists are walked (keys stay literal); a structure without any
      expression inside is one :class:`Constant` holding the original object.

    ``version`` is the document's Arazzo minor version, as for :func:`parse_expression`.
    ``selectors`` (Arazzo 1.1) is asked about every mapping first, with the keys
    and indices that lead to it from ``value``: the node it returns (a
    :class:`SelectorValue`) stands for the mapping, None walks it as above.
    """
    return _parse_value(value, _NO_FILES, _checked(version), selectors, ())


def parse_payload(
    value: object,
    *,
    folder: str | None,
    version: Version = "1.0",
    selectors: SelectorHook | None = None,
) -> ValueNode:
    """Parse a request body payload, or a payload replacement value: :func:`parse_value`
    plus file markers.

    A mapping anywhere in it whose keys are ``$file`` and optionally
    ``filename`` / ``contentType`` is a :class:`FileValue` (each of its values
    parsed by :func:`parse_value`, so ``$file: $inputs.avatarPath`` works).
    ``folder`` is the folder of the local document being parsed, where the
    marker's path will resolve; None for a remote document (bytes only).
    ``selectors`` as for :func:`parse_value`.
    """
    return _parse_value(value, folder, _checked(version), selectors, ())


class _NoFiles:
    """Marks a parse in which a ``$file`` mapping is ordinary data."""


_NO_FILES = _NoFiles()


def _is_file_marker(value: Mapping[Any, Any]) -> bool:
    return FILE_KEY in value and all(key in FILE_MARKER_KEYS for key in value)


def _file_value(marker: Mapping[Any, Any], folder: str | None, version: Version) -> FileValue:
    def part(key: str) -> ValueNode | None:
        return _parse_value(marker[key], _NO_FILES, version, None, ()) if key in marker else None

    source = _parse_value(marker[FILE_KEY], _NO_FILES, version, None, ())
    return FileValue(source, part("filename"), part("contentType"), folder)


def _parse_value(
    value: object,
    files: str | _NoFiles | None,
    version: Version,
    selectors: SelectorHook | None,
    path: tuple[str | int, ...],
) -> ValueNode:
    if isinstance(value, str):
        return _parse_string_value(value, version)
    if isinstance(value, Mapping):
        if selectors is not None:
            found = selectors(value, path)
            if found is not None:
                return found
        if files is not _NO_FILES and _is_file_marker(value):
            return _file_value(value, cast("str | None", files), version)
        items = tuple(
            (key, _parse_value(item, files, version, selectors, (*path, str(key))))
            for key, item in value.items()
        )
        if all(type(node) is Constant for _, node in items):
            return Constant(value)
        return ObjectValue(items)
    if isinstance(value, (list, tuple)):
        elements = tuple(
            _parse_value(item, files, version, selectors, (*path, index))
            for index, item in enumerate(value)
        )
        if all(type(node) is Constant for node in elements):
            return Constant(value)
        return ArrayValue(elements)
    return Constant(value)
