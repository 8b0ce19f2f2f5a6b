"""The node unions of expressions.ast: closed, and holding every node class they should.

Every dispatch over nodes is a ``match`` on one of these unions that ends in
``assert_never``, so mypy reports a node kind that a branch forgets, but only for
kinds the union lists.  These tests make sure a new node class cannot be left out.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing

import pytest

from arazzo_engine.expressions import ast, evaluate, unparse, walk_expressions
from arazzo_engine.expressions.trace import source_text
from tests.expression_context import DictContext

EXPRESSION = frozenset({"RuntimeExpression", "Comparable", "Condition", "ValueNode", "ParsedNode"})
VALUE = frozenset({"ValueNode", "ParsedNode"})
OPERAND = frozenset({"Comparable", "Condition", "ParsedNode"})
CONDITION = frozenset({"Condition", "ParsedNode"})

# Each concrete node class and the unions it belongs to.
MEMBERSHIP: dict[type, frozenset[str]] = {
    ast.Url: EXPRESSION,
    ast.Method: EXPRESSION,
    ast.StatusCode: EXPRESSION,
    ast.RequestHeader: EXPRESSION,
    ast.RequestQuery: EXPRESSION,
    ast.RequestPath: EXPRESSION,
    ast.RequestBody: EXPRESSION,
    ast.ResponseHeader: EXPRESSION,
    ast.ResponseBody: EXPRESSION,
    ast.ResponseQuery: EXPRESSION,
    ast.ResponsePath: EXPRESSION,
    ast.InputRef: EXPRESSION,
    ast.OutputRef: EXPRESSION,
    ast.StepOutputRef: EXPRESSION,
    ast.WorkflowInputRef: EXPRESSION,
    ast.WorkflowOutputRef: EXPRESSION,
    ast.SourceDescriptionRef: EXPRESSION,
    ast.ComponentRef: EXPRESSION,
    ast.MessageHeader: EXPRESSION,  # Arazzo 1.1
    ast.MessagePayload: EXPRESSION,
    ast.SelfRef: EXPRESSION,
    ast.Template: VALUE,
    ast.Constant: VALUE,
    ast.ObjectValue: VALUE,
    ast.ArrayValue: VALUE,
    ast.FileValue: VALUE,
    ast.SelectorValue: VALUE,  # Arazzo 1.1
    ast.Literal: OPERAND,
    ast.Access: OPERAND,
    ast.Compare: CONDITION,
    ast.Not: CONDITION,
    ast.And: CONDITION,
    ast.Or: CONDITION,
    ast.Index: frozenset({"Accessor"}),
    ast.Member: frozenset({"Accessor"}),
}
# Classes that only group others (base of the cache slot; base of the expressions).
BASES = frozenset({ast.Node, ast.Expression})


def node_classes() -> set[type]:
    return {
        cls
        for _, cls in inspect.getmembers(ast, inspect.isclass)
        if cls.__module__ == ast.__name__ and issubclass(cls, ast.Node)
    }


def node_unions() -> dict[str, tuple[type, ...]]:
    """Every union of node classes the module defines, by name."""
    found: dict[str, tuple[type, ...]] = {}
    for name, value in vars(ast).items():
        if not isinstance(value, types.UnionType):
            continue
        members = typing.get_args(value)
        if all(isinstance(member, type) and issubclass(member, ast.Node) for member in members):
            found[name] = members
    return found


def test_the_unions_are_the_documented_ones_and_exported() -> None:
    unions = set(node_unions())
    assert unions == {name for names in MEMBERSHIP.values() for name in names}
    assert unions <= set(ast.__all__)


def test_every_node_class_of_the_module_is_in_the_table() -> None:
    assert node_classes() - BASES == set(MEMBERSHIP)
    assert all(dataclasses.is_dataclass(cls) for cls in MEMBERSHIP)


@pytest.mark.parametrize("cls", list(MEMBERSHIP), ids=lambda cls: cls.__name__)
def test_node_class_belongs_to_exactly_its_unions(cls: type) -> None:
    member_of = {name for name, members in node_unions().items() if cls in members}
    assert member_of == MEMBERSHIP[cls]


def test_unions_list_concrete_classes_only() -> None:
    for name, members in node_unions().items():
        assert not set(members) & BASES, name


def test_every_expression_subclass_is_a_runtime_expression() -> None:
    subclasses = {cls for cls in node_classes() if issubclass(cls, ast.Expression)}
    assert subclasses - BASES == set(typing.get_args(ast.RuntimeExpression))


def test_every_node_class_is_reachable_from_a_parsed_tree() -> None:
    covered = set(typing.get_args(ast.ParsedNode)) | set(typing.get_args(ast.Accessor))
    assert covered == node_classes() - BASES


# Public entry points take any node and refuse what they cannot handle, as before.


def test_an_accessor_alone_is_not_evaluated_unparsed_or_walked() -> None:
    with pytest.raises(TypeError, match="cannot evaluate Index"):
        evaluate(ast.Index(0), DictContext())
    with pytest.raises(TypeError, match="cannot unparse Member"):
        unparse(ast.Member("a"))
    assert list(walk_expressions(ast.Member("a"))) == []
    assert source_text(ast.Index(2)) == "Index(index=2)"


def test_values_are_not_unparsed() -> None:
    with pytest.raises(TypeError, match="cannot unparse Constant"):
        unparse(ast.Constant(1))


def test_is_parsed_node_is_the_union_check() -> None:
    assert all(ast.is_parsed_node(cls) is False for cls in MEMBERSHIP)  # classes, not nodes
    assert ast.is_parsed_node(ast.Url())
    assert ast.is_parsed_node(ast.Constant([1]))
    assert not ast.is_parsed_node(ast.Index(0))
    assert not ast.is_parsed_node("$url")

    class Subclass(ast.Url):  # exact-type fast path misses it; isinstance still accepts it
        pass

    assert ast.is_parsed_node(Subclass())
