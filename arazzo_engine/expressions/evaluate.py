"""Evaluate parsed expressions, templates, values and conditions.

Each node is compiled once into a small closure (cached on the node), so
evaluating a parsed condition costs a few function calls.

Semantics
---------
* An expression yields the JSON value it names, type preserved.  Anything
  absent (missing header or input, a step that has not run, a JSON pointer
  without target, a pointer into text) yields ``None``; nothing raises.
  ``$message.*`` (Arazzo 1.1) reads the message of the step (a message step's,
  sent or received; None elsewhere).  ``$self`` is the context's
  :meth:`~arazzo_engine.expressions.EvaluationContext.self_uri`.
* Input and output names may contain dots (Q-C2): ``$inputs.a.b.c`` uses the
  longest prefix naming an existing key (``a.b.c``, then ``a.b``, then ``a``)
  and reads the rest as object members.
* JSON pointers follow RFC 6901: array indices are decimal without leading
  zeros and ``-`` never resolves.  Header names are passed to the context
  lower-cased (the context matches them case-insensitively).
* Templates turn embedded values into text: strings unchanged, ``true`` /
  ``false`` / ``null``, numbers as JSON, objects and arrays as compact JSON.
* Conditions: ``==`` / ``!=`` compare two strings case-insensitively
  (``casefold``), a number with a numeric string numerically, ``null`` equals
  only ``null``, booleans never equal numbers, other type pairs are unequal,
  arrays and objects element by element with the same rules.  ``<`` ``<=``
  ``>`` ``>=`` order numbers (numeric strings coerced) and strings
  (case-insensitively); with ``null``, booleans or mismatched types they are
  false.  ``&&`` / ``||`` short-circuit and count a side as true only if it is
  exactly ``True``; ``!x`` is true unless ``x`` is exactly ``True``.  ``[n]``
  reads a list element, ``.name`` an object member, else ``None``.  A
  condition passes only when it evaluates to exactly ``True``.

A :class:`~arazzo_engine.expressions.ast.Constant` evaluates to the very object
it holds: copy it before mutating it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from arazzo_engine._compat import assert_never
from arazzo_engine.expressions.ast import (
    Access,
    Accessor,
    And,
    ArrayValue,
    Compare,
    ComponentRef,
    Condition,
    Constant,
    Expression,
    FileValue,
    Index,
    InputRef,
    Literal,
    Member,
    MessageHeader,
    MessagePayload,
    Method,
    Node,
    Not,
    ObjectValue,
    Or,
    OutputRef,
    ParsedNode,
    RequestBody,
    RequestHeader,
    RequestPath,
    RequestQuery,
    ResponseBody,
    ResponseHeader,
    ResponsePath,
    ResponseQuery,
    RuntimeExpression,
    SelectorValue,
    SelfRef,
    SourceDescriptionRef,
    StatusCode,
    StepOutputRef,
    Template,
    Url,
    WorkflowInputRef,
    WorkflowOutputRef,
    is_parsed_node,
)
from arazzo_engine.expressions.context import EvaluationContext
from arazzo_engine.expressions.files import FileReference

__all__ = ["compile_node", "evaluate", "evaluate_condition", "loose_equal", "to_text"]

Fn = Callable[[EvaluationContext], Any]
_Step = tuple[str, int]  # a JSON pointer token and its array index (-1: not an index)

_NUMBER_TYPES = (int, float, Decimal)
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_NUMERIC_STRING = re.compile(r"\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*")
_INTEGER_STRING = re.compile(r"\s*[-+]?[0-9]+\s*")


# ------------------------------------------------------------------ helpers


def _steps(pointer: tuple[str, ...]) -> tuple[_Step, ...]:
    return tuple(
        (token, int(token) if _ARRAY_INDEX.fullmatch(token) and len(token) < 19 else -1)
        for token in pointer
    )


def _resolve(value: Any, steps: tuple[_Step, ...]) -> Any:
    """Follow pre-split JSON pointer steps; ``None`` when there is no target."""
    for key, index in steps:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list):
            if 0 <= index < len(value):
                value = value[index]
            else:
                return None
        elif isinstance(value, Mapping):
            value = value.get(key)
        elif isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray)):
            if 0 <= index < len(value):
                value = value[index]
            else:
                return None
        else:
            return None
        if value is None:
            return None
    return value


def _members(value: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        if isinstance(value, Mapping):
            value = value.get(name)
        else:
            return None
    return value


def _name_lookup(name: str) -> Callable[[Mapping[str, Any] | None], Any]:
    """A reader of ``name`` from a mapping, longest existing dotted prefix first."""
    if "." not in name:

        def simple(mapping: Mapping[str, Any] | None) -> Any:
            return None if mapping is None else mapping.get(name)

        return simple
    pieces = name.split(".")
    candidates = tuple(
        (".".join(pieces[:cut]), tuple(pieces[cut:])) for cut in range(len(pieces) - 1, 0, -1)
    )

    def dotted(mapping: Mapping[str, Any] | None) -> Any:
        if mapping is None:
            return None
        if name in mapping:
            return mapping[name]
        for prefix, rest in candidates:
            if prefix in mapping:
                return _members(mapping[prefix], rest)
        return None

    return dotted


def _with_pointer(read: Fn, pointer: tuple[str, ...] | None) -> Fn:
    if not pointer:  # None (no '#') or () (the whole value)
        return read
    steps = _steps(pointer)

    def pointed(ctx: EvaluationContext) -> Any:
        return _resolve(read(ctx), steps)

    return pointed


def _response_body(pointer: tuple[str, ...] | None) -> Fn:
    """``$response.body`` with its pointer: what ``_with_pointer`` makes, one call shorter,
    and for a one-token pointer to an object member (``#/name``) two calls shorter."""
    if not pointer:
        return lambda ctx: ctx.response_body()
    steps = _steps(pointer)
    if len(steps) == 1 and steps[0][1] == -1:
        ((key, _),) = steps

        def member(ctx: EvaluationContext) -> Any:
            value = ctx.response_body()
            if type(value) is dict:
                return value.get(key)
            return _resolve(value, steps)

        return member
    return lambda ctx: _resolve(ctx.response_body(), steps)


def _step_output(step_id: str, name: str, pointer: tuple[str, ...] | None) -> Fn:
    """``$steps.<id>.outputs.<name>``: a name without dots is read in one call."""
    if "." in name or pointer:
        lookup = _name_lookup(name)
        return _with_pointer(lambda ctx: lookup(ctx.step_outputs(step_id)), pointer)

    def output(ctx: EvaluationContext) -> Any:
        outputs = ctx.step_outputs(step_id)
        return None if outputs is None else outputs.get(name)

    return output


def _to_number(text: str) -> int | float | None:
    if not _NUMERIC_STRING.fullmatch(text):
        return None
    try:
        return int(text) if _INTEGER_STRING.fullmatch(text) else float(text)
    except ValueError:  # too many digits for int()
        return float(text)


def _is_number(value: Any) -> bool:
    return isinstance(value, _NUMBER_TYPES) and not isinstance(value, bool)


def loose_equal(left: Any, right: Any) -> bool:
    """``==`` of the simple condition language (see the module docstring)."""
    kind = type(left)
    if kind is type(right) and (kind is int or kind is str):  # the usual: answered at once
        return left == right or (kind is str and left.casefold() == right.casefold())
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, str):
        if isinstance(right, str):
            return left == right or left.casefold() == right.casefold()
        if _is_number(right):
            number = _to_number(left)
            return number is not None and number == right
        return False
    if _is_number(left):
        if _is_number(right):
            return bool(left == right)
        if isinstance(right, str):
            number = _to_number(right)
            return number is not None and number == left
        return False
    if isinstance(left, Mapping):
        return (
            isinstance(right, Mapping)
            and left.keys() == right.keys()
            and all(loose_equal(left[key], right[key]) for key in left)
        )
    if isinstance(left, (list, tuple)):
        return (
            isinstance(right, (list, tuple))
            and len(left) == len(right)
            and all(loose_equal(a, b) for a, b in zip(left, right, strict=True))
        )
    return type(left) is type(right) and bool(left == right)


