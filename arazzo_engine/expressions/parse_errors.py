"""Plain-language reasons for expressions and conditions that do not parse.

When the LALR parser stops, the error says where and which terminals it could
have taken there.  The reasons below never name a terminal of
``grammar/expressions.lark``: the places that deserve their own sentence
(:class:`_Place`) are each named by an example text that stops right there, in
the spirit of lark's ``UnexpectedInput.match_examples``.  The first time an
error needs explaining, each example is parsed once and what the parser would
accept at its end is remembered (:class:`_Landmarks`); a later error whose
acceptable terminals are the same set is at that place.  Renaming a terminal
therefore cannot change a message, and a grammar change that moves an example
away from its place fails loudly (two places alike, or an example that parses)
instead of degrading the reasons.

``match_examples`` itself is not called: it compares parser states including
the depth of the stack, so an example written at the top level does not match
the same mistake inside ``(...)`` or after ``&&``, and it parses every example
again for every error.

Each dialect's parser (Arazzo 1.0 and 1.1, see :mod:`.parser`) learns its own
landmarks; the 1.1 parser has two more places (:class:`_Place11`), and where
the 1.1 ABNF differs from 1.0 the reason names the 1.1 rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from arazzo_engine.expressions.parser import STARTS

__all__ = ["KNOWN_ROOTS", "KNOWN_ROOTS_1_1", "explain", "known_roots", "root_word"]

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
KNOWN_ROOTS_1_1 = (*KNOWN_ROOTS, "$message", "$self")
"""The roots of Arazzo 1.1 expressions."""


def known_roots(version: str) -> tuple[str, ...]:
    """The expression roots of the ``version`` ("1.0" or "1.1") dialect."""
    return KNOWN_ROOTS_1_1 if version == "1.1" else KNOWN_ROOTS


_END = "$END"  # lark's name for the end of the text, not a terminal of the grammar


# ------------------------------------------------------- where the parser stopped


class _Place(Enum):
    """A place inside a runtime expression or condition that has its own reason.

    Each value is a condition that stops exactly at that place.
    """

    AFTER_STEP_ID = "$steps.a"
    AFTER_WORKFLOW_ID = "$workflows.a"
    AFTER_SOURCE_NAME = "$sourceDescriptions.a"
    ID = "$steps."
    AFTER_REQUEST = "$request."
    """Also after ``$response.``: both take the same ``source`` (header, query, path, body)."""
    COMPONENT_KIND = "$components."
    HEADER_NAME = "$request.header."
    NAME = "$inputs."
    MEMBER = "$url."
    INDEX = "$url["
    INDEX_END = "$url[0"


class _Place11(Enum):
    """The places only the Arazzo 1.1 parser has."""

    AFTER_MESSAGE = "$message."
    SOURCE_NAME = "$request.query."
    """A 1.0-style ``name`` (query, path, a source's field): in 1.0 it is the NAME place;
    in 1.1 the NAME place takes an ``identifier``, a different terminal."""


# What may come next, each named by an example that stops there or shows it.
_EXPRESSION_START = ""  # as an expression: only a root may come
_OPERAND_START = "$url =="  # as a condition: a literal or an expression may come
_COMPARISON = "=="  # as a condition: the terminal the parser reads for a comparison
_CLOSE_PAREN = ")"  # as a condition: the terminal the parser reads for ')'


@dataclass(frozen=True, slots=True)
class _Landmarks:
    """What one parser accepts at each place, learnt from the examples above."""

    places: Mapping[frozenset[str], _Place | _Place11]
    version: str
    roots: frozenset[str]
    operands: frozenset[str]
    comparison: str
    close_paren: str


@dataclass(frozen=True, slots=True)
class _Expected:
    """What the parser could have taken where it stopped, in the terms the reasons use."""

    place: _Place | _Place11 | None
    version: str  # the dialect: "1.0" or "1.1"
    root: bool  # a runtime expression may start here
    operand: bool  # a value (literal or runtime expression) may start here
    comparison: bool  # '==', '<', ... may come here
    close_paren: bool  # ')' may come here


def _failure(parser: Lark, text: str, start: str) -> UnexpectedInput:
    try:
        parser.parse(text, start=start)
    except UnexpectedInput as exc:
        return exc
    raise AssertionError(
        f"the example {text!r} parses as a {start}; "
        "grammar/expressions.lark and expressions/parse_errors.py disagree"
    )


def _accepted(parser: Lark, text: str, start: str) -> frozenset[str]:
    return _error_position(text, _failure(parser, text, start))[1]


def _token_type(parser: Lark, text: str, condition: str) -> str:
    failure = _failure(parser, text, condition)
    if not isinstance(failure, UnexpectedToken):
        raise AssertionError(f"the example {text!r} should be read as one unexpected token")
    return str(failure.token.type)


def _version_of(parser: Lark) -> str:
    return "1.1" if STARTS["1.1"][1] in parser.options.start else "1.0"


@lru_cache(maxsize=4)
def _landmarks(parser: Lark) -> _Landmarks:
    """Parse every example once with ``parser`` (on its first error)."""
    version = _version_of(parser)
    expression, condition = STARTS["1.1"] if version == "1.1" else STARTS["1.0"]
    places: dict[frozenset[str], _Place | _Place11] = {}
    examples: list[_Place | _Place11] = [*_Place, *(_Place11 if version == "1.1" else ())]
    for place in examples:
        accepted = _accepted(parser, place.value, condition)
        clash = places.setdefault(accepted, place)
        if clash is not place:
            raise AssertionError(
                f"the examples {clash.value!r} and {place.value!r} stop where the parser "
                "accepts the same terminals; give each place its own example"
            )
    return _Landmarks(
        places=places,
        version=version,
        roots=_accepted(parser, _EXPRESSION_START, expression),
        operands=_accepted(parser, _OPERAND_START, condition),
        comparison=_token_type(parser, _COMPARISON, condition),
        close_paren=_token_type(parser, _CLOSE_PAREN, condition),
    )


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
        if exc.token.type == _END:
            return len(text), expected
        return exc.token.start_pos or 0, expected
    if isinstance(exc, UnexpectedCharacters):
        allowed = accepted if accepted is not None else frozenset(exc.allowed or ())
        return int(exc.pos_in_stream or 0), allowed
    found = getattr(exc, "pos_in_stream", None)  # pragma: no cover - other Lark errors
    return (found if isinstance(found, int) else len(text)), frozenset()  # pragma: no cover


def explain(parser: Lark, text: str, start: str, exc: UnexpectedInput) -> tuple[int, str]:
    """A 0-based position in ``text`` and a plain-language reason for ``exc``."""
    pos, accepted = _error_position(text, exc)
    landmarks = _landmarks(parser)
    expected = _Expected(
        place=landmarks.places.get(accepted),
        version=landmarks.version,
        root=not accepted.isdisjoint(landmarks.roots),
        operand=not accepted.isdisjoint(landmarks.operands),
        comparison=landmarks.comparison in accepted,
        close_paren=landmarks.close_paren in accepted,
    )
    mode = "expression" if start in (STARTS["1.0"][0], STARTS["1.1"][0]) else "condition"
    return _explain(text, pos, expected, mode)


# ------------------------------------------------------------------- the reasons

_BREAK = frozenset("{}()[]<>=!&|'\"")
_ROOT_WORD = re.compile(r"\$[A-Za-z0-9_]*")
_HEADER_PREFIX = re.compile(r"\$(?:request|response|message)\.header\.")
# A 1.1 expression that ends in an `identifier` (an input, output or component name).
_ENDS_IN_IDENTIFIER = re.compile(
    r"\$(?:inputs|outputs|steps\.[A-Za-z0-9_-]+\.outputs"
    r"|workflows\.[A-Za-z0-9_-]+\.(?:inputs|outputs)|components\.[A-Za-z]+)\.[A-Za-z0-9._-]+"
)
_IDENTIFIER_RULE = (
    "Arazzo 1.1 input, output and component names are letters, digits, '.', '-' and '_'"
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
# Strings (closed or not) and parentheses, to find an unclosed '('.
_PAREN_SCAN = re.compile(r"'(?:[^']|'')*'?|\"(?:[^\"\\]|\\[\s\S])*\"?|[()]")
_COMPARISON_AT = re.compile(r"==|!=|<=|>=|<|>")
_NEGATED_OPERAND_BEFORE = re.compile(
    r"!\s*(?:'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"|[^\s(){}<>=!&|'\"]+)\s*$"
)
_ROOT_LIST = ", ".join(KNOWN_ROOTS)
_ROOT_LIST_1_1 = ", ".join(KNOWN_ROOTS_1_1)
_VALUE_KINDS = "a runtime expression, a number, a 'string', true, false or null"
_ACCESSOR_MISPLACED = "'[n]' may only follow a runtime expression, e.g. $inputs.list[0]"
# Where a complete value or group stands, a character that cannot follow it.
_AFTER_VALUE = {
    "=": "'=' is not an operator; use '==' to compare",
    "&": "use '&&' for a logical and",
    "|": "use '||' for a logical or",
    ")": "this ')' has no matching '('",
    "[": _ACCESSOR_MISPLACED,
}
# Where a value must start, a character that cannot start one.
_NOT_A_VALUE = {
    "{": "a condition is written without braces: write $statusCode == 200, not {...}",
    "'": "this string has no closing quote (write '' for a quote inside it)",
    '"': 'this string has no closing quote (write \\" for a quote inside it)',
    "`": "strings in conditions use single quotes: 'text'",
    ")": f"expected a value before ')': {_VALUE_KINDS}",
    "(": "a comparison takes plain values on both sides, not a parenthesised group",
    "[": _ACCESSOR_MISPLACED,
}


def root_word(text: str) -> str | None:
    """The ``$word`` that ``text`` starts with (a root if it is in :data:`KNOWN_ROOTS`)."""
    match = _ROOT_WORD.match(text)
    return match.group() if match else None


def _is_break(ch: str) -> bool:
    return ch in _BREAK or ch.isspace()


def _continues_a_name(ch: str) -> bool:
    return bool(ch) and not _is_break(ch) and ch != "."


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


def _explain(text: str, pos: int, expected: _Expected, mode: str) -> tuple[int, str]:
    """A position and a plain-language reason for a parse error at ``pos``."""
    n = len(text)
    if n == 0:
        what = "expression" if mode == "expression" else "condition"
        return 0, f"the {what} is empty"
    if expected.version == "1.1" and text.startswith("$", pos) and pos > 0:
        before = _expression_start(text[:pos], pos)
        if before is not None and _ENDS_IN_IDENTIFIER.fullmatch(text, before, pos):
            return pos, f"'$' cannot appear in a name: {_IDENTIFIER_RULE}"
    start = _expression_start(text, pos)
    if start is not None:
        found = _explain_expression(text, start, pos, expected, mode)
        if found is not None:
            return found
    if mode == "expression":
        return _explain_bare(text, pos, expected.version)
    return _explain_condition(text, pos, expected)


def _explain_unknown_root(root: str, start: int, version: str) -> tuple[int, str]:
    roots = known_roots(version)
    listed = _ROOT_LIST_1_1 if version == "1.1" else _ROOT_LIST
    if root == "$":
        return start, f"'$' must start a runtime expression: one of {listed}"
    for known in roots:
        if known.lower() == root.lower():
            return start, f"unknown expression root '{root}'; did you mean '{known}'?"
    if root in KNOWN_ROOTS_1_1:
        return start, (
            f"'{root}' is an Arazzo 1.1 expression; this document is Arazzo 1.0 "
            f"(expected one of {listed})"
        )
    return start, f"unknown expression root '{root}'; expected one of {listed}"


def _following(text: str, pos: int) -> str:
    """The name-like text from ``pos`` up to the next break (for quoting a wrong reference)."""
    end = pos
    while end < len(text) and not _is_break(text[end]) and text[end] != "#":
        end += 1
    return text[pos:end]


def _explain_expression(
    text: str, start: int, pos: int, expected: _Expected, mode: str
) -> tuple[int, str] | None:
    ch = text[pos] if pos < len(text) else ""
    root = root_word(text[start:]) or "$"
    if root not in known_roots(expected.version):
        return _explain_unknown_root(root, start, expected.version)
    written = text[start:pos]
    place = expected.place
    if expected.version == "1.1":
        differs = _explain_1_1(text, start, pos, expected)
        if differs is not None:
            return differs
    if pos == start:
        if not expected.root:
            return None  # an expression where none may stand: the caller explains
        after_root = start + len(root)
        if text[after_root : after_root + 1] != ".":
            return after_root, f"'{root}' must be followed by '.' and a name"
        return start, f"unexpected text in '{root}'"  # pragma: no cover - defensive
    if place is _Place.AFTER_STEP_ID:
        if _continues_a_name(ch):
            return pos, "a step id may contain only letters, digits, '_' and '-'"
        return pos, "a step reference must be $steps.<stepId>.outputs.<name>"
    if place is _Place.AFTER_WORKFLOW_ID:
        if _continues_a_name(ch):
            return pos, "a workflow id may contain only letters, digits, '_' and '-'"
        return pos, (
            "a workflow reference must be $workflows.<workflowId>.inputs.<name> "
            "or $workflows.<workflowId>.outputs.<name>"
        )
    if place is _Place.AFTER_SOURCE_NAME and root == "$sourceDescriptions":
        if _continues_a_name(ch):
            return pos, "a source description name may contain only letters, digits, '_' and '-'"
        return pos, "a source description reference must be $sourceDescriptions.<name>.<field>"
    if place is _Place.ID:
        kind = {"$steps": "step id", "$workflows": "workflow id"}.get(
            root, "source description name"
        )
        return pos, f"expected a {kind} (letters, digits, '_' and '-') after '{written}'"
    if place is _Place.AFTER_REQUEST:
        return pos, f"after '{root}.' expected header.<name>, query.<name>, path.<name> or body"
    if place is _Place.COMPONENT_KIND:
        word = _WORD.match(text, pos)
        found = f"unknown component type '{word.group()}'; expected" if word else "expected"
        return pos, f"{found} parameters, successActions, failureActions or inputs"
    if place is _Place.HEADER_NAME:
        if ch and not _is_break(ch):
            return pos, f"{_shown(ch)} cannot appear in a header name"
        return pos, f"expected a header name after '{written}'"
    if place is _Place.NAME or place is _Place11.SOURCE_NAME:
        if ch == ".":
            return pos, "a name cannot start with '.'"
        return pos, f"expected a name after '{written}'"
    if place is _Place.MEMBER:
        return pos, "expected a member name after '.'"
    return _explain_after_expression(text, start, pos, written, mode, expected.version)


def _explain_1_1(text: str, start: int, pos: int, expected: _Expected) -> tuple[int, str] | None:
    """The places where the Arazzo 1.1 ABNF differs from 1.0: the reason names its rule."""
    ch = text[pos] if pos < len(text) else ""
    written = text[start:pos]
    place = expected.place
    if place is _Place.AFTER_STEP_ID and not _continues_a_name(ch):
        wrote = written + _following(text, pos)
        return pos, f"'{wrote}': Arazzo 1.1 allows only $steps.<stepId>.outputs.<name>"
    if place is _Place.AFTER_WORKFLOW_ID and not _continues_a_name(ch):
        wrote = written + _following(text, pos)
        return pos, (
            f"'{wrote}': Arazzo 1.1 allows only $workflows.<workflowId>.inputs.<name> "
            "or $workflows.<workflowId>.outputs.<name>"
        )
    if place is _Place.COMPONENT_KIND:
        word = _WORD.match(text, pos)
        found = f"unknown component type '{word.group()}'; expected" if word else "expected"
        return pos, f"{found} parameters, successActions or failureActions (Arazzo 1.1)"
    if place is _Place.AFTER_REQUEST:
        root = root_word(written) or "$request"
        also = ""
        if text.startswith("payload", pos):
            also = " ('payload' is only for $message in Arazzo 1.1)"
        return (
            pos,
            f"after '{root}.' expected header.<name>, query.<name>, path.<name> or body{also}",
        )
    if place is _Place11.AFTER_MESSAGE:
        return pos, (
            "after '$message.' expected header.<name> or payload "
            "(an Arazzo 1.1 message has no query, path or body)"
        )
    if place is _Place.NAME and ch and not _is_break(ch) and ch != "#":
        return pos, f"{_shown(ch)} cannot start a name: {_IDENTIFIER_RULE}"
    if place is None and written == "$self" and ch in (".", "#"):
        return pos, "'$self' is a whole expression (the document's URI): nothing may follow it"
    if (
        place is None
        and _ENDS_IN_IDENTIFIER.fullmatch(written)
        and ch
        and not _is_break(ch)
        and ch not in "#/."
    ):
        return pos, f"{_shown(ch)} cannot appear in a name: {_IDENTIFIER_RULE}"
    return None


def _explain_after_expression(
    text: str, start: int, pos: int, written: str, mode: str, version: str
) -> tuple[int, str] | None:
    """The expression ``written`` is complete and something unexpected follows it."""
    n = len(text)
    ch = text[pos] if pos < n else ""
    nxt = pos
    while nxt < n and text[nxt].isspace():
        nxt += 1
    if nxt > pos and nxt < n and text[nxt] in "#/[.~":
        return pos, "a runtime expression cannot contain whitespace"
    if ch == "#" and version == "1.1":
        return pos, (
            "a JSON pointer ('#/...') may only follow body, payload or an inputs/outputs reference"
        )
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
    if ch == "." and version == "1.1" and written.endswith("payload"):
        return pos, f"to select part of the payload use a JSON pointer, e.g. '{written}#/name'"
    if ch == ".":
        return pos, "a name cannot end with '.'"
    if ch == "[":
        return pos, "accessors like [0] are only allowed in conditions; use a JSON pointer: '#/0'"
    if ch.isspace():
        return pos, "a runtime expression cannot contain whitespace"
    return pos, f"unexpected {_shown(ch)} after the expression '{written}'"


def _explain_bare(text: str, pos: int, version: str) -> tuple[int, str]:
    ch = text[pos] if pos < len(text) else ""
    if pos == 0 and text.startswith("{$"):
        return 0, "write the expression without braces: '{...}' is only for embedding in text"
    if pos == 0:
        listed = _ROOT_LIST_1_1 if version == "1.1" else _ROOT_LIST
        return 0, f"a runtime expression must start with '$' ({listed})"
    return pos, f"unexpected {_shown(ch)} in the expression"  # pragma: no cover - defensive


def _unmatched_open_paren(text: str) -> int | None:
    stack: list[int] = []
    for match in _PAREN_SCAN.finditer(text):
        if match.group() == "(":
            stack.append(match.start())
        elif match.group() == ")" and stack:
            stack.pop()
    return stack[-1] if stack else None


def _explain_condition(text: str, pos: int, expected: _Expected) -> tuple[int, str]:
    n = len(text)
    p = pos
    while p < n and text[p].isspace():
        p += 1
    ch = text[p] if p < n else ""
    if expected.place is _Place.INDEX:
        return pos, "an index must be a whole number, e.g. [0]"
    if expected.place is _Place.INDEX_END:
        return pos, "missing ']' after the index"
    if expected.operand:
        return _explain_operand(text, p, ch)
    # After a complete value or group.
    ops = "'==', '!=', '<', '<=', '>', '>=', " if expected.comparison else ""
    wanted = f"expected {ops}'&&', '||'"
    wanted += ", ')'" if expected.close_paren else ""
    wanted += " or the end of the condition"
    if not ch:
        opened = _unmatched_open_paren(text)
        if expected.close_paren and opened is not None:
            return opened, "this '(' is never closed: a ')' is missing"
        return n, wanted  # pragma: no cover - defensive
    if _COMPARISON_AT.match(text, p) and not expected.comparison:
        before = text[:pos].rstrip()
        if before.endswith(")"):
            return p, "a parenthesised group cannot be compared; compare values inside it"
        if _NEGATED_OPERAND_BEFORE.search(before):
            return p, "'!' cannot stand on one side of a comparison; write !(a == b)"
        return p, "comparisons cannot be chained; combine them with '&&', e.g. a < b && b < c"
    if ch in _AFTER_VALUE:
        return p, _AFTER_VALUE[ch]
    if ch.isdigit() and re.search(r"(?:^|[^\w.])-?0$", text[:p]):
        return p, "numbers cannot have leading zeros"
    if ch == "}" and text.startswith("{"):
        return 0, "a condition is written without braces: remove '{' and '}'"
    word = _WORD.match(text, p)
    if word and word.group().lower() in ("and", "or"):
        return p, "use '&&' and '||' instead of the words 'and' and 'or'"
    return p, f"{wanted}, found {_shown(ch)}"


def _explain_operand(text: str, p: int, ch: str) -> tuple[int, str]:
    if not ch:
        return p, f"the condition ends too early: expected {_VALUE_KINDS}"
    if ch in _NOT_A_VALUE:
        return p, _NOT_A_VALUE[ch]
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
    if ch in "=<>&|":
        op = re.match(r"[=<>&|!]+", text[p:])
        return p, f"expected a value before '{op.group() if op else ch}'"
    if ch in "-.+" or ch.isdigit():
        return p, "a number must be written like 12, -3, 0.5 or 1e6"
    return p, f"expected {_VALUE_KINDS}, found {_shown(ch)}"
