"""A compiled evaluator for the everyday RFC 9535 queries, giving python-jsonpath's nodes.

Why: python-jsonpath builds a match object (with its normalized path) for every
node it visits and walks filter expressions through generic ``evaluate``
calls; a criterion needs only the values.  :func:`compile_fast` turns a query
python-jsonpath has already parsed (so every syntax error stays the library's)
into closures over plain ``dict`` / ``list`` values, or returns ``None`` when
the query is outside the subset, which then keeps the library's evaluation.

The subset: child and descendant segments of name, index, wildcard and slice
selectors (unions too) and filters whose tests are existence tests (a relative
or absolute query without a descendant segment) or comparisons
(``== != < <= > >=``) between literals and singular queries, joined by ``&&``,
``||``, ``!`` and parentheses, at most :data:`MAX_PARTS` parts in all.
Functions are outside it.

Exactness.  The results are python-jsonpath's, quirks included (its tests are
``tests/test_jsonpath_fast.py``): ``==`` is Python's on values, so ``[1]``
equals ``[true]`` inside arrays and objects (a bool equals only a bool at the
top); ``<`` orders booleans as numbers; a slice also selects a string's
characters.  Whatever the closures cannot answer the same way raises
:class:`Fallback` while evaluating, and the caller runs the library instead:
a value that is not a plain ``dict``, ``list``, ``str``, ``int``, ``float``,
``bool`` or ``None`` (a tuple, a dict subclass ...), and a descendant segment
going deeper than the library's ``max_recursion_depth`` (where the library
raises its own error).

Early exit.  :meth:`FastQuery.holds` stops at the first node.  For a query
with a descendant segment the library would still have walked the rest of
the value and failed on one nested past its recursion limit, so a value that
nests that deep is evaluated whole before saying yes.

Bounds.  :func:`~arazzo_engine.patterns.checkpoint` is called for each node a
descendant segment visits, each child a wildcard, slice or filter selects
among, and each node a union of selectors is applied to, so an evaluation
stops when its time budget is spent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Final

from jsonpath import JSONPath
from jsonpath.filter import (
    BooleanLiteral,
    FilterExpression,
    FloatLiteral,
    InfixExpression,
    IntegerLiteral,
    Nil,
    PrefixExpression,
    RelativeFilterQuery,
    RootFilterQuery,
    StringLiteral,
)
from jsonpath.segments import JSONPathChildSegment, JSONPathRecursiveDescentSegment
from jsonpath.selectors import (
    Filter,
    IndexSelector,
    NameSelector,
    SliceSelector,
    WildcardSelector,
)

from arazzo_engine.patterns import checkpoint

__all__ = ["MAX_PARTS", "Fallback", "FastQuery", "compile_fast"]


class Fallback(Exception):
    """Raised while evaluating: this value needs the library's evaluation."""


class _Unsupported(Exception):
    """Raised while compiling: this query is outside the subset."""


Step = Callable[[Any, Any, list[Any]], bool]
"""A compiled rest of a query: (node, root, found nodes) -> stop now?"""
Test = Callable[[Any, Any], bool]
"""A compiled filter test: (current node, root) -> selected?"""
Operand = Callable[[Any, Any], Any]
"""A compiled comparable: (current node, root) -> value, or NOTHING."""


class _Nothing:
    """The value of a singular query that selects no node (RFC 9535 ``Nothing``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Nothing"


NOTHING: Final = _Nothing()
_NONE_TYPE: Final = type(None)
_SCALARS: Final = frozenset({str, int, float, bool, _NONE_TYPE})
"""The plain JSON values that have no children."""
_NOT_DICT: Final = _SCALARS | {list}
_NOT_LIST: Final = _SCALARS | {dict}
_NUMBERS: Final = (int, float, Decimal)
_NO_OUT: list[Any] = []
"""The found-nodes list of an early-exit evaluation, never appended to."""


def _collect(node: Any, root: Any, out: list[Any]) -> bool:
    out.append(node)
    return False


def _found(node: Any, root: Any, out: list[Any]) -> bool:
    return True


# ------------------------------------------------------------------ selectors


def _children(node: Any) -> Iterable[Any] | None:
    """A container's children in order; None for a scalar; Fallback for anything else."""
    kind = type(node)
    if kind is dict:
        return node.values()  # type: ignore[no-any-return]
    if kind is list:
        return node  # type: ignore[no-any-return]
    if kind in _SCALARS:
        return None
    raise Fallback


