"""Run reports built from a run's events: a full JSON trace, JUnit XML, plain text.

Everything here is made from :mod:`arazzo_engine.events`, already redacted, so
a report never holds a credential value.

The names are imported on first use, so that :mod:`~arazzo_engine.reports.printable`
costs no more than itself.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arazzo_engine.reports.render import explain_failure
    from arazzo_engine.reports.trace import (
        MAX_STREAM_EVENTS,
        RunTrace,
        StepRecord,
        WorkflowRecord,
        junit_xml,
    )

__all__ = [
    "MAX_STREAM_EVENTS",
    "RunTrace",
    "StepRecord",
    "WorkflowRecord",
    "explain_failure",
    "junit_xml",
]

_HOME: dict[str, str] = {
    "MAX_STREAM_EVENTS": "arazzo_engine.reports.trace",
    "RunTrace": "arazzo_engine.reports.trace",
    "StepRecord": "arazzo_engine.reports.trace",
    "WorkflowRecord": "arazzo_engine.reports.trace",
    "explain_failure": "arazzo_engine.reports.render",
    "junit_xml": "arazzo_engine.reports.trace",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_HOME[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
