"""Per-step overhead: a 100-step chain vs the same 100 calls with a bare requests.Session.

Run: .venv/bin/python bench/bench_steps.py   (or `make bench`)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import OPENAPI, BenchServer, chain_document

from arazzo_engine import Engine

STEPS = 100
ROUNDS = 7


def bare(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    value = "n"
    for _ in range(STEPS):
        response = session.get(f"{url}/items/{value}", timeout=10)
        body = response.json()
        assert response.status_code == 200 and body["status"] == "ok"
        value = body["next"]
    return time.perf_counter() - started


def engine_run(engine: Engine) -> float:
    started = time.perf_counter()
    result = engine.run("chain")
    elapsed = time.perf_counter() - started
    assert result.succeeded, result.error
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, BenchServer() as server:
        Path(folder, "api.openapi.yaml").write_text(OPENAPI)
        doc = Path(folder, "chain.arazzo.yaml")
        doc.write_text(chain_document(STEPS, jsonpath="--no-jsonpath" not in sys.argv))
        engine = Engine.load(doc, servers={"api": server.url})
        session = requests.Session()
        bare(session, server.url)
        engine_run(engine)
        bare_times, engine_times = [], []
        for _ in range(ROUNDS):
            bare_times.append(bare(session, server.url))
            engine_times.append(engine_run(engine))
        b, e = statistics.median(bare_times), statistics.median(engine_times)
        print(f"bare requests.Session: {b * 1000:8.1f} ms per {STEPS} calls ({b * 10:.3f} ms/call)")
        print(f"arazzo_engine run:     {e * 1000:8.1f} ms per {STEPS} steps ({e * 10:.3f} ms/step)")
        print(f"overhead per step:     {(e - b) * 10:.3f} ms")
        print(f"ratio engine/bare:     {e / b:.2f}  (target <= 1.2)")


if __name__ == "__main__":
    main()
