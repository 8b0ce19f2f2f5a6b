"""The command line's live view of a run, built on the run's events.

One line per step execution as it finishes (status, time, attempt; for a message
step its action, channel and, for a receive, the wait), the error under a failed
one, then each event of an open stream as it arrives.  On a
terminal a spinner shows the step in flight; piped, the output is plain lines
(no carriage returns, no escape sequences).  Colour only on a terminal, and
never when ``NO_COLOR`` is set to anything (https://no-color.org) or
``TERM=dumb``.  ``verbose`` adds each request and response, and each message
sent or received (credentials masked), ``trace`` every expression, criterion and
action with its values (``--trace`` alone shows no request, response or message).
Whatever a server or a document wrote is printed through
:mod:`~arazzo_engine.reports.printable`: its control characters show as escapes.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from arazzo_engine.events import (
    ActionTaken,
    CriterionEvaluated,
    Event,
    ExpressionEvaluated,
    MessageReceived,
    MessageSent,
    RequestSent,
    ResponseReceived,
    StepFinished,
    StepStarted,
    StreamEnded,
    StreamEvent,
    WorkflowFinished,
    WorkflowStarted,
)
from arazzo_engine.redaction import Redactor
from arazzo_engine.reports.printable import printable, printable_lines
from arazzo_engine.reports.render import (
    action_line,
    criterion_lines,
    expression_line,
    message_action,
    message_lines,
    request_lines,
    response_lines,
)

__all__ = ["LiveView", "terminal_features"]

SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
SPINNER_INTERVAL = 0.1

_RESET = "\x1b[0m"
_STYLES = {"ok": "\x1b[32m", "fail": "\x1b[31;1m", "dim": "\x1b[2m", "event": "\x1b[36m"}
_CLEAR_LINE = "\r\x1b[2K"


def terminal_features(
    stream: TextIO, environ: Mapping[str, str] | None = None
) -> tuple[bool, bool]:
    """(interactive, colour) for a stream: a terminal, and colour allowed on it."""
    env = os.environ if environ is None else environ
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    interactive = tty and env.get("TERM", "") != "dumb"
    return interactive, interactive and not env.get("NO_COLOR")


@dataclass
class _InFlight:
    label: str
    started: float
    target: str = ""
    message: str | None = None
    """'send'/'receive' once the step's message went or came."""