def _ordered(left: Any, right: Any) -> tuple[Any, Any] | None:
    """The pair to order, or ``None`` when the two values cannot be ordered."""
    if isinstance(left, str):
        if isinstance(right, str):
            return left.casefold(), right.casefold()
        if _is_number(right):
            number = _to_number(left)
            return None if number is None else (number, right)
        return None
    if _is_number(left):
        if _is_number(right):
            return left, right
        if isinstance(right, str):
            number = _to_number(right)
            return None if number is None else (left, number)
    return None


def _lt(left: Any, right: Any) -> bool:
    pair = _ordered(left, right)
    return pair is not None and bool(pair[0] < pair[1])


def _le(left: Any, right: Any) -> bool:
    pair = _ordered(left, right)
    return pair is not None and bool(pair[0] <= pair[1])


def _gt(left: Any, right: Any) -> bool:
    pair = _ordered(left, right)
    return pair is not None and bool(pair[0] > pair[1])


def _ge(left: Any, right: Any) -> bool:
    pair = _ordered(left, right)
    return pair is not None and bool(pair[0] >= pair[1])


def _ne(left: Any, right: Any) -> bool:
    return not loose_equal(left, right)


_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": loose_equal,
    "!=": _ne,
    "<": _lt,
    "<=": _le,
    ">": _gt,
    ">=": _ge,
}


