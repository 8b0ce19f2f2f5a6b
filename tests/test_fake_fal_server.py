"""Tests of the fake fal.ai server, spoken to over real HTTP with requests."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import urllib3

from fixtures.fal.fake_fal_server import FakeFalServer, RecordedRequest

SCRIPT = Path(__file__).resolve().parents[1] / "fixtures" / "fal" / "fake_fal_server.py"

AUTH = {"Authorization": "Key test-key"}
MODEL_PATH = "/fal-ai/flux/schnell/stream"


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def _progress(step: int, of: int, model: str = "fal-ai/flux/schnell") -> bytes:
    payload = {"step": step, "of": of, "text": f"{model}: step {step} of {of}"}
    return b"event: progress\ndata: " + json.dumps(payload).encode() + b"\n\n"


def test_401_without_key(session: requests.Session) -> None:
    with FakeFalServer() as fal:
        for headers in ({}, {"Authorization": "Key wrong"}, {"Authorization": "test-key"}):
            resp = session.post(fal.url + MODEL_PATH, json={"prompt": "p"}, headers=headers)
            assert resp.status_code == 401, headers
            assert resp.headers["Content-Type"] == "application/json"
            assert resp.json() == {"detail": "Missing or invalid Authorization"}
        assert not fal.stream_started.is_set()


def test_custom_api_key(session: requests.Session) -> None:
    with FakeFalServer(api_key="s3cret", events=0) as fal:
        assert session.post(fal.url + MODEL_PATH, json={}, headers=AUTH).status_code == 401
        ok = session.post(fal.url + MODEL_PATH, json={}, headers={"Authorization": "Key s3cret"})
        assert ok.status_code == 200


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (None, None),
        (b"{not json", "application/json"),
        (b'{"prompt": "p"}', "text/plain"),
        (b"[1, 2]", "application/json"),
    ],
    ids=["no-body", "bad-json", "wrong-content-type", "not-an-object"],
)
def test_422_without_a_json_object(
    session: requests.Session, body: bytes | None, content_type: str | None
) -> None:
    headers = dict(AUTH)
    if content_type:
        headers["Content-Type"] = content_type
    with FakeFalServer() as fal:
        resp = session.post(fal.url + MODEL_PATH, data=body, headers=headers)
        assert resp.status_code == 422
        assert resp.json()["detail"][0]["loc"] == ["body"]
        assert not fal.stream_started.is_set()


def test_404_elsewhere(session: requests.Session) -> None:
    with FakeFalServer() as fal:
        for method, path in [
            ("POST", "/fal-ai/flux/schnell"),
            ("POST", "/stream"),
            ("POST", "/fal-ai/stream"),
            ("GET", MODEL_PATH),
            ("DELETE", "/x"),
        ]:
            resp = session.request(method, fal.url + path, json={}, headers=AUTH)
            assert resp.status_code == 404, (method, path)
            assert resp.json() == {"detail": "not found"}
        head = session.head(fal.url + MODEL_PATH)
        assert head.status_code == 404
        assert head.content == b""
        # The keep-alive connection is still usable after every error above.
        assert session.get(fal.url + "/").status_code == 404
        assert len(fal.requests) == 7


def test_stream_content_headers_and_event_order(session: requests.Session) -> None:
    with FakeFalServer(events=3, interval=0.0) as fal:
        resp = session.post(fal.url + MODEL_PATH, json={"prompt": "a cat"}, headers=AUTH)
        assert fal.stream_started.is_set()
        assert fal.stream_finished.wait(2)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/event-stream"
    assert resp.headers["Cache-Control"] == "no-cache"
    assert resp.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in resp.headers
    progress = _progress(1, 3) + _progress(2, 3) + _progress(3, 3)
    assert resp.content.startswith(progress)
    tail = resp.content[len(progress) :]
    assert tail.startswith(b"event: output\ndata: ")
    assert tail.endswith(b"\n\n")
    output = json.loads(tail[len(b"event: output\ndata: ") :])
    assert output["input"] == {"prompt": "a cat"}
    assert output["output"]["prompt"] == "a cat"
    assert output["output"]["images"][0]["url"].startswith("https://")


def test_model_name_with_slashes_is_recorded(session: requests.Session) -> None:
    with FakeFalServer(events=1, interval=0.0) as fal:
        resp = session.post(
            fal.url + "/fal-ai/flux-pro/v1.1/ultra/stream?x=1",
            json={"seed": 7},
            headers={**AUTH, "X-Trace": "t1"},
        )
    assert resp.status_code == 200
    (record,) = fal.requests
    assert isinstance(record, RecordedRequest)
    assert record.method == "POST"
    assert record.path == "/fal-ai/flux-pro/v1.1/ultra/stream?x=1"
    assert record.headers["Authorization"] == "Key test-key"
    assert record.headers["X-Trace"] == "t1"
    assert record.body == b'{"seed": 7}'
    assert record.json == {"seed": 7}
    assert b"fal-ai/flux-pro/v1.1/ultra: step 1 of 1" in resp.content
    assert b'"model": "fal-ai/flux-pro/v1.1/ultra"' in resp.content


def test_chunked_request_body_is_read(session: requests.Session) -> None:
    with FakeFalServer(events=0) as fal:
        resp = session.post(
            fal.url + MODEL_PATH,
            data=iter([b'{"prompt":', b' "x"}']),
            headers={**AUTH, "Content-Type": "application/json"},
        )
    assert resp.status_code == 200
    assert fal.requests[0].json == {"prompt": "x"}


def _raw_exchange(url: str, body: bytes = b'{"a": 1}') -> bytes:
    """Send one request on a plain socket and read until the server closes or ends."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            b"POST " + MODEL_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Key test-key\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_chunked_framing_one_chunk_per_event() -> None:
    with FakeFalServer(events=2, interval=0.0) as fal:
        raw = _raw_exchange(fal.url)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    chunks = []
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        chunks.append(body[:size])
        assert body[size : size + 2] == b"\r\n"
        body = body[size + 2 :]
    assert body == b"\r\n"
    assert chunks[:2] == [_progress(1, 2), _progress(2, 2)]
    assert len(chunks) == 3 and chunks[2].startswith(b"event: output\n")


