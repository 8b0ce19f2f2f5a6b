"""The exception tree of arazzo_engine.

Every error the engine raises on purpose derives from :class:`ArazzoError`, so a
caller can catch one class and know nothing else escapes by design::

    ArazzoError
    ├── DocumentError            a file cannot be read or parsed (YAML/JSON syntax)
    ├── ExpressionSyntaxError    a runtime expression or condition does not parse
    ├── ArazzoValidationError    a document breaks the Arazzo rules (holds .errors)
    ├── ConfigurationError       an option, override or argument is wrong or names nothing
    ├── WorkflowNotFoundError    `run` was asked for a workflow the document lacks
    ├── InputValidationError     inputs break the workflow's `inputs` schema
    ├── EvaluationError          an expression cannot be evaluated at run time
    ├── RequestBuildError        a step's HTTP request cannot be built
    ├── StreamError              an event stream ends or breaks mid-event, or an
    │                            unfinished line or event outgrows its limit
    ├── CriterionCompileError    a criterion cannot be compiled (.field says which field)
    ├── CriterionSyntaxError     a jsonpath or xpath condition (or its version) does not
    │                            parse (also a ValueError)
    ├── PatternError             a regular expression from a document, a description or a
    │                            response does not compile or is too large (also a ValueError)
    ├── EvaluationLimitError     a pattern, JSONPath or XPath evaluation went over its time or
    │                            size limit (never a ValueError: nothing may read it as false)
    ├── BodyDecodeError          a response body does not parse as its content type
    │                            (also a ValueError)
    ├── LimitError               a value read nests too deeply or holds too long an
    │                            integer (also a ValueError; limits.py)
    ├── SidecarError             a pytest inputs sidecar file is malformed
    ├── PointerError             a JSON pointer is malformed or points at nothing
    ├── RefError                 a $ref is remote, unreadable, dangling or a cycle
    ├── OpenAPIShapeError        an OpenAPI description lacks what a call needs
    │                            (sources/openapi/index.py)
    └── TransportError           no usable response came (refused, timed out, too large...)
        └── BodyError            a response body broke off before its end (.reason, .received)

Inside a run, ``run.steps.RunAborted`` (an ArazzoError too) stops it when
``max_steps`` or the nesting depth is exceeded; ``Engine.run`` catches it and
returns a failed result, so it never reaches a caller.

Messages name what they are about: the file, the JSON pointer or line:column,
and what was expected.  No message ever holds a credential value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
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
]

Severity = Literal["error", "warning"]


class ArazzoError(Exception):
    """Base of every error the engine raises on purpose."""


@dataclass(frozen=True)
class Location:
    """Where something sits in a document: file, JSON pointer and 1-based line:column."""

    file: str
    pointer: str = ""
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        place = self.file
        if self.line:
            place += f":{self.line}:{self.column or 1}"
        if self.pointer or not self.line:
            place += f" (at #{self.pointer})"
        return place


class DocumentError(ArazzoError):
    """A file is missing, unreadable, or not valid YAML/JSON."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.location = location
        self.message = message
        super().__init__(f"{location}: {message}" if location else message)


class ExpressionSyntaxError(ArazzoError):
    """A runtime expression, template or condition does not parse.

    The message quotes the text and puts a caret under the offending column.
    ``column`` is 1-based within ``text``.
    """

    def __init__(self, text: str, column: int, reason: str) -> None:
        self.text = text
        self.column = column
        self.reason = reason
        super().__init__(self.render())

    def render(self, indent: str = "    ") -> str:
        caret = " " * max(self.column - 1, 0) + "^"
        return f"{self.reason} at column {self.column}\n{indent}{self.text}\n{indent}{caret}"


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a document, with its place and the rule that found it."""

    severity: Severity
    rule: str
    message: str
    location: Location

    @property
    def file(self) -> str:
        return self.location.file

    @property
    def pointer(self) -> str:
        return self.location.pointer

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def column(self) -> int:
        return self.location.column

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message} [{self.rule}]"


class ArazzoValidationError(ArazzoError):
    """A document breaks the Arazzo rules; ``errors`` lists every finding, best first.

    With ``workflow_id`` it is a run refused: the errors listed are those that
    workflow reaches (``Engine.load(..., strict=False)``); ``runnable`` names the
    workflows they leave runnable.
    """

    def __init__(
        self,
        diagnostics: Iterable[Diagnostic],
        *,
        workflow_id: str | None = None,
        runnable: Sequence[str] = (),
    ) -> None:
        ordered = sorted(diagnostics, key=lambda d: (d.severity != "error", d.file, d.line))
        self.errors: Sequence[Diagnostic] = tuple(ordered)
        self.workflow_id = workflow_id
        count = sum(1 for d in self.errors if d.severity == "error")
        plural = f"{count} error{'s' if count != 1 else ''}"
        if workflow_id is None:
            head = f"{plural} in the Arazzo document"
        else:
            others = ", ".join(repr(w) for w in runnable)
            head = (
                f"workflow '{workflow_id}' cannot run: it reaches {plural} (in its own steps, "
                "inputs, outputs or actions, or in the workflows, components or source "
                "descriptions it uses); fix "
                + ("it" if count == 1 else "them")
                + (f", or run a workflow no error reaches: {others}" if others else "")
            )
        super().__init__(head + ":\n" + "\n".join(str(d) for d in self.errors))


class ConfigurationError(ArazzoError):
    """An option or argument given to the engine is wrong: an override (servers,
    sources, credentials) naming something unknown, a bad value, a clash between
    options, a misused constructor (``HttpResponse``, ``MockTransport``)."""


class WorkflowNotFoundError(ArazzoError):
    """``run`` was asked for a workflow id the document does not define."""


class InputValidationError(ArazzoError):
    """The inputs given to a workflow break its ``inputs`` JSON Schema."""

    def __init__(self, workflow_id: str, violations: Sequence[str]) -> None:
        self.workflow_id = workflow_id
        self.violations = tuple(violations)
        lines = "\n".join(f"  - {v}" for v in self.violations)
        super().__init__(f"inputs of workflow '{workflow_id}' break its inputs schema:\n{lines}")


class EvaluationError(ArazzoError):
    """A runtime expression cannot be evaluated against the current run."""


class RequestBuildError(ArazzoError):
    """A step's HTTP request cannot be built (missing path parameter, bad body...)."""


