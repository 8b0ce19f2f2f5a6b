"""fal.ai's nine published workflows (mirrored in fixtures/fal/arazzo) against the fake fal server.

Each workflow runs unchanged through ``Engine.load`` with every source description
pointed at one ``FakeFalServer(platform=True)``; the tests check the outputs and
the requests the server received (method, path, query, body, credential).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from arazzo_engine import Engine, RunResult
from fixtures.fal.fake_fal_server import FakeFalServer, RecordedRequest
from tests.http_server import RecordingServer, Reply

ARAZZO = Path(__file__).resolve().parents[1] / "fixtures" / "fal" / "arazzo"
KEY = "test-key"
AUTH_HEADERS = {"Authorization": f"Key {KEY}"}
MODELS = "falModelApis"
STORAGE = "falStorageApi"
SERVERLESS = "falServerlessPlatformApi"

# document -> (workflow id, the source descriptions it names)
WORKFLOWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "queue-inference": ("queue-inference", (MODELS,)),
    "submit-and-cancel": ("submit-and-cancel", (MODELS,)),
    "webhook-submission": ("webhook-submission", (MODELS,)),
    "stream-inference": ("stream-inference", (MODELS,)),
    "upload-then-inference": ("upload-then-inference", (STORAGE, MODELS)),
    "image-to-image-result": ("image-to-image-with-webhook", (STORAGE, MODELS)),
    "serverless-app-discovery": ("serverless-app-discovery", (SERVERLESS,)),
    "serverless-app-files": ("serverless-app-files", (SERVERLESS,)),
    "set-and-verify-secret": ("set-and-verify-secret", (SERVERLESS,)),
}

FLUX_INPUT = {"prompt": "a lighthouse in a storm, oil painting", "seed": 1234}
WEBHOOK = "https://hooks.example.com/fal/done?job=42&sig=a%2Fb"


@contextmanager
def fal_server(**options: Any) -> Iterator[FakeFalServer]:
    options.setdefault("lifetime", 30.0)
    with FakeFalServer(api_key=KEY, platform=True, events=2, interval=0.0, **options) as fal:
        yield fal


def load(
    document: str,
    fal: FakeFalServer,
    *,
    key: str = KEY,
    reserved: Sequence[str] = (MODELS,),
    **options: Any,
) -> Engine:
    sources = WORKFLOWS[document][1]
    return Engine.load(
        ARAZZO / f"fal-ai-{document}-workflow.yml",
        servers=dict.fromkeys(sources, fal.url),
        credentials={"FalKeyAuth": f"Key {key}"},
        path_allow_reserved=[s for s in reserved if s in sources],
        timeout=5.0,
        **options,
    )


def run(document: str, fal: FakeFalServer, inputs: dict[str, Any], **options: Any) -> RunResult:
    """Run the document's workflow and close its responses (nothing here streams)."""
    with load(document, fal, **options).run(WORKFLOWS[document][0], inputs) as result:
        return result


def calls(received: Sequence[RecordedRequest]) -> list[tuple[str, str]]:
    """(method, path with query) of each request, after checking each carried the key."""
    for request in received:
        assert request.headers.get("Authorization") == f"Key {KEY}", request
    return [(request.method, request.path) for request in received]


def step_ids(result: RunResult) -> list[str]:
    return [step.step_id for step in result.steps]


def assert_refused_at(result: RunResult, step_id: str) -> None:
    """The run ended at its first step, refused with 422 by the server, and its error says so."""
    assert not result.succeeded
    assert step_ids(result) == [step_id]
    assert result.steps[0].status_code == 422
    assert result.error is not None and step_id in result.error


def only_job(fal: FakeFalServer) -> str:
    (request_id,) = fal.jobs
    return request_id


def expected_output(model: str, payload: dict[str, Any]) -> dict[str, Any]:
    seed = payload.get("seed", 42)
    return {
        "images": [
            {
                "url": f"https://fake.fal.media/files/{model}/{seed}.png",
                "width": 1024,
                "height": 768,
                "content_type": "image/png",
            }
        ],
        "seed": seed,
        "prompt": payload.get("prompt", ""),
        "model": model,
        "timings": {"inference": 0.42},
    }