def _name(name: str, then: Step) -> Step:
    def select(node: Any, root: Any, out: list[Any]) -> bool:
        if type(node) is dict:
            value = node.get(name, NOTHING)
            return value is not NOTHING and then(value, root, out)
        if type(node) in _NOT_DICT:
            return False
        raise Fallback

    return select


def _index(index: int, then: Step) -> Step:
    def select(node: Any, root: Any, out: list[Any]) -> bool:
        if type(node) is list:
            try:
                value = node[index]
            except IndexError:
                return False
            return then(value, root, out)
        if type(node) in _NOT_LIST:
            return False
        raise Fallback

    return select


def _wildcard(then: Step) -> Step:
    def select(node: Any, root: Any, out: list[Any]) -> bool:
        children = _children(node)
        if children is None:
            return False
        for child in children:
            checkpoint()
            if then(child, root, out):
                return True
        return False

    return select


def _slice(window: slice, then: Step) -> Step:
    # python-jsonpath slices any sequence, so a string yields its characters.
    def select(node: Any, root: Any, out: list[Any]) -> bool:
        kind = type(node)
        if kind is list or kind is str:
            if window.step == 0:
                return False
            for index in range(*window.indices(len(node))):
                checkpoint()
                if then(node[index], root, out):
                    return True
            return False
        if kind is dict or kind in _SCALARS:
            return False
        raise Fallback

    return select


def _filter(test: Test, then: Step) -> Step:
    def select(node: Any, root: Any, out: list[Any]) -> bool:
        children = _children(node)
        if children is None:
            return False
        for child in children:
            checkpoint()
            if test(child, root) and then(child, root, out):
                return True
        return False

    return select


def _union(selectors: tuple[Step, ...]) -> Step:
    def select(node: Any, root: Any, out: list[Any]) -> bool:
        checkpoint()
        return any(selector(node, root, out) for selector in selectors)

    return select


def _selector(selector: Any, then: Step) -> Step:
    kind = type(selector)
    if kind is NameSelector:
        return _name(selector.name, then)
    if kind is IndexSelector:
        return _index(selector.index, then)
    if kind is WildcardSelector:
        return _wildcard(then)
    if kind is SliceSelector:
        return _slice(selector.slice, then)
    if kind is Filter:
        return _filter(_filter_test(selector.expression), then)
    raise _Unsupported(kind.__name__)


# ------------------------------------------------------------------ segments


def _descendant(apply: Step, limit: int, strings: bool) -> Step:
    """``..``: ``apply`` to the node and each descendant, in document order (pre-order).

    The library counts the node as depth 1 and visits strings (they are
    sequences) as well as containers; past ``limit`` it raises, so we fall back.
    ``strings``: whether applying the selectors to a string can select anything.
    """

    def visit(node: Any, depth: int, root: Any, out: list[Any]) -> bool:
        if depth > limit:
            raise Fallback
        checkpoint()
        if apply(node, root, out):
            return True
        kind = type(node)
        if kind is dict:
            children: Iterable[Any] = node.values()
        elif kind is list:
            children = node
        else:  # a string
            return False
        deeper = depth + 1
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                if visit(child, deeper, root, out):
                    return True
            elif kind is str:
                if deeper > limit:
                    raise Fallback
                if strings and apply(child, root, out):
                    return True
            elif kind not in _SCALARS:
                raise Fallback
        return False

    def segment(node: Any, root: Any, out: list[Any]) -> bool:
        kind = type(node)
        if kind is dict or kind is list or kind is str:
            return visit(node, 1, root, out)
        if kind in _SCALARS:
            return False
        raise Fallback

    return segment


def _chain(segments: tuple[Any, ...], last: Step, limit: int) -> Step:
    """The segments compiled back to front, each handing its nodes to the next."""
    then = last
    for segment in reversed(segments):
        selectors = tuple(_selector(selector, then) for selector in segment.selectors)
        if not selectors:
            raise _Unsupported("a segment without selectors")
        apply = selectors[0] if len(selectors) == 1 else _union(selectors)
        if isinstance(segment, JSONPathRecursiveDescentSegment):
            strings = any(type(selector) is SliceSelector for selector in segment.selectors)
            then = _descendant(apply, limit, strings)
        elif isinstance(segment, JSONPathChildSegment):
            then = apply
        else:
            raise _Unsupported(type(segment).__name__)
    return then


# ------------------------------------------------------------------ filters


def _is_query(expression: Any) -> bool:
    return type(expression) in (RelativeFilterQuery, RootFilterQuery)


