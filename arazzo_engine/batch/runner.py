"""A batch on an executor: a cap on runs in flight, input order, one result per run.

A run whose worker process is lost (Dask's ``KilledWorker``, a broken process
pool) is started once more; lost a second time, it is reported failed saying
so.  Any other executor error is that run's failure.  Every row gets exactly
one result, and ``on_result`` is called once per row.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from typing import Any

from arazzo_engine.batch.spec import LoadRecord, RunSpec
from arazzo_engine.batch.worker import arazzo_run, result_of
from arazzo_engine.errors import ConfigurationError
from arazzo_engine.results import RunResult

__all__ = ["run_on_executor", "worker_lost"]

MAX_RETRIES = 1
"""Times a run whose worker was lost is started again."""


def worker_lost(error: BaseException) -> bool:
    """Whether an executor's error means the process running the task died."""
    if isinstance(error, BrokenExecutor):
        return True
    return any(kind.__name__ == "KilledWorker" for kind in type(error).__mro__)


def run_on_executor(
    load: LoadRecord | None,
    workflow_id: str,
    batch: Sequence[Mapping[str, Any]],
    *,
    executor: Executor,
    concurrency: int,
    on_result: Callable[[int, RunResult], None] | None,
) -> list[RunResult]:
    """Submit every row (at most ``concurrency`` in flight); results in input order."""
    if load is None:
        raise ConfigurationError(
            "only an engine made by Engine.load can run on an executor: a worker loads "
            "the document again from its path and options"
        )
    load = load.shippable()
    for row, item in enumerate(batch):
        try:
            pickle.dumps(item)
        except Exception as error:
            raise ConfigurationError(
                f"the inputs of row {row} cannot be pickled to reach a worker "
                f"({type(error).__name__})"
            ) from None
    results: dict[int, RunResult] = {}
    in_flight: dict[Future[bytes], tuple[int, int]] = {}
    rows = iter(range(len(batch)))

    def submit(row: int, retried: int) -> None:
        spec = RunSpec(load, workflow_id, batch[row], row)
        in_flight[executor.submit(arazzo_run, spec)] = (row, retried)

    def finish(row: int, result: RunResult) -> None:
        results[row] = result
        if on_result is not None:
            on_result(row, result)

    try:
        for row in rows:
            submit(row, 0)
            if len(in_flight) >= concurrency:
                break
        while in_flight:
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: in_flight[f][0]):
                row, retried = in_flight.pop(future)
                result = _outcome(future, workflow_id, retried)
                if result is None:
                    submit(row, retried + 1)
                    continue
                finish(row, result)
                next_row = next(rows, None)
                if next_row is not None:
                    submit(next_row, 0)
    except BaseException:
        for future in in_flight:
            future.cancel()
        raise
    return [results[row] for row in range(len(batch))]


def _outcome(future: Future[bytes], workflow_id: str, retried: int) -> RunResult | None:
    """The run's result; None when its worker was lost and it may start once more."""
    try:
        error = future.exception()
    except BaseException as cancelled:  # CancelledError: the executor gave it up
        error = cancelled
    if error is None:
        result = result_of(future.result())
        result.retried = retried
        return result
    if worker_lost(error):
        if retried < MAX_RETRIES:
            return None
        reason = (
            f"the worker process running it was lost {retried + 1} times "
            f"({type(error).__name__}: {_first_line(error)}); it was not started again, "
            "and it may have sent some of its requests"
        )
    else:
        reason = f"the executor could not run it: {type(error).__name__}: {_first_line(error)}"
    return RunResult(workflow_id, False, {}, reason, [], retried=retried)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else "no detail"
