"""What a worker process runs: load the document once per distinct load, run, detach.

The engine cache is per process and keyed by the load's digest: every run of a
batch on one worker reuses the engine its first run loaded.  The function never
raises for a run's sake: a load or run that fails comes back as a failed
:class:`~arazzo_engine.results.RunResult`, so an executor never logs a traceback
(nor the repr of the arguments it keeps) because of a workflow.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from arazzo_engine.errors import ArazzoError
from arazzo_engine.results import RunResult

if TYPE_CHECKING:
    from arazzo_engine.batch.spec import LoadRecord, RunSpec
    from arazzo_engine.engine import Engine

__all__ = ["arazzo_run", "load_count", "result_of"]

MAX_ENGINES = 8
"""Engines a worker keeps; the least recently used one is closed beyond that."""

_engines: OrderedDict[str, Engine] = OrderedDict()
_lock = threading.Lock()
_loads = 0


def load_count() -> int:
    """How many times this process has loaded a document for a batch (tests read it)."""
    return _loads


def _engine(load: LoadRecord) -> Engine:
    """The process's engine for ``load``, loaded on first use (once, under a lock)."""
    global _loads
    from arazzo_engine.engine import Engine

    with _lock:
        engine = _engines.get(load.digest)
        if engine is not None:
            _engines.move_to_end(load.digest)
            return engine
        engine = Engine.load(load.path, **load.options)
        _loads += 1
        _engines[load.digest] = engine
        while len(_engines) > MAX_ENGINES:
            _, old = _engines.popitem(last=False)
            old.close()
        return engine


def arazzo_run(spec: RunSpec) -> bytes:
    """Run one row and return its detached result, pickled.

    Pickled here so that a result that cannot travel is a failed run saying so,
    not an executor error; the caller unpickles with :func:`result_of`.
    """
    try:
        engine = _engine(spec.load)
    except ArazzoError as error:
        failed = RunResult(spec.workflow_id, False, {}, f"loading the document failed: {error}", [])
        return pickle.dumps(failed)
    try:
        with engine.run(spec.workflow_id, spec.inputs) as result:
            detached = result.detached()
    except ArazzoError as error:
        detached = RunResult(spec.workflow_id, False, {}, str(error), [])
    try:
        return pickle.dumps(detached)
    except Exception as error:
        failed = RunResult(
            spec.workflow_id,
            False,
            {},
            f"the run's result cannot be pickled to leave the worker: "
            f"{type(error).__name__}: {str(error)[:200]}",
            [],
        )
        return pickle.dumps(failed)


def result_of(data: bytes) -> RunResult:
    """A result :func:`arazzo_run` pickled (from our own workers, as trusted as the executor)."""
    result = pickle.loads(data)  # noqa: S301
    if not isinstance(result, RunResult):
        raise TypeError(f"a worker returned a {type(result).__name__}, not a RunResult")
    return result
