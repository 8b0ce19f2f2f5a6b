"""fal's realtime inference end to end: an Arazzo 1.1 workflow over fal's AsyncAPI description.

The workflow (fixtures/fal/arazzo/fal-ai-realtime-inference-workflow.yml) sends a
prompt on the realtime app's WebSocket and receives the answer that repeats its
request id, through the project's description of fal's event APIs
(fixtures/fal/asyncapi/fal-ai-asyncapi.yml, AsyncAPI 2.6), against the fake fal
realtime server (a real WebSocket server).  The API key goes in the
``Authorization`` header (scheme ``falKey``) or a short-lived token in the
``fal_jwt_token`` query parameter (scheme ``falJwt``).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from arazzo_engine import Engine
from arazzo_engine.events import Event, MessageReceived, MessageSent
from fixtures.fal.fake_fal_realtime import FakeFalRealtime
from tests.leaks import nothing_left_open

WORKFLOW = (
    Path(__file__).parent.parent / "fixtures/fal/arazzo/fal-ai-realtime-inference-workflow.yml"
)


@pytest.fixture(scope="module")
def fal() -> Iterator[FakeFalRealtime]:
    with FakeFalRealtime() as server:
        yield server


def engine_for(fal: FakeFalRealtime, **credentials: str) -> Engine:
    given = credentials or {"falKey": f"Key {fal.api_key}"}
    return Engine.load(WORKFLOW, servers={"falRealtime": fal.url}, credentials=given)


def test_a_prompt_goes_out_and_its_image_comes_back(fal: FakeFalRealtime) -> None:
    before = len(fal.received)
    events: list[Event] = []
    with nothing_left_open(), engine_for(fal) as engine:
        result = engine.run(
            "realtime-inference",
            {"prompt": "a lighthouse at dusk", "requestId": "req-1"},
            on_event=events.append,
        )
    assert result.succeeded, result.error
    image = result.outputs["imageUrl"]
    assert image.startswith(f"{fal.http_url}/files/req-1-") and result.outputs["error"] is None
    with urllib.request.urlopen(image, timeout=5) as answer:  # the fake serves the image
        assert answer.read(8) == b"\x89PNG\r\n\x1a\n"
    [frame] = fal.received[before:]
    assert frame.app_id == "fal-ai/fast-lcm-diffusion"
    assert json.loads(frame.data) == {
        "prompt": "a lighthouse at dusk",
        "request_id": "req-1",
        "num_inference_steps": 4,
    }
    sent, received = result.steps[0].message, result.steps[1].message
    assert sent is not None and received is not None
    assert sent.channel == received.channel == "fal-ai/fast-lcm-diffusion/realtime"
    assert received.payload["request_id"] == "req-1"
    kinds = [type(e).__name__ for e in events if isinstance(e, (MessageSent, MessageReceived))]
    assert kinds == ["MessageSent", "MessageReceived"]
    assert fal.api_key not in repr(result)


def test_a_short_lived_token_goes_in_the_query(fal: FakeFalRealtime) -> None:
    with engine_for(fal, falJwt=fal.jwt_token) as engine:
        result = engine.run("realtime-inference", {"prompt": "a fox", "requestId": "jwt-1"})
    assert result.succeeded, result.error
    assert fal.jwt_token not in repr(result)


def test_a_wrong_key_is_refused_at_the_handshake_without_showing_it(
    fal: FakeFalRealtime,
) -> None:
    refused = fal.refused
    with nothing_left_open(), engine_for(fal, falKey="Key not-the-key") as engine:
        result = engine.run("realtime-inference", {"prompt": "a fox", "requestId": "bad-1"})
    assert not result.succeeded and result.error is not None
    assert result.error.startswith("step 'send-prompt' of workflow 'realtime-inference': ")
    assert "401" in result.error and "not-the-key" not in result.error
    assert fal.refused > refused


def test_an_input_the_app_cannot_use_is_answered_with_an_error_frame(
    fal: FakeFalRealtime,
) -> None:
    with engine_for(fal) as engine:
        result = engine.run(
            "realtime-inference", {"prompt": "a fox", "requestId": "bad-2", "steps": 99}
        )
    assert not result.succeeded and result.error is not None
    assert "successCriteria not met: `$message.payload#/type != 'x-fal-error'`" in result.error
    assert result.outputs == {
        "imageUrl": None,
        "seed": None,
        "error": "'num_inference_steps' must be between 1 and 50",
    }


def test_two_prompts_share_one_socket_and_each_answer_finds_its_step(
    fal: FakeFalRealtime,
) -> None:
    opened = fal.opened
    with nothing_left_open(), engine_for(fal) as engine:
        result = engine.run("realtime-session", {"prompts": ["a cat", "a dog"]})
    assert result.succeeded, result.error
    assert fal.opened == opened + 1  # one socket per run per (server, address)
    first, second = result.outputs["firstImageUrl"], result.outputs["secondImageUrl"]
    assert "/files/first-" in first and "/files/second-" in second
    assert [s.step_id for s in result.steps] == [
        "send-first",
        "send-second",
        "receive-second",
        "receive-first",
    ]