# -- queue inference -------------------------------------------------------------------

QUEUE_INPUTS: dict[str, Any] = {
    "modelOwner": "fal-ai",
    "modelName": "flux/schnell",
    "input": FLUX_INPUT,
}


@pytest.mark.parametrize(
    "progression",
    [
        ("COMPLETED",),
        ("IN_QUEUE", "IN_PROGRESS", "COMPLETED"),
        ("IN_QUEUE", "IN_QUEUE", "IN_QUEUE", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED"),
    ],
    ids=["done-at-once", "queued-running-done", "long-queue"],
)
def test_queue_inference_polls_until_completed(progression: tuple[str, ...]) -> None:
    with fal_server(progression=progression) as fal:
        result = run("queue-inference", fal, QUEUE_INPUTS)
        base = f"{fal.url}/fal-ai/flux/schnell/requests"
    assert result.succeeded, result.error
    polls = fal.polls_to_complete
    assert polls == len(progression)
    request_id = only_job(fal)
    output = expected_output("fal-ai/flux/schnell", FLUX_INPUT)
    assert result.outputs == {"requestId": request_id, "result": output}
    job = f"/fal-ai/flux/schnell/requests/{request_id}"
    assert calls(fal.requests) == [
        ("POST", "/fal-ai/flux/schnell"),
        *[("GET", f"{job}/status?logs=1")] * polls,
        ("GET", job),
    ]
    assert fal.requests[0].json == FLUX_INPUT
    assert fal.requests[0].headers["Content-Type"] == "application/json"
    assert all(request.body == b"" for request in fal.requests[1:])
    assert step_ids(result) == ["submitJob", *["pollStatus"] * polls, "fetchResult"]
    poll_steps = [step for step in result.steps if step.step_id == "pollStatus"]
    assert [step.attempt for step in poll_steps] == list(range(1, polls + 1))
    assert [step.outputs["status"] for step in poll_steps] == list(progression)
    assert result.steps[0].outputs == {"requestId": request_id, "status": "IN_QUEUE"}
    assert result.steps[0].response is not None
    assert result.steps[0].response.body["status_url"] == f"{base}/{request_id}/status"


def test_queue_inference_that_never_completes_ends_at_max_steps() -> None:
    with fal_server(progression=("IN_QUEUE", "IN_PROGRESS")) as fal:
        started = time.perf_counter()
        result = run("queue-inference", fal, QUEUE_INPUTS, max_steps=12)
        elapsed = time.perf_counter() - started
    assert not result.succeeded
    assert result.error is not None
    assert "max_steps (12)" in result.error and "pollStatus" in result.error
    assert elapsed < 5.0
    # One submit and eleven polls ran; the twelfth poll was refused before sending.
    assert [method for method, _ in calls(fal.requests)] == ["POST"] + ["GET"] * 11
    assert all(path.endswith("/status?logs=1") for _, path in calls(fal.requests)[1:])
    assert fal.jobs[only_job(fal)].status == "IN_PROGRESS"
    assert result.outputs.get("result") is None


def test_queue_inference_failed_job_falls_through_to_the_result_and_fails_there() -> None:
    # FAILED matches neither goto, so the step's success moves on to the next step,
    # whose result request the queue answers with the model's error.
    with fal_server(progression=("IN_PROGRESS", "FAILED")) as fal:
        result = run("queue-inference", fal, QUEUE_INPUTS)
    assert not result.succeeded
    assert step_ids(result) == ["submitJob", "pollStatus", "pollStatus", "fetchResult"]
    assert result.steps[-1].status_code == 500
    assert result.error is not None and "fetchResult" in result.error
    assert result.outputs["requestId"] == only_job(fal)
    assert result.steps[-1].response is not None
    assert "raised an error" in result.steps[-1].response.body["detail"]


def test_queue_inference_model_id_with_slash_needs_raw_slashes() -> None:
    # Percent-encoded, "flux%2Fschnell" still names the model on this fake, so the
    # run works either way; the wire path shows the difference.
    with fal_server(progression=("COMPLETED",)) as fal:
        result = run("queue-inference", fal, QUEUE_INPUTS, reserved=())
    assert result.succeeded, result.error
    request_id = only_job(fal)
    assert [path for _, path in calls(fal.requests)] == [
        "/fal-ai/flux%2Fschnell",
        f"/fal-ai/flux%2Fschnell/requests/{request_id}/status?logs=1",
        f"/fal-ai/flux%2Fschnell/requests/{request_id}",
    ]


# -- submit and cancel -----------------------------------------------------------------

CANCEL_INPUTS: dict[str, Any] = {
    "modelOwner": "fal-ai",
    "modelName": "kling-2.5/text-to-video",
    "input": {"prompt": "a paper boat drifting down a rainy street", "duration": 5},
}


@pytest.mark.parametrize(
    "progression",
    [("IN_QUEUE", "IN_PROGRESS", "COMPLETED"), ("IN_PROGRESS", "COMPLETED")],
    ids=["in-queue", "in-progress"],
)
def test_submit_and_cancel_cancels_a_pending_job(progression: tuple[str, ...]) -> None:
    with fal_server(progression=progression) as fal:
        result = run("submit-and-cancel", fal, CANCEL_INPUTS)
    assert result.succeeded, result.error
    request_id = only_job(fal)
    assert result.outputs == {"requestId": request_id, "cancelStatus": "CANCELED", "result": None}
    assert step_ids(result) == ["submitJob", "checkStatus", "cancelJob"]
    assert result.steps[1].outputs == {"status": progression[0]}
    job = f"/fal-ai/kling-2.5/text-to-video/requests/{request_id}"
    assert calls(fal.requests) == [
        ("POST", "/fal-ai/kling-2.5/text-to-video"),
        ("GET", f"{job}/status"),
        ("PUT", f"{job}/cancel"),
    ]
    assert fal.requests[0].json == CANCEL_INPUTS["input"]
    assert fal.requests[2].body == b""
    assert fal.jobs[request_id].status == "CANCELED"


def test_submit_and_cancel_fetches_the_result_of_a_finished_job() -> None:
    with fal_server(progression=("COMPLETED",)) as fal:
        result = run("submit-and-cancel", fal, CANCEL_INPUTS)
    assert result.succeeded, result.error
    request_id = only_job(fal)
    output = expected_output("fal-ai/kling-2.5/text-to-video", CANCEL_INPUTS["input"])
    assert result.outputs == {"requestId": request_id, "cancelStatus": None, "result": output}
    assert step_ids(result) == ["submitJob", "checkStatus", "fetchResult"]
    job = f"/fal-ai/kling-2.5/text-to-video/requests/{request_id}"
    assert calls(fal.requests)[1:] == [("GET", f"{job}/status"), ("GET", job)]


def test_submit_and_cancel_fails_when_the_job_finishes_before_the_cancel() -> None:
    with fal_server(progression=("IN_PROGRESS", "COMPLETED"), complete_on_cancel=True) as fal:
        result = run("submit-and-cancel", fal, CANCEL_INPUTS)
    assert not result.succeeded
    assert step_ids(result) == ["submitJob", "checkStatus", "cancelJob"]
    cancel = result.steps[-1]
    assert cancel.status_code == 400
    assert cancel.response is not None
    assert cancel.response.body["status"] == "ALREADY_COMPLETED"
    assert result.error is not None
    assert "cancelJob" in result.error and "$statusCode == 200" in result.error
    # No result fetch after the failed cancel.
    assert [method for method, _ in calls(fal.requests)] == ["POST", "GET", "PUT"]
    assert result.outputs["result"] is None


# -- webhook submission ----------------------------------------------------------------

WEBHOOK_INPUTS: dict[str, Any] = {
    "modelOwner": "fal-ai",
    "modelName": "veo-3",
    "input": {"prompt": "a hummingbird in slow motion", "aspect_ratio": "16:9"},
}


def test_webhook_submission_queues_the_job_and_the_callback_arrives_on_completion() -> None:
    with RecordingServer() as receiver, fal_server() as fal:
        receiver.route("POST", "/hooks/fal", Reply(200, {"ok": True}))
        webhook = f"{receiver.url}/hooks/fal?job=42"
        result = run("webhook-submission", fal, {**WEBHOOK_INPUTS, "webhookUrl": webhook})
        assert result.succeeded, result.error
        request_id = only_job(fal)
        status_url = f"{fal.url}/fal-ai/veo-3/requests/{request_id}/status"
        assert result.outputs == {
            "requestId": request_id,
            "statusUrl": status_url,
            "status": "IN_QUEUE",
        }
        assert calls(fal.requests) == [
            ("POST", f"/fal-ai/veo-3?fal_webhook={quote(webhook, safe='')}"),
            ("GET", f"/fal-ai/veo-3/requests/{request_id}/status"),
        ]
        assert fal.requests[0].query == {"fal_webhook": [webhook]}
        assert fal.requests[0].json == WEBHOOK_INPUTS["input"]
        assert receiver.requests == []  # nothing is delivered while the job runs
        # The client keeps the status URL; the job ends on its third status read.
        with requests.Session() as session:
            for expected in ("IN_PROGRESS", "COMPLETED"):
                answer = session.get(status_url, headers=AUTH_HEADERS)
                assert answer.json()["status"] == expected
    (delivery,) = fal.webhook_deliveries
    assert (delivery.url, delivery.status_code, delivery.error) == (webhook, 200, None)
    (callback,) = receiver.requests
    assert callback.path == "/hooks/fal" and callback.query == [("job", "42")]
    assert callback.json() == {
        "request_id": request_id,
        "gateway_request_id": request_id,
        "status": "OK",
        "payload": expected_output("fal-ai/veo-3", WEBHOOK_INPUTS["input"]),
        "error": None,
    }


def test_webhook_submission_refused_webhook_fails_the_first_step() -> None:
    with fal_server() as fal:
        result = run("webhook-submission", fal, {**WEBHOOK_INPUTS, "webhookUrl": "ftp://x/y"})
    assert_refused_at(result, "submitWithWebhook")
    assert fal.jobs == {} and len(fal.requests) == 1


# -- storage + model -------------------------------------------------------------------

UPLOAD_INPUTS = {
    "contentType": "image/png",
    "fileName": "sketch of a fox.png",
    "modelOwner": "fal-ai",
    "modelName": "flux/dev/image-to-image",
    "prompt": "turn the sketch into a watercolour",
}


def test_upload_then_inference_feeds_the_file_url_to_the_model() -> None:
    with fal_server(progression=("IN_QUEUE", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED")) as fal:
        result = run("upload-then-inference", fal, UPLOAD_INPUTS)
        assert result.succeeded, result.error
        sent = list(fal.requests)
        (upload,) = fal.uploads.values()
        assert upload.file_url == f"{fal.url}/files/{upload.token}/sketch%20of%20a%20fox.png"
        # The out-of-band part: PUT the bytes to the signed URL, then read the asset back.
        png = b"\x89PNG\r\n\x1a\nfake"
        with requests.Session() as session:
            put = session.put(upload.upload_url, data=png, headers={"Content-Type": "image/png"})
            assert put.status_code == 200
            asset = session.get(upload.file_url)
            assert (asset.status_code, asset.content) == (200, png)
            assert asset.headers["Content-Type"] == "image/png"
            forged = session.put(upload.upload_url.split("?")[0], data=png)
            assert forged.status_code == 403
    request_id = only_job(fal)
    submitted = {"prompt": UPLOAD_INPUTS["prompt"], "image_url": upload.file_url}
    assert result.outputs == {
        "fileUrl": upload.file_url,
        "requestId": request_id,
        "result": expected_output("fal-ai/flux/dev/image-to-image", submitted),
    }
    assert result.steps[0].outputs == {"uploadUrl": upload.upload_url, "fileUrl": upload.file_url}
    job = f"/fal-ai/flux/dev/image-to-image/requests/{request_id}"
    assert calls(sent) == [
        ("POST", "/storage/upload/initiate"),
        ("POST", "/fal-ai/flux/dev/image-to-image"),
        *[("GET", f"{job}/status")] * 4,
        ("GET", job),
    ]
    assert sent[0].json == {"content_type": "image/png", "file_name": "sketch of a fox.png"}
    assert sent[1].json == submitted
    assert fal.jobs[request_id].input == submitted


def test_upload_then_inference_bad_media_type_stops_at_the_upload() -> None:
    with fal_server() as fal:
        result = run("upload-then-inference", fal, {**UPLOAD_INPUTS, "contentType": "png"})
    assert_refused_at(result, "initiateUpload")
    assert calls(fal.requests) == [("POST", "/storage/upload/initiate")]
    assert result.outputs == {"fileUrl": None, "requestId": None, "result": None}


IMAGE_INPUTS = {
    "fileName": "reference.png",
    "modelOwner": "fal-ai",
    "modelName": "flux/dev/image-to-image",
    "prompt": "the same street at night, neon signs",
    "webhookUrl": WEBHOOK,
}


def test_image_to_image_with_webhook_queues_a_job_reading_the_uploaded_image() -> None:
    with fal_server() as fal:
        result = run("image-to-image-result", fal, IMAGE_INPUTS)
        base = fal.url
    assert result.succeeded, result.error
    (upload,) = fal.uploads.values()
    request_id = only_job(fal)
    assert result.outputs == {
        "fileUrl": upload.file_url,
        "requestId": request_id,
        "statusUrl": f"{base}/fal-ai/flux/dev/image-to-image/requests/{request_id}/status",
    }
    assert step_ids(result) == ["initiateUpload", "submitWithWebhook"]
    assert calls(fal.requests) == [
        ("POST", "/storage/upload/initiate"),
        ("POST", f"/fal-ai/flux/dev/image-to-image?fal_webhook={quote(WEBHOOK, safe='')}"),
    ]
    # The media type is fixed by the document, not an input.
    assert fal.requests[0].json == {"content_type": "image/png", "file_name": "reference.png"}
    assert fal.requests[1].json == {"prompt": IMAGE_INPUTS["prompt"], "image_url": upload.file_url}
    assert fal.jobs[request_id].webhook == WEBHOOK
    assert fal.jobs[request_id].status == "IN_QUEUE"  # nobody polls it


def test_image_to_image_file_name_with_a_slash_is_refused() -> None:
    with fal_server() as fal:
        result = run("image-to-image-result", fal, {**IMAGE_INPUTS, "fileName": "a/b.png"})
    assert_refused_at(result, "initiateUpload")
    assert fal.jobs == {}


# -- streaming -------------------------------------------------------------------------


def test_stream_inference_on_the_platform_server() -> None:
    inputs = {"modelOwner": "fal-ai", "modelName": "any-llm", "input": {"prompt": "hi"}}
    with (
        fal_server() as fal,
        load("stream-inference", fal).run("stream-inference", inputs) as result,
    ):
        assert result.succeeded, result.error
        assert result.outputs == {"statusCode": 200}
        response = result.steps[0].response
        assert response is not None and response.is_stream
        events = [event.event for event in response.events()]
    assert events == ["progress", "progress", "output"]
    assert calls(fal.requests) == [("POST", "/fal-ai/any-llm/stream")]
    assert fal.requests[0].json == {"prompt": "hi"}


# -- Serverless --------------------------------------------------------------------------


def test_serverless_app_discovery_loads_the_first_app() -> None:
    with fal_server() as fal:
        result = run("serverless-app-discovery", fal, {})
    assert result.succeeded, result.error
    assert result.outputs == {
        "appId": "acme/flux-lora-studio",
        "endpoint": "https://fal.run/acme/flux-lora-studio",
        "gpu": "H100",
    }
    assert result.steps[0].outputs == {"firstAppId": "acme/flux-lora-studio"}
    assert result.steps[1].outputs["maxConcurrency"] == 4
    # Without path_allow_reserved the app id's slash is percent-encoded.
    assert calls(fal.requests) == [
        ("GET", "/serverless/apps"),
        ("GET", "/serverless/apps/acme%2Fflux-lora-studio"),
    ]
    assert all(request.body == b"" for request in fal.requests)


def test_serverless_app_discovery_with_raw_slashes() -> None:
    with fal_server() as fal:
        result = run("serverless-app-discovery", fal, {}, reserved=(SERVERLESS,))
    assert result.succeeded, result.error
    assert calls(fal.requests)[1] == ("GET", "/serverless/apps/acme/flux-lora-studio")


def test_serverless_app_discovery_without_apps_stops_before_the_second_request() -> None:
    with fal_server(apps=[]) as fal:
        result = run("serverless-app-discovery", fal, {})
    assert not result.succeeded
    assert result.steps[0].outputs == {"firstAppId": None}
    assert step_ids(result) == ["listApps", "getAppDetail"]
    assert result.steps[1].status_code is None  # the required app_id had no value
    assert result.error is not None
    assert "getAppDetail" in result.error and "app_id" in result.error
    assert calls(fal.requests) == [("GET", "/serverless/apps")]


def test_serverless_app_files_lists_a_directory() -> None:
    inputs = {"appId": "acme/flux-lora-studio", "path": "checkpoints"}
    with fal_server() as fal:
        result = run("serverless-app-files", fal, inputs, reserved=(SERVERLESS,))
    assert result.succeeded, result.error
    assert result.outputs == {
        "appId": "acme/flux-lora-studio",
        "endpoint": "https://fal.run/acme/flux-lora-studio",
        "firstFilePath": "/data/checkpoints/flux-lora-v1.safetensors",
    }
    assert calls(fal.requests) == [
        ("GET", "/serverless/apps/acme/flux-lora-studio"),
        ("GET", "/serverless/files?path=checkpoints"),
    ]
    assert result.steps[1].response is not None
    assert len(result.steps[1].response.body) == 2


def test_serverless_app_files_without_a_path_lists_everything() -> None:
    with fal_server() as fal:
        result = run("serverless-app-files", fal, {"appId": "acme/whisper-batch"})
    assert result.succeeded, result.error
    assert result.outputs["firstFilePath"] == "/data/cache/tokenizer.json"
    assert calls(fal.requests)[1] == ("GET", "/serverless/files")  # the absent input sends no query


def test_serverless_app_files_empty_directory_still_succeeds() -> None:
    inputs = {"appId": "acme/whisper-batch", "path": "nothing-here"}
    with fal_server() as fal:
        result = run("serverless-app-files", fal, inputs)
    assert result.succeeded, result.error
    assert result.outputs["firstFilePath"] is None


def test_serverless_app_files_unknown_app_stops_at_get_app() -> None:
    with fal_server() as fal:
        result = run("serverless-app-files", fal, {"appId": "acme/nope", "path": "cache"})
    assert not result.succeeded
    assert step_ids(result) == ["getApp"]
    assert result.steps[0].status_code == 404
    assert result.error is not None and "getApp" in result.error
    assert calls(fal.requests) == [("GET", "/serverless/apps/acme%2Fnope")]


def test_set_and_verify_secret() -> None:
    with fal_server() as fal:
        inputs = {"secretName": "HF_TOKEN", "secretValue": "hf_live_9f8e7d"}
        result = run("set-and-verify-secret", fal, inputs)
    assert result.succeeded, result.error
    assert result.outputs == {"savedName": "HF_TOKEN", "secretNames": "HF_TOKEN"}
    assert calls(fal.requests) == [("POST", "/serverless/secrets"), ("GET", "/serverless/secrets")]
    assert fal.requests[0].json == {"name": "HF_TOKEN", "value": "hf_live_9f8e7d"}
    assert fal.secrets == {"HF_TOKEN": "hf_live_9f8e7d"}
    listed = result.steps[1].response.body  # type: ignore[union-attr]
    assert [set(entry) for entry in listed] == [{"name", "created_at"}]  # never the value


def test_set_and_verify_secret_reports_only_the_first_listed_name() -> None:
    # The verification reads /0/name: with an earlier secret listed first, the
    # output names that one and the run still succeeds.
    with fal_server(secrets={"AWS_ACCESS_KEY_ID": "AKIA-existing"}) as fal:
        inputs = {"secretName": "HF_TOKEN", "secretValue": "hf_live_9f8e7d"}
        result = run("set-and-verify-secret", fal, inputs)
    assert result.succeeded, result.error
    assert result.outputs == {"savedName": "HF_TOKEN", "secretNames": "AWS_ACCESS_KEY_ID"}
    assert sorted(fal.secrets) == ["AWS_ACCESS_KEY_ID", "HF_TOKEN"]


def test_set_and_verify_secret_invalid_name_stops_at_the_write() -> None:
    with fal_server() as fal:
        result = run("set-and-verify-secret", fal, {"secretName": "hf-token", "secretValue": "x"})
    assert_refused_at(result, "setSecret")
    assert calls(fal.requests) == [("POST", "/serverless/secrets")]
    assert fal.secrets == {}


# -- credentials, for all nine -----------------------------------------------------------

MINIMAL_INPUTS: dict[str, dict[str, Any]] = {
    "queue-inference": QUEUE_INPUTS,
    "submit-and-cancel": CANCEL_INPUTS,
    "webhook-submission": {**WEBHOOK_INPUTS, "webhookUrl": WEBHOOK},
    "stream-inference": {"modelOwner": "fal-ai", "modelName": "any-llm", "input": {}},
    "upload-then-inference": UPLOAD_INPUTS,
    "image-to-image-result": IMAGE_INPUTS,
    "serverless-app-discovery": {},
    "serverless-app-files": {"appId": "acme/whisper-batch"},
    "set-and-verify-secret": {"secretName": "HF_TOKEN", "secretValue": "v"},
}


@pytest.mark.parametrize("document", sorted(WORKFLOWS))
def test_a_wrong_key_fails_the_first_step_with_401(document: str) -> None:
    with fal_server() as fal:
        result = run(document, fal, MINIMAL_INPUTS[document], key="wrong-key")
    assert not result.succeeded
    assert len(result.steps) == 1 and result.steps[0].status_code == 401
    assert result.error is not None and "wrong-key" not in result.error
    (request,) = fal.requests
    assert isinstance(request, RecordedRequest)
    assert request.headers.get("Authorization") == "Key wrong-key"
    assert fal.jobs == {} and fal.uploads == {} and fal.secrets == {}


def test_every_platform_route_needs_the_key_and_only_exists_on_the_platform_server() -> None:
    with fal_server() as fal, requests.Session() as session:
        job = session.post(f"{fal.url}/fal-ai/flux/schnell", json={}, headers=AUTH_HEADERS).json()[
            "request_id"
        ]
        routes = [
            ("POST", "/fal-ai/flux/schnell"),
            ("GET", f"/fal-ai/flux/schnell/requests/{job}/status"),
            ("GET", f"/fal-ai/flux/schnell/requests/{job}"),
            ("PUT", f"/fal-ai/flux/schnell/requests/{job}/cancel"),
            ("POST", "/storage/upload/initiate"),
            ("GET", "/serverless/apps"),
            ("GET", "/serverless/apps/acme/flux-lora-studio"),
            ("GET", "/serverless/files"),
            ("GET", "/serverless/secrets"),
            ("POST", "/serverless/secrets"),
        ]
        for method, path in routes:
            for headers in ({}, {"Authorization": "Key wrong"}, {"Authorization": KEY}):
                answer = session.request(method, fal.url + path, json={}, headers=headers)
                assert answer.status_code == 401, (method, path, headers)
        assert fal.jobs[job].polls == 0 and fal.jobs[job].status == "IN_QUEUE"
    with FakeFalServer(api_key=KEY, lifetime=10.0) as plain, requests.Session() as session:
        for method, path in routes:
            answer = session.request(method, plain.url + path, json={}, headers=AUTH_HEADERS)
            assert answer.status_code == 404, (method, path)
