"""Load time with big real OpenAPI descriptions, against a bare parse of the same file.

For each description in ../shared/bench-data (GitHub, Stripe, Box, the Swagger
petstore), a one-step Arazzo document calling one of its operations is loaded
with ``Engine.load``; the baseline is reading the file and ``json.loads`` /
``yaml.load(..., CSafeLoader)`` of it, measured in the same run.  Prints the
median of several rounds of each and the ratio (target: within 1.3x).

Skips cleanly when ../shared/bench-data is absent.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import QUICK, figure, shared_folder

from arazzo_engine import Engine

DATA = shared_folder("bench-data")
ROUNDS = 1 if QUICK else 5

# file -> (operationId, its path parameters)
CASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "github-api.github.com-2020-07.json": ("repos/get", ("owner", "repo")),
    "github-api.github.com-2020-07.yaml": ("repos/get", ("owner", "repo")),
    "stripe-spec3-2023-09.yaml": ("GetCustomersCustomer", ("customer",)),
    "box-openapi.json": ("get_files_id", ("file_id",)),
    "box-openapi-v2025.0.json": ("get_docgen_templates_v2025.0", ()),
    "petstore3-openapi.yaml": ("getPetById", ("petId",)),
}

QUICK_CASES = ("petstore3-openapi.yaml", "box-openapi-v2025.0.json")


def arazzo_document(description: Path, operation_id: str, parameters: tuple[str, ...]) -> str:
    params = "".join(f"\n          - {{name: {p}, in: path, value: x}}" for p in parameters)
    return f"""arazzo: 1.0.1
info: {{title: load bench, version: '1'}}
sourceDescriptions:
  - name: api
    url: {description}
    type: openapi
workflows:
  - workflowId: one
    steps:
      - stepId: call
        operationId: '{operation_id}'
        parameters:{params or " []"}
        successCriteria:
          - condition: $statusCode == 200
"""


def bare_parse(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.load(text, Loader=yaml.CSafeLoader)


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> int:
    if DATA is None:
        print("skipped: ../shared/bench-data is absent (the big OpenAPI descriptions live there)")
        return 0
    worst: tuple[float, str, float, float] | None = None
    print(f"{'file':38} {'bare parse':>12} {'Engine.load':>12} {'ratio':>7}  (median of {ROUNDS})")
    with tempfile.TemporaryDirectory() as folder:
        cases = {k: v for k, v in CASES.items() if k in QUICK_CASES} if QUICK else CASES
        for name, (operation_id, parameters) in cases.items():
            description = DATA / name
            if not description.is_file():
                print(f"{name:38} skipped (absent)")
                continue
            flow = Path(folder, f"{name}.arazzo.yaml")
            flow.write_text(arazzo_document(description, operation_id, parameters))
            Engine.load(flow)  # imports and first-use costs, not load time
            bare_parse(description)
            bare: list[float] = []
            load: list[float] = []
            for _ in range(ROUNDS):
                bare.append(timed(lambda d=description: bare_parse(d)))  # type: ignore[misc]
                load.append(timed(lambda f=flow: Engine.load(f)))  # type: ignore[misc]
            b, s = statistics.median(bare), statistics.median(load)
            print(f"{name:38} {b * 1000:9.1f} ms {s * 1000:9.1f} ms {s / b:6.2f}x")
            if worst is None or s / b > worst[0]:
                worst = (s / b, name, b, s)
    if worst is not None:
        ratio, name, b, s = worst
        figure(
            f"Engine.load of a big OpenAPI description (worst: {name})",
            f"{s * 1000:.0f} ms ({ratio:.2f}x)",
            compared_with=f"bare parse: {b * 1000:.0f} ms",
            target="<= 1.3x",
            met=ratio <= 1.3,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