def _filter_test(expression: Any) -> Test:
    if type(expression) is not FilterExpression:
        raise _Unsupported(type(expression).__name__)
    return _logical(expression.expression)


def _logical(expression: Any) -> Test:
    """A test: ``&&``, ``||``, ``!``, a comparison or an existence test."""
    kind = type(expression)
    if kind is InfixExpression:
        operator = expression.operator
        if operator in ("&&", "||"):
            left, right = _logical(expression.left), _logical(expression.right)
            if operator == "&&":
                return lambda current, root: left(current, root) and right(current, root)
            return lambda current, root: left(current, root) or right(current, root)
        return _comparison(operator, expression.left, expression.right)
    if kind is PrefixExpression and expression.operator == "!":
        operand = _logical(expression.right)
        return lambda current, root: not operand(current, root)
    if _is_query(expression):
        return _exists(expression)
    raise _Unsupported(kind.__name__)


def _exists(query: Any) -> Test:
    """An existence test: the query selects at least one node."""
    segments = query.path.segments
    if not segments:  # bare ``@`` / ``$``: the library tests the value's truth
        raise _Unsupported("a bare existence test")
    if any(not isinstance(segment, JSONPathChildSegment) for segment in segments):
        raise _Unsupported("a descendant segment inside a filter")
    selects = _chain(segments, _found, 0)
    if type(query) is RootFilterQuery:
        return lambda current, root: selects(root, root, _NO_OUT)

    def relative(current: Any, root: Any) -> bool:
        kind = type(current)
        if kind is dict or kind is list:
            return selects(current, root, _NO_OUT)
        if kind in _SCALARS:  # the library gives a scalar's relative query no nodes
            return False
        raise Fallback

    return relative


_LITERALS: Final = (StringLiteral, IntegerLiteral, FloatLiteral, BooleanLiteral)


def _operand(expression: Any) -> Operand:
    kind = type(expression)
    if kind in _LITERALS:
        value = expression.value
        return lambda current, root: value
    if kind is Nil:
        return lambda current, root: None
    if not _is_query(expression):
        raise _Unsupported(kind.__name__)
    steps: list[tuple[bool, Any]] = []
    for segment in expression.path.segments:
        if not isinstance(segment, JSONPathChildSegment) or len(segment.selectors) != 1:
            raise _Unsupported("a query that is not singular")
        selector = segment.selectors[0]
        if type(selector) is NameSelector:
            steps.append((True, selector.name))
        elif type(selector) is IndexSelector:
            steps.append((False, selector.index))
        else:
            raise _Unsupported("a query that is not singular")
    walk = _singular(tuple(steps))
    if type(expression) is RootFilterQuery:
        return lambda current, root: walk(root)
    return lambda current, root: walk(current)


def _singular(steps: tuple[tuple[bool, Any], ...]) -> Callable[[Any], Any]:
    """A singular query's value from its start node, or NOTHING."""
    if not steps:
        return lambda node: node
    if len(steps) == 1 and steps[0][0]:
        name = steps[0][1]

        def member(node: Any) -> Any:
            if type(node) is dict:
                return node.get(name, NOTHING)
            if type(node) in _NOT_DICT:
                return NOTHING
            raise Fallback

        return member

    def walk(node: Any) -> Any:
        for by_name, key in steps:
            kind = type(node)
            if by_name:
                if kind is dict:
                    node = node.get(key, NOTHING)
                    if node is NOTHING:
                        return NOTHING
                    continue
                if kind in _NOT_DICT:
                    return NOTHING
            else:
                if kind is list:
                    try:
                        node = node[key]
                    except IndexError:
                        return NOTHING
                    continue
                if kind in _NOT_LIST:
                    return NOTHING
            raise Fallback
        return node

    return walk


def _equal(left: Any, right: Any) -> bool:
    """python-jsonpath's ``==``: Nothing equals only Nothing; a bool only a bool."""
    if left is NOTHING or right is NOTHING:
        return left is right
    if isinstance(right, bool):
        left, right = right, left
    if isinstance(left, bool):
        return isinstance(right, bool) and left == right
    return bool(left == right)


def _less(left: Any, right: Any) -> bool:
    """python-jsonpath's ``<``: strings with strings, numbers (bools too) with numbers."""
    if isinstance(left, str) and isinstance(right, str):
        return left < right
    if isinstance(left, _NUMBERS) and isinstance(right, _NUMBERS):
        return bool(left < right)
    return False


