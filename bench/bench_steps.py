"""Per-step overhead: 100 chained steps vs the same 100 calls with a bare requests.Session.

The chain looks like real workflows: GET and POST alternate, POST bodies are JSON
with a ``{$...}`` template, and every step has a simple, a regex and a JSONPath
(``$..tags[?(@.k == 'a')]``) criterion. The baseline is a bare
``requests.Session(trust_env=False)`` making the same calls and decoding the same
JSON, on the same keep-alive, TCP_NODELAY loopback server; its ms per call is
printed so a slow server (which would hide overhead) shows. The GET-only chain
is reported too.

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
from _report import QUICK, figure, shared_folder
from _server import PEER_OPENAPI, PeerServer, peer_chain_document

from arazzo_engine import Engine

STEPS = 10 if QUICK else 100
ROUNDS = 1 if QUICK else 9
TARGET = 1.2


def bare(session: requests.Session, url: str, *, posts: bool) -> float:
    """The chain's calls, made by hand: the floor the engine is measured against."""
    started = time.perf_counter()
    item, name = 1, ""
    for i in range(STEPS):
        if posts and i % 2 == 1:
            payload = {"id": item, "label": f"from-{name}", "tags": [{"k": "a"}]}
            response = session.post(f"{url}/echo", json=payload, timeout=10)
            body = response.json()
            assert response.status_code == 200
            item = body["id"]
        else:
            response = session.get(f"{url}/items/{item}", timeout=10)
            body = response.json()
            assert response.status_code == 200
            item, name = body["next"], body["name"]
    return time.perf_counter() - started


def engine_run(engine: Engine) -> float:
    started = time.perf_counter()
    result = engine.run("chain")
    elapsed = time.perf_counter() - started
    assert result.succeeded, result.error
    return elapsed


def measure(
    folder: str, server: PeerServer, *, posts: bool, document: Path | None = None
) -> tuple[float, float]:
    doc = document or Path(folder, f"chain-{'mixed' if posts else 'get'}.arazzo.yaml")
    if document is None:
        doc.write_text(peer_chain_document(STEPS, posts=posts))
    engine = Engine.load(doc, servers={"items": server.url})
    session = requests.Session()
    session.trust_env = False
    bare(session, server.url, posts=posts)
    engine_run(engine)
    bare_times, engine_times = [], []
    for _ in range(ROUNDS):  # side by side, so machine noise falls on both
        bare_times.append(bare(session, server.url, posts=posts))
        engine_times.append(engine_run(engine))
    return statistics.median(bare_times), statistics.median(engine_times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, PeerServer() as server:
        Path(folder, "items.openapi.yaml").write_text(PEER_OPENAPI)
        chains: list[tuple[str, bool, Path | None]] = [
            ("GET+POST, bodies, 3 criteria", True, None),
            ("GET only", False, None),
        ]
        peer = shared_folder("bench-data", "peer-chain")
        if peer is not None and not QUICK:  # the same chain as written elsewhere, 100 steps
            chains.append(("../shared peer-chain file", True, peer / "chain-100.arazzo.yaml"))
        for label, posts, document in chains:
            b, e = measure(folder, server, posts=posts, document=document)
            print(f"-- {STEPS}-step chain, {label}")
            print(f"   bare requests.Session(trust_env=False): {b * 1000 / STEPS:.3f} ms/call")
            print(f"   arazzo_engine run:                      {e * 1000 / STEPS:.3f} ms/step")
            print(f"   overhead per step:                      {(e - b) * 1000 / STEPS:.3f} ms")
            figure(
                f"per step, {STEPS}-step chain, {label}",
                f"{e * 1000 / STEPS:.3f} ms ({e / b:.2f}x)",
                compared_with=f"bare requests.Session: {b * 1000 / STEPS:.3f} ms/call",
                target=f"<= {TARGET}x",
                met=e / b <= TARGET,
            )


if __name__ == "__main__":
    main()
