"""The fake fal realtime server, driven with the websockets client directly."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from fixtures.fal.fake_fal_realtime import PNG, FakeFalRealtime, ReceivedFrame, validate_input
from tests.leaks import nothing_left_open

APP = "fal-ai/fast-lcm-diffusion"


@pytest.fixture(scope="module")
def fal() -> Iterator[FakeFalRealtime]:
    with FakeFalRealtime() as fake:
        yield fake


def _open(fal: FakeFalRealtime, app: str = APP, **kwargs: Any) -> ClientConnection:
    headers = kwargs.pop("headers", {"Authorization": f"Key {fal.api_key}"})
    query = kwargs.pop("query", "")
    return connect(
        f"{fal.url}/{app}/realtime{query}", additional_headers=headers, open_timeout=3, **kwargs
    )


def _ask(ws: ClientConnection, value: Any) -> dict[str, Any]:
    ws.send(value if isinstance(value, (str, bytes)) else json.dumps(value))
    answer: dict[str, Any] = json.loads(ws.recv(timeout=3))
    return answer


def test_result_echoes_request_id_and_points_at_the_fake(fal: FakeFalRealtime) -> None:
    with _open(fal) as ws:
        result = _ask(ws, {"prompt": "a red fox", "request_id": "r-1", "seed": 7})
    assert result["request_id"] == "r-1"
    assert result["seed"] == 7
    assert result["app_id"] == APP
    image = result["images"][0]
    assert image["url"].startswith(f"{fal.http_url}/files/r-1-")
    assert image["content_type"] == "image/png"
    with urllib.request.urlopen(image["url"], timeout=3) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/png"
        assert response.read() == PNG
    assert PNG.startswith(b"\x89PNG\r\n\x1a\n")


def test_sync_mode_returns_a_data_uri(fal: FakeFalRealtime) -> None:
    with _open(fal) as ws:
        result = _ask(ws, {"prompt": "x", "sync_mode": True})
    url = result["images"][0]["url"]
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == PNG
    assert isinstance(result["request_id"], str) and len(result["request_id"]) == 36


def test_invalid_inputs_get_errors_and_the_socket_stays_open(fal: FakeFalRealtime) -> None:
    with _open(fal) as ws:
        not_json = _ask(ws, "{not json")
        no_prompt = _ask(ws, {"request_id": "r-2", "seed": 3})
        bad_type = _ask(ws, {"prompt": 5, "request_id": "r-3"})
        binary = _ask(ws, b"\x81\xa6prompt")
        after = _ask(ws, {"prompt": "still here", "request_id": "r-4"})
    assert not_json == {
        "type": "x-fal-error",
        "error": "Invalid input",
        "reason": "the frame is not JSON",
    }
    assert no_prompt["type"] == "x-fal-error"
    assert no_prompt["request_id"] == "r-2"
    assert "'prompt'" in no_prompt["reason"]
    assert bad_type["reason"] == "'prompt' must be a string"
    assert "MessagePack" in binary["reason"]
    assert after["request_id"] == "r-4" and "images" in after


def test_records_frames_per_app(fal: FakeFalRealtime) -> None:
    app = "fal-ai/fast-turbo-diffusion"
    with _open(fal, app) as ws:
        _ask(ws, {"prompt": "one"})
        _ask(ws, {"prompt": "two"})
    mine = [f for f in fal.received if f.app_id == app]
    assert mine == [
        ReceivedFrame(app, json.dumps({"prompt": "one"})),
        ReceivedFrame(app, json.dumps({"prompt": "two"})),
    ]


def test_jwt_in_query_is_accepted(fal: FakeFalRealtime) -> None:
    with _open(fal, headers={}, query=f"?fal_jwt_token={fal.jwt_token}&max_buffering=2") as ws:
        result = _ask(ws, {"prompt": "jwt"})
    assert "images" in result


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({}, ""),
        ({"Authorization": "Key wrong"}, ""),
        ({"Authorization": "Bearer fal-realtime-test-key"}, ""),
        ({}, "?fal_jwt_token=wrong"),
    ],
)
def test_missing_or_wrong_credentials_are_refused_with_401(
    fal: FakeFalRealtime, headers: dict[str, str], query: str
) -> None:
    refused = fal.refused
    with pytest.raises(InvalidStatus) as caught:
        _open(fal, headers=headers, query=query)
    assert caught.value.response.status_code == 401
    assert json.loads(caught.value.response.body) == {"detail": "Unauthorized"}
    assert fal.refused == refused + 1


def test_other_paths_are_404(fal: FakeFalRealtime) -> None:
    with pytest.raises(InvalidStatus) as caught:
        connect(f"{fal.url}/fal-ai/fast-sdxl/stream", open_timeout=3)
    assert caught.value.response.status_code == 404
    with pytest.raises(urllib.error.HTTPError) as not_found:
        urllib.request.urlopen(f"{fal.http_url}/files/../x.png", timeout=3)
    assert not_found.value.code == 404
    not_found.value.close()


def test_delay_spaces_the_answers() -> None:
    with FakeFalRealtime(delay=0.2) as slow, _open(slow) as ws:
        started = time.monotonic()
        for n in range(3):
            ws.send(json.dumps({"prompt": f"p{n}", "request_id": f"d{n}"}))
        arrivals = []
        for _ in range(3):
            answer = json.loads(ws.recv(timeout=3))
            arrivals.append((answer["request_id"], time.monotonic() - started))
    assert [rid for rid, _ in arrivals] == ["d0", "d1", "d2"]
    assert arrivals[0][1] >= 0.18
    assert arrivals[2][1] - arrivals[0][1] >= 0.36


def test_stop_closes_open_sockets_and_leaves_nothing() -> None:
    with nothing_left_open():
        fake = FakeFalRealtime().start()
        with _open(fake) as ws:
            fake.stop()
            fake.stop()
            with pytest.raises(ConnectionClosed) as caught:
                ws.recv(timeout=3)
    assert caught.value.rcvd is not None and caught.value.rcvd.code == 1001


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"prompt": "ok", "strength": 0.5, "num_inference_steps": 4}, None),
        ({"prompt": "ok", "custom_field": [1]}, None),
        ([], "the input must be a JSON object"),
        ({"prompt": "ok", "seed": True}, "'seed' must be an integer"),
        ({"prompt": "ok", "strength": 2}, "'strength' must be between 0 and 1"),
        (
            {"prompt": "ok", "num_inference_steps": 0},
            "'num_inference_steps' must be between 1 and 50",
        ),
        ({"prompt": "ok", "sync_mode": "yes"}, "'sync_mode' must be a boolean"),
    ],
)
def test_validate_input(value: Any, problem: str | None) -> None:
    assert validate_input(value) == problem


# -- the fake against our AsyncAPI description of fal's event APIs ------------------------

DESCRIPTION = Path(__file__).parent.parent / "fixtures" / "fal" / "asyncapi" / "fal-ai-asyncapi.yml"


@pytest.fixture(scope="module")
def description() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(DESCRIPTION.read_text(encoding="utf-8"))
    return document


def _conforms(description: dict[str, Any], schema: str, value: Any) -> None:
    root = {"$ref": f"#/components/schemas/{schema}", "components": description["components"]}
    jsonschema.Draft7Validator(root).validate(value)


def test_description_names_the_operations_workflows_use(description: dict[str, Any]) -> None:
    assert description["asyncapi"] == "2.6.0"
    realtime = description["channels"]["{app_id}/realtime"]
    assert realtime["subscribe"]["operationId"] == "sendRealtimeInput"
    assert realtime["publish"]["operationId"] == "receiveRealtimeResult"
    status = description["channels"]["{model_id}/requests/{request_id}/status/stream"]
    assert status["servers"] == ["queue-sse"] and status["publish"]["operationId"]
    servers = description["servers"]
    assert (servers["realtime-ws"]["protocol"], servers["realtime-ws"]["url"]) == ("wss", "fal.run")
    assert (servers["queue-sse"]["protocol"], servers["queue-sse"]["url"]) == (
        "https",
        "queue.fal.run",
    )
    components = description["components"]
    for name in ("RealtimeInput", "RealtimeResult", "RealtimeError", "QueueStatus"):
        message = components["messages"][name]
        assert message["contentType"] == "application/json"
        ref = message["correlationId"]["$ref"].rsplit("/", 1)[1]
        assert components["correlationIds"][ref]["location"] == "$message.payload#/request_id"
    schemes = components["securitySchemes"]
    key = schemes["falKey"]
    assert (key["type"], key["in"], key["name"]) == ("httpApiKey", "header", "Authorization")
    jwt = schemes["falJwt"]
    assert (jwt["type"], jwt["in"], jwt["name"]) == ("httpApiKey", "query", "fal_jwt_token")


def test_fake_answers_conform_to_the_description(
    fal: FakeFalRealtime, description: dict[str, Any]
) -> None:
    [example] = description["components"]["messages"]["RealtimeInput"]["examples"]
    _conforms(description, "RealtimeInput", example["payload"])
    assert validate_input(example["payload"]) is None
    with _open(fal) as ws:
        result = _ask(ws, example["payload"])
        error = _ask(ws, {"request_id": "e-1"})
    _conforms(description, "RealtimeResult", result)
    _conforms(description, "RealtimeError", error)
    assert result["request_id"] == example["payload"]["request_id"]
    with pytest.raises(jsonschema.ValidationError):
        _conforms(description, "RealtimeInput", {"request_id": "no prompt"})