class StreamError(ArazzoError):
    """An event stream broke or ended in the middle of an event, or its unfinished
    line or event grew past the limit (the response's ``max_body_bytes``)."""


class CriterionCompileError(ArazzoError):
    """A criterion cannot be compiled; ``reason`` says why, ``field`` which field.

    The run plan reports it as a located ``criterion`` diagnostic at
    ``<criterion pointer>/<field>``.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class CriterionSyntaxError(ArazzoError, ValueError):
    """A ``jsonpath`` or ``xpath`` condition (or its version) cannot be compiled.

    ``str()`` is a plain sentence quoting the condition, with the 1-based column
    (counted from the start of the condition) when it is known.  Also a
    :class:`ValueError`, as it was before it joined this tree.
    """

    def __init__(
        self, language: str, condition: str, reason: str, column: int | None = None
    ) -> None:
        self.language = language
        self.condition = condition
        self.reason = reason
        self.column = column
        where = f" at column {column}" if column is not None else ""
        super().__init__(f"the {language} condition {condition!r} is not valid: {reason}{where}")


class PatternError(ArazzoError, ValueError):
    """A regular expression cannot be used: it does not compile, or it is longer or
    expands to more than the engine compiles (:mod:`arazzo_engine.patterns`).

    ``reason`` completes "the regular expression ..." (``does not compile: ...``);
    ``str()`` quotes the pattern (its first 60 characters).  Also a
    :class:`ValueError`, like the ``re.error`` it stands for.
    """

    def __init__(self, pattern: str, reason: str) -> None:
        self.pattern = pattern
        self.reason = reason
        shown = pattern if len(pattern) <= 60 else pattern[:60] + "..."
        super().__init__(f"the regular expression {shown!r} {reason}")


class EvaluationLimitError(ArazzoError):
    """Evaluating a pattern, a JSONPath or an XPath expression went over a limit.

    A time limit (a match longer than ``MATCH_SECONDS``, an evaluation longer
    than ``EVALUATION_SECONDS``) or a size limit (an XPath range longer than
    ``MAX_XPATH_RANGE``); the message names the limit and what went over it.
    Deliberately not a :class:`ValueError`: the JSONPath and XPath libraries
    read some ValueErrors as "false", and a check cut short must never pass.
    """


class TransportError(ArazzoError):
    """No usable response came: refused, timed out, reset, too large a body...

    A transport raises it from ``send``; the step fails with its message.
    """


class BodyError(TransportError):
    """A response body could not be read to its end; ``reason`` says why, in one sentence.

    Raised while iterating a response's byte stream; the engine turns it into a
    :class:`TransportError` (body read during ``send``) or a :class:`StreamError`
    (an open stream the caller reads).
    """

    def __init__(self, reason: str, received: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.received = received
        """Body bytes that had arrived before it broke."""


class BodyDecodeError(ArazzoError, ValueError):
    """A response body does not parse as its declared content type (``response.body``).

    Also a :class:`ValueError`, as decoding errors were before they joined this tree.
    """


class LimitError(ArazzoError, ValueError):
    """A value read from outside is nested too deeply or holds too long an integer.

    ``reason`` completes a sentence about the value ("is nested more than 256
    levels deep"); ``line`` and ``column`` (1-based, 0 when unknown) place it in
    the text read.  Readers turn it into their own error, naming what they read
    (:mod:`arazzo_engine.limits` holds the limits).  Also a :class:`ValueError`,
    like every other reason JSON text does not load.
    """

    def __init__(self, reason: str, *, line: int = 0, column: int = 0) -> None:
        where = f" (line {line}, column {column})" if line else ""
        super().__init__(reason + where)
        self.reason = reason
        self.line = line
        self.column = column


class SidecarError(ArazzoError):
    """An inputs sidecar file (``NAME.inputs.yaml``, for the pytest plugin) is malformed."""


class PointerError(ArazzoError):
    """A JSON pointer is malformed, or data has nothing where it points.

    ``token`` is the (unescaped) token that found nothing, None for a malformed
    pointer; callers turn this into a message about their own kind of pointer.
    """

    def __init__(self, message: str, token: str | None = None) -> None:
        super().__init__(message)
        self.token = token


class RefError(ArazzoError):
    """A ``$ref`` cannot be followed: remote, unreadable, pointing at nothing, or a cycle."""
