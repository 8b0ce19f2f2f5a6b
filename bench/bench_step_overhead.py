"""The engine's own cost per step: the 100-step chain of bench_steps.py with no network.

The chain (GET and POST alternate, JSON bodies with a ``{$...}`` template, a
simple, a regex and a JSONPath criterion on every step) runs on the engine's
``MockTransport``, whose handler answers as the bench server does.  What is
left is what the engine does around the wire: building requests, evaluating
expressions, decoding bodies, judging criteria, keeping results.  The handler's
own cost (building its answer) is measured alone and printed too, as is the
engine's figure without it; so is the same chain without its JSONPath
criterion, the part of a step that is neither the wire nor the JSONPath library.

``--against DIR`` measures the checkout at DIR (a worktree of main, say) side by
side: each checkout runs in its own process and their rounds alternate, so
machine noise falls on both; the ratio is printed.

Run: .venv/bin/python bench/bench_step_overhead.py [--against ../main] [--steps N] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import QUICK, figure
from _server import PEER_OPENAPI, peer_chain_document

HERE = Path(__file__).resolve().parent

ROUNDS = 15


def handler(request: Any) -> Any:
    """The bench server's answers: an item for GET /items/{id}, the body back for POST /echo."""
    from arazzo_engine.http.response import HttpResponse

    if request.method == "GET":
        n = int(request.url.rsplit("/", 1)[-1])
        item = {"id": n, "next": n + 1, "name": f"item-{n}", "tags": [{"k": "a"}]}
        return HttpResponse(200, json=item)
    return HttpResponse(200, content=request.body, headers={"Content-Type": "application/json"})


class Chain:
    """An engine loaded on the chain, ready to time one run at a time."""

    def __init__(self, folder: str, steps: int, *, jsonpath: bool = True) -> None:
        from arazzo_engine import Engine
        from arazzo_engine.http.mock import MockTransport

        Path(folder, "items.openapi.yaml").write_text(PEER_OPENAPI)
        doc = Path(folder, f"chain-{jsonpath}.arazzo.yaml")
        text = peer_chain_document(steps)
        if not jsonpath:
            text = "".join(line for line in text.splitlines(True) if "type: jsonpath" not in line)
        doc.write_text(text)
        self.steps = steps
        self.engine = Engine.load(
            doc, servers={"items": "http://127.0.0.1:1"}, transport=MockTransport(handler)
        )
        self.requests = self._requests()
        self.run()

    def _requests(self) -> list[Any]:
        """The requests the chain sends, to time the handler alone on them."""
        result = self.engine.run("chain")
        assert result.succeeded, result.error
        return [step.request for step in result.steps]

    def run(self) -> float:
        started = time.perf_counter()
        result = self.engine.run("chain")
        elapsed = time.perf_counter() - started
        assert result.succeeded, result.error
        return elapsed

    def handler_only(self) -> float:
        started = time.perf_counter()
        for request in self.requests:
            handler(request)
        return time.perf_counter() - started


def worker(steps: int) -> None:
    """Answer each line on stdin with one timed round (see :func:`one_round`)."""
    with tempfile.TemporaryDirectory() as folder:
        chains = Chain(folder, steps), Chain(folder, steps, jsonpath=False)
        print("ready", flush=True)
        for _ in sys.stdin:
            print(" ".join(map(str, one_round(*chains))), flush=True)


def one_round(chain: Chain, plain: Chain) -> tuple[float, float, float]:
    """Seconds of: a run, the same run without JSONPath criteria, the handler alone."""
    return chain.run(), plain.run(), chain.handler_only()


class Worker:
    """A checkout's worker process (``root`` first on its path)."""

    def __init__(self, root: Path, steps: int) -> None:
        env = dict(os.environ, PYTHONPATH=str(root))
        self.root = root
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", "--steps", str(steps)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=root,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if line != "ready":
            raise SystemExit(f"the worker for {root} did not start (see its error above)")

    def round(self) -> tuple[float, float, float]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        run, plain, alone = self.process.stdout.readline().split()
        return float(run), float(plain), float(alone)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


Round = tuple[float, float, float]


def report(label: str, rounds: list[Round], steps: int) -> tuple[float, float]:
    """Print a checkout's medians; its cost without the handler, and without JSONPath
    criteria too (ms/step)."""
    run, plain, alone = (statistics.median(r[i] for r in rounds) * 1000 / steps for i in range(3))
    print(f"-- {label}")
    print(f"   engine run on MockTransport:        {run:.4f} ms/step")
    print(f"   the handler alone:                  {alone:.4f} ms/step")
    print(f"   engine without the handler:         {run - alone:.4f} ms/step")
    print(f"   the same without JSONPath criteria: {plain - alone:.4f} ms/step")
    return run - alone, plain - alone


def headline(steps: int, costs: tuple[float, float], other: tuple[float, float] | None) -> None:
    """The figures for bench/run_all.py's table (compared with --against when given)."""
    for name, own, theirs in (
        ("engine-only per step", costs[0], other and other[0]),
        ("engine-only per step without JSONPath criteria", costs[1], other and other[1]),
    ):
        figure(
            f"{name}, {steps}-step chain on MockTransport",
            f"{own:.4f} ms" + (f" ({own / theirs:.2f}x)" if theirs else ""),
            compared_with=f"--against: {theirs:.4f} ms" if theirs else "",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--against", type=Path, help="another checkout, measured side by side")
    parser.add_argument("--quick", action="store_true", help="smallest sizes (a smoke run)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if QUICK:
        args.steps, args.rounds = min(args.steps, 10), min(args.rounds, 3)
    if args.worker:
        worker(args.steps)
        return
    print(f"{args.steps}-step chain (GET+POST, bodies, 3 criteria a step), no network")
    if args.against is None:
        with tempfile.TemporaryDirectory() as folder:
            chains = Chain(folder, args.steps), Chain(folder, args.steps, jsonpath=False)
            rounds = [one_round(*chains) for _ in range(args.rounds)]
        headline(args.steps, report("this checkout", rounds, args.steps), None)
        return
    workers = [Worker(HERE.parent, args.steps), Worker(args.against.resolve(), args.steps)]
    times: list[list[Round]] = [[], []]
    try:
        for _ in range(args.rounds):  # alternate, so machine noise falls on both
            for index, each in enumerate(workers):
                times[index].append(each.round())
    finally:
        for each in workers:
            each.close()
    own = report(f"this checkout ({HERE.parent})", times[0], args.steps)
    other = report(f"--against {args.against}", times[1], args.steps)
    print(f"   ratio this/against (without JSONPath and the handler): {own[1] / other[1]:.2f}")
    headline(args.steps, own, other)


if __name__ == "__main__":
    main()
