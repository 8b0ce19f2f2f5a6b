"""Parse runtime expressions, templates, "any | {expression}" values and conditions.

The grammar is ``grammar/expressions.lark`` (shipped in the wheel as
``arazzo_engine/grammar/expressions.lark``); one LALR parser with two start
rules is built on first use and shared.

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
* ``$response`` has only ``header.`` and ``body`` (no query or path).

Inside a template an embedded expression ends at the first ``}``.

Every parse error is an :class:`~arazzo_engine.errors.ExpressionSyntaxError`
whose column is 1-based in the text given to the parse function.
"""

from __future__ import annotations

import importlib.resources
import json
import re
import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions.ast import (
    Access,
    And,
    ArrayValue,
    Compare,
    CompareOp,
    ComponentRef,
    Condition,
    Constant,
    Expression,
    Index,
    InputRef,
    Literal,
    Member,
    Method,
    Not,
    ObjectValue,
    Or,
    OutputRef,
    RequestBody,
    RequestHeader,
    RequestPath,
    RequestQuery,
    ResponseBody,
    ResponseHeader,
    SourceDescriptionRef,
    StatusCode,
    StepOutputRef,
    Template,
    Url,
    ValueNode,
    WorkflowInputRef,
    WorkflowOutputRef,
)
from arazzo_engine.load.pointers import split

__all__ = ["parse_condition", "parse_expression", "parse_template", "parse_value"]

GRAMMAR_NAME = "expressions.lark"

KNOWN_ROOTS = (
    "$url",
    "$method",
    "$statusCode",
    "$request",
    "$response",
    "$inputs",
    "$outputs",
    "$steps",
    "$workflows",
    "$sourceDescriptions",
    "$components",
)

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


def _pointer(token: Token | None) -> tuple[str, ...] | None:
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


class _ToAst(Transformer[Token, Any]):
    """Builds AST nodes while the LALR parser reduces (used as an inline transformer)."""

    # expressions
    def url(self, _: list[Any]) -> Expression:
        return Url()

    def method(self, _: list[Any]) -> Expression:
        return Method()

    def status_code(self, _: list[Any]) -> Expression:
        return StatusCode()

    def request_header(self, c: list[Token]) -> Expression:
        return RequestHeader(str(c[0]))

    def request_query(self, c: list[Token]) -> Expression:
        return RequestQuery(str(c[0]))

    def request_path(self, c: list[Token]) -> Expression:
        return RequestPath(str(c[0]))

    def request_body(self, c: list[Token | None]) -> Expression:
        return RequestBody(_pointer(c[0]))

    def response_header(self, c: list[Token]) -> Expression:
        return ResponseHeader(str(c[0]))

    def response_body(self, c: list[Token | None]) -> Expression:
        return ResponseBody(_pointer(c[0]))

    def input_ref(self, c: list[Token]) -> Expression:
        return InputRef(str(c[0]), _pointer(c[1]))

    def output_ref(self, c: list[Token]) -> Expression:
        return OutputRef(str(c[0]), _pointer(c[1]))

    def step_output_ref(self, c: list[Token]) -> Expression:
        return StepOutputRef(str(c[0]), str(c[1]), _pointer(c[2]))

    def workflow_input_ref(self, c: list[Token]) -> Expression:
        return WorkflowInputRef(str(c[0]), str(c[1]), _pointer(c[2]))

    def workflow_output_ref(self, c: list[Token]) -> Expression:
        return WorkflowOutputRef(str(c[0]), str(c[1]), _pointer(c[2]))

    def source_description_ref(self, c: list[Token]) -> Expression:
        return SourceDescriptionRef(str(c[0]), str(c[1]))

    def component_ref(self, c: list[Token]) -> Expression:
        return ComponentRef(str(c[0])[:-1], str(c[1]))

    # condition operands
    def index(self, c: list[Token]) -> Index:
        try:
            return Index(int(c[0]))
        except ValueError:
            raise _SemanticError(c[0].start_pos or 0, "this index is too large") from None

    def member(self, c: list[Token]) -> Member:
        return Member(str(c[0]))

    def operand(self, c: list[Any]) -> Access:
        return Access(c[0], tuple(c[1:]))

    def true(self, _: list[Any]) -> Literal:
        return Literal(True)

    def false(self, _: list[Any]) -> Literal:
        return Literal(False)

    def null(self, _: list[Any]) -> Literal:
        return Literal(None)

    def number(self, c: list[Token]) -> Literal:
        return Literal(_number(str(c[0])))

    def sq_string(self, c: list[Token]) -> Literal:
        return Literal(str(c[0])[1:-1].replace("''", "'"))

    def dq_string(self, c: list[Token]) -> Literal:
        token = c[0]
        try:
            value = json.loads(str(token), strict=False)
        except json.JSONDecodeError as exc:
            raise _SemanticError(
                (token.start_pos or 0) + exc.pos,
                "invalid escape in a double-quoted string (JSON escapes only: "
                '\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u plus four hex digits)',
            ) from None
        return Literal(cast(str, value))

    # conditions
    def comparison(self, c: list[Any]) -> Compare:
        return Compare(cast(CompareOp, str(c[1]).strip()), c[0], c[2])

    def negation(self, c: list[Any]) -> Not:
        return Not(c[0])

    def and_test(self, c: list[Any]) -> And:
        return And(_flatten(And, c))

    def or_test(self, c: list[Any]) -> Or:
        return Or(_flatten(Or, c))