def test_close_delimited_mode(session: requests.Session) -> None:
    with FakeFalServer(events=2, interval=0.0, chunked=False) as fal:
        resp = session.post(fal.url + MODEL_PATH, json={"prompt": "p"}, headers=AUTH)
        raw = _raw_exchange(fal.url, b'{"prompt": "p"}')
        assert fal.stream_finished.is_set()
    assert resp.status_code == 200
    assert resp.headers["Connection"] == "close"
    assert "Content-Length" not in resp.headers
    assert "Transfer-Encoding" not in resp.headers
    assert resp.content.startswith(_progress(1, 2) + _progress(2, 2) + b"event: output\n")
    assert resp.content.endswith(b"\n\n")
    assert raw.partition(b"\r\n\r\n")[2] == resp.content


def test_events_are_spaced_by_interval(session: requests.Session) -> None:
    with FakeFalServer(events=3, interval=0.05) as fal:
        start = time.perf_counter()
        session.post(fal.url + MODEL_PATH, json={}, headers=AUTH)
        elapsed = time.perf_counter() - start
    assert 0.15 <= elapsed < 1.0


def test_keep_alive_requests_are_fast(session: requests.Session) -> None:
    # Without TCP_NODELAY each small keep-alive response would stall ~40 ms.
    with FakeFalServer(events=0) as fal:
        session.post(fal.url + MODEL_PATH, json={}, headers=AUTH)  # open the connection
        start = time.perf_counter()
        for _ in range(20):
            assert session.post(fal.url + MODEL_PATH, json={}, headers=AUTH).ok
        elapsed = time.perf_counter() - start
    assert elapsed < 0.4, f"{elapsed:.3f}s for 20 requests"


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "close-delimited"])
def test_stream_finished_not_set_when_first_chunk_arrives(
    session: requests.Session, chunked: bool
) -> None:
    with (
        FakeFalServer(events=2, interval=0.0, hold_open=1.0, chunked=chunked) as fal,
        session.post(fal.url + MODEL_PATH, json={}, headers=AUTH, stream=True) as resp,
    ):
        first = resp.raw.read1(65536)
        assert first.startswith(b"event: progress\n")
        assert fal.stream_started.is_set()
        assert not fal.stream_finished.is_set()
        start = time.perf_counter()
    assert time.perf_counter() - start < 0.5  # stop() cut the held-open stream short


def test_stop_leaves_no_thread_alive(session: requests.Session) -> None:
    before = set(threading.enumerate())
    fal = FakeFalServer(events=50, interval=0.05, hold_open=5.0).start()
    # An idle keep-alive connection and a stream still being sent when stop() runs.
    assert session.post(fal.url + "/nope", headers=AUTH).status_code == 404
    with requests.Session() as other:
        resp = other.post(fal.url + MODEL_PATH, json={}, headers=AUTH, stream=True)
        assert resp.raw.read1(65536)
        assert {t.name for t in set(threading.enumerate()) - before} >= {
            "fake-fal-serve",
            "fake-fal-lifetime",
        }
        start = time.perf_counter()
        fal.stop()
        assert time.perf_counter() - start < 1.0
        assert set(threading.enumerate()) - before == set()
        resp.close()
    with pytest.raises(requests.ConnectionError):
        requests.get(fal.url + "/", timeout=1)
    fal.stop()  # idempotent


