"""Repeated runs: 2,000 runs of a 10-step workflow on one Engine stay flat in time and memory."""

from __future__ import annotations

import gc
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import QUICK, figure
from _server import OPENAPI, BenchServer, chain_document

from arazzo_engine import Engine

RUNS = 200 if QUICK else 2000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, BenchServer() as server:
        Path(folder, "api.openapi.yaml").write_text(OPENAPI)
        doc = Path(folder, "chain.arazzo.yaml")
        doc.write_text(chain_document(10, jsonpath="--no-jsonpath" not in sys.argv))
        engine = Engine.load(doc, servers={"api": server.url})
        times: list[float] = []
        memory: list[int] = []
        for i in range(RUNS):
            started = time.perf_counter()
            result = engine.run("chain")
            times.append(time.perf_counter() - started)
            assert result.succeeded, result.error
            if i in (99, RUNS - 1):
                gc.collect()
                memory.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        first = statistics.median(times[:100])
        last = statistics.median(times[-100:])
        print(
            f"first 100 runs: {first * 1000:.2f} ms/run   last 100 runs: {last * 1000:.2f} ms/run"
        )
        figure(
            f"{RUNS:,} runs of a 10-step chain, last 100 vs first 100",
            f"{last / first:.3f}x ({last * 1000:.2f} ms/run)",
            compared_with=f"first 100: {first * 1000:.2f} ms/run",
            target="<= 1.05x",
            met=last / first <= 1.05,
        )
        print(
            f"peak RSS after run 100: {memory[0] / 1024:.1f} MiB, "
            f"after run {RUNS}: {memory[1] / 1024:.1f} MiB"
        )


if __name__ == "__main__":
    main()