_lock = threading.Lock()
_parser: Lark | None = None


def _get_parser() -> Lark:
    global _parser
    parser = _parser
    if parser is None:
        with _lock:
            parser = _parser
            if parser is None:
                parser = Lark(
                    _grammar_text(),
                    parser="lalr",
                    lexer="contextual",
                    start=["expression", "condition"],
                    maybe_placeholders=True,
                    transformer=_ToAst(),
                )
                _parser = parser
    return parser


def _run(text: str, start: str) -> Any:
    """Parse ``text`` from rule ``start``; errors carry 0-based positions in ``text``."""
    try:
        return _get_parser().parse(text, start=start)
    except UnexpectedInput as exc:
        pos, expected = _error_position(text, exc)
        where, reason = _explain(text, pos, expected, start)
        raise _SemanticError(where, reason) from None


def _error_position(text: str, exc: UnexpectedInput) -> tuple[int, frozenset[str]]:
    """Where the error is and which terminals the parser could really take there.

    The LALR tables merge look-ahead sets, so ``expected`` / ``allowed`` may list
    terminals that cannot follow here; the interactive parser's ``accepts()``
    simulates each one and keeps the true ones.
    """
    interactive = getattr(exc, "interactive_parser", None)
    accepted = frozenset(interactive.accepts()) if interactive is not None else None
    if isinstance(exc, UnexpectedToken):
        expected = accepted if accepted is not None else frozenset(exc.expected or ())
        if exc.token.type == "$END":
            return len(text), expected
        return exc.token.start_pos or 0, expected
    if isinstance(exc, UnexpectedCharacters):
        allowed = accepted if accepted is not None else frozenset(exc.allowed or ())
        return int(exc.pos_in_stream or 0), allowed
    found = getattr(exc, "pos_in_stream", None)  # pragma: no cover - other Lark errors
    return (found if isinstance(found, int) else len(text)), frozenset()  # pragma: no cover


# ------------------------------------------------------------ error messages

