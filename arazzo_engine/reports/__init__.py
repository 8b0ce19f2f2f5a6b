"""Run reports built from a run's events: a full JSON trace, JUnit XML, plain text.

Everything here is made from :mod:`arazzo_engine.events`, already redacted, so
a report never holds a credential value.
"""

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
