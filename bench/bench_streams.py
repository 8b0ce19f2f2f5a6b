"""Streams: time to first event vs a bare requests stream; SSE parsing throughput."""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))
from _report import QUICK, figure  # noqa: E402

from arazzo_engine import Engine  # noqa: E402
from arazzo_engine.http.sse import SseDecoder  # noqa: E402
from fixtures.fal.fake_fal_server import FakeFalServer  # noqa: E402

WORKFLOW = ROOT / "fixtures" / "fal" / "arazzo" / "fal-ai-stream-inference-workflow.yml"
INPUTS = {"modelOwner": "fal-ai", "modelName": "any-llm", "input": {"prompt": "hi"}}
ROUNDS = 2 if QUICK else 15


def bare_first_event(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    with session.post(
        f"{url}/fal-ai/any-llm/stream",
        json=INPUTS["input"],
        headers={"Authorization": "Key k"},
        stream=True,
        timeout=10,
    ) as response:
        decoder = SseDecoder()
        while chunk := response.raw.read1(65536, decode_content=True):
            if decoder.feed(chunk):
                return time.perf_counter() - started
    raise RuntimeError("no event")


def engine_first_event(engine: Engine) -> float:
    started = time.perf_counter()
    with engine.run("stream-inference", INPUTS) as result:
        response = result.steps[0].response
        assert response is not None
        next(response.events())
        return time.perf_counter() - started


def parse_rate(count: int) -> tuple[float, int]:
    event = b'event: progress\ndata: {"step": 1, "text": "token"}\n\n'
    chunk = event * 1000
    decoder = SseDecoder()
    tracemalloc.start()
    started = time.perf_counter()
    seen = 0
    for _ in range(count // 1000):
        seen += len(decoder.feed(chunk))
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seen == count
    return count / elapsed, peak


def main() -> None:
    with FakeFalServer(api_key="k", events=3, interval=0.0, lifetime=120) as server:
        engine = Engine.load(
            WORKFLOW, servers={"falModelApis": server.url}, credentials={"FalKeyAuth": "Key k"}
        )
        session = requests.Session()
        bare_first_event(session, server.url)
        engine_first_event(engine)
        bare, ours = [], []
        for _ in range(ROUNDS):
            bare.append(bare_first_event(session, server.url))
            ours.append(engine_first_event(engine))
        b, e = statistics.median(bare), statistics.median(ours)
        print(f"first event, bare requests: {b * 1000:.2f} ms   engine: {e * 1000:.2f} ms")
        figure(
            "SSE first event",
            f"{e * 1000:.2f} ms ({(e - b) * 1000:+.2f} ms)",
            compared_with=f"bare requests stream: {b * 1000:.2f} ms",
            target="within 1 ms",
            met=e - b <= 0.001,
        )
    count = 10_000 if QUICK else 100_000
    rate, peak = parse_rate(count)
    print(f"SSE parsing: {count:,} events, peak traced memory {peak / 1024:.0f} KiB")
    figure("SSE parsing", f"{rate:,.0f} events/s", target=">= 50,000 events/s", met=rate >= 50_000)


if __name__ == "__main__":
    main()
