"""Scale: batches of the fal queue workflow on threads and on a Dask LocalCluster.

    .venv/bin/python bench/bench_scale.py [--quick]

The server answers every request after ``LATENCY`` (200 ms) and speaks the fal
queue API the queue workflow calls: submit, status (IN_QUEUE, IN_PROGRESS, then
COMPLETED over successive polls), result - five requests per run.  It runs in
its own process, one thread per connection, so its work shares no interpreter
lock with the engine and 64 runs in flight never wait on it (its CPU use is
printed per phase to show it).

Measured side by side in one run: ``run_many`` throughput at 1, 8 and 64 threads
(and 256, where one process's CPU, not the threads, sets the rate);
the same batch through ``dask_executor("local:2")`` (2 worker processes, 1
thread each) at 8 and 64 in flight; and through a LocalCluster of 2 workers x
32 threads, the shape a real cluster of I/O-bound runs wants.  Each rate is
compared with the ideal, ``concurrency / latency`` where latency is the
measured time of one run at concurrency 1.  Memory per in-flight run is the
tracemalloc peak above the baseline while 64 runs are in flight, divided by 64
(Python allocations only: thread stacks and C buffers are not counted).

The Dask part needs ``run_many(..., executor=)`` and
``arazzo_engine.batch.dask``; without them it reports "not measured" and why.
"""

from __future__ import annotations

import inspect
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import QUICK, figure

from arazzo_engine import Engine, RunResult

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "fixtures" / "fal" / "arazzo" / "fal-ai-queue-inference-workflow.yml"
WORKFLOW = "queue-inference"
SOURCE = "falModelApis"
KEY = "bench-key"
LATENCY = 0.02 if QUICK else 0.2
REQUESTS_PER_RUN = 5  # submit, three status polls, result
INPUTS = {
    "modelOwner": "fal-ai",
    "modelName": "flux/schnell",
    "input": {"prompt": "a lighthouse in a storm, oil painting", "seed": 1234},
}
# (in flight, runs): a few waves of each, so the ramp-up and the tail weigh little.
# 256 in flight is past the ideal on purpose: it shows one process's CPU ceiling.
THREADS = [(1, 1), (8, 8), (64, 64), (256, 256)]
if not QUICK:
    THREADS = [(1, 3), (8, 32), (64, 512), (256, 1024)]
DASK_LOCAL = [(8, 4), (64, 4)] if QUICK else [(8, 16), (64, 16)]
DASK_WIDE = (64, 256)  # 2 workers x 32 threads; full runs only (one more cluster start)
STATUSES = ("IN_QUEUE", "IN_PROGRESS", "COMPLETED")


# -- the server (a child process) ---------------------------------------------


