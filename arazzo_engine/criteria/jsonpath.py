"""``jsonpath`` criteria: a JSONPath condition judged against the criterion's context.

Dialects
--------
* No ``version`` (the default): **RFC 9535** JSONPath, evaluated by
  ``python-jsonpath`` in its strict mode (no non-standard syntax; the functions
  ``length``, ``count``, ``match``, ``search`` and ``value``).  Common queries
  (no functions) run on closures compiled from its parse, which give the same
  nodes faster (:mod:`arazzo_engine.criteria._jsonpath_fast`).
* ``draft-goessner-dispatch-jsonpath-00``: Goessner's original JSONPath, as
  implemented by ``jsonpath-ng``'s extended parser (filters ``[?(...)]``, ``=~``
  regular expressions, the ``len`` extension ...).  Warnings that
  ``jsonpath-ng`` raises about its own deprecated syntax are silenced.

Both libraries are imported on the first ``jsonpath`` criterion compiled
(:mod:`arazzo_engine.criteria._jsonpath_dialects`, which also says which of
their versions it was tested with).

Any other version is a :class:`~arazzo_engine.errors.CriterionSyntaxError`
naming the known ones.  :data:`VERSIONS` is the one table of versions: the
model builder warns about a version the document's Arazzo version does not
allow, and this module evaluates every version in it.

Conditions are compiled once, when the criterion is built; leading and
trailing whitespace around the whole condition is ignored.

The context
-----------
The evaluated ``context`` (usually ``$response.body``, already decoded) is the
query argument.  A Python ``str`` is a JSON string, never JSON text to decode;
``bytes`` cannot be queried (:class:`ValueError`).

Pass rule
---------
A plain query passes when its node list is non-empty (the rule Arazzo 1.1
makes explicit): ``$.pets[*]`` passes on ``{"pets": [1]}``, fails on
``{"pets": []}``.

Root filter rule
----------------
Arazzo's own example ``$[?count(@.pets) > 0]`` means "the context has pets",
yet under strict RFC 9535 (and Goessner) a filter selects among the
*children* of the value it is applied to.  So: when the query's **first
segment is a child segment made only of filter selectors** (``$[?...]``,
``$[?...,?...]``; not ``$..[?...]``, not ``$[?..., 0]``) **and the context is
a JSON object**, the filter is applied to a one-element array holding the
context, i.e. it tests the context object itself; the rest of the query goes
on from the object if it passed.  ``$`` inside the filter still means the
context.  Every other query (``$.pets[*]``, ``$..[?...]``, a filter on an
array context ...) keeps the dialect's normal semantics.

Under this rule only, RFC 9535 ``count()`` of a node list holding exactly one
node whose value is an array counts that array's elements (RFC 9535 would
count the one node), which is what Arazzo's example means: on
``{"pets": [1]}`` ``$[?count(@.pets) > 0]`` passes, on ``{"pets": []}`` it
fails.  ``$[?length(@.pets) > 0]`` is the portable way to write it.

RFC 9535 comparisons with a missing member are kept as the RFC defines them:
``$[?@.access_token != null]`` passes on ``{"foo": 1}`` (nothing is not equal
to null).  To require the member, test its existence: ``$[?@.access_token]``.

Comparison form
---------------
A condition that is not one JSONPath query but a boolean combination of
comparisons is also accepted (fal's documents write
``$.status == "COMPLETED"``)::

    condition  = or
    or         = and *( "||" and )
    and        = unary *( "&&" unary )
    unary      = "!" "(" or ")" / "(" or ")" / comparison
    comparison = query op ( query / literal )
    op         = "==" / "!=" / "<" / "<=" / ">" / ">="
    literal    = true / false / null / JSON number
               / 'single-quoted' ('' for a quote) / "double-quoted" (JSON escapes)

A condition is a plain query when it starts with ``$`` and the dialect
compiles it whole; otherwise it is read in this form (``form`` says which:
``"query"`` or ``"comparison"``).  Precedence is ``||`` < ``&&`` <
comparison.  A query here starts with ``$``
and runs through ``.name``, ``..name``, ``.*``, ``[...]`` (brackets balanced,
quotes respected) with no whitespace between its segments; it is compiled in
the criterion's dialect, root filter rule included.  Each query must select at
most one node: a query that selects several nodes makes the evaluation fail
(:class:`ValueError`).  Zero nodes is an absent value, which the engine treats
as ``null`` everywhere: ``$.access_token != null`` is false when the body has
no ``access_token``, and ordering with it is false.  One node's value is compared
by the rules of simple conditions (:mod:`arazzo_engine.expressions.evaluate`):
strings case-insensitively, a number against a numeric string numerically,
``null`` equals only ``null``, ordering with ``null``, booleans or mismatched
types is false.

Errors
------
A query or comparison that does not parse raises
:class:`~arazzo_engine.errors.CriterionSyntaxError` at construction, quoting
the condition with the column; the kind reports it as a ``criterion`` error at
load.  :meth:`JsonPathCondition.test` raises :class:`ValueError` with a reason
when the condition cannot be evaluated; the criterion then fails with that reason.

Bounds
------
A condition longer than ``MAX_QUERY_LENGTH`` characters is refused at load.
An evaluation runs within ``EVALUATION_SECONDS`` and each regular expression
(``match()``, ``search()``, ``=~``, ``sub()``) within ``MATCH_SECONDS``
(:mod:`arazzo_engine.patterns`); going over fails the criterion with the
reason.  A Goessner pattern that does not compile is a syntax error at load.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final

from arazzo_engine.criteria._jsonpath_comparison import (
    EvaluationError,
    FormError,
    FormParser,
    Nodes,
    QueryError,
    judge_tree,
)
from arazzo_engine.criteria.kind import ContextKind, ExpressionVersion, Verdict, check_length
from arazzo_engine.errors import CriterionSyntaxError, EvaluationLimitError
from arazzo_engine.model import Criterion
from arazzo_engine.patterns import time_budget

__all__ = [
    "GOESSNER",
    "KNOWN_VERSIONS",
    "MAX_QUERY_LENGTH",
    "RFC9535",
    "VERSIONS",
    "JsonPathCondition",
    "JsonPathKind",
]

GOESSNER: Final = "draft-goessner-dispatch-jsonpath-00"
RFC9535: Final = "rfc9535"
VERSIONS: Final = (
    ExpressionVersion(RFC9535, "RFC 9535 JSONPath", arazzo="1.1"),
    ExpressionVersion(GOESSNER, "Goessner JSONPath", arazzo="1.0"),
)
"""The versions an Expression Type may name; no version means RFC 9535 (named in 1.1)."""
KNOWN_VERSIONS: Final = tuple(version.name for version in VERSIONS)
MAX_QUERY_LENGTH: Final = 4_000
"""The longest JSONPath condition compiled."""


def _compiler(language: str, condition: str, version: str | None) -> Callable[[str], Nodes]:
    from arazzo_engine.criteria import _jsonpath_dialects as dialects  # heavy: on first use

    if version is None or version == RFC9535:
        return dialects.compile_rfc9535
    if version == GOESSNER:
        return dialects.compile_goessner
    known = ", ".join(KNOWN_VERSIONS)
    raise CriterionSyntaxError(
        language,
        condition,
        f"unknown JSONPath version {version!r} (known: {known}; give no version for RFC 9535)",
    )


def _holds(nodes: Nodes) -> Callable[[Any], bool]:
    """The query form's judge: stops at the first node where the dialect can."""
    from arazzo_engine.criteria import _jsonpath_dialects as dialects  # loaded by _compiler

    return dialects.holds_function(nodes)


