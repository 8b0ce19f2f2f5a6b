"""A worker process killed mid-batch: every row gets exactly one result; a lost run is
started once more (retried == 1), and lost twice it fails saying the worker was lost."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from typing import Any

from arazzo_engine import Engine
from tests.batch_cluster import client
from tests.http_server import Received, RecordingServer, Reply
from tests.test_run_operations import PETS

__all__ = ["client"]


def worker_pids(client: Any) -> list[int]:
    return list(client.run(os.getpid).values())


def wait_for_workers(client: Any, count: int) -> None:
    client.wait_for_workers(count, timeout=30)


def test_a_killed_worker_s_runs_are_retried_once_and_every_row_is_accounted_for(
    client: Any, http_server: RecordingServer
) -> None:
    wait_for_workers(client, 2)
    names = [f"pet-{i}" for i in range(8)]
    arrived = threading.Semaphore(0)
    gate = threading.Event()
    hits: Counter[str] = Counter()

    def create(request: Received) -> Reply:
        name = request.json()["name"]
        hits[name] += 1
        arrived.release()
        gate.wait(20)
        return Reply(201, {"id": name})

    http_server.route("POST", "/v1/pets", create)
    for name in names:
        http_server.route("GET", f"/v1/pets/{name}", Reply(200, {"name": name}))
    engine = Engine.load(PETS, servers={"pets": http_server.url + "/v1"})
    seen: list[int] = []

    def kill_one() -> None:
        assert arrived.acquire(timeout=30) and arrived.acquire(timeout=30)
        os.kill(worker_pids(client)[0], signal.SIGKILL)
        time.sleep(1.0)
        gate.set()

    killer = threading.Thread(target=kill_one)
    killer.start()
    results = engine.run_many(
        "adopt",
        [{"name": n} for n in names],
        executor=client.get_executor(),
        concurrency=4,
        on_result=lambda i, r: seen.append(i),
    )
    killer.join()
    assert sorted(seen) == list(range(8))
    assert [r.outputs.get("name") for r in results] == names, [r.error for r in results]
    assert all(r.succeeded for r in results)
    retried = [r.retried for r in results]
    assert set(retried) <= {0, 1} and 1 in retried, retried
    for name, result in zip(names, results, strict=True):
        assert hits[name] <= 1 + result.retried, (name, hits[name], result.retried)
    assert any(hits[n] == 2 for n in names), "the killed run had sent its request"


def test_a_run_lost_twice_fails_naming_the_worker_loss(
    client: Any, http_server: RecordingServer
) -> None:
    wait_for_workers(client, 2)
    arrived = threading.Semaphore(0)
    done = threading.Event()

    def health(request: Received) -> Reply:
        arrived.release()
        done.wait(20)
        return Reply(200, {"ok": True})

    http_server.route("GET", "/v1/public/health", health)
    engine = Engine.load(PETS, servers={"pets": http_server.url + "/v1"})

    def kill_twice() -> None:
        for _ in range(2):
            assert arrived.acquire(timeout=60)
            for pid in worker_pids(client):
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)

    killer = threading.Thread(target=kill_twice)
    killer.start()
    (result,) = engine.run_many("health", [None], executor=client.get_executor())
    killer.join()
    done.set()
    assert not result.succeeded and result.retried == 1
    assert result.error is not None and "worker process running it was lost 2 times" in result.error
    assert "KilledWorker" in result.error
