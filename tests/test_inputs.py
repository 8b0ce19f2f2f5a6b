"""Workflow inputs through MockTransport (no socket): schema validation, $ref, defaults."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine, InputValidationError
from tests.http_server import MockServer, Reply

INPUTS = Path(__file__).parent / "workflows" / "behaviour" / "inputs.arazzo.yaml"


@pytest.fixture
def mock_server(mock_server: MockServer) -> MockServer:
    mock_server.route("POST", "/json", Reply(200, {}))
    return mock_server


def engine_for(server: MockServer) -> Engine:
    return Engine.load(INPUTS, servers={"api": server.url}, transport=server.transport)


def test_every_violation_is_listed_with_its_input_path(mock_server: MockServer) -> None:
    bad = {
        "customer": {"age": 12, "address": {"city": 5}},
        "quantity": 0,
        "currency": 5,
        "lines": [{"sku": "a"}, {"qty": "x"}],
    }
    with pytest.raises(InputValidationError) as info:
        engine_for(mock_server).run("order", bad)
    error = info.value
    assert error.workflow_id == "order"
    paths = sorted(v.split(":", 1)[0] for v in error.violations)
    assert paths == [
        "inputs.currency",
        "inputs.customer",
        "inputs.customer.address.city",
        "inputs.customer.age",
        "inputs.lines[1].qty",
        "inputs.quantity",
    ]
    text = str(error)
    assert "'name' is a required property" in text
    assert "12 is less than the minimum of 18" in text
    assert mock_server.requests == []


def test_missing_required_inputs_are_all_named(mock_server: MockServer) -> None:
    with pytest.raises(InputValidationError) as info:
        engine_for(mock_server).run("order", {})
    text = str(info.value)
    assert "'customer' is a required property" in text
    assert "'quantity' is a required property" in text
    assert mock_server.requests == []


def test_schema_defaults_fill_omitted_inputs(mock_server: MockServer) -> None:
    given: dict[str, Any] = {
        "customer": {"name": "Ann", "address": {"city": "Paris"}},
        "quantity": 2,
        "lines": [{"sku": "a"}, {"sku": "b", "qty": 3}],
    }
    before = copy.deepcopy(given)
    result = engine_for(mock_server).run("order", given)
    assert result.succeeded, result.error
    (request,) = mock_server.requests
    assert request.json() == {
        # Nested defaults apply inside objects that are given ($ref'd schema included).
        "customer": {
            "name": "Ann",
            "country": "FR",
            "address": {"city": "Paris", "zone": "EU"},
        },
        "quantity": 2,
        "currency": "EUR",
        "express": False,
        # A defaulted object gets the defaults of its own properties too.
        "options": {"gift": False, "card": {"text": "hi"}, "wrap": "plain"},
        # Array items get their schema's defaults.
        "lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 3}],
    }
    assert result.outputs["currency"] == "EUR"
    # The caller's inputs are not changed.
    assert given == before


def test_given_values_win_over_defaults(mock_server: MockServer) -> None:
    given = {
        "customer": {"name": "Ann", "country": "DE"},
        "quantity": 1,
        "currency": "USD",
        "express": True,
        "options": {"gift": True},
    }
    result = engine_for(mock_server).run("order", given)
    assert result.succeeded, result.error
    body = mock_server.requests[0].json()
    # No address given, and address has no default: it stays absent.
    assert body["customer"] == {"name": "Ann", "country": "DE"}
    assert (body["currency"], body["express"]) == ("USD", True)
    assert body["options"] == {"gift": True, "wrap": "plain"}
    assert body["lines"] is None


def test_default_objects_are_fresh_copies_in_every_run(mock_server: MockServer) -> None:
    engine = engine_for(mock_server)
    first = engine.run("order", {"customer": {"name": "A"}, "quantity": 1})
    assert first.succeeded, first.error
    # Changing what a run handed back must not change the schema's default.
    first.outputs["options"]["card"]["text"] = "changed"
    second = engine.run("order", {"customer": {"name": "B"}, "quantity": 1})
    assert second.succeeded, second.error
    bodies = [request.json()["options"] for request in mock_server.requests]
    expected = {"gift": False, "card": {"text": "hi"}, "wrap": "plain"}
    assert bodies == [expected, expected]


def test_whole_inputs_schema_given_by_ref(mock_server: MockServer) -> None:
    result = engine_for(mock_server).run("customerOnly", {"name": "Bo"})
    assert result.succeeded, result.error
    assert mock_server.requests[0].json() == {"name": "Bo", "country": "FR", "address": None}


def test_whole_inputs_schema_by_ref_is_validated(mock_server: MockServer) -> None:
    with pytest.raises(InputValidationError) as info:
        engine_for(mock_server).run("customerOnly", {"age": "old"})
    assert sorted(v.split(":", 1)[0] for v in info.value.violations) == ["inputs", "inputs.age"]
    assert "'name' is a required property" in str(info.value)
    assert mock_server.requests == []
