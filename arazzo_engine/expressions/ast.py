"""The syntax tree of runtime expressions, templates, values and conditions.

Every node is a small frozen dataclass; two trees are equal when they have the
same shape and the same fields.  Nodes also carry one private, non-compared slot
(``_compiled``) in which :func:`arazzo_engine.expressions.evaluate` caches the
closure it builds for the node the first time the node is evaluated.

Runtime expressions (:data:`RuntimeExpression`; all subclasses of :class:`Expression`)::

    Url  Method  StatusCode
    RequestHeader(name)  RequestQuery(name)  RequestPath(name)  RequestBody(pointer)
    ResponseHeader(name)  ResponseQuery(name)  ResponsePath(name)  ResponseBody(pointer)
    InputRef(name, pointer)  OutputRef(name, pointer)
    StepOutputRef(step_id, name, pointer)
    WorkflowInputRef(workflow_id, name, pointer)  WorkflowOutputRef(workflow_id, name, pointer)
    SourceDescriptionRef(name, field)  ComponentRef(kind, name)
    MessageHeader(name)  MessagePayload(pointer)  SelfRef      (Arazzo 1.1 only)

``pointer`` is ``None`` when the text has no ``#``, else the tuple of decoded
JSON Pointer reference tokens (``()`` for a bare ``#``: the whole value).

Templates: ``Template(parts)``, the parts being literal ``str`` and expressions.

Values of "any | {expression}" fields (:data:`ValueNode`): a :class:`Constant`,
an expression, a :class:`Template`, an :class:`ObjectValue` /
:class:`ArrayValue` holding at least one expression (or file) somewhere inside,
or, in a request body payload only, a :class:`FileValue`: a ``$file`` marker
the document's own text wrote; in an Arazzo 1.1 document, a :class:`SelectorValue`
(a Selector Object, its query compiled by the caller of the parse).

Conditions (:data:`Condition`): ``Literal(value)``, an expression,
``Access(target, path)`` (an expression followed by ``[n]`` / ``.member``
accessors, :data:`Accessor`: :class:`Index`, :class:`Member`),
``Compare(op, left, right)``, ``Not(operand)``, ``And(operands)`` and
``Or(operands)`` (flattened: no direct child of an ``And`` is an ``And``,
likewise for ``Or``).

Dispatch over nodes
-------------------
The unions (:data:`RuntimeExpression`, :data:`Accessor`, :data:`Comparable`,
:data:`Condition`, :data:`ValueNode` and :data:`ParsedNode`, any tree a parse
function returns) list concrete classes only, and are closed: code that acts on
each kind of node matches on one of them and ends with
``case _: assert_never(node)``, so mypy names the branch a new node kind lacks.
In a ``case``, ``Expression()`` stands for every runtime expression at once.
Functions that accept any object narrow it with :func:`is_parsed_node` first
(``isinstance`` against a union of 31 classes is slow on the load path).  A test
checks that every node class of this module is in the unions it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeGuard, get_args
from typing import Literal as TypingLiteral

from arazzo_engine._compat import assert_never

__all__ = [
    "Access",
    "Accessor",
    "And",
    "ArrayValue",
    "Comparable",
    "Compare",
    "CompareOp",
    "ComponentRef",
    "Condition",
    "Constant",
    "Expression",
    "FileValue",
    "Index",
    "InputRef",
    "Literal",
    "Member",
    "MessageHeader",
    "MessagePayload",
    "Method",
    "Node",
    "Not",
    "ObjectValue",
    "Or",
    "OutputRef",
    "ParsedNode",
    "RequestBody",
    "RequestHeader",
    "RequestPath",
    "RequestQuery",
    "ResponseBody",
    "ResponseHeader",
    "ResponsePath",
    "ResponseQuery",
    "RuntimeExpression",
    "SelectorValue",
    "SelfRef",
    "SourceDescriptionRef",
    "StatusCode",
    "StepOutputRef",
    "Template",
    "Url",
    "ValueNode",
    "WorkflowInputRef",
    "WorkflowOutputRef",
    "is_parsed_node",
    "referenced_steps",
    "walk_expressions",
]

Pointer = tuple[str, ...] | None
CompareOp = TypingLiteral["==", "!=", "<", "<=", ">", ">="]


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every node; holds the evaluator's cache (not part of equality)."""

    _compiled: Callable[[Any], Any] | None = field(
        default=None, init=False, repr=False, compare=False, hash=False
    )


# ------------------------------------------------------------------ expressions


@dataclass(frozen=True, slots=True)
class Expression(Node):
    """Base of the runtime expression nodes (annotate with :data:`RuntimeExpression`)."""


@dataclass(frozen=True, slots=True)
class Url(Expression):
    """``$url``."""


@dataclass(frozen=True, slots=True)
class Method(Expression):
    """``$method``."""


@dataclass(frozen=True, slots=True)
class StatusCode(Expression):
    """``$statusCode``."""


