"""Concurrency: run_many throughput at N = 1, 4, 16 against a server with 20 ms latency."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import QUICK, figure
from _server import OPENAPI, BenchServer, chain_document

from arazzo_engine import Engine

RUNS = 8 if QUICK else 64


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, BenchServer(latency=0.02) as server:
        Path(folder, "api.openapi.yaml").write_text(OPENAPI)
        doc = Path(folder, "chain.arazzo.yaml")
        doc.write_text(chain_document(1, jsonpath="--no-jsonpath" not in sys.argv))
        engine = Engine.load(doc, servers={"api": server.url})
        engine.run("chain")
        base = None
        for n in (1, 4, 16):
            started = time.perf_counter()
            results = engine.run_many("chain", [None] * RUNS, concurrency=n)
            elapsed = time.perf_counter() - started
            assert all(r.succeeded for r in results)
            rate = RUNS / elapsed
            base = base or rate
            print(f"N={n:2d}: {rate:6.1f} runs/s  ({rate / base:.1f}x N=1; ideal {n}x)")
        figure(
            "run_many, 16 threads, 20 ms server latency",
            f"{rate:.0f} runs/s ({rate / base:.1f}x)",
            compared_with=f"1 thread: {base:.0f} runs/s",
            target="ideal 16x",
        )


if __name__ == "__main__":
    main()
