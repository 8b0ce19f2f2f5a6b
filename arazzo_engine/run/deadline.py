"""A step ``timeout`` (Arazzo 1.1) as a point in time, and how its expiry reads.

Each execution of a step with a ``timeout`` gets a fresh deadline (a retry
starts a new budget).  A workflow step hands its deadline to the child run: the
child's steps get the earlier of their own and the inherited one, and the child
stops at its next step boundary once it has passed.  Expiry is an ordinary step
failure whose reason starts with ``timeout:``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

__all__ = ["Deadline", "step_deadline"]


@dataclass(frozen=True, slots=True)
class Deadline:
    """When a step's time runs out (``time.monotonic()``), and whose timeout set it."""

    at: float
    timeout_ms: int
    step_id: str
    workflow_id: str

    def remaining(self) -> float:
        """Seconds left; zero or less once it has passed."""
        return self.at - time.monotonic()

    def passed(self) -> bool:
        return time.monotonic() >= self.at

    def reason(self, step_id: str, workflow_id: str, detail: str | None = None) -> str:
        """Why step ``step_id`` failed: its own timeout, or the one of the step running it."""
        if (step_id, workflow_id) == (self.step_id, self.workflow_id):
            whose = f"the step's timeout of {self.timeout_ms} ms expired"
        else:
            whose = (
                f"the timeout of step '{self.step_id}' of workflow '{self.workflow_id}' "
                f"({self.timeout_ms} ms), which runs this workflow, expired"
            )
        return f"timeout: {whose}" + (f" ({detail})" if detail else "")


def step_deadline(
    timeout_ms: int | None, step_id: str, workflow_id: str, inherited: Deadline | None
) -> Deadline | None:
    """The deadline of one execution of a step: its own ``timeout`` from now, or the one
    inherited from the workflow step running its workflow, whichever comes first."""
    if timeout_ms is None:
        return inherited
    own = Deadline(time.monotonic() + timeout_ms / 1000, timeout_ms, step_id, workflow_id)
    return own if inherited is None or own.at < inherited.at else inherited
