"""Success and action criteria: compiled once at load, judged per step."""

from arazzo_engine.criteria.compiled import (
    CompiledCriterion,
    CriterionCompileError,
    compile_criterion,
    judge,
)

__all__ = ["CompiledCriterion", "CriterionCompileError", "compile_criterion", "judge"]