_ROOT_TERMS = frozenset(
    {
        "_URL",
        "_METHOD",
        "_STATUS_CODE",
        "_REQUEST",
        "_RESPONSE",
        "_INPUTS",
        "_OUTPUTS",
        "_STEPS",
        "_WORKFLOWS",
        "_SOURCE_DESCRIPTIONS",
        "_COMPONENTS",
    }
)
_OPERAND_TERMS = _ROOT_TERMS | {"TRUE", "FALSE", "NULL", "NUMBER", "SQ_STRING", "DQ_STRING"}
_BREAK = frozenset("{}()[]<>=!&|'\"")
_ROOT_WORD = re.compile(r"\$[A-Za-z0-9_]*")
_HEADER_PREFIX = re.compile(r"\$(?:request|response)\.header\.")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
# Strings (closed or not) and parentheses, to find an unclosed '('.
_PAREN_SCAN = re.compile(r"'(?:[^']|'')*'?|\"(?:[^\"\\]|\\[\s\S])*\"?|[()]")
_COMPARISON_AT = re.compile(r"==|!=|<=|>=|<|>")
_NEGATED_OPERAND_BEFORE = re.compile(
    r"!\s*(?:'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"|[^\s(){}<>=!&|'\"]+)\s*$"
)
_ROOT_LIST = ", ".join(KNOWN_ROOTS)
_VALUE_KINDS = "a runtime expression, a number, a 'string', true, false or null"


def _is_break(ch: str) -> bool:
    return ch in _BREAK or ch.isspace()


def _expression_start(text: str, pos: int) -> int | None:
    """Index of the ``$`` that starts the runtime expression around ``pos``, if any."""
    if pos < len(text) and text[pos] == "$":
        return pos
    j = pos - 1
    while j >= 0 and not _is_break(text[j]):
        j -= 1
    start = j + 1
    if start < pos and text[start] == "$":
        return start
    return None


def _shown(ch: str) -> str:
    return repr(ch) if ch.isspace() or not ch.isprintable() else f"'{ch}'"


def _explain(text: str, pos: int, expected: frozenset[str], mode: str) -> tuple[int, str]:
    """A position and a plain-language reason for a parse error at ``pos``."""
    n = len(text)
    if n == 0:
        what = "expression" if mode == "expression" else "condition"
        return 0, f"the {what} is empty"
    start = _expression_start(text, pos)
    if start is not None:
        found = _explain_expression(text, start, pos, expected, mode)
        if found is not None:
            return found
    if mode == "expression":
        return _explain_bare(text, pos)
    return _explain_condition(text, pos, expected)


def _explain_expression(
    text: str, start: int, pos: int, expected: frozenset[str], mode: str
) -> tuple[int, str] | None:
    n = len(text)
    ch = text[pos] if pos < n else ""
    root_match = _ROOT_WORD.match(text, start)
    root = root_match.group() if root_match else "$"
    after_root = start + len(root)
    if root not in KNOWN_ROOTS:
        if root == "$":
            return (
                start,
                f"'$' must start a runtime expression: one of {_ROOT_LIST}",
            )
        for known in KNOWN_ROOTS:
            if known.lower() == root.lower():
                return start, f"unknown expression root '{root}'; did you mean '{known}'?"
        return start, f"unknown expression root '{root}'; expected one of {_ROOT_LIST}"
    written = text[start:pos]
    if pos == start:
        if not expected & _ROOT_TERMS:
            return None  # an expression where none may stand: the caller explains
        if text[after_root : after_root + 1] != ".":
            return after_root, f"'{root}' must be followed by '.' and a name"
        return start, f"unexpected text in '{root}'"  # pragma: no cover - defensive
    if expected == {"_DOT_OUTPUTS"}:
        if ch and not _is_break(ch) and ch != ".":
            return pos, "a step id may contain only letters, digits, '_' and '-'"
        return pos, "a step reference must be $steps.<stepId>.outputs.<name>"
    if expected == {"_DOT_INPUTS", "_DOT_OUTPUTS"}:
        if ch and not _is_break(ch) and ch != ".":
            return pos, "a workflow id may contain only letters, digits, '_' and '-'"
        return pos, (
            "a workflow reference must be $workflows.<workflowId>.inputs.<name> "
            "or $workflows.<workflowId>.outputs.<name>"
        )
    if expected == {"_DOT"} and root == "$sourceDescriptions":
        if ch and not _is_break(ch) and ch != ".":
            return pos, "a source description name may contain only letters, digits, '_' and '-'"
        return pos, "a source description reference must be $sourceDescriptions.<name>.<field>"
    if "ID" in expected:
        kind = {"$steps": "step id", "$workflows": "workflow id"}.get(
            root, "source description name"
        )
        return pos, f"expected a {kind} (letters, digits, '_' and '-') after '{written}'"
    if "_BODY" in expected:
        word = _WORD.match(text, pos)
        if "_QUERY" in expected:
            return (
                pos,
                "after '$request.' expected header.<name>, query.<name>, path.<name> or body",
            )
        if word and word.group() in ("query", "path"):
            return pos, (
                "a response has no query or path parameters; "
                "use $request.query.<name> or $request.path.<name>"
            )
        return pos, "after '$response.' expected header.<name> or body"
    if "COMPONENT_KIND" in expected:
        word = _WORD.match(text, pos)
        found = f"unknown component type '{word.group()}'; expected" if word else "expected"
        return (
            pos,
            f"{found} parameters, successActions, failureActions or inputs",
        )
    if "HEADER_NAME" in expected:
        if ch and not _is_break(ch):
            return pos, f"{_shown(ch)} cannot appear in a header name"
        return pos, f"expected a header name after '{written}'"
    if "NAME" in expected:
        if ch == ".":
            return pos, "a name cannot start with '.'"
        return pos, f"expected a name after '{written}'"
    if "MEMBER" in expected:
        return pos, "expected a member name after '.'"
    # The expression is complete and something unexpected follows it.
    nxt = pos
    while nxt < n and text[nxt].isspace():
        nxt += 1
    if nxt > pos and nxt < n and text[nxt] in "#/[.~":
        return pos, "a runtime expression cannot contain whitespace"
    if ch == "#":
        return pos, "a JSON pointer ('#/...') may only follow body or an inputs/outputs reference"
    if _HEADER_PREFIX.match(written) and ch and not _is_break(ch):
        return pos, f"{_shown(ch)} cannot appear in a header name"
    if pos > start and text[pos - 1] == "#" and ch and not _is_break(ch):
        return pos, "a JSON pointer must start with '/'"
    if ch == "~":
        return pos, "in a JSON pointer '~' must be followed by '0' or '1' (~0 is '~', ~1 is '/')"
    if ch == "/":
        return pos, f"a JSON pointer must follow '#': write '{written}#/...'"
    if mode != "expression":
        return None
    if ch == "." and written.endswith("body"):
        return pos, f"to select part of the body use a JSON pointer, e.g. '{written}#/name'"
    if ch == ".":
        return pos, "a name cannot end with '.'"
    if ch == "[":
        return pos, "accessors like [0] are only allowed in conditions; use a JSON pointer: '#/0'"
    if ch.isspace():
        return pos, "a runtime expression cannot contain whitespace"
    return pos, f"unexpected {_shown(ch)} after the expression '{written}'"


def _explain_bare(text: str, pos: int) -> tuple[int, str]:
    ch = text[pos] if pos < len(text) else ""
    if pos == 0 and text.startswith("{$"):
        return 0, "write the expression without braces: '{...}' is only for embedding in text"
    if pos == 0:
        return 0, f"a runtime expression must start with '$' ({_ROOT_LIST})"
    return pos, f"unexpected {_shown(ch)} in the expression"  # pragma: no cover - defensive


def _unmatched_open_paren(text: str) -> int | None:
    stack: list[int] = []
    for match in _PAREN_SCAN.finditer(text):
        if match.group() == "(":
            stack.append(match.start())
        elif match.group() == ")" and stack:
            stack.pop()
    return stack[-1] if stack else None


def _explain_condition(text: str, pos: int, expected: frozenset[str]) -> tuple[int, str]:
    n = len(text)
    p = pos
    while p < n and text[p].isspace():
        p += 1
    ch = text[p] if p < n else ""
    if "INDEX" in expected:
        return pos, "an index must be a whole number, e.g. [0]"
    if "_RSQB" in expected:
        return pos, "missing ']' after the index"
    if expected & _OPERAND_TERMS:
        return _explain_operand(text, p, ch, expected)
    # After a complete value or group.
    ops = "'==', '!=', '<', '<=', '>', '>=', " if "COMPARISON" in expected else ""
    wanted = f"expected {ops}'&&', '||'"
    wanted += ", ')'" if "_RPAR" in expected else ""
    wanted += " or the end of the condition"
    if not ch:
        opened = _unmatched_open_paren(text)
        if "_RPAR" in expected and opened is not None:
            return opened, "this '(' is never closed: a ')' is missing"
        return n, wanted  # pragma: no cover - defensive
    if _COMPARISON_AT.match(text, p) and "COMPARISON" not in expected:
        before = text[:pos].rstrip()
        if before.endswith(")"):
            return p, "a parenthesised group cannot be compared; compare values inside it"
        if _NEGATED_OPERAND_BEFORE.search(before):
            return p, "'!' cannot stand on one side of a comparison; write !(a == b)"
        return p, "comparisons cannot be chained; combine them with '&&', e.g. a < b && b < c"
    if ch == "=":
        return p, "'=' is not an operator; use '==' to compare"
    if ch == "&":
        return p, "use '&&' for a logical and"
    if ch == "|":
        return p, "use '||' for a logical or"
    if ch == ")":
        return p, "this ')' has no matching '('"
    if ch == "[":
        return p, "'[n]' may only follow a runtime expression, e.g. $inputs.list[0]"
    if ch.isdigit() and re.search(r"(?:^|[^\w.])-?0$", text[:p]):
        return p, "numbers cannot have leading zeros"
    if ch == "}" and text.startswith("{"):
        return 0, "a condition is written without braces: remove '{' and '}'"
    word = _WORD.match(text, p)
    if word and word.group().lower() in ("and", "or"):
        return p, "use '&&' and '||' instead of the words 'and' and 'or'"
    return p, f"{wanted}, found {_shown(ch)}"


def _explain_operand(text: str, p: int, ch: str, expected: frozenset[str]) -> tuple[int, str]:
    if not ch:
        return p, f"the condition ends too early: expected {_VALUE_KINDS}"
    if ch == "{":
        return p, "a condition is written without braces: write $statusCode == 200, not {...}"
    if ch == "'":
        return p, "this string has no closing quote (write '' for a quote inside it)"
    if ch == '"':
        return p, 'this string has no closing quote (write \\" for a quote inside it)'
    if ch == "`":
        return p, "strings in conditions use single quotes: 'text'"
    word = _WORD.match(text, p)
    if word:
        found = word.group()
        if found.lower() in ("and", "or", "not"):
            return p, "use '&&', '||' and '!' instead of the words 'and', 'or' and 'not'"
        if found.lower() in ("true", "false", "null"):
            return p, f"write '{found.lower()}' in lower case"
        return p, f"strings in conditions use single quotes: write '{found}'"
    if ch == "!":
        if text.startswith("!=", p):
            return p, "expected a value before '!='"
        return p, "'!' may only be followed by a value or a parenthesised condition"
    if ch == ")":
        return p, f"expected a value before ')': {_VALUE_KINDS}"
    if ch == "(":
        return p, "a comparison takes plain values on both sides, not a parenthesised group"
    if ch in "=<>&|":
        op = re.match(r"[=<>&|!]+", text[p:])
        return p, f"expected a value before '{op.group() if op else ch}'"
    if ch in "-.+" or ch.isdigit():
        return p, "a number must be written like 12, -3, 0.5 or 1e6"
    if ch == "[":
        return p, "'[n]' may only follow a runtime expression, e.g. $inputs.list[0]"
    return p, f"expected {_VALUE_KINDS}, found {_shown(ch)}"


# ------------------------------------------------------------- public API


def _syntax_error(text: str, offset: int, error: _SemanticError) -> ExpressionSyntaxError:
    return ExpressionSyntaxError(text, offset + error.pos + 1, error.reason)


@lru_cache(maxsize=4096)
def _cached_expression(text: str) -> Expression:
    try:
        return cast(Expression, _run(text, "expression"))
    except _SemanticError as exc:
        raise _syntax_error(text, 0, exc) from None


@lru_cache(maxsize=4096)
def _cached_condition(text: str) -> Condition:
    body = text.strip()
    if not body:
        raise ExpressionSyntaxError(text, 1, "the condition is empty")
    try:
        return cast(Condition, _run(body, "condition"))
    except _SemanticError as exc:
        raise _syntax_error(text, len(text) - len(text.lstrip()), exc) from None


@lru_cache(maxsize=4096)
def _cached_template(text: str) -> Template:
    parts: list[str | Expression] = []
    i = 0
    while (at := text.find("{$", i)) >= 0:
        close = text.find("}", at + 2)
        if close < 0:
            raise ExpressionSyntaxError(
                text, at + 1, "this '{$' has no closing '}' to end the embedded expression"
            )
        try:
            expression = _cached_expression(text[at + 1 : close])
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


def parse_expression(text: str) -> Expression:
    """Parse one bare runtime expression (the whole text), e.g. ``$response.body#/id``."""
    return _cached_expression(_require_str(text, "a runtime expression"))


def parse_template(text: str) -> Template:
    """Parse text with zero or more embedded ``{$...}`` expressions.

    A ``{`` not followed by ``$`` is literal text; an embedded expression ends at
    the first ``}``.  Error columns point into the whole template.
    """
    return _cached_template(_require_str(text, "a template"))


def parse_condition(text: str) -> Condition:
    """Parse a ``simple`` criterion condition, e.g. ``$statusCode == 200 && !$inputs.dry``."""
    return _cached_condition(_require_str(text, "a condition"))


def _root_word(text: str) -> str | None:
    match = _ROOT_WORD.match(text)
    return match.group() if match else None


def _parse_string_value(text: str) -> ValueNode:
    if text.startswith("$"):
        try:
            return _cached_expression(text)
        except ExpressionSyntaxError:
            if _root_word(text) in KNOWN_ROOTS:
                raise
    if "{$" in text:
        if text.startswith("{$") and text.find("}") == len(text) - 1:
            try:
                return _cached_expression(text[1:-1])
            except ExpressionSyntaxError as exc:
                raise ExpressionSyntaxError(text, exc.column + 1, exc.reason) from None
        return _cached_template(text)
    return Constant(text)


def parse_value(value: object) -> ValueNode:
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
    """
    if isinstance(value, str):
        return _parse_string_value(value)
    if isinstance(value, Mapping):
        items = tuple((key, parse_value(item)) for key, item in value.items())
        if all(type(node) is Constant for _, node in items):
            return Constant(value)
        return ObjectValue(items)
    if isinstance(value, (list, tuple)):
        elements = tuple(parse_value(item) for item in value)
        if all(type(node) is Constant for node in elements):
            return Constant(value)
        return ArrayValue(elements)
    return Constant(value)
