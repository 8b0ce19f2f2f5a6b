"""The public surface: what API.md and docs/ promise, re-exported with sorted __all__ lists.

Every module either starts with an underscore (private) or names its public
names in ``__all__``; the modules the documentation tells users to import from
have their ``__all__`` locked here, so a change to them is a deliberate one.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

import arazzo_engine

DOCUMENTED: dict[str, set[str]] = {
    "arazzo_engine": {
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
        "StepMessage",
        "StepResult",
        "StreamError",
        "TransportError",
        "WorkflowNotFoundError",
    },
    "arazzo_engine.events": {
        "BODY_PREVIEW_CHARS",
        "ActionTaken",
        "CriterionEvaluated",
        "Event",
        "EventHandler",
        "ExpressionEvaluated",
        "MessageReceived",
        "MessageSent",
        "Phase",
        "RequestSent",
        "ResponseReceived",
        "StepFinished",
        "StepStarted",
        "StreamEnded",
        "StreamEvent",
        "Term",
        "ValueRole",
        "WorkflowFinished",
        "WorkflowStarted",
        "fan_out",
        "tag_run",
    },
    "arazzo_engine.reports": {
        "MAX_STREAM_EVENTS",
        "RunTrace",
        "StepRecord",
        "WorkflowRecord",
        "explain_failure",
        "junit_xml",
    },
    "arazzo_engine.criteria": {
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
    },
    "arazzo_engine.http": {
        "BodyError",
        "ByteStream",
        "ChunkStream",
        "HttpRequest",
        "HttpResponse",
        "MockTransport",
        "RequestsTransport",
        "Transport",
        "TransportError",
    },
    "arazzo_engine.model": {
        "ArazzoDocument",
        "ArazzoObject",
        "Components",
        "Criterion",
        "CriterionExpressionType",
        "ExpressionType",
        "FailureAction",
        "Info",
        "Parameter",
        "ParameterKey",
        "PayloadReplacement",
        "RequestBody",
        "ReusableObject",
        "Selector",
        "SourceDescription",
        "Step",
        "SuccessAction",
        "Workflow",
        "parameter_key",
    },
    "arazzo_engine.errors": {
        "ArazzoError",
        "ArazzoValidationError",
        "BodyDecodeError",
        "BodyError",
        "ConfigurationError",
        "CriterionCompileError",
        "CriterionSyntaxError",
        "Diagnostic",
        "DocumentError",
        "EvaluationError",
        "EvaluationLimitError",
        "ExpressionSyntaxError",
        "InputValidationError",
        "LimitError",
        "Location",
        "PatternError",
        "PointerError",
        "RefError",
        "RequestBuildError",
        "Severity",
        "SidecarError",
        "StreamError",
        "TransportError",
        "WorkflowNotFoundError",
    },
}


def _public_modules() -> list[ModuleType]:
    found = [arazzo_engine]
    for info in pkgutil.walk_packages(arazzo_engine.__path__, "arazzo_engine."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        found.append(importlib.import_module(info.name))
    return found


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_documented_modules_export_exactly_what_the_docs_promise(name: str) -> None:
    module = importlib.import_module(name)
    assert set(module.__all__) == DOCUMENTED[name]


def test_every_public_module_lists_its_public_names() -> None:
    modules = _public_modules()
    assert len(modules) > 60  # the walk really found the package's modules
    for module in modules:
        names = getattr(module, "__all__", None)
        assert names is not None, f"{module.__name__} has no __all__ (or name it _private)"
        assert len(set(names)) == len(names), f"{module.__name__}.__all__ repeats a name"
        missing = [n for n in names if not hasattr(module, n)]
        assert not missing, f"{module.__name__}.__all__ names {missing}, which it lacks"


def test_the_top_level_all_is_sorted() -> None:
    assert arazzo_engine.__all__ == sorted(arazzo_engine.__all__)


def test_every_exported_error_derives_from_arazzo_error() -> None:
    for module in _public_modules():
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, Exception):
                assert issubclass(value, arazzo_engine.ArazzoError), f"{module.__name__}.{name}"
