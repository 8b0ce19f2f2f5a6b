"""What a criterion kind is: a criterion compiled once at load, judged on every step.

A kind is one value of a Criterion's ``type`` (``simple``, ``regex``,
``jsonpath``, ``xpath``, or one a user registers).  It turns a
:class:`~arazzo_engine.model.Criterion` into a compiled form of its own type at
load (:meth:`CriterionKind.compile`) and judges that form against a step's
evaluation context (:meth:`CriterionKind.judge`).  :meth:`CriterionKind.bind`
joins the two into a :class:`CompiledCriterion`, the only thing the run plan,
the interpreter and the event builder hold: none of them branches on a kind's
name, and judging is one method call on an object made at load.

Most kinds test their condition against the value of the criterion's
``context``: :class:`ContextKind` does the common part (the context is
required, evaluated, ``null`` fails the criterion, the event shows its value),
so such a kind only compiles its condition and judges one value.

In an Arazzo 1.1 document a context kind's condition may embed runtime
expressions as ``{$...}`` (``^({$inputs.pattern})$``): they are parsed once at
load (:func:`~arazzo_engine.expressions.split_embedded`), and at each judgement
evaluated and substituted, the resulting text compiled by the kind (kept in a
small cache per criterion, so a text met again is not compiled again) and
judged.  A 1.0 document's condition is never split.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, ClassVar, Generic, TypeVar, final

from arazzo_engine.errors import CriterionCompileError, CriterionSyntaxError, ExpressionSyntaxError
from arazzo_engine.expressions import (
    EvaluationContext,
    Expression,
    Template,
    Version,
    evaluate,
    parse_expression,
    split_embedded,
)
from arazzo_engine.expressions.evaluate import compile_node
from arazzo_engine.expressions.trace import Term
from arazzo_engine.model import Criterion

__all__ = [
    "CompiledCriterion",
    "ContextForm",
    "ContextKind",
    "CriterionKind",
    "EmbeddedCondition",
    "ExpressionVersion",
    "Verdict",
    "check_length",
    "embedded_template",
    "parse_context",
]

Verdict = tuple[bool, str | None]
"""Whether a criterion held, and when it could not be judged, the reason why."""

F = TypeVar("F")
"""A kind's compiled form."""
C = TypeVar("C")
"""A context kind's compiled condition."""


@dataclass(frozen=True, slots=True)
class ExpressionVersion:
    """One version of a kind's expression language (a Criterion Expression Type ``version``).

    ``arazzo`` is the first Arazzo version whose documents may name it: the
    model builder warns when a document's version does not allow it, and the
    engine still evaluates it.
    """

    name: str
    """As written in the document: ``draft-goessner-dispatch-jsonpath-00``, ``xpath-30``."""
    dialect: str
    """What it means, for messages and for the kind: ``XPath 3.0``."""
    arazzo: str = "1.0"

    def allowed_in(self, arazzo_version: str) -> bool:
        """Whether a document of ``arazzo_version`` (``1.0.1``) may name this version."""
        return _minor(arazzo_version) >= _minor(self.arazzo)


def _minor(version: str) -> tuple[int, ...]:
    parts = version.split(".")[:2]
    return tuple(int(part) if part.isdigit() else 0 for part in parts)


@dataclass(frozen=True, slots=True)
class CompiledCriterion:
    """A criterion ready to judge: its kind's compiled form, bound to the kind's methods.

    Neither method raises: a criterion never crashes a run.  An exception while
    judging fails the criterion with the exception as the reason; one while
    tracing leaves the terms out (the verdict came from :meth:`judge`).
    """

    criterion: Criterion
    kind: str
    """The kind's name, the criterion's ``type``."""
    _judge: Callable[[EvaluationContext], Verdict] = field(repr=False, compare=False)
    _terms: Callable[[EvaluationContext, bool], tuple[Term, ...]] = field(repr=False, compare=False)

    @property
    def text(self) -> str:
        return self.criterion.condition

    def judge(self, context: EvaluationContext) -> Verdict:
        """Whether the criterion holds, and why not when it could not be judged."""
        try:
            return self._judge(context)
        except Exception as error:  # the reason is kept, the run goes on
            return False, f"evaluating the criterion failed: {error}"

    def terms(self, context: EvaluationContext, passed: bool) -> tuple[Term, ...]:
        """What the criterion looked at, with values, for its ``CriterionEvaluated`` event."""
        try:
            return self._terms(context, passed)
        except Exception:  # a trace that cannot be made is left out
            return ()


