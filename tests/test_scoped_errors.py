"""``Engine.load(..., strict=False)``: a document with errors runs the workflows they do not reach.

Each test breaks one part of the pet-shop document (tests/scoped_documents.py)
and checks which workflows stay runnable, that a runnable one really runs
against a local server, and that a blocked one raises with the errors that
block it, before anything is sent.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import ArazzoValidationError, DocumentError, Engine
from tests.http_server import RecordingServer, Reply
from tests.scoped_documents import (
    PLACE_ORDER,
    WORKFLOW_IDS,
    Doc,
    break_coupon_step,
    shop_flow,
    write_json,
)


def load(path: Path, server: RecordingServer | None = None, **options: Any) -> Engine:
    servers = {"shop": server.url} if server is not None else None
    return Engine.load(path, servers=servers, strict=False, **options)


def shop_routes(server: RecordingServer) -> None:
    server.route("GET", "/pets/findByStatus", Reply(200, [{"id": 7}]))
    server.route("GET", "/pets/findByTags", Reply(200, [{"id": 8}]))
    server.route("POST", "/orders", Reply(200, {"id": "o-1"}))


def rules(engine: Engine, workflow_id: str) -> list[str]:
    return [d.rule for d in engine.blocked_by(workflow_id)]


# -- one broken step: the pet-coupons defect ---------------------------------------


def test_strict_load_still_refuses_the_whole_document(tmp_path: Path) -> None:
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(shop_flow(tmp_path, break_coupon_step))
    assert [d.rule for d in caught.value.errors if d.severity == "error"] == ["path-parameter"]
    assert caught.value.workflow_id is None
    assert str(caught.value).startswith("1 error in the Arazzo document:")


def test_a_valid_document_loads_alike_both_ways(tmp_path: Path) -> None:
    path = shop_flow(tmp_path)
    strict, tolerant = Engine.load(path), load(path)
    assert strict.runnable == tolerant.runnable == WORKFLOW_IDS
    assert strict.findings == strict.warnings == tolerant.findings
    assert strict.blocked_by("apply-coupon") == ()


def test_the_valid_workflows_run_and_the_broken_one_raises(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    shop_routes(http_server)
    engine = load(shop_flow(tmp_path, break_coupon_step), http_server)
    assert engine.workflow_ids == WORKFLOW_IDS
    assert engine.runnable == ["buy-available-pet", "place-order"]
    errors = [d for d in engine.findings if d.severity == "error"]
    assert [d.rule for d in errors] == ["path-parameter"]
    assert engine.warnings == tuple(d for d in engine.findings if d.severity == "warning")

    result = engine.run("buy-available-pet")
    assert result.succeeded, result.error
    assert result.outputs == {"order_id": "o-1"}
    assert [(r.method, r.path) for r in http_server.requests] == [
        ("GET", "/pets/findByStatus"),
        ("POST", "/orders"),
    ]

    http_server.requests.clear()
    with pytest.raises(ArazzoValidationError) as caught:
        engine.run("apply-coupon", {"tags": "dog"})
    assert http_server.requests == []
    assert caught.value.workflow_id == "apply-coupon"
    assert list(caught.value.errors) == errors
    message = str(caught.value)
    assert message.startswith("workflow 'apply-coupon' cannot run: it reaches 1 error")
    assert "'buy-available-pet', 'place-order'" in message
    assert f"{tmp_path / 'shop.arazzo.json'}:" in message
    assert "#/workflows/0/steps/1" in message and "[path-parameter]" in message


def test_run_many_refuses_a_blocked_workflow_before_sending(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    shop_routes(http_server)
    engine = load(shop_flow(tmp_path, break_coupon_step), http_server)
    with pytest.raises(ArazzoValidationError, match="'apply-coupon' cannot run"):
        engine.run_many("apply-coupon", [{"tags": "a"}, {"tags": "b"}], concurrency=2)
    assert http_server.requests == []
    results = engine.run_many("place-order", [{"pet_id": 1}, {"pet_id": 2}], concurrency=2)
    assert [r.succeeded for r in results] == [True, True]


# -- what a workflow reaches -------------------------------------------------------


def test_an_error_in_a_component_blocks_the_workflows_that_use_it(tmp_path: Path) -> None:
    def change(flow: Doc) -> None:
        flow["components"]["parameters"]["page"]["in"] = "body"

    engine = load(shop_flow(tmp_path, change))
    assert engine.runnable == ["apply-coupon", "place-order"]
    (finding,) = engine.blocked_by("buy-available-pet")
    assert finding.rule == "enum" and finding.pointer == "/components/parameters/page/in"


def test_an_inputs_component_reached_through_refs_blocks_its_workflow(tmp_path: Path) -> None:
    def change(flow: Doc) -> None:
        inputs = flow["components"]["inputs"]
        inputs["tags_input"] = {"$ref": "#/components/inputs/tag.list"}
        inputs["tag.list"] = {"type": "strnig"}
        inputs["spare"] = {"type": "nope"}  # broken too, but nothing uses it

    engine = load(shop_flow(tmp_path, change))
    assert engine.runnable == ["buy-available-pet", "place-order"]
    (finding,) = engine.blocked_by("apply-coupon")
    assert finding.rule == "inputs-schema"
    assert finding.pointer == "/components/inputs/tag.list/type"
    assert len([d for d in engine.findings if d.severity == "error"]) == 2


def test_a_component_used_through_another_component_blocks_too(tmp_path: Path) -> None:
    def change(flow: Doc) -> None:
        components = flow["components"]
        components["failureActions"] = {
            "again": {"name": "again", "type": "retry", "retryAfter": -1},
            "chain": {
                "name": "chain",
                "type": "goto",
                "stepId": "order",
                "criteria": [{"condition": "$components.failureActions.again != null"}],
            },
        }
        flow["workflows"][2]["failureActions"] = [{"reference": "$components.failureActions.chain"}]

    engine = load(shop_flow(tmp_path, change))
    # place-order reaches 'again' through 'chain'; the other two call place-order.
    assert engine.runnable == []
    for workflow_id in WORKFLOW_IDS:
        assert "/components/failureActions/again/retryAfter" in [
            d.pointer for d in engine.blocked_by(workflow_id)
        ]


def test_a_missing_source_blocks_only_the_workflows_that_use_it(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    def change(flow: Doc) -> None:
        flow["sourceDescriptions"].append(
            {"name": "billing", "url": "billing.openapi.json", "type": "openapi"}
        )
        flow["workflows"].append(
            {
                "workflowId": "pay",
                "steps": [
                    {"stepId": "charge", "operationId": "$sourceDescriptions.billing.charge"}
                ],
            }
        )
        flow["workflows"].append(
            {"workflowId": "refund", "steps": [{"stepId": "back", "operationId": "refund"}]}
        )

    shop_routes(http_server)
    engine = load(shop_flow(tmp_path, change), http_server)
    # 'refund' is a bare operationId that no loaded source has: it may be billing's.
    assert engine.runnable == WORKFLOW_IDS
    assert rules(engine, "pay") == ["source-unreadable"]
    assert rules(engine, "refund") == ["source-unreadable"]
    assert "billing" in str(engine.blocked_by("pay")[0])
    assert engine.run("place-order", {"pet_id": 3}).succeeded


def test_an_unreadable_only_source_blocks_every_workflow(tmp_path: Path) -> None:
    def change(flow: Doc) -> None:
        flow["sourceDescriptions"][0]["url"] = "nowhere.openapi.json"

    engine = load(shop_flow(tmp_path, change))
    assert engine.runnable == []
    assert all(rules(engine, w) == ["source-unreadable"] for w in WORKFLOW_IDS)


@pytest.mark.parametrize("how", ["step", "goto", "dependsOn", "outputs"])
def test_a_workflow_that_calls_a_broken_one_is_blocked(tmp_path: Path, how: str) -> None:
    def change(flow: Doc) -> None:
        broken = copy.deepcopy(PLACE_ORDER)
        broken["workflowId"] = "broken"
        broken["steps"][0]["operationId"] = "placeOrdr"
        caller: Doc = {
            "workflowId": "caller",
            "steps": [{"stepId": "own", "operationId": "placeOrder"}],
        }
        if how == "step":
            caller["steps"] = [{"stepId": "call", "workflowId": "broken"}]
        elif how == "goto":
            caller["steps"][0]["onFailure"] = [
                {"name": "fallback", "type": "goto", "workflowId": "broken"}
            ]
        elif how == "dependsOn":
            caller["dependsOn"] = ["broken"]
        else:
            caller["outputs"] = {"id": "$workflows.broken.outputs.order_id"}
        flow["workflows"] += [broken, caller]

    engine = load(shop_flow(tmp_path, change))
    assert engine.runnable == WORKFLOW_IDS
    assert rules(engine, "broken") == ["operation"]
    assert engine.blocked_by("caller") == engine.blocked_by("broken")
    with pytest.raises(ArazzoValidationError, match="#/workflows/3/steps/0/operationId"):
        engine.run("caller")


# -- Arazzo source documents -------------------------------------------------------

LIBRARY: Doc = {
    "arazzo": "1.0.1",
    "info": {"title": "order library", "version": "1.0.0"},
    "sourceDescriptions": [{"name": "shop", "url": "shop.openapi.json", "type": "openapi"}],
    "workflows": [
        PLACE_ORDER,
        {"workflowId": "cancel", "steps": [{"stepId": "undo", "operationId": "cancelOrder"}]},
    ],
}


def with_library(flow: Doc) -> None:
    flow["sourceDescriptions"].append({"name": "lib", "url": "lib.arazzo.json", "type": "arazzo"})
    flow["workflows"] += [
        {
            "workflowId": "order-via-lib",
            "steps": [
                {
                    "stepId": "order",
                    "workflowId": "$sourceDescriptions.lib.place-order",
                    "parameters": [{"name": "pet_id", "value": 5}],
                }
            ],
        },
        {
            "workflowId": "cancel-via-lib",
            "steps": [{"stepId": "cancel", "workflowId": "$sourceDescriptions.lib.cancel"}],
        },
    ]


def test_an_error_in_an_arazzo_source_blocks_what_reaches_it(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    write_json(tmp_path / "lib.arazzo.json", LIBRARY)
    shop_routes(http_server)
    engine = load(shop_flow(tmp_path, with_library), http_server)
    assert engine.runnable == [*WORKFLOW_IDS, "order-via-lib"]
    (finding,) = engine.blocked_by("cancel-via-lib")
    assert finding.rule == "operation" and finding.file.endswith("lib.arazzo.json")
    assert finding.pointer == "/workflows/1/steps/0/operationId"

    result = engine.run("order-via-lib")
    assert result.succeeded, result.error
    assert [(r.method, r.path) for r in http_server.requests] == [("POST", "/orders")]
    with pytest.raises(ArazzoValidationError, match=r"lib\.arazzo\.json"):
        engine.run("cancel-via-lib")


def test_a_document_level_error_in_an_arazzo_source_blocks_all_that_reach_it(
    tmp_path: Path,
) -> None:
    library = copy.deepcopy(LIBRARY)
    library["workflows"] = [PLACE_ORDER]
    library["arazzo"] = "2.0.0"
    write_json(tmp_path / "lib.arazzo.json", library)

    def change(flow: Doc) -> None:
        with_library(flow)
        flow["workflows"].pop()  # the library has no 'cancel' here

    engine = load(shop_flow(tmp_path, change))
    assert engine.runnable == WORKFLOW_IDS
    assert rules(engine, "order-via-lib") == ["arazzo-version"]


# -- what still blocks everything --------------------------------------------------


def test_a_document_level_error_blocks_every_workflow(tmp_path: Path) -> None:
    def change(flow: Doc) -> None:
        flow["arazzo"] = "2.0.0"

    engine = load(shop_flow(tmp_path, change))
    assert engine.runnable == []
    assert rules(engine, "place-order") == ["arazzo-version"]
    with pytest.raises(ArazzoValidationError, match="'place-order' cannot run"):
        engine.run("place-order")


def test_nothing_built_still_raises(tmp_path: Path) -> None:
    def change(flow: Doc) -> None:
        flow["workflows"] = []

    with pytest.raises(ArazzoValidationError, match="min-items"):
        load(shop_flow(tmp_path, change))
    broken = tmp_path / "broken.arazzo.yaml"
    broken.write_text("arazzo: 1.0.1\nworkflows: [\n")
    with pytest.raises(DocumentError):
        load(broken)


def test_a_structural_error_in_one_workflow_leaves_the_others_runnable(tmp_path: Path) -> None:
    def change(flow: Doc) -> None:
        step = flow["workflows"][0]["steps"][0]
        step["operationPath"] = "{$sourceDescriptions.shop.url}#/paths/~1orders/post"
        flow["workflows"][1]["steps"][0]["successCriteria"] = [{"condition": 200}]

    engine = load(shop_flow(tmp_path, change))
    assert engine.runnable == ["place-order"]
    assert rules(engine, "apply-coupon") == ["step-target"]
    assert rules(engine, "buy-available-pet") == ["type"]


def test_an_arazzo_source_without_workflows_blocks_what_names_it(tmp_path: Path) -> None:
    library = {"arazzo": "1.0.1", "sourceDescriptions": LIBRARY["sourceDescriptions"]}
    write_json(tmp_path / "lib.arazzo.json", {**library, "workflows": "none yet"})

    def change(flow: Doc) -> None:
        with_library(flow)
        flow["workflows"].pop()

    engine = load(shop_flow(tmp_path, change))
    assert engine.runnable == WORKFLOW_IDS
    found = {(Path(d.file).name, d.rule) for d in engine.blocked_by("order-via-lib")}
    # its own dangling reference, and the library's error that is not about a workflow
    assert found == {("shop.arazzo.json", "workflow-reference"), ("lib.arazzo.json", "required")}