def compare(op: str, left: Any, right: Any) -> bool:
    """Compare two values by the simple-condition rules (``op`` is ``==``, ``<``, ...)."""
    return _COMPARATORS[op](left, right)


def to_text(value: Any) -> str:
    """How an embedded ``{$...}`` value is written into a template."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return json.dumps(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, (Mapping, list, tuple)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return str(value)


# ---------------------------------------------------------------- compiling


def _compile_expression(node: RuntimeExpression) -> Fn:
    match node:
        case StatusCode():
            return lambda ctx: ctx.status_code
        case Url():
            return lambda ctx: ctx.url
        case Method():
            return lambda ctx: ctx.method
        case ResponseBody():
            return _response_body(node.pointer)
        case RequestBody():
            return _with_pointer(lambda ctx: ctx.request_body(), node.pointer)
        case RequestHeader():
            header = node.name.lower()
            return lambda ctx: ctx.request_header(header)
        case ResponseHeader():
            header = node.name.lower()
            return lambda ctx: ctx.response_header(header)
        case RequestQuery():
            query = node.name
            return lambda ctx: ctx.request_query(query)
        case RequestPath():
            path = node.name
            return lambda ctx: ctx.request_path(path)
        case ResponseQuery() | ResponsePath():
            return lambda ctx: None  # a response has no query or path parameters
        case InputRef():
            lookup = _name_lookup(node.name)
            return _with_pointer(lambda ctx: lookup(ctx.inputs()), node.pointer)
        case OutputRef():
            lookup = _name_lookup(node.name)
            return _with_pointer(lambda ctx: lookup(ctx.outputs()), node.pointer)
        case StepOutputRef():
            return _step_output(node.step_id, node.name, node.pointer)
        case WorkflowInputRef():
            lookup, workflow_id = _name_lookup(node.name), node.workflow_id
            return _with_pointer(lambda ctx: lookup(ctx.workflow_inputs(workflow_id)), node.pointer)
        case WorkflowOutputRef():
            lookup, workflow_id = _name_lookup(node.name), node.workflow_id
            return _with_pointer(
                lambda ctx: lookup(ctx.workflow_outputs(workflow_id)), node.pointer
            )
        case SourceDescriptionRef():
            source, source_field = node.name, node.field
            return lambda ctx: ctx.source_description(source, source_field)
        case ComponentRef():
            kind, name = node.kind, node.name
            return lambda ctx: ctx.component(kind, name)
        case SelfRef():
            return lambda ctx: ctx.self_uri()
        case MessageHeader():
            header = node.name
            return lambda ctx: ctx.message_header(header)
        case MessagePayload():
            return _with_pointer(lambda ctx: ctx.message_payload(), node.pointer)
        case _:
            assert_never(node)


def _accessor(accessor: Accessor) -> Callable[[Any], Any]:
    """One ``[n]`` or ``.name`` step of an access: ``None`` when it does not apply."""
    match accessor:
        case Index():
            index = accessor.index

            def item(value: Any) -> Any:
                if isinstance(value, (list, tuple)) and index < len(value):
                    return value[index]
                return None

            return item
        case Member():
            name = accessor.name

            def member(value: Any) -> Any:
                return value.get(name) if isinstance(value, Mapping) else None

            return member
        case _:
            assert_never(accessor)


def _compile_access(node: Access) -> Fn:
    target = compile_node(node.target)
    steps = tuple(_accessor(accessor) for accessor in node.path)
    if len(steps) == 1:
        (only,) = steps
        return lambda ctx: only(target(ctx))

    def access(ctx: EvaluationContext) -> Any:
        value = target(ctx)
        for step in steps:
            value = step(value)
        return value

    return access


def _compile_template(node: Template) -> Fn:
    parts = tuple(part if isinstance(part, str) else compile_node(part) for part in node.parts)
    if not parts:
        return lambda ctx: ""
    if len(parts) == 1:
        only = parts[0]
        if isinstance(only, str):
            return lambda ctx: only
        return lambda ctx: to_text(only(ctx))

    def render(ctx: EvaluationContext) -> str:
        return "".join([part if isinstance(part, str) else to_text(part(ctx)) for part in parts])

    return render


def _compile_and(operands: tuple[Condition, ...]) -> Fn:
    fns = tuple(compile_node(operand) for operand in operands)
    if len(fns) == 2:
        first, second = fns
        return lambda ctx: first(ctx) is True and second(ctx) is True

    def all_true(ctx: EvaluationContext) -> bool:
        return all(fn(ctx) is True for fn in fns)

    return all_true


def _compile_or(operands: tuple[Condition, ...]) -> Fn:
    fns = tuple(compile_node(operand) for operand in operands)
    if len(fns) == 2:
        first, second = fns
        return lambda ctx: first(ctx) is True or second(ctx) is True

    def any_true(ctx: EvaluationContext) -> bool:
        return any(fn(ctx) is True for fn in fns)

    return any_true


def _compile_compare(node: Compare) -> Fn:
    compare, left, right = _COMPARATORS[node.op], compile_node(node.left), node.right
    if type(right) is Literal:
        constant = right.value
        return lambda ctx: compare(left(ctx), constant)
    right_fn = compile_node(right)
    return lambda ctx: compare(left(ctx), right_fn(ctx))


def _compile_file(node: FileValue) -> Fn:
    """A marker the document wrote: a FileReference (never a mapping), keeping its folder."""
    source = compile_node(node.source)
    filename = compile_node(node.filename) if node.filename is not None else None
    content_type = compile_node(node.content_type) if node.content_type is not None else None
    folder = node.folder

    def file(ctx: EvaluationContext) -> FileReference:
        return FileReference(
            source(ctx),
            filename(ctx) if filename is not None else None,
            content_type(ctx) if content_type is not None else None,
            folder,
        )

    return file


def _build(node: ParsedNode) -> Fn:
    match node:
        case Compare():
            return _compile_compare(node)
        case Constant() | Literal():
            value = node.value
            return lambda ctx: value
        case And():
            return _compile_and(node.operands)
        case Or():
            return _compile_or(node.operands)
        case Not():
            operand = compile_node(node.operand)
            return lambda ctx: operand(ctx) is not True
        case Access():
            return _compile_access(node)
        case Template():
            return _compile_template(node)
        case ObjectValue():
            items = tuple((key, compile_node(value)) for key, value in node.items)
            return lambda ctx: {key: fn(ctx) for key, fn in items}
        case ArrayValue():
            elements = tuple(compile_node(element) for element in node.items)
            return lambda ctx: [fn(ctx) for fn in elements]
        case FileValue():
            return _compile_file(node)
        case SelectorValue():
            context, select = compile_node(node.context), node.select
            return lambda ctx: select(context(ctx))
        case Expression():
            return _compile_expression(node)
        case _:
            assert_never(node)


def compile_node(node: Node) -> Fn:
    """The closure evaluating ``node`` (built once, then cached on the node)."""
    fn = getattr(node, "_compiled", None)
    if fn is None:
        if not isinstance(node, Node):
            raise TypeError(f"cannot evaluate {type(node).__name__}; parse it first")
        if not is_parsed_node(node):  # an accessor is evaluated by its Access
            raise TypeError(f"cannot evaluate {type(node).__name__}")
        fn = _build(node)
        object.__setattr__(node, "_compiled", fn)
    return fn


def evaluate(node: Node, ctx: EvaluationContext) -> Any:
    """The value of an expression, template, value or condition node.

    Expressions and values keep their JSON type; a template yields text; a
    condition node yields its (boolean or operand) value.
    """
    fn = getattr(node, "_compiled", None)
    if fn is None:
        fn = compile_node(node)
    return fn(ctx)


def evaluate_condition(cond: Condition, ctx: EvaluationContext) -> bool:
    """True only when the condition evaluates to exactly ``True``."""
    fn = cond._compiled
    if fn is None:
        fn = compile_node(cond)
    return fn(ctx) is True