class _FalQueueHandler(BaseHTTPRequestHandler):
    """fal's queue API, each answer sent ``latency`` seconds after the request."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    latency = 0.2
    jobs: ClassVar[dict[str, int]] = {}  # request id -> status polls so far
    lock: ClassVar[threading.Lock] = threading.Lock()
    ids: ClassVar[Iterator[int]] = itertools.count(1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorized(self) -> bool:
        time.sleep(self.latency)
        if self.headers.get("Authorization") == f"Key {KEY}":
            return True
        self._send(401, {"detail": "Missing or invalid Authorization"})
        return False

    def do_POST(self) -> None:
        """Submit: queue a job, answer its request id."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self._authorized():
            return
        json.loads(body)
        with self.lock:
            request_id = f"req-{next(self.ids)}"
            self.jobs[request_id] = 0
        self._send(200, {"request_id": request_id, "status": "IN_QUEUE", "queue_position": 0})

    def do_GET(self) -> None:
        """Status (one step along IN_QUEUE, IN_PROGRESS, COMPLETED per poll) or result."""
        if not self._authorized():
            return
        parts = self.path.split("?", 1)[0].rstrip("/").split("/")
        if parts[-1] == "status":
            request_id = parts[-2]
            with self.lock:
                polls = self.jobs.get(request_id)
                if polls is not None:
                    self.jobs[request_id] = polls + 1
            if polls is None:
                self._send(404, {"detail": "Request not found"})
                return
            status = STATUSES[min(polls, len(STATUSES) - 1)]
            self._send(200, {"status": status, "request_id": request_id})
            return
        with self.lock:
            found = self.jobs.pop(parts[-1], None) is not None
        if not found:
            self._send(404, {"detail": "Request not found"})
            return
        image = {"url": "https://fake.fal.media/files/out.png", "width": 1024, "height": 768}
        self._send(200, {"images": [image], "seed": 1234, "timings": {"inference": 0.42}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # 64 runs open their connections at once: a backlog of 5 drops some


def serve(latency: float) -> None:
    """The server process: print the port, serve until stdin closes (the bench ended)."""
    handler = type("Handler", (_FalQueueHandler,), {"latency": latency})
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()
    server.server_close()


@contextmanager
def server_process(latency: float) -> Iterator[tuple[str, Callable[[], float]]]:
    """The server's URL, and a clock of the CPU seconds its process has used (Linux)."""
    command = [sys.executable, __file__, "--serve", str(latency)]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())

        def cpu() -> float:
            try:
                fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return float("nan")
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        yield f"http://127.0.0.1:{port}", cpu
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


# -- measuring ------------------------------------------------------------------


class Phase:
    """One measured batch: runs per second, engine and server CPU per run."""

    def __init__(self, runs: int, server_cpu: Callable[[], float]) -> None:
        self.runs = runs
        self._server_cpu = server_cpu

    def __enter__(self) -> Phase:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        self._server = self._server_cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.perf_counter() - self._wall
        self.engine_cpu = time.process_time() - self._cpu
        self.server_cpu = self._server_cpu() - self._server

    @property
    def rate(self) -> float:
        return self.runs / self.elapsed

    def line(self, label: str, ideal: float | None) -> str:
        against = f", {self.rate / ideal:4.0%} of ideal {ideal:5.1f}" if ideal else ""
        return (
            f"{label:<34} {self.runs:4d} runs in {self.elapsed:5.2f} s: "
            f"{self.rate:6.2f} runs/s{against}; CPU per run: this process "
            f"{self.engine_cpu / self.runs * 1000:5.1f} ms, server "
            f"{self.server_cpu / self.runs * 1000:4.1f} ms "
            f"(server busy {self.server_cpu / self.elapsed:4.0%} of one core)"
        )


def check(results: Sequence[RunResult]) -> None:
    failed = [r for r in results if not r.succeeded]
    if failed:
        raise SystemExit(f"{len(failed)} of {len(results)} runs failed; the first: {failed[0]}")


def load(url: str) -> Engine:
    return Engine.load(
        DOCUMENT,
        servers={SOURCE: url},
        credentials={"FalKeyAuth": f"Key {KEY}"},
        path_allow_reserved=[SOURCE],
        timeout=30.0,
    )


def dask_missing() -> str | None:
    """Why the Dask part cannot run in this checkout; None when it can."""
    if "executor" not in inspect.signature(Engine.run_many).parameters:
        return "run_many has no executor parameter in this checkout"
    try:
        import arazzo_engine.batch.dask  # noqa: F401
    except ImportError as exc:
        return f"arazzo_engine.batch.dask is not importable ({exc})"
    return None


def run_on(
    engine: Engine, executor: Executor, runs: int, concurrency: int, cpu: Callable[[], float]
) -> Phase:
    """One batch through an executor, after a warm-up batch that loads every worker's engine."""
    run_many: Any = engine.run_many  # the executor keyword is typed in the Dask-aware engine
    check(run_many(WORKFLOW, [INPUTS] * 4, executor=executor, concurrency=4))
    with Phase(runs, cpu) as phase:
        check(run_many(WORKFLOW, [INPUTS] * runs, executor=executor, concurrency=concurrency))
    return phase


def ratio(phase: Phase, ideal: float) -> str:
    return f"{phase.rate:.2f} runs/s ({phase.rate / ideal:.0%} of ideal)"


def main() -> None:
    started = time.perf_counter()
    print(
        f"fal queue workflow ({REQUESTS_PER_RUN} requests a run), server latency "
        f"{LATENCY * 1000:.0f} ms, {os.cpu_count()} cores"
    )
    with server_process(LATENCY) as (url, cpu):
        engine = load(url)
        check([engine.run(WORKFLOW, INPUTS)])  # connection and parse caches warm

        phases: dict[int, Phase] = {}
        latency = 0.0
        for concurrency, runs in THREADS:
            with Phase(runs, cpu) as phase:
                check(engine.run_many(WORKFLOW, [INPUTS] * runs, concurrency=concurrency))
            phases[concurrency] = phase
            if concurrency == 1:
                latency = phase.elapsed / runs
            print(phase.line(f"threads, {concurrency} in flight", concurrency / latency))
        figure(
            "fal queue, threads, 1 in flight",
            f"{phases[1].rate:.2f} runs/s (one run {latency:.2f} s)",
            compared_with=f"{REQUESTS_PER_RUN} requests x {LATENCY * 1000:.0f} ms",
        )
        for n in (8, 64, 256):
            figure(
                f"fal queue, threads, {n} in flight",
                ratio(phases[n], n / latency),
                compared_with=f"ideal {n / latency:.1f} runs/s",
            )

        tracemalloc.start()
        check(engine.run_many(WORKFLOW, [INPUTS] * 64, concurrency=64))  # traced allocations warm
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        results = engine.run_many(WORKFLOW, [INPUTS] * 64, concurrency=64)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        check(results)
        per_run = (peak - base) / 64
        print(f"memory, 64 in flight: tracemalloc peak {(peak - base) / 1e6:.1f} MB above base")
        figure(
            "memory per in-flight run, 64 threads",
            f"{per_run / 1024:.0f} KB (tracemalloc peak / 64)",
            compared_with="Python allocations only",
        )
        del results

        missing = dask_missing()
        if missing is not None:
            print(f"Dask: not measured: {missing}")
            figure("fal queue, Dask local:2", f"not measured: {missing}")
        else:
            measure_dask(engine, cpu, latency)
    print(f"bench_scale took {time.perf_counter() - started:.0f} s")


def measure_dask(engine: Engine, cpu: Callable[[], float], latency: float) -> None:
    """dask_executor("local:2") at 8 and 64 in flight; a 2 x 32-thread LocalCluster at 64."""
    from distributed import Client, LocalCluster

    from arazzo_engine.batch.dask import dask_executor

    with dask_executor("local:2") as executor:
        for concurrency, runs in DASK_LOCAL:
            phase = run_on(engine, executor, runs, concurrency, cpu)
            print(phase.line(f"Dask local:2, {concurrency} in flight", concurrency / latency))
            figure(
                f"fal queue, Dask local:2 (1 thread a worker), {concurrency} in flight",
                ratio(phase, concurrency / latency),
                compared_with=f"ideal {concurrency / latency:.1f} runs/s",
            )
    if QUICK:
        return
    concurrency, runs = DASK_WIDE
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=32, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        phase = run_on(engine, client.get_executor(), runs, concurrency, cpu)
    print(phase.line(f"LocalCluster 2x32 threads, {concurrency}", concurrency / latency))
    figure(
        f"fal queue, LocalCluster 2 workers x 32 threads, {concurrency} in flight",
        ratio(phase, concurrency / latency),
        compared_with=f"ideal {concurrency / latency:.1f} runs/s",
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(float(sys.argv[2]))
    else:
        main()
