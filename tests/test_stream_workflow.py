"""The fal stream-inference workflow end to end against the fake fal server."""

from __future__ import annotations

import io
import logging
import time

import pytest

from arazzo_engine import Engine, RunResult, StreamError
from fixtures.fal.fake_fal_server import FakeFalServer
from tests.cli_run import fal_args
from tests.conftest import FAL_WORKFLOW

INPUTS = {"modelOwner": "fal-ai", "modelName": "any-llm", "input": {"prompt": "hi", "seed": 7}}


def load(server: FakeFalServer, key: str = "test-key", **options: object) -> Engine:
    return Engine.load(
        FAL_WORKFLOW,
        servers={"falModelApis": server.url},
        credentials={"FalKeyAuth": f"Key {key}"},
        timeout=5.0,
        **options,  # type: ignore[arg-type]
    )


def test_run_returns_while_the_server_is_still_streaming() -> None:
    with FakeFalServer(api_key="test-key", events=3, interval=0.2, hold_open=2.0) as server:
        engine = load(server)
        started = time.perf_counter()
        with engine.run("stream-inference", INPUTS) as result:
            elapsed = time.perf_counter() - started
            assert result.succeeded, result.error
            assert elapsed < 0.5, f"run took {elapsed:.2f}s; it must not wait for the stream"
            assert not server.stream_finished.is_set()
            step = result.steps[0]
            assert step.response is not None and step.response.is_stream
            first = next(step.response.events())
            assert first.event == "progress"
            assert not server.stream_finished.is_set(), "first event must arrive mid-stream"


def test_events_arrive_in_order_and_end_with_output(fal_server: FakeFalServer) -> None:
    with load(fal_server).run("stream-inference", INPUTS) as result:
        assert result.succeeded
        assert result.outputs == {"statusCode": 200}
        step = result.steps[0]
        assert (step.step_id, step.workflow_id, step.status_code) == (
            "openStream",
            "stream-inference",
            200,
        )
        assert step.attempt == 1
        assert step.outputs == {"statusCode": 200}
        assert step.response is not None
        assert step.response.content_type == "text/event-stream"
        events = list(step.response.events())
    assert [e.event for e in events] == ["progress"] * 3 + ["output"]
    assert events[-1].json()["input"] == INPUTS["input"]


def test_second_events_call_continues_the_same_stream(fal_server: FakeFalServer) -> None:
    with load(fal_server).run("stream-inference", INPUTS) as result:
        response = result.steps[0].response
        assert response is not None
        first = next(response.events())
        rest = list(response.events())
    assert first.event == "progress"
    assert [e.event for e in rest] == ["progress", "progress", "output"]


def test_the_server_receives_the_input_json_and_the_credential(
    fal_server: FakeFalServer,
) -> None:
    with load(fal_server).run("stream-inference", INPUTS) as result:
        assert result.succeeded
    (received,) = fal_server.requests
    assert received.method == "POST"
    assert received.path == "/fal-ai/any-llm/stream"
    assert received.json == INPUTS["input"]
    assert received.headers.get("Authorization") == "Key test-key"
    assert received.headers.get("Content-Type") == "application/json"


def test_credential_never_appears_in_results_or_logs(
    fal_server: FakeFalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="arazzo_engine")
    secret = "test-key"
    with load(fal_server, key=secret).run("stream-inference", INPUTS) as result:
        text = repr(result) + repr(result.steps) + str(result.steps[0].request)
        assert secret not in text
        list(result.steps[0].response.events())  # type: ignore[union-attr]
    assert caplog.records, "the engine logs its requests"
    assert all(secret not in record.getMessage() for record in caplog.records)


def test_wrong_credential_fails_the_step_with_the_reason(fal_server: FakeFalServer) -> None:
    result = load(fal_server, key="wrong").run("stream-inference", INPUTS)
    with result:
        assert not result.succeeded
        assert result.steps[0].status_code == 401
        assert result.error is not None
        assert "openStream" in result.error and "$statusCode == 200" in result.error
        assert "wrong" not in result.error


def test_missing_credential_is_named_on_401(fal_server: FakeFalServer) -> None:
    engine = Engine.load(FAL_WORKFLOW, servers={"falModelApis": fal_server.url})
    with engine.run("stream-inference", INPUTS) as result:
        assert not result.succeeded
        assert result.error is not None and "FalKeyAuth" in result.error


def test_model_id_with_slash_is_encoded_unless_the_source_opts_out(
    fal_server: FakeFalServer,
) -> None:
    inputs = dict(INPUTS, modelName="flux/schnell")
    with load(fal_server).run("stream-inference", inputs):
        pass
    assert fal_server.requests[-1].path == "/fal-ai/flux%2Fschnell/stream"
    engine = load(fal_server, path_allow_reserved=["falModelApis"])
    with engine.run("stream-inference", inputs) as result:
        assert result.succeeded, result.error
    assert fal_server.requests[-1].path == "/fal-ai/flux/schnell/stream"


def test_close_from_run_result_releases_the_stream() -> None:
    with FakeFalServer(api_key="test-key", events=50, interval=0.05) as server:
        result = load(server).run("stream-inference", INPUTS)
        assert isinstance(result, RunResult)
        response = result.steps[0].response
        assert response is not None
        next(response.events())
        result.close()
        with pytest.raises(StreamError):
            _ = response.content


def test_close_delimited_stream_is_read_incrementally() -> None:
    with (
        FakeFalServer(
            api_key="test-key", events=2, interval=0.2, hold_open=1.5, chunked=False
        ) as server,
        load(server).run("stream-inference", INPUTS) as result,
    ):
        assert result.succeeded
        events = result.steps[0].response.events()  # type: ignore[union-attr]
        assert next(events).event == "progress"
        assert not server.stream_finished.is_set()


def test_refused_connection_ends_the_run_as_failed() -> None:
    with FakeFalServer(api_key="test-key") as server:
        url = server.url
    engine = Engine.load(
        FAL_WORKFLOW, servers={"falModelApis": url}, credentials={"FalKeyAuth": "Key k"}
    )
    result = engine.run("stream-inference", INPUTS)
    assert not result.succeeded
    assert result.steps[0].response is None and result.steps[0].status_code is None
    assert result.error is not None and "openStream" in result.error
    assert "connection" in result.error.lower()


def test_reading_body_of_a_stream_drains_it(fal_server: FakeFalServer) -> None:
    with load(fal_server).run("stream-inference", INPUTS) as result:
        response = result.steps[0].response
        assert response is not None
        body = response.body
    assert isinstance(body, str) and body.count("event: progress") == 3
    assert "event: output" in body


def test_cli_prints_events_live(fal_server: FakeFalServer) -> None:
    from arazzo_engine.cli import main

    out = io.StringIO()
    code = main(fal_args(fal_server, "test-key"), out=out)
    text = out.getvalue()
    assert code == 0, text
    assert text.count("progress:") == 3 and "output:" in text
    assert text.index("progress:") < text.index("output:")
    assert "test-key" not in text
