"""The three questions the JSONPath and XPath condition tests ask of a compiled condition.

Does it hold on a value; which syntax error refuses it; which error does testing
it on a value raise. ``ConditionChecks(JsonPathCondition)`` asks them of one kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import pytest

from arazzo_engine.errors import CriterionSyntaxError


class Condition(Protocol):
    """A condition compiled for one version of its language."""

    def test(self, value: Any) -> bool: ...


class ConditionChecks:
    """``holds``, ``syntax_error`` and ``evaluation_error`` for one condition class."""

    def __init__(self, compile_condition: Callable[[str, str | None], Condition]) -> None:
        self._compile = compile_condition

    def holds(self, condition: str, value: Any, version: str | None = None) -> bool:
        return self._compile(condition, version).test(value)

    def syntax_error(self, condition: str, version: str | None = None) -> CriterionSyntaxError:
        with pytest.raises(CriterionSyntaxError) as info:
            self._compile(condition, version)
        return info.value

    def evaluation_error(self, condition: str, value: Any, version: str | None = None) -> str:
        compiled = self._compile(condition, version)
        with pytest.raises(ValueError) as info:
            compiled.test(value)
        return str(info.value)
