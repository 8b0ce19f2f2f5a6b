"""A Dask executor for ``run_many``: a LocalCluster of worker processes, or a scheduler.

Dask and ``distributed`` are imported only inside these functions: they are an
extra (``pip install 'arazzo-engine[dask]'``), and ``import arazzo_engine``
never pays for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import Any

from arazzo_engine.errors import ConfigurationError

__all__ = ["dask_executor", "local_cluster"]

DEFAULT_LOCAL_WORKERS = 2

_FORMS = (
    "'local' or 'local:N' (a LocalCluster of N worker processes) or a scheduler "
    "address such as 'tcp://host:8786'"
)


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ConfigurationError(
            "running a batch on Dask needs the dask extra: pip install 'arazzo-engine[dask]'"
        ) from None
    return distributed


def local_cluster(n_workers: int = DEFAULT_LOCAL_WORKERS, threads_per_worker: int = 1) -> Any:
    """A ``distributed.LocalCluster`` of worker processes on which a task runs at most twice.

    Dask starts a task again by itself when its worker dies (the scheduler's
    ``allowed-failures``, 3 by default); here it is 0, so Dask reports the loss
    at once and ``run_many`` starts the run once more itself: one retry per run
    in all, counted in ``RunResult.retried``.
    """
    distributed = _distributed()
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        return distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=True,
            dashboard_address=":0",  # a free port: two clusters may run at once
        )


@contextmanager
def dask_executor(target: str) -> Iterator[Executor]:
    """'local' or 'local:N' (a LocalCluster of N worker processes, default 2, 1 thread each)
    or a scheduler address ('tcp://host:8786'); yields ``client.get_executor()`` and closes
    the client (and the cluster it made) on exit."""
    local = re.fullmatch(r"local(?::(\d+))?", target.strip())
    if local is None and not re.fullmatch(r"(tcp|tls|ucx|inproc|ws|wss)://\S+", target.strip()):
        raise ConfigurationError(f"the Dask target {target!r} is not one of {_FORMS}")
    if local is not None and local.group(1) is not None and int(local.group(1)) < 1:
        raise ConfigurationError(f"the Dask target {target!r} asks for no worker; give N >= 1")
    distributed = _distributed()
    cluster = None
    if local is not None:
        count = int(local.group(1)) if local.group(1) else DEFAULT_LOCAL_WORKERS
        cluster = local_cluster(count)
        address: Any = cluster
    else:
        address = target.strip()
    try:
        try:
            client = distributed.Client(address)
        except OSError as error:
            raise ConfigurationError(
                f"could not reach the Dask scheduler at {target!r}: {error}"
            ) from None
        try:
            yield client.get_executor()
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