@dataclass(frozen=True, slots=True)
class RequestHeader(Expression):
    """``$request.header.<name>`` (``name`` as written; matched case-insensitively)."""

    name: str


@dataclass(frozen=True, slots=True)
class RequestQuery(Expression):
    """``$request.query.<name>``."""

    name: str


@dataclass(frozen=True, slots=True)
class RequestPath(Expression):
    """``$request.path.<name>``."""

    name: str


@dataclass(frozen=True, slots=True)
class RequestBody(Expression):
    """``$request.body`` with an optional ``#`` JSON pointer."""

    pointer: Pointer = None


@dataclass(frozen=True, slots=True)
class ResponseHeader(Expression):
    """``$response.header.<name>`` (``name`` as written; matched case-insensitively)."""

    name: str


@dataclass(frozen=True, slots=True)
class ResponseQuery(Expression):
    """``$response.query.<name>``: valid under the 1.0.1 ABNF, yet a response has no query
    parameters, so it is always null."""

    name: str


@dataclass(frozen=True, slots=True)
class ResponsePath(Expression):
    """``$response.path.<name>``: valid under the 1.0.1 ABNF, always null (see above)."""

    name: str


@dataclass(frozen=True, slots=True)
class ResponseBody(Expression):
    """``$response.body`` with an optional ``#`` JSON pointer."""

    pointer: Pointer = None


@dataclass(frozen=True, slots=True)
class InputRef(Expression):
    """``$inputs.<name>[#pointer]``."""

    name: str
    pointer: Pointer = None


@dataclass(frozen=True, slots=True)
class OutputRef(Expression):
    """``$outputs.<name>[#pointer]``."""

    name: str
    pointer: Pointer = None


@dataclass(frozen=True, slots=True)
class StepOutputRef(Expression):
    """``$steps.<step_id>.outputs.<name>[#pointer]``."""

    step_id: str
    name: str
    pointer: Pointer = None


@dataclass(frozen=True, slots=True)
class WorkflowInputRef(Expression):
    """``$workflows.<workflow_id>.inputs.<name>[#pointer]``."""

    workflow_id: str
    name: str
    pointer: Pointer = None


@dataclass(frozen=True, slots=True)
class WorkflowOutputRef(Expression):
    """``$workflows.<workflow_id>.outputs.<name>[#pointer]``."""

    workflow_id: str
    name: str
    pointer: Pointer = None


@dataclass(frozen=True, slots=True)
class SourceDescriptionRef(Expression):
    """``$sourceDescriptions.<name>.<field>``."""

    name: str
    field: str


@dataclass(frozen=True, slots=True)
class ComponentRef(Expression):
    """``$components.<kind>.<name>``; kind is parameters, successActions, failureActions, inputs."""

    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class MessageHeader(Expression):
    """``$message.header.<name>`` (Arazzo 1.1): a header of the step's AsyncAPI message."""

    name: str


@dataclass(frozen=True, slots=True)
class MessagePayload(Expression):
    """``$message.payload`` with an optional ``#`` JSON pointer (Arazzo 1.1)."""

    pointer: Pointer = None


@dataclass(frozen=True, slots=True)
class SelfRef(Expression):
    """``$self`` (Arazzo 1.1): the canonical URI of the document holding the expression."""


# -------------------------------------------------------------------- templates


@dataclass(frozen=True, slots=True)
class Template(Node):
    """Text with embedded ``{$...}`` expressions; never two adjacent ``str`` parts, no ``''``."""

    parts: tuple[str | RuntimeExpression, ...]


# ----------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True, eq=False)
class Constant(Node):
    """A literal value of an "any | {expression}" field, returned as is (do not mutate it)."""

    value: Any

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is Constant
            and type(self.value) is type(other.value)
            and self.value == other.value
        )

    def __hash__(self) -> int:
        return hash((Constant, type(self.value), self.value))


@dataclass(frozen=True, slots=True)
class ObjectValue(Node):
    """A mapping with at least one expression inside; keys stay literal."""

    items: tuple[tuple[Any, ValueNode], ...]


@dataclass(frozen=True, slots=True)
class ArrayValue(Node):
    """A list with at least one expression inside."""

    items: tuple[ValueNode, ...]


@dataclass(frozen=True, slots=True)
class FileValue(Node):
    """A ``{"$file": ..., "filename": ..., "contentType": ...}`` marker written in a payload.

    Only a document's own text makes one (parsed at load, see
    :func:`~arazzo_engine.expressions.parse_payload`): a mapping with a ``$file``
    key that a response or an input carries at run time is ordinary data.  It
    evaluates to a :class:`~arazzo_engine.expressions.files.FileReference`.
    ``folder`` is the folder of the local document that wrote it (a path
    resolves there); None when a remote document wrote it (bytes only).
    """

    source: ValueNode
    filename: ValueNode | None
    content_type: ValueNode | None
    folder: str | None