class CriterionKind(ABC, Generic[F]):
    """One criterion ``type``: compiles a criterion to an ``F`` and judges that ``F``.

    Subclasses set ``name`` (the ``type`` documents write) and, when the kind
    takes a Criterion Expression Type ``version``, ``versions``.
    """

    name: ClassVar[str]
    versions: ClassVar[tuple[ExpressionVersion, ...]] = ()
    """Every version the kind evaluates; empty when the kind takes none."""
    runtime_condition: ClassVar[bool] = False
    """True when the condition is written in the engine's condition language
    (``$statusCode == 200``), so load-time checks read its runtime expressions."""

    @abstractmethod
    def compile(self, criterion: Criterion) -> F:
        """The compiled form; :class:`CriterionCompileError` when it cannot be made."""

    def compile_in(self, criterion: Criterion, version: Version) -> F:
        """The compiled form for a document whose expressions are of dialect ``version``.

        A kind whose condition or context holds runtime expressions reads them in
        that dialect; the default is :meth:`compile` (a kind that reads none).
        """
        return self.compile(criterion)

    @abstractmethod
    def judge(self, compiled: F, context: EvaluationContext) -> Verdict:
        """Whether the criterion holds in ``context`` (may raise: the caller keeps the reason)."""

    def terms(self, compiled: F, context: EvaluationContext, passed: bool) -> tuple[Term, ...]:
        """What a ``CriterionEvaluated`` event shows of the judged criterion."""
        return ()

    def judgement(self, compiled: F) -> Callable[[EvaluationContext], Verdict]:
        """:meth:`judge` with ``compiled`` bound: what a step calls for each verdict.

        A kind may give a function that reaches the same verdict in fewer calls;
        it must stand for :meth:`judge` exactly.
        """
        return partial(self.judge, compiled)

    @final
    def bind(self, criterion: Criterion, version: Version = "1.0") -> CompiledCriterion:
        """Compile ``criterion`` (of a document of expression dialect ``version``) and
        bind the result to this kind, ready to judge."""
        compiled = self.compile_in(criterion, version)
        return CompiledCriterion(
            criterion, self.name, self.judgement(compiled), partial(self.terms, compiled)
        )


_EMBEDDED_CACHE_SIZE = 64
"""Compiled conditions kept per embedding criterion (distinct substituted texts)."""


class EmbeddedCondition(Generic[C]):
    """An Arazzo 1.1 condition with ``{$...}`` expressions: substituted, then compiled.

    The expressions were parsed at load; each judgement evaluates them, writes
    their values into the text (strings as they are, other scalars in their JSON
    form, structures as JSON) and compiles the result, once per distinct text.
    """

    __slots__ = ("_cache", "_compile", "_lock", "criterion", "template")

    def __init__(
        self, criterion: Criterion, template: Template, compile: Callable[[Criterion], C]
    ) -> None:
        self.criterion = criterion
        self.template = template
        self._compile = compile
        self._cache: dict[str, C] = {}
        self._lock = threading.Lock()

    def text(self, context: EvaluationContext) -> str:
        """The condition with this judgement's values substituted."""
        return str(evaluate(self.template, context))

    def resolve(self, context: EvaluationContext) -> C:
        """The condition compiled for this judgement (ValueError when it does not compile)."""
        text = self.text(context)
        found = self._cache.get(text)
        if found is not None:
            return found
        try:
            compiled = self._compile(replace(self.criterion, condition=text))
        except CriterionCompileError as error:
            raise ValueError(
                f"the condition with its values substituted, {text!r}, does not compile: "
                f"{error.reason}"
            ) from None
        with self._lock:
            if len(self._cache) >= _EMBEDDED_CACHE_SIZE:
                self._cache.clear()
            self._cache[text] = compiled
        return compiled


@dataclass(frozen=True, slots=True)
class ContextForm(Generic[C]):
    """A context kind's compiled form: the parsed context and the compiled condition
    (or, for an Arazzo 1.1 condition embedding expressions, how to make it per judgement)."""

    context: Expression
    context_text: str
    condition: C | EmbeddedCondition[C]