class JsonPathCondition:
    """A ``jsonpath`` criterion's condition, compiled once (see the module docstring)."""

    __slots__ = ("_judge", "condition", "form", "version")

    def __init__(self, condition: str, version: str | None) -> None:
        self.condition = condition
        self.version = version
        language = "JSONPath" if version is None else f"JSONPath ({version})"
        compile_query = _compiler(language, condition, version)
        text = condition.strip()
        lead = len(condition) - len(condition.lstrip())

        def syntax_error(reason: str, offset: int | None) -> CriterionSyntaxError:
            column = None if offset is None else lead + offset + 1
            return CriterionSyntaxError(language, condition, reason, column)

        if not text:
            raise syntax_error("the condition is empty", None)
        query_error: QueryError | None = None
        if text.startswith("$"):
            try:
                nodes = compile_query(text)
            except QueryError as error:
                query_error = error
            else:
                self.form = "query"
                self._judge: Callable[[Any], bool] = _holds(nodes)
                return
        try:
            parser = FormParser(text, compile_query)
            single_query = len(parser.tokens) == 1 and parser.tokens[0][0] == "query"
            if single_query and query_error is not None:  # a plain query that does not compile
                raise syntax_error(query_error.reason, query_error.offset)
            tree = parser.parse()
        except FormError as error:
            raise syntax_error(error.reason, error.offset) from None
        self.form = "comparison"
        self._judge = lambda value: judge_tree(tree, value)

    def test(self, value: Any) -> bool:
        """Whether the condition holds on ``value``; :class:`ValueError` when it cannot tell.

        EvaluationLimitError when the evaluation goes over a limit.
        """
        if isinstance(value, (bytes, bytearray, memoryview)):
            raise ValueError("the context is binary data, not a JSON value")
        try:
            with time_budget("the JSONPath condition"):
                return self._judge(value)
        except (EvaluationError, EvaluationLimitError):
            raise
        except Exception as error:
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise ValueError(f"evaluating the JSONPath condition failed: {reason}") from None

    def __repr__(self) -> str:
        return f"JsonPathCondition({self.condition!r}, {self.version!r})"


@lru_cache(maxsize=1024)
def _cached_condition(condition: str, version: str | None) -> JsonPathCondition:
    """Compiled once per text: documents repeat the same query on many steps."""
    return JsonPathCondition(condition, version)


class JsonPathKind(ContextKind[JsonPathCondition]):
    """``type: jsonpath``: a JSONPath query (or comparison form) on the context's JSON value."""

    name = "jsonpath"
    versions = VERSIONS

    def compile_condition(self, criterion: Criterion) -> JsonPathCondition:
        check_length(criterion.condition, MAX_QUERY_LENGTH, f"the {self.name} condition")
        return _cached_condition(criterion.condition, criterion.version)

    def judge_value(self, condition: JsonPathCondition, value: Any) -> Verdict:
        try:
            return condition.test(value), None
        except EvaluationLimitError as error:
            return False, str(error)
