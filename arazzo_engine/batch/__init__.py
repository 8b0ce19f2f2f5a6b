"""Batches of runs on a ``concurrent.futures`` executor: other processes, other machines.

``Engine.run_many(..., executor=...)`` comes here.  What travels to a worker is
a :class:`~arazzo_engine.batch.spec.RunSpec` (document path, load options,
workflow id, inputs); :mod:`~arazzo_engine.batch.worker` is what the worker
runs; :mod:`~arazzo_engine.batch.runner` keeps the batch's accounting;
:mod:`~arazzo_engine.batch.dask` makes a Dask executor.  Nothing here imports
Dask unless :func:`~arazzo_engine.batch.dask.dask_executor` is called.
"""

from __future__ import annotations

__all__: list[str] = []
