"""Arazzo runtime expressions, templates, "any | {expression}" values and conditions.

Parse once, evaluate many times::

    cond = parse_condition("$statusCode == 200 && $response.body#/status == 'ok'")
    evaluate_condition(cond, ctx)            # -> bool
    evaluate(parse_expression("$inputs.token"), ctx)
    evaluate(parse_template("Bearer {$inputs.token}"), ctx)
    evaluate(parse_value({"id": "$steps.s.outputs.id"}), ctx)
    evaluate(parse_payload({"$file": "$inputs.path"}, folder="/docs"), ctx)  # a FileReference
    parse_expression("$message.payload#/id", version="1.1")   # the Arazzo 1.1 dialect
    evaluate(split_embedded("^({$inputs.pattern})$"), ctx)   # a 1.1 regex condition's text

The grammar and which characters end names and JSON pointers are described in
:mod:`arazzo_engine.expressions.parser`; how parse errors get their plain-language
reasons in :mod:`arazzo_engine.expressions.parse_errors`; the evaluation rules in
:mod:`arazzo_engine.expressions.evaluate`; the node classes and their closed
unions in :mod:`arazzo_engine.expressions.ast`.
"""

from arazzo_engine.expressions.ast import (
    Condition,
    Expression,
    Template,
    ValueNode,
    referenced_steps,
    walk_expressions,
)
from arazzo_engine.expressions.context import EvaluationContext
from arazzo_engine.expressions.embedded import split_embedded
from arazzo_engine.expressions.evaluate import evaluate, evaluate_condition
from arazzo_engine.expressions.files import FileReference
from arazzo_engine.expressions.parser import (
    Version,
    dialect_of,
    parse_condition,
    parse_expression,
    parse_payload,
    parse_template,
    parse_value,
)
from arazzo_engine.expressions.unparse import unparse

__all__ = [
    "Condition",
    "EvaluationContext",
    "Expression",
    "FileReference",
    "Template",
    "ValueNode",
    "Version",
    "dialect_of",
    "evaluate",
    "evaluate_condition",
    "parse_condition",
    "parse_expression",
    "parse_payload",
    "parse_template",
    "parse_value",
    "referenced_steps",
    "split_embedded",
    "unparse",
    "walk_expressions",
]
