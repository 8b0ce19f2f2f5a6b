"""fal.ai's nine workflows in Arazzo 1.1 (fixtures/fal/arazzo-1.1) against the fake fal server.

The 1.1 documents pick fields out of response bodies with Selector Objects
(JSONPath) where the 1.0 ones write ``$response.body#/pointer``, and two of
them add outputs only a non-singular JSONPath can give (every secret name,
every file path).  Each runs against its own fake server next to its 1.0
original, with the same inputs: the outputs and the requests must be the same
(ids and the server's URL aside), and the added outputs what the server holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from arazzo_engine import Engine, RunResult
from fixtures.fal.fake_fal_server import FakeFalServer
from tests.http_server import RecordingServer, Reply
from tests.test_fal_workflows import (
    CANCEL_INPUTS,
    IMAGE_INPUTS,
    KEY,
    MODELS,
    QUEUE_INPUTS,
    SERVERLESS,
    UPLOAD_INPUTS,
    WEBHOOK_INPUTS,
    WORKFLOWS,
    calls,
    fal_server,
)

FAL = Path(__file__).resolve().parents[1] / "fixtures" / "fal"
V10, V11 = FAL / "arazzo", FAL / "arazzo-1.1"


@dataclass(frozen=True)
class Case:
    inputs: dict[str, Any]
    server: dict[str, Any] = field(default_factory=dict)
    reserved: tuple[str, ...] = (MODELS,)
    webhook: bool = False
    added: dict[str, Any] = field(default_factory=dict)
    """Workflow outputs only the 1.1 document has, and their values."""


CASES: dict[str, Case] = {
    "queue-inference": Case(QUEUE_INPUTS, {"progression": ("IN_QUEUE", "COMPLETED")}),
    "submit-and-cancel": Case(CANCEL_INPUTS, {"progression": ("IN_QUEUE", "COMPLETED")}),
    "webhook-submission": Case(WEBHOOK_INPUTS, webhook=True),
    "stream-inference": Case({"modelOwner": "fal-ai", "modelName": "any-llm", "input": {}}),
    "upload-then-inference": Case(UPLOAD_INPUTS),
    "image-to-image-result": Case(IMAGE_INPUTS),
    "serverless-app-discovery": Case({}),
    "serverless-app-files": Case(
        {"appId": "acme/flux-lora-studio", "path": "checkpoints"},
        reserved=(SERVERLESS,),
        added={
            "filePaths": [
                "/data/checkpoints/flux-lora-v1.safetensors",
                "/data/checkpoints/flux-lora-v2.safetensors",
            ]
        },
    ),
    "set-and-verify-secret": Case(
        {"secretName": "HF_TOKEN", "secretValue": "hf_live_9f8e7d"},
        {"secrets": {"AWS_ACCESS_KEY_ID": "AKIA-existing"}},
        added={"allSecretNames": ["AWS_ACCESS_KEY_ID", "HF_TOKEN"]},
    ),
}


@contextmanager
def receiver() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        server.route("POST", "/hooks/fal", Reply(200, {"ok": True}))
        yield server


def run(folder: Path, document: str, fal: FakeFalServer, inputs: dict[str, Any]) -> RunResult:
    case = CASES[document]
    workflow_id, sources = WORKFLOWS[document]
    engine = Engine.load(
        folder / f"fal-ai-{document}-workflow.yml",
        servers=dict.fromkeys(sources, fal.url),
        credentials={"FalKeyAuth": f"Key {KEY}"},
        path_allow_reserved=[s for s in case.reserved if s in sources],
        timeout=5.0,
    )
    with engine.run(workflow_id, inputs) as result:
        return result


def normalized(value: Any, fal: FakeFalServer, hook: str = "") -> Any:
    """``value`` with the servers' URLs, job ids and upload tokens written as placeholders."""
    if isinstance(value, dict):
        return {key: normalized(item, fal, hook) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalized(item, fal, hook) for item in value]
    if isinstance(value, str):
        value = value.replace(fal.url, "<fal>")
        if hook:
            value = value.replace(quote(hook, safe=""), "<hook>").replace(hook, "<hook>")
        for job in fal.jobs:
            value = value.replace(job, "<job>")
        for upload in fal.uploads.values():
            value = value.replace(upload.token, "<token>")
    return value


def outcome(folder: Path, document: str) -> tuple[RunResult, dict[str, Any]]:
    """The run and what it did, normalized: outputs, each step's outputs, the requests."""
    case = CASES[document]
    with ExitStack() as stack:
        fal = stack.enter_context(fal_server(**case.server))
        inputs = dict(case.inputs)
        hook = ""
        if case.webhook:
            hook = stack.enter_context(receiver()).url
            inputs["webhookUrl"] = f"{hook}/hooks/fal?job=42"
        result = run(folder, document, fal, inputs)
        seen = {
            "outputs": normalized(result.outputs, fal, hook),
            "steps": [(s.step_id, normalized(s.outputs, fal, hook)) for s in result.steps],
            "calls": normalized(calls(fal.requests), fal, hook),
        }
    return result, seen


@pytest.mark.parametrize("document", list(CASES))
def test_the_1_1_document_does_what_the_1_0_one_does(document: str) -> None:
    text = (V11 / f"fal-ai-{document}-workflow.yml").read_text(encoding="utf-8")
    assert yaml.safe_load(text)["arazzo"] == "1.1.0"
    old, before = outcome(V10, document)
    new, after = outcome(V11, document)
    assert old.succeeded, old.error
    assert new.succeeded, new.error
    added = CASES[document].added
    assert {k: v for k, v in after["outputs"].items() if k not in added} == before["outputs"]
    assert {k: after["outputs"][k] for k in added} == added
    assert after["calls"] == before["calls"]
    for (step, outputs), (old_step, old_outputs) in zip(
        after["steps"], before["steps"], strict=True
    ):
        assert step == old_step
        assert {k: v for k, v in outputs.items() if k not in added} == old_outputs


def test_selector_outputs_read_the_response_bodies() -> None:
    """Outputs the 1.1 queue workflow selects with JSONPath, checked against the server."""
    with fal_server(progression=("IN_QUEUE", "COMPLETED")) as fal:
        result = run(V11, "queue-inference", fal, QUEUE_INPUTS)
        (job,) = fal.jobs
    assert result.succeeded, result.error
    submit = result.steps[0]
    assert submit.outputs["requestId"] == job
    assert submit.outputs["status"] == "IN_QUEUE"
    assert result.outputs["requestId"] == job
    assert result.outputs["result"]["model"] == "fal-ai/flux/schnell"


def test_every_1_0_workflow_has_a_1_1_version() -> None:
    written_in_1_0 = [
        p.name
        for p in V10.glob("*-workflow.yml")
        if p.read_text(encoding="utf-8").startswith("arazzo: 1.0")
    ]
    assert sorted(p.name for p in V11.glob("*-workflow.yml")) == sorted(written_in_1_0)
    # the others are 1.1 from the start (message steps): no 1.0 version can exist
    assert len(list(V10.glob("*-workflow.yml"))) == len(written_in_1_0) + 2