def test_lifetime_stops_a_forgotten_server() -> None:
    before = set(threading.enumerate())
    fal = FakeFalServer(lifetime=0.1).start()
    assert fal.running
    deadline = time.monotonic() + 3
    while fal.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not fal.running
    fal.stop()  # waits for the timer's stop() to finish
    assert set(threading.enumerate()) - before == set()
    with pytest.raises(requests.ConnectionError):
        requests.get(fal.url + "/", timeout=1)


def test_client_hanging_up_mid_stream_is_silent(capfd: pytest.CaptureFixture[str]) -> None:
    with FakeFalServer(events=30, interval=0.005) as fal:
        for _ in range(3):
            with (
                requests.Session() as s,
                s.post(fal.url + MODEL_PATH, json={}, headers=AUTH, stream=True) as resp,
            ):
                assert resp.raw.read1(65536)
        time.sleep(0.25)  # let the server write into the closed connections
        assert not fal.stream_finished.is_set()
    assert fal.errors == []
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_concurrent_requests_are_all_recorded() -> None:
    with FakeFalServer(events=1, interval=0.0) as fal:

        def post(i: int) -> None:
            with requests.Session() as s:
                assert s.post(fal.url + MODEL_PATH, json={"i": i}, headers=AUTH).ok

        threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(r.json["i"] for r in fal.requests) == list(range(8))


def test_url_requires_start_and_start_only_once() -> None:
    fal = FakeFalServer()
    with pytest.raises(RuntimeError):
        _ = fal.url
    with fal:
        assert fal.url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError):
            fal.start()


def test_main_runs_in_the_foreground() -> None:
    with subprocess.Popen(
        [sys.executable, str(SCRIPT), "--port", "0", "--events", "1", "--interval", "0"],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            with requests.Session() as s:
                resp = s.post(url + MODEL_PATH, json={}, headers=AUTH)
            assert resp.status_code == 200
            assert b"event: output" in resp.content
        finally:
            proc.terminate()
            proc.wait(5)


# -- the queue status stream -------------------------------------------------

QUEUE_MODEL = "fal-ai/flux/dev"


def _submit(session: requests.Session, fal: FakeFalServer, model: str = QUEUE_MODEL) -> str:
    answer = session.post(f"{fal.url}/{model}", json={"prompt": "p"}, headers=AUTH)
    assert answer.status_code == 200
    request_id: str = answer.json()["request_id"]
    return request_id


def _status_events(body: bytes) -> list[dict[str, object]]:
    """The JSON of each ``data:`` event of a status stream (each is one ``data:`` line)."""
    events = [block for block in body.decode().split("\n\n") if block]
    assert all(block.startswith("data: ") and "\n" not in block for block in events), body
    return [json.loads(block[len("data: ") :]) for block in events]


def _read_rest(resp: requests.Response) -> bytes:
    """The rest of a streamed body, with read1 (urllib3 cannot mix read1 and stream())."""
    data = b""
    while chunk := resp.raw.read1(65536):
        data += chunk
    return data


def test_status_stream_sends_each_status_change_then_ends(session: requests.Session) -> None:
    with FakeFalServer(platform=True, interval=0.0) as fal:
        request_id = _submit(session, fal)
        job = f"{fal.url}/{QUEUE_MODEL}/requests/{request_id}"
        resp = session.get(f"{job}/status/stream?logs=1", headers=AUTH)
        assert fal.stream_finished.is_set()
        # The job it followed is the status route's: finished, its result ready.
        after = session.get(f"{job}/status", headers=AUTH).json()
        result = session.get(job, headers=AUTH)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/event-stream"
    assert resp.headers["Transfer-Encoding"] == "chunked"
    events = _status_events(resp.content)
    assert [e["status"] for e in events] == ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]
    assert all(e["request_id"] == request_id and e["response_url"] == job for e in events)
    assert events[0]["queue_position"] == 0 and "logs" not in events[0]
    for event in events[1:]:
        assert "queue_position" not in event
        logs = event["logs"]
        assert isinstance(logs, list) and logs[0]["level"] == "INFO"
    assert after["status"] == "COMPLETED"
    assert result.status_code == 200 and result.json()["prompt"] == "p"


