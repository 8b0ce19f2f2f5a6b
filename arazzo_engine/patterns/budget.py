"""Time budgets: how long one evaluation of a document's query may run.

A JSONPath or XPath query from a document can cost far more than its length
suggests (nested descendants, nested loops, a regular expression per node), so
each evaluation runs inside a :func:`time_budget`.  The code that evaluates
(the engine's hooks into the query libraries, and every bounded
:class:`~arazzo_engine.patterns.matching.Pattern` match) calls
:func:`checkpoint`, which raises :class:`~arazzo_engine.errors.EvaluationLimitError`
once the budget is spent.

A budget remembers that it was exceeded: if a library catches the error and
carries on, leaving the budget raises it again, so an evaluation cut short is
never read as a result.  The budget lives in a context variable, so threads and
concurrent runs each have their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from time import monotonic

from arazzo_engine.errors import EvaluationLimitError

__all__ = ["EVALUATION_SECONDS", "checkpoint", "exceeded", "remaining", "time_budget"]

EVALUATION_SECONDS = 1.0
"""The longest one evaluation may take: a JSONPath or XPath criterion's condition
on one context, an XPath condition's constant parts computed while it is parsed,
one payload replacement target, one inputs or OpenAPI schema check.  Read when
each evaluation starts, so a program may set it (process-wide)."""


class _Budget:
    """The deadline of the evaluation running now, and why it was exceeded, if it was."""

    __slots__ = ("deadline", "reason", "seconds", "what")

    def __init__(self, what: str, seconds: float) -> None:
        self.what = what
        self.seconds = seconds
        self.deadline = monotonic() + seconds
        self.reason: str | None = None


_CURRENT: ContextVar[_Budget | None] = ContextVar("arazzo_engine_time_budget", default=None)


@contextmanager
def time_budget(what: str, seconds: float | None = None) -> Iterator[None]:
    """Run the body within ``seconds`` (``EVALUATION_SECONDS`` by default); ``what``
    names it in the error (``the XPath condition``).

    Nested budgets share the outermost one.  Raises EvaluationLimitError on
    leaving when the budget was exceeded, even if the body swallowed the error.
    """
    if _CURRENT.get() is not None:
        yield
        return
    budget = _Budget(what, EVALUATION_SECONDS if seconds is None else seconds)
    token = _CURRENT.set(budget)
    try:
        yield
    finally:
        _CURRENT.reset(token)
    if budget.reason is not None:
        raise EvaluationLimitError(budget.reason)


def checkpoint() -> None:
    """Raise EvaluationLimitError when the running evaluation is past its deadline."""
    budget = _CURRENT.get()
    if budget is not None and monotonic() > budget.deadline:
        raise exceeded(f"{budget.what} took longer than {budget.seconds:g} s")


def remaining() -> float | None:
    """Seconds left to the running evaluation; None outside any budget."""
    budget = _CURRENT.get()
    return None if budget is None else budget.deadline - monotonic()


def exceeded(reason: str) -> EvaluationLimitError:
    """The error to raise for ``reason``; the running budget (if any) remembers it."""
    budget = _CURRENT.get()
    if budget is not None and budget.reason is None:
        budget.reason = reason
    return EvaluationLimitError(reason)
