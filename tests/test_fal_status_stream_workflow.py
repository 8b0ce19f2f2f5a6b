"""fal's queue with its status stream: an OpenAPI submit, AsyncAPI status events, an OpenAPI result.

The workflow (fixtures/fal/arazzo/fal-ai-queue-status-stream-workflow.yml) mixes
sources: it submits through the queue (OpenAPI), then receives the job's status
events from the queue's Server-Sent Events channel (AsyncAPI, one event per
execution of its receive step, retried while the job is queued or running),
then fetches the result.  Everything runs against the fake fal server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from arazzo_engine import Engine
from fixtures.fal.fake_fal_server import FakeFalServer
from tests.leaks import nothing_left_open

WORKFLOW = (
    Path(__file__).parent.parent / "fixtures/fal/arazzo/fal-ai-queue-status-stream-workflow.yml"
)
KEY = "status-stream-key"
INPUTS = {"modelOwner": "fal-ai", "modelName": "flux/dev", "input": {"prompt": "a kite"}}


@contextmanager
def fal_server(**options: Any) -> Iterator[FakeFalServer]:
    with FakeFalServer(api_key=KEY, platform=True, events=2, interval=0.05, **options) as fal:
        yield fal


def engine_for(fal: FakeFalServer, stream_key: str = KEY) -> Engine:
    return Engine.load(
        WORKFLOW,
        servers={"falModelApis": fal.url, "falEvents": fal.url},
        credentials={"FalKeyAuth": f"Key {KEY}", "falKey": f"Key {stream_key}"},
        path_allow_reserved=["falModelApis"],
        timeout=5.0,
    )


def test_the_job_is_followed_event_by_event_until_it_completes() -> None:
    with nothing_left_open(), fal_server() as fal, engine_for(fal) as engine:
        result = engine.run("queue-status-stream", INPUTS)
        requests = [(r.method, r.path, r.headers.get("Authorization")) for r in fal.requests]
    assert result.succeeded, result.error
    request_id = result.outputs["requestId"]
    assert result.outputs["status"] == "COMPLETED"
    assert result.outputs["result"]["prompt"] == "a kite"
    statuses = [
        (s.step_id, s.attempt, s.message.payload["status"] if s.message else s.status_code)
        for s in result.steps
    ]
    assert statuses == [
        ("submitJob", 1, 200),
        ("followStatus", 1, "IN_QUEUE"),
        ("followStatus", 2, "IN_PROGRESS"),
        ("followStatus", 3, "COMPLETED"),
        ("fetchResult", 1, 200),
    ]
    stream = f"/fal-ai/flux/dev/requests/{request_id}/status/stream"
    # one stream for the whole wait: the retries took the next events from it
    assert [r for r in requests if r[1].startswith(stream)] == [("GET", stream, f"Key {KEY}")]


def test_a_key_the_stream_refuses_fails_the_receive_step_without_showing_it() -> None:
    with nothing_left_open(), fal_server() as fal, engine_for(fal, "wrong-key") as engine:
        result = engine.run("queue-status-stream", INPUTS)
    assert not result.succeeded and result.error is not None
    assert result.error.startswith("step 'followStatus' of workflow 'queue-status-stream': ")
    assert "401" in result.error and "wrong-key" not in result.error
    assert [s.step_id for s in result.steps] == ["submitJob", "followStatus"]


def test_a_failed_job_stops_the_retries_and_fails_the_workflow() -> None:
    with fal_server(progression=("IN_QUEUE", "FAILED")) as fal, engine_for(fal) as engine:
        result = engine.run("queue-status-stream", INPUTS)
    assert not result.succeeded and result.error is not None
    assert "successCriteria not met: `$message.payload#/status == 'COMPLETED'`" in result.error
    assert result.outputs["status"] == "FAILED"
    assert [(s.step_id, s.attempt) for s in result.steps][-1] == ("followStatus", 2)