def test_status_stream_events_have_the_status_route_shape(session: requests.Session) -> None:
    progression = ("IN_QUEUE", "IN_QUEUE", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED")
    with FakeFalServer(platform=True, interval=0.0, progression=progression) as fal:
        polled_id = _submit(session, fal)
        streamed_id = _submit(session, fal)
        polled = [
            session.get(f"{fal.url}/{QUEUE_MODEL}/requests/{polled_id}/status", headers=AUTH)
            for _ in progression
        ]
        streamed = session.get(
            f"{fal.url}/{QUEUE_MODEL}/requests/{streamed_id}/status/stream", headers=AUTH
        )
    statuses = [answer.json() for answer in polled]
    changes = [s for i, s in enumerate(statuses) if i == 0 or s != statuses[i - 1]]
    events = _status_events(streamed.content)
    for expected in changes:  # one event per change: a new status or queue position
        expected["request_id"] = streamed_id
        expected["response_url"] = str(expected["response_url"]).replace(polled_id, streamed_id)
    assert events == changes
    assert [e.get("queue_position") for e in events] == [1, 0, None, None]


def test_status_stream_is_spaced_by_interval(session: requests.Session) -> None:
    with FakeFalServer(platform=True, interval=0.1) as fal:
        request_id = _submit(session, fal)
        url = f"{fal.url}/{QUEUE_MODEL}/requests/{request_id}/status/stream"
        start = time.perf_counter()
        with session.get(url, headers=AUTH, stream=True) as resp:
            first = resp.raw.read1(65536)
            first_at = time.perf_counter() - start
            rest = _read_rest(resp)
        elapsed = time.perf_counter() - start
    assert first.startswith(b'data: {"status": "IN_QUEUE"')
    assert first_at < 0.1
    assert b"COMPLETED" in rest
    assert 0.2 <= elapsed < 1.0  # two waits: IN_QUEUE -> IN_PROGRESS -> COMPLETED


def test_status_stream_close_delimited(session: requests.Session) -> None:
    with FakeFalServer(platform=True, interval=0.0, chunked=False) as fal:
        request_id = _submit(session, fal)
        resp = session.get(
            f"{fal.url}/{QUEUE_MODEL}/requests/{request_id}/status/stream", headers=AUTH
        )
    assert resp.headers["Connection"] == "close"
    assert "Transfer-Encoding" not in resp.headers
    assert [e["status"] for e in _status_events(resp.content)] == [
        "IN_QUEUE",
        "IN_PROGRESS",
        "COMPLETED",
    ]


def test_status_stream_refusals(session: requests.Session) -> None:
    with FakeFalServer(platform=True, interval=0.0) as fal:
        request_id = _submit(session, fal)
        job = f"{fal.url}/{QUEUE_MODEL}/requests/{request_id}"
        no_key = session.get(f"{job}/status/stream")
        wrong_key = session.get(f"{job}/status/stream", headers={"Authorization": "Key nope"})
        unknown = session.get(
            f"{fal.url}/{QUEUE_MODEL}/requests/no-such-id/status/stream", headers=AUTH
        )
        other_model = session.get(
            f"{fal.url}/fal-ai/other/requests/{request_id}/status/stream", headers=AUTH
        )
        put = session.put(f"{job}/status/stream", headers=AUTH)
        assert not fal.stream_started.is_set()
        assert fal.jobs[request_id].polls == 0  # no refused request moved the job
    assert no_key.status_code == wrong_key.status_code == 401
    assert unknown.status_code == other_model.status_code == 404
    assert unknown.json() == {"detail": "Request not found"}
    assert put.status_code == 404


def test_status_stream_of_a_job_that_never_completes_ends_on_stop(
    session: requests.Session,
) -> None:
    fal = FakeFalServer(platform=True, interval=0.02, progression=("IN_QUEUE", "IN_PROGRESS"))
    with fal:
        request_id = _submit(session, fal)
        url = f"{fal.url}/{QUEUE_MODEL}/requests/{request_id}/status/stream"
        with requests.Session() as other, other.get(url, headers=AUTH, stream=True) as resp:
            received = b""
            while received.count(b"\n\n") < 2:
                received += resp.raw.read1(65536)
            time.sleep(0.2)  # many polls, no change: no more events
            assert fal.jobs[request_id].polls > 3
            assert not fal.stream_finished.is_set()
            start = time.perf_counter()
            fal.stop()
            assert time.perf_counter() - start < 1.0
            with pytest.raises(urllib3.exceptions.ProtocolError):  # no last chunk came
                _read_rest(resp)
    assert [e["status"] for e in _status_events(received)] == ["IN_QUEUE", "IN_PROGRESS"]
    assert fal.errors == []


def test_status_stream_ends_when_the_job_is_canceled(session: requests.Session) -> None:
    with FakeFalServer(platform=True, interval=0.05, progression=("IN_QUEUE",)) as fal:
        request_id = _submit(session, fal)
        job = f"{fal.url}/{QUEUE_MODEL}/requests/{request_id}"
        with (
            requests.Session() as other,
            other.get(f"{job}/status/stream", headers=AUTH, stream=True) as resp,
        ):
            assert resp.raw.read1(65536).startswith(b'data: {"status": "IN_QUEUE"')
            assert session.put(f"{job}/cancel", headers=AUTH).json()["status"] == "CANCELED"
            rest = _read_rest(resp)
    assert [e["status"] for e in _status_events(rest)] == ["CANCELED"]
    assert fal.stream_finished.is_set()
