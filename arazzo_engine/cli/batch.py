"""Batch mode of ``arazzo run``: one run per line of a ``.jsonl`` inputs file.

Rows are read and checked against the workflow's inputs schema before anything
is sent.  Each result is written as one JSON line (``{"row": N, ...}``) as soon as
its run finishes, to ``--output`` (flushed per line, so a crash loses at most
the line being written) or to stdout.  Rerun with the same ``--output`` and the
rows already in it are skipped: the file is the batch's journal.  Runs go to a
window of ``--jobs`` threads, or to a Dask cluster (``--dask``) through
``Engine.run_many(executor=...)``; Dask is imported only then.  Progress goes to
stderr: a bar redrawn in place on a terminal, a plain line at most once a second
when piped.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

from arazzo_engine.cli.main import UsageError
from arazzo_engine.errors import InputValidationError, LimitError

if TYPE_CHECKING:
    from arazzo_engine.engine import Engine
    from arazzo_engine.redaction import Redactor
    from arazzo_engine.results import RunResult

__all__ = [
    "MAX_BATCH_BYTES",
    "Batch",
    "Journal",
    "Progress",
    "check_dask_target",
    "is_batch_file",
    "read_rows",
    "render_bar",
    "render_status",
]

MAX_BATCH_BYTES = 256 * 1024 * 1024
"""The largest ``.jsonl`` inputs file read: every row is held in memory."""

DEFAULT_JOBS, DEFAULT_DASK_JOBS = 4, 32
_DASK_TARGET = re.compile(r"local(:[1-9][0-9]*)?|[a-z][a-z0-9+.-]*://[^\s/]+/?")
_DASK_FORMS = "local, local:N (a LocalCluster of N worker processes) or a scheduler address such as tcp://host:8786"


def is_batch_file(path: str | None) -> bool:
    """A ``.jsonl`` inputs file means batch mode (the suffix, any case)."""
    return path is not None and path.lower().endswith(".jsonl")


def check_dask_target(target: str) -> str:
    """``target`` if it has a form ``dask_executor`` accepts; else a UsageError naming them.

    Checked before the document is loaded, so a typo costs no cluster start.
    """
    if not _DASK_TARGET.fullmatch(target):
        raise UsageError(f"--dask expects {_DASK_FORMS}; got {target!r}")
    return target


@dataclass(frozen=True)
class Row:
    """One run's inputs and the line of the inputs file it came from (for messages)."""

    index: int
    line: int
    inputs: dict[str, Any]


def read_rows(path: str) -> list[Row]:
    """Every non-blank line of ``path``, a JSON object; a bad line is a UsageError at file:line.

    The file is never quoted in a message: it may hold secrets.
    """
    from arazzo_engine.errors import DocumentError
    from arazzo_engine.load.local_files import read_local_file

    try:
        raw = read_local_file(path, limit=MAX_BATCH_BYTES, what="inputs file")
    except DocumentError as error:
        raise UsageError(f"--inputs-file: {error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(
            f"--inputs-file {path} is not UTF-8 text; expected one JSON object of inputs per line"
        ) from None
    rows: list[Row] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        value = _json_line(line, f"--inputs-file {path}:{number}", "a JSON object of inputs")
        if not isinstance(value, dict):
            raise UsageError(
                f"--inputs-file {path}:{number}: expected a JSON object of inputs, "
                f"got {_kind(value)}"
            )
        rows.append(Row(len(rows), number, value))
    if not rows:
        raise UsageError(f"--inputs-file {path} holds no rows (one JSON object per line)")
    return rows


def _json_line(line: str, where: str, expected: str) -> Any:
    from arazzo_engine.limits import load_json

    try:
        return load_json(line)
    except LimitError as error:
        raise UsageError(f"{where}: the line {error}") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{where}:{error.colno}: expected {expected}: {error.msg}") from None


