"""run_many on a real Dask LocalCluster: order, on_result, one load per worker,
credentials kept out of Dask's keys, reprs and logs, stream events carried back."""

from __future__ import annotations

import pickle
import threading
from typing import Any

import pytest

from arazzo_engine import ConfigurationError, Engine, MockTransport
from arazzo_engine.batch.dask import dask_executor
from arazzo_engine.batch.spec import RunSpec
from arazzo_engine.http.response import HttpResponse
from fixtures.fal.fake_fal_server import FakeFalServer
from tests.batch_cluster import client, worker_load_count
from tests.conftest import FAL_WORKFLOW
from tests.http_server import RecordingServer, Reply
from tests.test_run_operations import PETS

__all__ = ["client"]

SECRET = "sk-batch-5ecret-7f3a9c"
INPUTS = {"modelOwner": "fal-ai", "modelName": "any-llm", "input": {"prompt": "hi", "seed": 7}}


def pets_routes(server: RecordingServer, names: list[str]) -> None:
    server.route("POST", "/v1/pets", lambda r: Reply(201, {"id": r.json()["name"]}))
    for name in names:
        server.route("GET", f"/v1/pets/{name}", Reply(200, {"name": name}))


def test_results_in_input_order_on_result_once_each_and_one_load_per_worker(
    client: Any, http_server: RecordingServer
) -> None:
    names = [f"pet-{i}" for i in range(12)]
    pets_routes(http_server, names)
    before = client.run(worker_load_count)
    engine = Engine.load(PETS, servers={"pets": http_server.url + "/v1"})
    seen: list[int] = []
    callers: set[int] = set()

    def on_result(index: int, result: Any) -> None:
        seen.append(index)
        callers.add(threading.get_ident())

    results = engine.run_many(
        "adopt",
        [{"name": n} for n in names],
        executor=client.get_executor(),
        concurrency=4,
        on_result=on_result,
    )
    assert [r.outputs.get("name") for r in results] == names
    assert all(r.succeeded and r.retried == 0 for r in results), [r.error for r in results]
    assert sorted(seen) == list(range(12))
    assert callers == {threading.get_ident()}
    after = client.run(worker_load_count)
    loads = {w: after[w] - before.get(w, 0) for w in after}
    assert set(loads.values()) <= {0, 1} and sum(loads.values()) >= 1, loads
    assert len(http_server.requests) == 24

    # Another load (other options) is another engine on each worker; the same one is not.
    other = Engine.load(PETS, servers={"pets": http_server.url + "/v1"}, timeout=7.0)
    again = other.run_many(
        "adopt", [{"name": n} for n in names[:4]], executor=client.get_executor()
    )
    assert all(r.succeeded for r in again)
    third = client.run(worker_load_count)
    assert sum(third.values()) - sum(after.values()) >= 1
    assert all(third[w] - after[w] <= 1 for w in third)
    engine.run_many("adopt", [{"name": n} for n in names[:4]], executor=client.get_executor())
    assert client.run(worker_load_count) == third


def scheduler_view(dask_scheduler: Any) -> list[str]:
    """Every key, task repr and name the scheduler keeps for the tasks it knows."""
    from dask.utils import key_split

    seen = []
    for key, ts in dask_scheduler.tasks.items():
        spec = ts.run_spec
        seen += [str(key), repr(ts), repr(spec), str(spec), key_split(key)]
        seen += [repr(getattr(spec, "args", "")), repr(getattr(spec, "kwargs", ""))]
        seen += [str(ts.group_key), str(ts.prefix.name)]
    return seen


def worker_view(dask_worker: Any) -> list[str]:
    """The reprs a worker keeps of the tasks it holds."""
    return [
        f"{key} {ts!r} {ts.run_spec!r} {ts.run_spec} {getattr(ts.run_spec, 'args', '')!r}"
        for key, ts in dask_worker.state.tasks.items()
    ]


def test_credentials_reach_the_worker_but_no_key_repr_or_log_and_events_come_back(
    client: Any,
) -> None:
    with FakeFalServer(api_key=SECRET, events=3, interval=0.05, lifetime=60.0) as server:
        engine = Engine.load(
            FAL_WORKFLOW,
            servers={"falModelApis": server.url},
            credentials={"FalKeyAuth": f"Key {SECRET}"},
            timeout=5.0,
        )
        views: list[str] = []

        def on_result(index: int, result: Any) -> None:
            if index == 0 or not views:
                views.extend(client.run_on_scheduler(scheduler_view))
                for reprs in client.run(worker_view).values():
                    views.extend(reprs)

        rows = [dict(INPUTS, input={"prompt": f"p{i}", "seed": i}) for i in range(6)]
        results = engine.run_many(
            "stream-inference",
            rows,
            executor=client.get_executor(),
            concurrency=3,
            on_result=on_result,
        )
        assert len(server.requests) == 6
    assert all(r.succeeded for r in results), [r.error for r in results]
    assert any("arazzo_run" in v for v in views), views[:5]
    assert any("RunSpec(row=" in v for v in views), "the views must hold the task reprs"
    logs = [str(client.get_scheduler_logs()), str(client.get_worker_logs())]
    for text in [*views, *logs, repr(results), pickle.dumps(results).decode("latin-1")]:
        assert SECRET not in text
    spec = RunSpec(engine._loaded_from.shippable(), "stream-inference", INPUTS, 0)  # type: ignore[union-attr]
    assert SECRET not in repr(spec) and "credentials" in repr(spec)
    assert SECRET not in str(spec)

    for index, result in enumerate(results):
        response = result.steps[0].response
        assert isinstance(response, HttpResponse) and not response.is_stream
        assert result.steps[0].stream_cut is None
        events = list(response.events())
        assert [e.event for e in events] == ["progress"] * 3 + ["output"]
        assert events[-1].json()["input"] == {"prompt": f"p{index}", "seed": index}


def test_what_cannot_travel_is_refused_naming_the_option(client: Any) -> None:
    executor = client.get_executor()
    mocked = Engine.load(PETS, transport=MockTransport(lambda r: HttpResponse(200)))
    with pytest.raises(ConfigurationError, match="transport="):
        mocked.run_many("health", [None], executor=executor)
    engine = Engine.load(PETS, servers={"pets": "http://127.0.0.1:9/v1"})
    with pytest.raises(ConfigurationError, match="on_event= cannot be given with executor="):
        engine.run_many("health", [None], executor=executor, on_event=lambda e: None)
    with pytest.raises(ConfigurationError, match="row 1 cannot be pickled"):
        engine.run_many(
            "adopt", [{"name": "a"}, {"name": "b", "x": threading.Lock()}], executor=executor
        )


def test_dask_executor_refuses_a_bad_target_saying_the_forms() -> None:
    for bad in ("locale", "local:x", "http://host:8786", "local:0"):
        with pytest.raises(ConfigurationError, match="local"), dask_executor(bad):
            pass


def test_dask_executor_local_runs_a_batch_and_retries_at_most_once(
    http_server: RecordingServer,
) -> None:
    http_server.route("GET", "/v1/public/health", Reply(200, {"ok": True}))
    engine = Engine.load(PETS, servers={"pets": http_server.url + "/v1"})
    with dask_executor("local:1") as executor:
        results = engine.run_many("health", [None] * 3, executor=executor)
        failures = executor._client.run_on_scheduler(  # type: ignore[attr-defined]
            lambda dask_scheduler: dask_scheduler.allowed_failures
        )
    assert [r.succeeded for r in results] == [True] * 3
    assert failures == 0
