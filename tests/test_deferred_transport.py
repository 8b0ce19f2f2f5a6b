"""The default transport is made on the first request (http/deferred.py).

Loading sends nothing, so ``Engine.load`` without ``transport=`` or
``session=`` makes no RequestsTransport (nor imports ``requests``) until a run
sends a request; what a run sends and gets is as before.
"""

from __future__ import annotations

import threading
from pathlib import Path

from arazzo_engine import Engine, HttpRequest, HttpResponse, MockTransport
from arazzo_engine.http.deferred import DeferredTransport
from arazzo_engine.http.requests_transport import RequestsTransport, Session
from tests.http_server import RecordingServer, Reply
from tests.one_step_flow import write_flow


def _answer(request: HttpRequest) -> HttpResponse:
    return HttpResponse(200, json={"url": request.url})


def test_nothing_is_made_until_the_first_send_and_then_once() -> None:
    made: list[MockTransport] = []

    def make() -> MockTransport:
        made.append(MockTransport(_answer))
        return made[-1]

    deferred = DeferredTransport(make)
    assert deferred.made is None and made == []
    request = HttpRequest("GET", "http://127.0.0.1:9/a", {})
    assert deferred.send(request, timeout=1.0).body == {"url": "http://127.0.0.1:9/a"}
    assert deferred.send(request, timeout=1.0).status_code == 200
    assert made == [deferred.made] and len(made[0].requests) == 2


def test_concurrent_first_sends_make_one_transport() -> None:
    made: list[MockTransport] = []
    gate = threading.Barrier(8)

    def make() -> MockTransport:
        made.append(MockTransport(_answer))
        return made[-1]

    deferred = DeferredTransport(make)

    def send() -> None:
        gate.wait()
        deferred.send(HttpRequest("GET", "http://127.0.0.1:9/", {}), timeout=1.0)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and len(made[0].requests) == 8


def test_closing_before_any_send_makes_nothing() -> None:
    calls: list[str] = []

    def make() -> MockTransport:
        calls.append("made")
        return MockTransport(_answer)

    deferred = DeferredTransport(make)
    deferred.close()
    assert calls == [] and deferred.made is None


def test_an_engine_makes_its_transport_on_its_first_request(tmp_path: Path) -> None:
    path = write_flow(tmp_path)
    with RecordingServer() as server:
        server.route("GET", "/thing", Reply(200))
        with Engine.load(path, servers={"api": server.url}) as engine:
            transport = engine._transport
            assert isinstance(transport, DeferredTransport) and transport.made is None
            result = engine.run("flow")
            assert result.succeeded and result.steps[0].response is not None
            assert isinstance(transport.made, RequestsTransport)
            assert engine.run("flow").succeeded
        assert [r.path for r in server.requests] == ["/thing", "/thing"]


def test_a_given_session_is_set_up_at_load_as_before(tmp_path: Path) -> None:
    session = Session()
    try:
        with Engine.load(write_flow(tmp_path), session=session) as engine:
            assert isinstance(engine._transport, RequestsTransport)
            assert engine._transport.session is session
    finally:
        session.close()
