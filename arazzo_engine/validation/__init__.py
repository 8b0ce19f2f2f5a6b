"""Load-time validation beyond structure: semantics, warnings and reports.

Structure (fields, types, enums, required fields, patterns of keys) is checked
while the model is built (:mod:`arazzo_engine.load.model_builder`); references that
need the sources (operations, workflows, components, expression syntax) while
the run plan is compiled (:mod:`arazzo_engine.load.plan`).  This package adds:

* :func:`check_document` - on each document's model and raw data: unique ids,
  id patterns, ``in`` on parameters, names used by runtime expressions, flow
  warnings, JSON payload texts, inputs schemas;
* :func:`check_plans` - on the compiled plan: path parameters, undeclared
  parameters, inputs of called workflows, response bodies, message steps
  (:mod:`~arazzo_engine.validation.message_steps`);
* :mod:`~arazzo_engine.validation.report` - ordering and the text, JSON and
  GitHub formats of ``arazzo validate``;
* :mod:`~arazzo_engine.validation.optouts` - ``# arazzo: ignore[rule]`` comments;
* :mod:`~arazzo_engine.validation.alone` - checking a document without reading its
  sources (``arazzo validate --no-sources``).

:data:`RULES` lists every rule id a load can report.
"""

from collections.abc import Mapping

from arazzo_engine.errors import Diagnostic
from arazzo_engine.load.plan import WorkflowPlan
from arazzo_engine.load.reader import RawDocument
from arazzo_engine.validation.message_steps import check_message_steps
from arazzo_engine.validation.operations import check_plans as check_operations
from arazzo_engine.validation.report import finalize, render, strict
from arazzo_engine.validation.rules import NEEDS_SOURCES, PARTLY_NEEDS_SOURCES, RULES, Rule
from arazzo_engine.validation.semantic import check_document

__all__ = [
    "NEEDS_SOURCES",
    "PARTLY_NEEDS_SOURCES",
    "RULES",
    "Rule",
    "check_document",
    "check_plans",
    "finalize",
    "render",
    "strict",
]


def check_plans(
    plans: Mapping[str, WorkflowPlan],
    every_plan: Mapping[str, WorkflowPlan],
    raw: RawDocument,
) -> list[Diagnostic]:
    """Problems between the steps of ``plans`` and what they call (operations, channels,
    workflows, in ``every_plan``)."""
    return check_operations(plans, every_plan, raw) + check_message_steps(plans, raw)
