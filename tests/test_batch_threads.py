"""The threads path calls on_result too; importing the engine and an HTTP run never
import Dask."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from arazzo_engine import Engine, RunResult
from tests.http_server import RecordingServer, Reply
from tests.test_run_operations import PETS

ROOT = Path(__file__).resolve().parent.parent


def test_on_result_once_per_run_in_the_calling_thread(http_server: RecordingServer) -> None:
    http_server.route("GET", "/v1/public/health", Reply(200, {"ok": True}))
    engine = Engine.load(PETS, servers={"pets": http_server.url + "/v1"})
    for concurrency in (1, 4):
        seen: list[tuple[int, int]] = []

        def on_result(index: int, result: RunResult, seen: list[tuple[int, int]] = seen) -> None:
            seen.append((index, threading.get_ident()))

        results = engine.run_many(
            "health", [None] * 6, concurrency=concurrency, on_result=on_result
        )
        assert all(r.succeeded and r.retried == 0 for r in results)
        assert sorted(i for i, _ in seen) == list(range(6))
        assert {t for _, t in seen} == {threading.get_ident()}


def test_an_http_batch_never_imports_dask(http_server: RecordingServer) -> None:
    http_server.route("GET", "/v1/public/health", Reply(200, {"ok": True}))
    code = (
        "import sys, arazzo_engine\n"
        "from arazzo_engine import Engine\n"
        f"e = Engine.load({str(PETS)!r}, servers={{'pets': {http_server.url + '/v1'!r}}})\n"
        "rs = e.run_many('health', [None, None], concurrency=2, on_result=lambda i, r: None)\n"
        "assert all(r.succeeded for r in rs)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
