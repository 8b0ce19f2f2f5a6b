"""How deep a value written around expressions can nest, worked out once per node.

A request body or parameter written as a list or object with expressions
inside (:class:`~arazzo_engine.expressions.ast.ObjectValue`,
:class:`~arazzo_engine.expressions.ast.ArrayValue`) is measured against
``MAX_DEPTH`` once its expressions are filled in.  Walking the whole value on
every execution is what :func:`~arazzo_engine.limits.too_deep` does; but only
the values the expressions give change between executions: the containers the
document wrote, its constants and its templates (text) do not.  A
:class:`DepthCheck` settles those parts once and, per execution, measures only
what each expression gave, at the depth the document put it; its answer is
exactly ``too_deep(value, limit)``.
"""

from __future__ import annotations

from typing import Any

from arazzo_engine.expressions.ast import ArrayValue, Constant, FileValue, ObjectValue, Template
from arazzo_engine.limits import too_deep

__all__ = ["DepthCheck"]

Path = tuple[Any, ...]
"""Keys and indices from the whole value down to one expression's value."""


class DepthCheck:
    """``too_deep(value, limit)`` for the values one node evaluates to."""

    __slots__ = ("_leaves", "_static")

    def __init__(self, node: ObjectValue | ArrayValue, limit: int) -> None:
        leaves: list[tuple[Path, int]] = []
        self._static = _walk(node, (), 1, limit, leaves)
        self._leaves = tuple((path, limit - depth) for path, depth in leaves)
        """Each expression's place in the value and how deep its value may nest there."""

    def too_deep(self, value: Any) -> bool:
        """Whether ``value`` (what the node evaluated to) nests deeper than the limit."""
        if self._static:
            return True
        for path, room in self._leaves:
            leaf = value
            for key in path:
                leaf = leaf[key]
            if type(leaf) in _SCALARS:
                continue
            if too_deep(leaf, room):
                return True
        return False


_SCALARS = frozenset({str, int, float, bool, type(None)})
"""Values that are never containers, whatever the room left."""


def _walk(node: Any, path: Path, depth: int, limit: int, leaves: list[tuple[Path, int]]) -> bool:
    """Collect the expressions under the container ``node`` (at nesting ``depth``);
    whether the parts the document fixed already nest deeper than ``limit``."""
    if depth > limit:
        return True
    children: list[tuple[Any, Any]]
    if isinstance(node, ObjectValue):
        children = list(dict(node.items).items())  # a key written twice: the last one counts
    else:
        children = list(enumerate(node.items))
    deep = False
    for key, child in children:
        place = (*path, key)
        if isinstance(child, (ObjectValue, ArrayValue)):
            deep = _walk(child, place, depth + 1, limit, leaves) or deep
        elif isinstance(child, Constant):
            deep = too_deep(child.value, limit - depth) or deep
        elif not isinstance(child, (Template, FileValue)):  # an expression: measured each time
            leaves.append((place, depth))
    return deep