@dataclass(frozen=True, slots=True)
class SelectorValue(Node):
    """An Arazzo 1.1 Selector Object: ``select`` applied to the value of ``context``.

    The query (JSONPath, XPath or JSON Pointer) is compiled by whoever parses
    the value (the run plan, with :mod:`arazzo_engine.criteria.selector`): this
    package only evaluates ``context`` and hands its value to ``select``, which
    raises an ``ArazzoError`` naming ``where`` when it cannot select.
    """

    context: RuntimeExpression
    selector: str
    type: str
    """``jsonpath``, ``xpath`` or ``jsonpointer``."""
    version: str
    select: Callable[[Any], Any] = field(compare=False, hash=False, repr=False)


# ------------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True, eq=False)
class Literal(Node):
    """``true``, ``false``, ``null``, a number or a string in a condition.

    Equality also compares the Python type, so ``true`` differs from ``1``.
    """

    value: bool | int | float | str | None

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is Literal
            and type(self.value) is type(other.value)
            and self.value == other.value
        )

    def __hash__(self) -> int:
        return hash((Literal, type(self.value), self.value))


@dataclass(frozen=True, slots=True)
class Index(Node):
    """``[n]`` accessor (0-based)."""

    index: int


@dataclass(frozen=True, slots=True)
class Member(Node):
    """``.name`` accessor."""

    name: str


@dataclass(frozen=True, slots=True)
class Access(Node):
    """A runtime expression followed by one or more accessors."""

    target: RuntimeExpression
    path: tuple[Accessor, ...]


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """``left op right``; both sides are literals, expressions or accesses."""

    op: CompareOp
    left: Comparable
    right: Comparable


@dataclass(frozen=True, slots=True)
class Not(Node):
    """``!operand``: true unless the operand is exactly ``True``."""

    operand: Condition


@dataclass(frozen=True, slots=True)
class And(Node):
    """``a && b && ...`` (two or more operands, short-circuit)."""

    operands: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or(Node):
    """``a || b || ...`` (two or more operands, short-circuit)."""

    operands: tuple[Condition, ...]


# ---------------------------------------------------------------- closed unions

RuntimeExpression = (
    Url
    | Method
    | StatusCode
    | RequestHeader
    | RequestQuery
    | RequestPath
    | RequestBody
    | ResponseHeader
    | ResponseQuery
    | ResponsePath
    | ResponseBody
    | InputRef
    | OutputRef
    | StepOutputRef
    | WorkflowInputRef
    | WorkflowOutputRef
    | SourceDescriptionRef
    | ComponentRef
    | MessageHeader
    | MessagePayload
    | SelfRef
)
Accessor = Index | Member
Comparable = Literal | RuntimeExpression | Access
Condition = Comparable | Compare | Not | And | Or
ValueNode = (
    Constant | RuntimeExpression | Template | ObjectValue | ArrayValue | FileValue | SelectorValue
)
ParsedNode = ValueNode | Condition

_PARSED_NODE_CLASSES = frozenset(get_args(ParsedNode))


def is_parsed_node(value: object) -> TypeGuard[ParsedNode]:
    """Whether ``value`` is a node a parse function can return (not an accessor, not text).

    One set lookup: ``isinstance`` against the union tries its 31 classes in turn.
    """
    return type(value) in _PARSED_NODE_CLASSES or isinstance(value, ParsedNode)


# ------------------------------------------------------------------ traversal


def walk_expressions(node: Node) -> Iterator[RuntimeExpression]:
    """Every runtime expression inside ``node`` (itself included), in text order."""
    return _expressions_in(node) if is_parsed_node(node) else iter(())  # an accessor holds none


def _expressions_in(node: ParsedNode) -> Iterator[RuntimeExpression]:
    # The commonest kinds first: a class pattern costs a little more than isinstance.
    match node:
        case Expression():
            yield node
        case Literal() | Constant():
            pass
        case Compare():
            yield from _expressions_in(node.left)
            yield from _expressions_in(node.right)
        case And() | Or():
            for operand in node.operands:
                yield from _expressions_in(operand)
        case Template():
            for part in node.parts:
                if not isinstance(part, str):
                    yield part
        case Access():
            yield node.target
        case Not():
            yield from _expressions_in(node.operand)
        case ObjectValue():
            for _, value in node.items:
                yield from _expressions_in(value)
        case ArrayValue():
            for item in node.items:
                yield from _expressions_in(item)
        case FileValue():
            yield from _expressions_in(node.source)
            if node.filename is not None:
                yield from _expressions_in(node.filename)
            if node.content_type is not None:
                yield from _expressions_in(node.content_type)
        case SelectorValue():
            yield node.context
        case _:
            assert_never(node)


def referenced_steps(node: Node) -> frozenset[str]:
    """The step ids of every ``$steps.<id>.outputs...`` inside ``node``."""
    return frozenset(
        expression.step_id
        for expression in walk_expressions(node)
        if isinstance(expression, StepOutputRef)
    )
