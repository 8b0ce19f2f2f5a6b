"""Engine.run_many: several runs of one workflow on a shared Engine, in input order."""

from __future__ import annotations

import threading
import time

import pytest

from arazzo_engine import ConfigurationError, Engine, InputValidationError
from tests.http_server import Received, RecordingServer, Reply
from tests.test_run_operations import PETS


def test_results_come_back_in_input_order_and_run_concurrently(
    http_server: RecordingServer,
) -> None:
    active = 0
    peak = 0
    lock = threading.Lock()

    def slow_health(request: Received) -> Reply:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return Reply(200, {"ok": True})

    http_server.route("POST", "/v1/pets", lambda r: Reply(201, {"id": r.json()["name"]}))
    http_server.route("GET", "/v1/public/health", slow_health)
    engine = Engine.load(PETS, servers={"pets": http_server.url + "/v1"})
    results = engine.run_many("health", [None] * 8, concurrency=4)
    assert len(results) == 8 and all(r.succeeded for r in results)
    assert peak > 1, "runs must overlap"
    names = [f"pet-{i}" for i in range(6)]
    adopted = engine.run_many("adopt", [{"name": n} for n in names], concurrency=3)
    assert [r.steps[0].outputs["petId"] for r in adopted] == names


def test_bad_inputs_raise_before_any_run(http_server: RecordingServer) -> None:
    engine = Engine.load(PETS, servers={"pets": http_server.url + "/v1"})
    with pytest.raises(InputValidationError):
        engine.run_many("adopt", [{"name": "ok"}, {"name": 3}], concurrency=2)
    assert http_server.requests == []


def test_a_concurrency_below_one_is_refused_before_any_run() -> None:
    engine = Engine.load(PETS, servers={"pets": "http://127.0.0.1:9/v1"})
    with pytest.raises(ConfigurationError, match="concurrency must be at least 1, got 0"):
        engine.run_many("health", [None], concurrency=0)