class LiveView:
    """An ``on_event`` handler that prints the run to ``stream`` as it goes."""

    def __init__(
        self,
        stream: TextIO,
        *,
        interactive: bool = False,
        color: bool = False,
        verbose: bool = False,
        trace: bool = False,
        redactor: Redactor | None = None,
    ) -> None:
        self.stream = stream
        self.interactive = interactive
        self.color = color
        self.verbose = verbose
        self.trace = trace
        self.redactor = redactor or Redactor()
        self._lock = threading.RLock()
        self._depth = 0
        self._in_flight: list[_InFlight] = []
        self._spinner_shown = False
        self._frame = 0
        self._streams_shown: set[tuple[int, str, str]] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_stream(
        cls,
        stream: TextIO,
        *,
        verbose: bool = False,
        trace: bool = False,
        redactor: Redactor | None = None,
    ) -> LiveView:
        """A view whose spinner and colour follow what ``stream`` is (see the module doc)."""
        interactive, color = terminal_features(stream)
        return cls(
            stream,
            interactive=interactive,
            color=color,
            verbose=verbose,
            trace=trace,
            redactor=redactor,
        )

    # ---------------------------------------------------------------- output

    def _style(self, text: str, style: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if self.color else text

    def _write(self, lines: list[str]) -> None:
        text = self.redactor.text("\n".join(lines) + "\n")
        with self._lock:
            if self._spinner_shown:
                self.stream.write(_CLEAR_LINE)
                self._spinner_shown = False
            self.stream.write(text)
            self._draw_spinner()
            self.stream.flush()

    def _draw_spinner(self) -> None:
        if not self.interactive or not self._in_flight:
            return
        current = self._in_flight[-1]
        frame = SPINNER_FRAMES[self._frame % len(SPINNER_FRAMES)]
        seconds = time.perf_counter() - current.started
        line = f"{frame} {current.label}  {seconds:.1f}s"
        self.stream.write(_CLEAR_LINE + self._style(self.redactor.text(line), "dim"))
        self._spinner_shown = True

    def _spin(self) -> None:
        while not self._stop.wait(SPINNER_INTERVAL):
            with self._lock:
                if not self._in_flight:
                    continue
                self._frame += 1
                self._draw_spinner()
                self.stream.flush()

    def close(self) -> None:
        """Stop the spinner and clear its line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
            self._thread = None
        with self._lock:
            if self._spinner_shown:
                self.stream.write(_CLEAR_LINE)
                self.stream.flush()
                self._spinner_shown = False

    # ---------------------------------------------------------------- events

    def __call__(self, event: Event) -> None:
        if isinstance(event, WorkflowStarted):
            self._depth = event.depth
            if event.depth > 0:
                label = printable(f"workflow {event.workflow_id}")
                self._write(["  " * event.depth + self._style(label, "dim")])
            return
        indent = "  " * self._depth
        detail = indent + "     "
        if isinstance(event, WorkflowFinished):
            self._depth = max(event.depth - 1, 0)
        elif isinstance(event, StepStarted):
            label = printable(f"{event.workflow_id}/{event.step_id}  {event.target}")
            with self._lock:
                self._in_flight.append(_InFlight(label, time.perf_counter(), event.target))
                self._start_spinner()
        elif isinstance(event, StepFinished):
            with self._lock:
                done = self._in_flight.pop() if self._in_flight else None
            self._write(self._step_lines(event, indent, done.target if done else ""))
        elif isinstance(event, (MessageSent, MessageReceived)):
            with self._lock:
                if self._in_flight:
                    self._in_flight[-1].message = _action(event)
            if self.verbose:
                self._write([self._style(detail + line, "dim") for line in message_lines(event)])
        elif isinstance(event, StreamEvent):
            self._stream_event(event, indent)
        elif isinstance(event, StreamEnded):
            if event.error is None and self.verbose:
                self._write([self._style(f"  (stream ended after {event.count} events)", "dim")])
        elif self.verbose and isinstance(event, RequestSent):
            self._write([self._style(detail + line, "dim") for line in request_lines(event)])
        elif self.verbose and isinstance(event, ResponseReceived):
            self._write([self._style(detail + line, "dim") for line in response_lines(event)])
        elif self.trace:
            self._trace_event(event, detail)

    def _start_spinner(self) -> None:
        if self.interactive and self._thread is None:
            self._thread = threading.Thread(target=self._spin, name="arazzo-spinner", daemon=True)
            self._thread.start()

    def _step_lines(self, event: StepFinished, indent: str, target: str) -> list[str]:
        mark = self._style("ok  ", "ok") if event.succeeded else self._style("FAIL", "fail")
        status = printable(_what_came(event, target))
        timing = self._style(f"{event.elapsed * 1000:.0f} ms", "dim")
        where = printable(f"{event.workflow_id}/{event.step_id}")
        lines = [f"{indent}{mark} {where}  {status}  attempt {event.attempt}  {timing}"]
        if event.error:
            lines.append(f"{indent}     {printable_lines(event.error)}")
        return lines

    def _stream_event(self, event: StreamEvent, indent: str) -> None:
        lines: list[str] = []
        key = (event.run, event.workflow_id, event.step_id)
        if key not in self._streams_shown:
            self._streams_shown.add(key)
            lines.append(printable(f"events from {event.step_id}:"))
        at = self._style(f"+{event.elapsed:7.3f}s", "dim")
        name = self._style(printable(event.event.event), "event")
        lines.append(f"  {at}  {name}: {printable(event.event.data)}")
        self._write(lines)

    def _trace_event(self, event: Event, detail: str) -> None:
        if isinstance(event, ExpressionEvaluated):
            self._write([self._style(detail + expression_line(event), "dim")])
        elif isinstance(event, CriterionEvaluated):
            lines = criterion_lines(event, self._message_of_open_step())
            style = "dim" if event.passed else "fail"
            self._write([self._style(detail + line, style) for line in lines])
        elif isinstance(event, ActionTaken):
            self._write([self._style(detail + action_line(event), "dim")])

    def _message_of_open_step(self) -> str | None:
        with self._lock:
            return self._in_flight[-1].message if self._in_flight else None


def _action(event: MessageSent | MessageReceived) -> str:
    return "receive" if isinstance(event, MessageReceived) else "send"


def _what_came(event: StepFinished, target: str) -> str:
    """The status code; for a message step its message (``receive orders.eu.replies
    waited 12 ms``), or what it was to do when none went or came; else ``---``."""
    if event.status_code is not None:
        return str(event.status_code)
    message = event.result.message
    if message is not None:
        waited = f"  waited {message.waited * 1000:.0f} ms" if message.action == "receive" else ""
        return f"{message.action} {message.channel}{waited}"
    if message_action(target) is not None:
        return f"{target}  no message"
    return "---"
