"""The public surface is exactly what API.md promises, re-exported with a sorted __all__."""

from __future__ import annotations

import arazzo_engine


def test_all_is_sorted_and_complete() -> None:
    assert arazzo_engine.__all__ == sorted(arazzo_engine.__all__)
    assert set(arazzo_engine.__all__) == {
        "ArazzoError",
        "ArazzoValidationError",
        "ConfigurationError",
        "Diagnostic",
        "DocumentError",
        "Engine",
        "EvaluationError",
        "ExpressionSyntaxError",
        "HttpRequest",
        "HttpResponse",
        "InputValidationError",
        "Location",
        "MockTransport",
        "RequestBuildError",
        "RunResult",
        "ServerSentEvent",
        "StepResult",
        "StreamError",
        "TransportError",
        "WorkflowNotFoundError",
    }


def test_every_error_derives_from_arazzo_error() -> None:
    for name in arazzo_engine.__all__:
        value = getattr(arazzo_engine, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, arazzo_engine.ArazzoError), name