class ContextKind(CriterionKind[ContextForm[C]]):
    """A kind that tests its condition against the value of the criterion's ``context``.

    A subclass compiles the condition (:meth:`compile_condition`) and judges one
    non-null value (:meth:`judge_value`).  A context that evaluates to ``null``
    (or to nothing) fails the criterion with a reason; the event shows the
    context and its value.
    """

    @abstractmethod
    def compile_condition(self, criterion: Criterion) -> C:
        """The compiled condition (:class:`CriterionCompileError` or
        :class:`CriterionSyntaxError` when it cannot be made)."""

    @abstractmethod
    def judge_value(self, condition: C, value: Any) -> Verdict:
        """Whether ``condition`` holds on the context's value (never ``None``)."""

    def compile(self, criterion: Criterion) -> ContextForm[C]:
        return self.compile_in(criterion, "1.0")

    def compile_in(self, criterion: Criterion, version: Version) -> ContextForm[C]:
        context = parse_context(criterion, version)
        if context is None or criterion.context is None:
            raise CriterionCompileError("context", f"a {self.name} criterion needs a 'context'")
        template = embedded_template(criterion, version)
        if template is not None:
            embedded = EmbeddedCondition(criterion, template, self._compiled_condition)
            return ContextForm(context, criterion.context, embedded)
        return ContextForm(context, criterion.context, self._compiled_condition(criterion))

    def _compiled_condition(self, criterion: Criterion) -> C:
        try:
            return self.compile_condition(criterion)
        except CriterionSyntaxError as error:
            raise CriterionCompileError("condition", str(error)) from None

    def judge(self, compiled: ContextForm[C], context: EvaluationContext) -> Verdict:
        value = evaluate(compiled.context, context)
        if value is None:
            return False, f"the context {compiled.context_text} has no value"
        condition = compiled.condition
        if isinstance(condition, EmbeddedCondition):
            return self.judge_value(condition.resolve(context), value)
        return self.judge_value(condition, value)

    def judgement(self, compiled: ContextForm[C]) -> Callable[[EvaluationContext], Verdict]:
        """:meth:`judge` in one function (unless a subclass judges its own way)."""
        if type(self).judge is not ContextKind.judge or isinstance(
            compiled.condition, EmbeddedCondition
        ):
            return super().judgement(compiled)
        expression, condition, judge_value = compiled.context, compiled.condition, self.judge_value
        missing: Verdict = (False, f"the context {compiled.context_text} has no value")

        def judged(context: EvaluationContext) -> Verdict:
            read = expression._compiled  # evaluate(expression, context), one call shorter
            value = (read or compile_node(expression))(context)
            if value is None:
                return missing
            return judge_value(condition, value)

        return judged

    def terms(
        self, compiled: ContextForm[C], context: EvaluationContext, passed: bool
    ) -> tuple[Term, ...]:
        text = compiled.context_text
        value = evaluate(compiled.context, context)
        return (Term(text, None, text, value, None, None, passed),)


def parse_context(criterion: Criterion, version: Version = "1.0") -> Expression | None:
    """The criterion's parsed ``context`` (in the dialect ``version``), None when it has none."""
    if criterion.context is None:
        return None
    try:
        return parse_expression(criterion.context, version=version)
    except ExpressionSyntaxError as error:
        raise CriterionCompileError("context", error.render()) from None


def embedded_template(criterion: Criterion, version: Version) -> Template | None:
    """The condition split around its embedded ``{$...}`` expressions when it has any
    and the document is Arazzo 1.1; None otherwise (the condition is used as written).

    Raises :class:`CriterionCompileError` when an embedded expression does not parse.
    """
    if version != "1.1" or "{$" not in criterion.condition:
        return None
    try:
        template = split_embedded(criterion.condition)
    except ExpressionSyntaxError as error:
        raise CriterionCompileError("condition", error.render()) from None
    if all(isinstance(part, str) for part in template.parts):
        return None  # every '{$' was escaped
    return template


def check_length(condition: str, limit: int, what: str) -> None:
    """Refuse a condition longer than ``limit``: documents may be hostile."""
    if len(condition) > limit:
        raise CriterionCompileError(
            "condition", f"{what} is {len(condition)} characters long; the limit is {limit}"
        )
