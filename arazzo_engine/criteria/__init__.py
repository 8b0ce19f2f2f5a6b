"""Success and action criteria: compiled once at load, judged per step.

Each Criterion ``type`` is a kind (:class:`CriterionKind`) held in one
registry: ``simple`` (:mod:`~arazzo_engine.criteria.simple`), ``regex``
(:mod:`~arazzo_engine.criteria.regex`), ``jsonpath``
(:mod:`~arazzo_engine.criteria.jsonpath`), ``xpath``
(:mod:`~arazzo_engine.criteria.xpath`), and any kind registered with
:func:`register`.  See docs/criteria.md for how to add one.
"""

from arazzo_engine.criteria.kind import (
    CompiledCriterion,
    ContextForm,
    ContextKind,
    CriterionKind,
    ExpressionVersion,
    Verdict,
)
from arazzo_engine.criteria.registry import (
    RegisteredKind,
    compile_criterion,
    judge,
    kind_named,
    kind_names,
    register,
    unregister,
)
from arazzo_engine.errors import CriterionCompileError, CriterionSyntaxError

__all__ = [
    "CompiledCriterion",
    "ContextForm",
    "ContextKind",
    "CriterionCompileError",
    "CriterionKind",
    "CriterionSyntaxError",
    "ExpressionVersion",
    "RegisteredKind",
    "Verdict",
    "compile_criterion",
    "judge",
    "kind_named",
    "kind_names",
    "register",
    "unregister",
]
