"""One real Dask LocalCluster (2 worker processes, 1 thread each) for a test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from arazzo_engine.batch.dask import local_cluster


def worker_load_count() -> int:
    """Run on each worker by ``client.run``: the loads its batch engine cache made."""
    from arazzo_engine.batch.worker import load_count

    return load_count()


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A Client on the cluster ``dask_executor('local:2')`` would make."""
    import distributed

    cluster = local_cluster(2, threads_per_worker=1)
    with cluster, distributed.Client(cluster) as made:
        yield made