def _kind(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


@dataclass
class Journal:
    """The ``--output`` file: which rows it holds already, and where new lines go.

    Opening it reads the lines a previous run wrote; a last line cut short by
    a crash is removed from the file, so its row runs again.
    """

    path: Path
    done: dict[int, bool] = field(default_factory=dict)
    """Row index -> succeeded, for every row already in the file."""

    @classmethod
    def open(cls, path: Path, rows: int) -> Journal:
        journal = cls(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return journal
        except OSError as error:
            raise UsageError(f"--output {path}: {error.strerror or error}") from None
        pieces = data.split(b"\n")
        last = max((n for n, piece in enumerate(pieces) if piece.strip()), default=-1)
        keep = offset = 0  # keep: the bytes of the file that are good lines
        for number, chunk in enumerate(pieces):
            offset += len(chunk) + (number < len(pieces) - 1)
            if chunk.strip():
                row, succeeded = journal._entry(chunk, number + 1, rows, number == last)
                if row is None:
                    break  # the last line, cut short by a crash: its row runs again
                journal.done.setdefault(row, succeeded)
            keep = offset
        if data and (keep < len(data) or not data.endswith(b"\n")):
            journal._repair(keep, data)
        return journal

    def _entry(self, chunk: bytes, number: int, rows: int, last: bool) -> tuple[int | None, bool]:
        """(row, succeeded) of one line; (None, False) for a broken last line."""
        where = f"--output {self.path}:{number}"
        try:
            entry = json.loads(chunk)
        except (ValueError, RecursionError):
            if last:
                return None, False
            entry = None
        row = entry.get("row") if isinstance(entry, dict) else None
        if type(row) is not int or not isinstance(entry, dict):
            raise UsageError(
                f'{where}: not a result line of arazzo run (expected {{"row": N, ...}}); '
                "is it the right file?"
            )
        if not 0 <= row < rows:
            raise UsageError(
                f"{where}: row {row} is not among the {rows} rows of the inputs file; "
                "is it another batch's output?"
            )
        return row, entry.get("succeeded") is True

    def _repair(self, keep: int, data: bytes) -> None:
        """Cut the file after its last good line (a newline added if it lacks one)."""
        try:
            with self.path.open("r+b") as handle:
                handle.truncate(keep)
                handle.seek(keep)
                if keep and data[keep - 1 : keep] != b"\n":
                    handle.write(b"\n")
        except OSError as error:
            raise UsageError(f"--output {self.path}: {error.strerror or error}") from None

    def appender(self) -> IO[str]:
        try:
            return self.path.open("a", encoding="utf-8", newline="\n")
        except OSError as error:
            raise UsageError(f"--output {self.path}: {error.strerror or error}") from None


def _duration(seconds: float) -> str:
    """``42 s``, ``3 min 5 s``, ``2 h 10 min``: whole units, for an ETA."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def render_status(
    done: int, total: int, failed: int, in_flight: int, ran: int, elapsed: float
) -> str:
    """``done 3/10  failed 1  in flight 4  2.5 runs/s  ETA 3 s``: the rate and ETA from
    the ``ran`` runs of this invocation over ``elapsed`` seconds."""
    text = f"done {done}/{total}  failed {failed}  in flight {in_flight}"
    if ran and elapsed > 0:
        rate = ran / elapsed
        text += f"  {rate:.1f} runs/s  ETA {_duration((total - done) / rate)}"
    return text


def render_bar(
    done: int,
    total: int,
    failed: int,
    in_flight: int,
    ran: int,
    elapsed: float,
    width: int = 24,
) -> str:
    """The status after a bar of ``width`` cells, ``#`` for done (terminal only)."""
    filled = width * done // total if total else width
    bar = "#" * filled + "-" * (width - filled)
    return f"[{bar}] " + render_status(done, total, failed, in_flight, ran, elapsed)


class Progress:
    """Done, failed, in flight, runs per second and ETA on ``stream``.

    ``interactive``: one line redrawn in place (carriage return, erase line) on
    each change and every ``REDRAW`` seconds; otherwise a plain line at a finish
    or every ``interval`` seconds, never more often.  ``close`` writes the summary.
    ``clock`` is for tests.
    """

    REDRAW = 0.1

    def __init__(
        self,
        stream: TextIO,
        total: int,
        *,
        done: int = 0,
        failed: int = 0,
        interactive: bool = False,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.total = total
        self.skipped = done
        self.done = done
        self.failed = failed
        self.in_flight = 0
        self.ran = 0
        self.interactive = interactive
        self.interval = interval
        self.clock = clock
        self.started_at = clock()
        self._last: float | None = None
        self._shown = False
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def status(self) -> str:
        args = (self.done, self.total, self.failed, self.in_flight, self.ran)
        elapsed = self.clock() - self.started_at
        return render_bar(*args, elapsed) if self.interactive else render_status(*args, elapsed)

    def start(self) -> None:
        """Redraw (terminal) or report (piped) on a timer too, while nothing finishes."""
        self._thread = threading.Thread(target=self._tick, name="arazzo-progress", daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(self.REDRAW if self.interactive else self.interval / 4):
            self.show()

    def started(self, count: int = 1) -> None:
        with self._lock:
            self.in_flight += count

    def finished(self, succeeded: bool) -> None:
        with self._lock:
            self.in_flight = max(0, self.in_flight - 1)
            self.done += 1
            self.ran += 1
            self.failed += not succeeded
            self.show(now=True)

    def show(self, *, now: bool = False) -> None:
        """Write the status: on a terminal always, piped once ``interval`` has passed
        (at a finish, ``now``, the first time too)."""
        with self._lock:
            moment = self.clock()
            if not self.interactive:
                due = self._last is None if now else False
                if self._last is not None and moment - self._last >= self.interval:
                    due = True
                if self._last is None and moment - self.started_at >= self.interval:
                    due = True
                if not due:
                    return
                self._last = moment
                self.stream.write(self.status() + "\n")
            else:
                self.stream.write("\r\x1b[2K" + self.status())
                self._shown = True
            self.stream.flush()

    def above(self, write: Callable[[], None]) -> None:
        """Run ``write`` (a line for the same terminal) with the bar cleared, then redraw it."""
        with self._lock:
            if self.interactive and self._shown:
                self.stream.write("\r\x1b[2K")
                self.stream.flush()
                write()
                self.show()
            else:
                write()

    def close(self, where: str | None, *, interrupted: bool = False) -> None:
        """Stop the timer; write the summary line (``where``: the output file's name)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
            self._thread = None
        with self._lock:
            if self.interactive and self._shown:
                self.stream.write("\r\x1b[2K")
            self.stream.write(self.summary(where, interrupted=interrupted) + "\n")
            self.stream.flush()

    def summary(self, where: str | None, *, interrupted: bool = False) -> str:
        elapsed = self.clock() - self.started_at
        rate = f", {self.ran / elapsed:.1f} runs/s" if self.ran and elapsed > 0 else ""
        text = (
            f"{'interrupted' if interrupted else 'batch'}: {self.done}/{self.total} rows done, "
            f"{self.done - self.failed} succeeded, {self.failed} failed; "
            f"{self.ran} run in {elapsed:.1f} s{rate}"
        )
        if self.skipped:
            text += f"; {self.skipped} already in {where}"
        if interrupted and where is not None:
            text += f"; rerun with --output {where} to continue"
        return text


@dataclass
class Batch:
    """One batch: the rows, where results go, and how runs are spread."""

    engine: Engine
    workflow_id: str
    jobs: int
    dask: str | None
    redactor: Redactor
    sink: IO[str]
    progress: Progress
    cancel: threading.Event = field(default_factory=threading.Event)

    def record(self, row: Row, result: RunResult) -> None:
        """Write the row's result line and count it; the result's streams are closed."""
        with result:
            line = json.dumps({"row": row.index, **result.to_json()}, default=_json_default)
        text = self.redactor.text(line) + "\n"

        def write() -> None:
            self.sink.write(text)
            self.sink.flush()

        self.progress.above(write)
        self.progress.finished(result.succeeded)

    def run(self, pending: list[Row]) -> None:
        if not pending:
            return  # every row is in the output already: no pool, no cluster
        if self.dask is None:
            self._threads(pending)
        else:
            self._on_dask(pending, self.dask)

    def _threads(self, pending: list[Row]) -> None:
        """A window of ``jobs`` runs on threads; each result written as it finishes.

        Ctrl-C sets ``cancel``: the runs in flight stop at their next step and
        their results are not written, so a rerun does them again.
        """
        rows: Iterator[Row] = iter(pending)
        running: dict[Future[RunResult], Row] = {}
        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="arazzo-run") as pool:

            def submit() -> None:
                row = next(rows, None)
                if row is not None:
                    future = pool.submit(
                        self.engine.run, self.workflow_id, row.inputs, cancel=self.cancel
                    )
                    running[future] = row
                    self.progress.started()

            try:
                for _ in range(self.jobs):
                    submit()
                while running:
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        row = running.pop(future)
                        submit()  # first, so the line shows the window full again
                        self.record(row, future.result())
            except BaseException:
                self.cancel.set()
                for future in running:
                    future.cancel()
                raise

    def _on_dask(self, pending: list[Row], target: str) -> None:
        """The runs through ``Engine.run_many`` on a Dask executor; results written as they come."""
        from arazzo_engine.batch.dask import dask_executor

        self.progress.started(min(self.jobs, len(pending)))
        waiting = len(pending) - min(self.jobs, len(pending))

        def on_result(index: int, result: RunResult) -> None:
            nonlocal waiting
            if waiting:  # run_many starts the next run as this one ends
                waiting -= 1
                self.progress.started()
            self.record(pending[index], result)

        with dask_executor(target) as executor:
            self.engine.run_many(
                self.workflow_id,
                [row.inputs for row in pending],
                concurrency=self.jobs,
                executor=executor,
                on_result=on_result,
            )


def _check_rows(engine: Engine, workflow_id: str, rows: list[Row], source: str) -> None:
    """Every pending row against the inputs schema (defaults filled in), before any run:
    a bad row is a usage error at its line, and nothing has been sent."""
    checker = engine._inputs  # what Engine.run and run_many check with; no public door yet
    for row in rows:
        try:
            checker.check(workflow_id, row.inputs)
        except InputValidationError as error:
            raise UsageError(f"--inputs-file {source}:{row.line}: {error}") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return repr(value)


def run_batch(
    engine: Engine,
    workflow_id: str,
    *,
    inputs_file: str,
    common: Mapping[str, Any],
    output: str | None,
    jobs: int | None,
    dask: str | None,
    redactor: Redactor,
    out: TextIO,
    err: TextIO,
) -> bool:
    """Run every row not yet in ``output``; True when every row of the batch succeeded.

    ``common`` (the ``--input`` values) is laid over every row.
    """
    from arazzo_engine.cli.live import terminal_features

    if jobs is None:
        jobs = DEFAULT_DASK_JOBS if dask else DEFAULT_JOBS
    rows = read_rows(inputs_file)
    for row in rows:
        row.inputs.update(common)
    journal: Journal | None = None
    if output is not None:
        if Path(output).resolve() == Path(inputs_file).resolve():
            raise UsageError(f"--output {output} is the inputs file; name another file")
        journal = Journal.open(Path(output), len(rows))
    done = journal.done if journal is not None else {}
    pending = [row for row in rows if row.index not in done]
    interactive, _ = terminal_features(err)
    progress = Progress(
        err,
        len(rows),
        done=len(done),
        failed=sum(not ok for ok in done.values()),
        interactive=interactive,
    )
    _check_rows(engine, workflow_id, pending, inputs_file)
    sink = journal.appender() if journal is not None else out
    batch = Batch(engine, workflow_id, jobs, dask, redactor, sink, progress)
    interrupted = False
    try:
        progress.start()
        batch.run(pending)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        progress.close(output, interrupted=interrupted)
        if sink is not out:
            sink.close()
    return progress.failed == 0
