"""A step ``dependsOn`` entry (Arazzo 1.1), read once at load into what it names.

The three forms are references, not runtime expressions (no ABNF production):
a bare ``stepId`` (a step of the same workflow),
``$workflows.<workflowId>.steps.<stepId>`` (a step of a workflow of the same
document) and ``$sourceDescriptions.<name>.<workflowId>.steps.<stepId>`` (a
step of a workflow of an Arazzo source description).  The model builder has
already refused every other form (``step-depends-on``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["StepDependency", "read_step_dependency"]

_WORKFLOWS = re.compile(r"^\$workflows\.(?P<workflow>[^.]+)\.steps\.(?P<step>[^.]+)$")
_SOURCES = re.compile(
    r"^\$sourceDescriptions\.(?P<source>[^.]+)\.(?P<workflow>[^.]+)\.steps\.(?P<step>[^.]+)$"
)


@dataclass(frozen=True, slots=True)
class StepDependency:
    """One ``dependsOn`` entry of a step, as written and as read."""

    text: str
    step_id: str
    workflow_id: str | None = None
    """None: the step's own workflow (the bare form)."""
    source: str | None = None
    """The Arazzo source description the workflow belongs to; None: this document."""
    workflow_key: str | None = None
    """At run time: the run-wide key of the workflow whose latest run must have had the
    step succeed; None: the running workflow itself (the bare form)."""

    @property
    def local(self) -> bool:
        return self.workflow_id is None


def read_step_dependency(text: str) -> StepDependency:
    """What a ``dependsOn`` entry names (its form already checked)."""
    match = _SOURCES.match(text)
    if match is not None:
        return StepDependency(
            text, match.group("step"), match.group("workflow"), match.group("source")
        )
    match = _WORKFLOWS.match(text)
    if match is not None:
        return StepDependency(text, match.group("step"), match.group("workflow"))
    return StepDependency(text, text)
