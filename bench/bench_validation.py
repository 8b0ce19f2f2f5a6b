"""Response validation per call: the engine's cached validators vs openapi-core.

Validates Stripe's example resources (../shared/bench-data/stripe-fixtures3)
against the schemas of Stripe's description, as ``validate="warn"`` does, and
times one ``GetCustomersCustomer`` 200 response each way (median of many
calls).  Also counts the fixtures each way rejects: they are Stripe's own
examples, so every rejection is a false alarm.

Skips cleanly when ../shared/bench-data is absent.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import QUICK, figure, shared_folder

from arazzo_engine.load.pointers import child
from arazzo_engine.load.reader import read_data
from arazzo_engine.sources.openapi.index import build_operation_index
from arazzo_engine.sources.openapi.shapes import SchemaAt
from arazzo_engine.sources.openapi.validation import OperationValidation
from arazzo_engine.sources.reading import LoadedSource

DATA = shared_folder("bench-data")
CALLS = 5 if QUICK else 200


def median_ms(action: Any, calls: int = CALLS) -> float:
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> int:
    if DATA is None or QUICK:  # the Stripe description alone takes seconds to read
        print("skipped: the Stripe description and fixtures of ../shared/bench-data are absent")
        return 0
    SPEC = DATA / "stripe-spec3-2023-09.yaml"
    FIXTURES = DATA / "stripe-fixtures3-2023-09.json"
    document = read_data(SPEC)
    index = build_operation_index(LoadedSource("stripe", "openapi", "x", str(SPEC), document))
    resources: dict[str, Any] = json.loads(FIXTURES.read_text(encoding="utf-8"))["resources"]
    operation = index.by_id["GetCustomersCustomer"]
    assert operation.detail is not None
    schema = operation.detail.responses["200"]["application/json"]
    assert schema is not None
    checks = OperationValidation("warn")
    customer = resources["customer"]

    def ours() -> list[str]:
        return checks._check(operation.detail, schema, "read", customer, "body")  # type: ignore[arg-type]

    started = time.perf_counter()
    ours()
    first = (time.perf_counter() - started) * 1000
    engine_ms = median_ms(ours)
    print(f"engine:       {engine_ms:.3f} ms a call (first call, building: {first:.1f} ms)")

    from openapi_core import Config, OpenAPI
    from openapi_core.testing import MockRequest, MockResponse

    api = OpenAPI.from_dict(document.data, config=Config(spec_validator_cls=None))
    request = MockRequest("https://api.stripe.com", "get", "/v1/customers/cus_1")
    response = MockResponse(
        json.dumps(customer).encode(), status_code=200, content_type="application/json"
    )

    def theirs() -> str | None:
        try:
            api.validate_response(request, response)
        except Exception as error:
            return type(error).__name__
        return None

    core_ms = median_ms(theirs, 50)
    print(f"openapi-core: {core_ms:.3f} ms a call, on a valid customer: {theirs()}")
    figure(
        "validating a Stripe customer response",
        f"{engine_ms:.3f} ms",
        compared_with=f"openapi-core: {core_ms:.3f} ms",
    )

    schemas = document.data["components"]["schemas"]
    rejected = 0
    checked = 0
    for name, example in resources.items():
        if name not in schemas:
            continue
        checked += 1
        pointer = child("/components/schemas", name)
        at = SchemaAt(schemas[name], index.resolver.root_uri, pointer)
        if checks._check(operation.detail, at, "read", example, name):
            rejected += 1
    print(f"engine rejects {rejected} of Stripe's {checked} example resources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
