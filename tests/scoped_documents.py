"""Documents for the scoped-error tests: a pet shop in the shape of the OAI pet-coupons example.

``shop_flow`` writes a valid three-workflow document (``apply-coupon`` and
``buy-available-pet`` both end by calling ``place-order``) and its OpenAPI
description into a folder; each test breaks one part of it through ``change``
and checks which workflows still run.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

Doc = dict[str, Any]

_JSON_REPLY: Doc = {"description": "JSON", "content": {"application/json": {"schema": {}}}}

SHOP_API: Doc = {
    "openapi": "3.0.3",
    "info": {"title": "pet shop", "version": "1.0.0"},
    "servers": [{"url": "http://127.0.0.1:9"}],
    "paths": {
        "/pets/findByTags": {
            "get": {
                "operationId": "findPetsByTags",
                "parameters": [{"name": "tags", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": _JSON_REPLY},
            }
        },
        "/pets/findByStatus": {
            "get": {
                "operationId": "findPetsByStatus",
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string"}},
                    {"name": "page", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {"200": _JSON_REPLY},
            }
        },
        "/pets/{petId}/coupons": {
            "get": {
                "operationId": "getPetCoupons",
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {"200": _JSON_REPLY},
            }
        },
        "/orders": {
            "post": {
                "operationId": "placeOrder",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": _JSON_REPLY},
            }
        },
    },
}

PLACE_ORDER: Doc = {
    "workflowId": "place-order",
    "inputs": {"type": "object", "properties": {"pet_id": {"type": "integer"}}},
    "steps": [
        {
            "stepId": "order",
            "operationId": "placeOrder",
            "requestBody": {
                "contentType": "application/json",
                "payload": {"petId": "$inputs.pet_id", "status": "placed"},
            },
            "successCriteria": [{"condition": "$statusCode == 200"}],
            "outputs": {"order_id": "$response.body#/id"},
        }
    ],
    "outputs": {"order_id": "$steps.order.outputs.order_id"},
}

SHOP_FLOW: Doc = {
    "arazzo": "1.0.1",
    "info": {"title": "pet shop", "version": "1.0.0"},
    "sourceDescriptions": [{"name": "shop", "url": "shop.openapi.json", "type": "openapi"}],
    "workflows": [
        {
            "workflowId": "apply-coupon",
            "summary": "Find a pet, its coupon, and order it.",
            "inputs": {"$ref": "#/components/inputs/tags_input"},
            "steps": [
                {
                    "stepId": "find-pet",
                    "operationId": "findPetsByTags",
                    "parameters": [{"name": "tags", "in": "query", "value": "$inputs.tags"}],
                    "successCriteria": [{"condition": "$statusCode == 200"}],
                    "outputs": {"pet_id": "$response.body#/0/id"},
                },
                {
                    "stepId": "find-coupons",
                    "operationId": "getPetCoupons",
                    "parameters": [
                        {"name": "petId", "in": "path", "value": "$steps.find-pet.outputs.pet_id"}
                    ],
                    "successCriteria": [{"condition": "$statusCode == 200"}],
                },
                {
                    "stepId": "place-order",
                    "workflowId": "place-order",
                    "parameters": [{"name": "pet_id", "value": "$steps.find-pet.outputs.pet_id"}],
                    "outputs": {"order_id": "$outputs.order_id"},
                },
            ],
            "outputs": {"order_id": "$steps.place-order.outputs.order_id"},
        },
        {
            "workflowId": "buy-available-pet",
            "summary": "Order the first available pet.",
            "steps": [
                {
                    "stepId": "find-pet",
                    "operationId": "findPetsByStatus",
                    "parameters": [
                        {"name": "status", "in": "query", "value": "available"},
                        {"reference": "$components.parameters.page", "value": 1},
                    ],
                    "successCriteria": [{"condition": "$statusCode == 200"}],
                    "outputs": {"pet_id": "$response.body#/0/id"},
                },
                {
                    "stepId": "place-order",
                    "workflowId": "place-order",
                    "parameters": [{"name": "pet_id", "value": "$steps.find-pet.outputs.pet_id"}],
                    "outputs": {"order_id": "$outputs.order_id"},
                },
            ],
            "outputs": {"order_id": "$steps.place-order.outputs.order_id"},
        },
        PLACE_ORDER,
    ],
    "components": {
        "inputs": {
            "tags_input": {"type": "object", "properties": {"tags": {"type": "string"}}},
        },
        "parameters": {"page": {"name": "page", "in": "query", "value": 1}},
    },
}

WORKFLOW_IDS = ["apply-coupon", "buy-available-pet", "place-order"]


def shop_flow(folder: Path, change: Callable[[Doc], None] | None = None) -> Path:
    """Write the shop description and the (changed) flow into ``folder``; the flow's path."""
    (folder / "shop.openapi.json").write_text(json.dumps(SHOP_API))
    flow = copy.deepcopy(SHOP_FLOW)
    if change is not None:
        change(flow)
    path = folder / "shop.arazzo.json"
    path.write_text(json.dumps(flow, indent=2))
    return path


def break_coupon_step(flow: Doc) -> None:
    """The pet-coupons defect: the coupons step names the path parameter ``pet_id``."""
    flow["workflows"][0]["steps"][1]["parameters"][0]["name"] = "pet_id"


def write_json(path: Path, data: Doc) -> Path:
    path.write_text(json.dumps(data, indent=2))
    return path