def _comparison(operator: str, left_expression: Any, right_expression: Any) -> Test:
    left, right = _operand(left_expression), _operand(right_expression)
    if type(right_expression) in _LITERALS or type(right_expression) is Nil:
        return _against_literal(operator, left, right(None, None))
    if operator == "==":
        return lambda current, root: _equal(left(current, root), right(current, root))
    if operator == "!=":
        return lambda current, root: not _equal(left(current, root), right(current, root))
    if operator in ("<", ">", "<=", ">="):
        return _ordering(operator, left, right)
    raise _Unsupported(operator)


def _against_literal(operator: str, left: Operand, literal: Any) -> Test:
    """A comparison with a literal on the right, the common shape, with less dispatch."""
    if operator == "==" and type(literal) is str:

        def equal_string(current: Any, root: Any) -> bool:
            # Nothing and booleans never equal a string: Python's == alone says so.
            return bool(left(current, root) == literal)

        return equal_string
    if operator == "==":
        return lambda current, root: _equal(left(current, root), literal)
    if operator == "!=":
        return lambda current, root: not _equal(left(current, root), literal)
    if operator in ("<", ">", "<=", ">="):
        return _ordering(operator, left, lambda current, root: literal)
    raise _Unsupported(operator)


def _ordering(operator: str, left: Operand, right: Operand) -> Test:
    def less(current: Any, root: Any) -> bool:
        return _less(left(current, root), right(current, root))

    def greater(current: Any, root: Any) -> bool:
        return _less(right(current, root), left(current, root))

    def at_most(current: Any, root: Any) -> bool:
        a, b = left(current, root), right(current, root)
        return _less(a, b) or _equal(a, b)

    def at_least(current: Any, root: Any) -> bool:
        a, b = left(current, root), right(current, root)
        return _less(b, a) or _equal(a, b)

    return {"<": less, ">": greater, "<=": at_most, ">=": at_least}[operator]


# ------------------------------------------------------------------ queries


def _reaches(value: Any, level: int) -> bool:
    """Whether a container or a string sits ``level`` levels (or more) below ``value``.

    Anything but plain JSON values counts as reaching it (the caller then
    evaluates the whole query, which knows what to do with them).
    """
    if type(value) is not dict and type(value) is not list:
        return False
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        deeper = depth + 1
        for child in node.values() if type(node) is dict else node:
            kind = type(child)
            if kind is dict or kind is list:
                if deeper >= level:
                    return True
                stack.append((child, deeper))
            elif kind is str:
                if deeper >= level:
                    return True
            elif kind not in _SCALARS:
                return True
    return False


class FastQuery:
    """A query compiled to closures: its node list, or whether it has a node."""

    __slots__ = ("_all", "_any", "_descends", "_limit")

    def __init__(self, segments: tuple[Any, ...], limit: int) -> None:
        self._all = _chain(segments, _collect, limit)
        self._any = _chain(segments, _found, limit)
        self._descends = any(
            isinstance(segment, JSONPathRecursiveDescentSegment) for segment in segments
        )
        self._limit = limit

    def nodes(self, value: Any) -> list[Any]:
        """The values of the node list, in the library's order; Fallback when it must answer."""
        out: list[Any] = []
        self._all(value, value, out)
        return out

    def holds(self, value: Any) -> bool:
        """Whether the node list is not empty, stopping at the first node; Fallback likewise."""
        if not self._any(value, value, _NO_OUT):
            return False
        if self._descends and _reaches(value, self._limit):
            return bool(self.nodes(value))
        return True


MAX_PARTS: Final = 100
"""The most segments, selectors and filter expression nodes a query compiled here has.

Far beyond real queries; a longer one stays with the library, whose nested
generators reach Python's recursion limit at some length (about 490 segments)
that closures would not: the two must fail alike."""


def _parts(segments: tuple[Any, ...]) -> int:
    total = 0
    for segment in segments:
        total += 1 + len(segment.selectors)
        for selector in segment.selectors:
            if type(selector) is Filter:
                stack: list[Any] = [selector.expression]
                while stack:
                    node = stack.pop()
                    total += 1
                    if _is_query(node):
                        total += _parts(node.path.segments)
                    else:
                        stack.extend(node.children())
    return total


def compile_fast(path: JSONPath) -> FastQuery | None:
    """``path`` compiled to closures, or None when it is outside the subset."""
    if _parts(path.segments) > MAX_PARTS:
        return None
    try:
        return FastQuery(path.segments, path.env.max_recursion_depth)
    except _Unsupported:
        return None
