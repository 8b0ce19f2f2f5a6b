"""Parameters serialized by OpenAPI ``style`` and ``explode``, checked on the wire.

The table is the "Style Examples" table of OpenAPI 3.1.1 (section 4.8.12.4):
a parameter named ``color`` with the values ``""``, ``"blue"``,
``["blue", "black", "brown"]`` and ``{"R": 100, "G": 200, "B": 150}``.  Each
cell is sent to a real local server, which records the request line as it
arrived; the test compares the raw path, query string, header or cookie.

Cells the specification marks *n/a* are filled with what the engine does
(``ENGINE`` rows, documented in docs/openapi.md): written as ``form`` would.
Cookies follow ``form`` with ``; `` between the pairs an exploded value makes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from arazzo_engine import Engine
from tests.http_server import Received, RecordingServer, Reply

FIDELITY = Path(__file__).parent / "workflows" / "fidelity"

VALUES: dict[str, Any] = {
    "empty": "",
    "string": "blue",
    "array": ["blue", "black", "brown"],
    "object": {"R": 100, "G": 200, "B": 150},
}

SPEC = "spec"
ENGINE = "engine"

# (in, style, explode): (where the cells come from, {type: serialization})
TABLE: dict[tuple[str, str, bool], tuple[str, dict[str, str]]] = {
    ("path", "matrix", False): (
        SPEC,
        {
            "empty": ";color",
            "string": ";color=blue",
            "array": ";color=blue,black,brown",
            "object": ";color=R,100,G,200,B,150",
        },
    ),
    ("path", "matrix", True): (
        SPEC,
        {
            "empty": ";color",
            "string": ";color=blue",
            "array": ";color=blue;color=black;color=brown",
            "object": ";R=100;G=200;B=150",
        },
    ),
    ("path", "label", False): (
        SPEC,
        {
            "empty": ".",
            "string": ".blue",
            "array": ".blue,black,brown",
            "object": ".R,100,G,200,B,150",
        },
    ),
    ("path", "label", True): (
        SPEC,
        {
            "empty": ".",
            "string": ".blue",
            "array": ".blue.black.brown",
            "object": ".R=100.G=200.B=150",
        },
    ),
    ("path", "simple", False): (
        SPEC,
        {"empty": "", "string": "blue", "array": "blue,black,brown", "object": "R,100,G,200,B,150"},
    ),
    ("path", "simple", True): (
        SPEC,
        {"empty": "", "string": "blue", "array": "blue,black,brown", "object": "R=100,G=200,B=150"},
    ),
    # The specification's table gives header `simple` the cells of path `simple`; copied as is.
    ("header", "simple", False): (
        SPEC,
        {"empty": "", "string": "blue", "array": "blue,black,brown", "object": "R,100,G,200,B,150"},
    ),
    ("header", "simple", True): (
        SPEC,
        {"empty": "", "string": "blue", "array": "blue,black,brown", "object": "R=100,G=200,B=150"},
    ),
    ("query", "form", False): (
        SPEC,
        {
            "empty": "color=",
            "string": "color=blue",
            "array": "color=blue,black,brown",
            "object": "color=R,100,G,200,B,150",
        },
    ),
    ("query", "form", True): (
        SPEC,
        {
            "empty": "color=",
            "string": "color=blue",
            "array": "color=blue&color=black&color=brown",
            "object": "R=100&G=200&B=150",
        },
    ),
    ("query", "spaceDelimited", False): (
        SPEC,
        {
            "array": "color=blue%20black%20brown",
            "object": "color=R%20100%20G%20200%20B%20150",
        },
    ),
    ("query", "pipeDelimited", False): (
        SPEC,
        {
            "array": "color=blue%7Cblack%7Cbrown",
            "object": "color=R%7C100%7CG%7C200%7CB%7C150",
        },
    ),
    ("query", "deepObject", True): (
        SPEC,
        {"object": "color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150"},
    ),
    ("cookie", "form", False): (
        SPEC,
        {
            "empty": "color=",
            "string": "color=blue",
            "array": "color=blue,black,brown",
            "object": "color=R,100,G,200,B,150",
        },
    ),
    ("cookie", "form", True): (
        SPEC,
        {
            "empty": "color=",
            "string": "color=blue",
            "array": "color=blue; color=black; color=brown",
            "object": "R=100; G=200; B=150",
        },
    ),
}

# The cells the specification leaves n/a: written as `form` writes them.
_FORM_FALSE = TABLE[("query", "form", False)][1]
_FORM_TRUE = TABLE[("query", "form", True)][1]
ENGINE_CELLS: dict[tuple[str, str, bool], dict[str, str]] = {
    ("query", "spaceDelimited", False): {k: _FORM_FALSE[k] for k in ("empty", "string")},
    ("query", "pipeDelimited", False): {k: _FORM_FALSE[k] for k in ("empty", "string")},
    ("query", "spaceDelimited", True): dict(_FORM_TRUE),
    ("query", "pipeDelimited", True): dict(_FORM_TRUE),
    ("query", "deepObject", True): {k: _FORM_TRUE[k] for k in ("empty", "string", "array")},
    ("query", "deepObject", False): {
        **{k: _FORM_TRUE[k] for k in ("empty", "string", "array")},
        "object": TABLE[("query", "deepObject", True)][1]["object"],
    },
}

CASES = [
    pytest.param(
        location,
        style,
        explode,
        kind,
        expected,
        id=f"{origin}-{location}-{style}-{str(explode).lower()}-{kind}",
    )
    for origin, table in (
        (SPEC, {key: cells for key, (_, cells) in TABLE.items()}),
        (ENGINE, ENGINE_CELLS),
    )
    for (location, style, explode), cells in table.items()
    for kind, expected in cells.items()
]


def test_the_table_covers_every_combination() -> None:
    """Every location x style x explode x type has a cell (the spec's or the engine's)."""
    combos = (
        {("path", s) for s in ("simple", "label", "matrix")}
        | {("query", s) for s in ("form", "spaceDelimited", "pipeDelimited", "deepObject")}
        | {
            ("header", "simple"),
            ("cookie", "form"),
        }
    )
    covered = {(c[0], c[1], c[2], c[3]) for c in (p.values[:4] for p in CASES)}
    for location, style in combos:
        for explode in (False, True):
            for kind in VALUES:
                assert (location, style, explode, kind) in covered, (location, style, explode, kind)
    assert len(CASES) == 9 * 2 * 4


@pytest.fixture(scope="module")
def engine(module_server: RecordingServer) -> Engine:
    return Engine.load(FIDELITY / "styles.arazzo.yaml", servers={"styles": module_server.url})


def _sent(
    server: RecordingServer, engine: Engine, workflow: str, path: str, value: Any
) -> Received:
    """Run the workflow against a server that answers 200 at ``path``; the request."""
    server.route("GET", path, Reply(200, {}))
    result = engine.run(workflow, {"value": value})
    assert result.succeeded, result.error
    (request,) = server.requests
    return request


@pytest.mark.parametrize(("location", "style", "explode", "kind", "expected"), CASES)
def test_style_table_cell(
    http_server: RecordingServer,
    engine: Engine,
    location: str,
    style: str,
    explode: bool,
    kind: str,
    expected: str,
) -> None:
    workflow = f"{location}-{style}-{str(explode).lower()}"
    prefix = "/" + workflow.replace("-", "/")
    route = unquote(f"{prefix}/{expected}") if location == "path" else prefix
    request = _sent(http_server, engine, workflow, route, VALUES[kind])
    if location == "path":
        # The spec's "." (label, empty) makes a whole segment: it goes as %2E, never
        # as a dot-segment the server would resolve.
        sent = f"{prefix}/{'%2E' if expected == '.' else expected}"
        assert request.raw_path == sent
        assert request.raw_query == ""
        assert request.request_line == f"GET {sent} HTTP/1.1"
    elif location == "query":
        assert request.raw_path == prefix
        assert request.raw_query == expected
        assert request.request_line == f"GET {prefix}?{expected} HTTP/1.1"
    elif location == "header":
        assert request.header("color") == expected
        assert request.raw_query == ""
    else:
        assert request.header("Cookie") == expected
    assert unquote(request.raw_path) == request.path


# -- beyond the table: defaults, reserved characters, content, required path values --------


@pytest.fixture(scope="module")
def params_engine(module_server: RecordingServer) -> Engine:
    return Engine.load(FIDELITY / "params.arazzo.yaml", servers={"params": module_server.url})


def _item(server: RecordingServer, engine: Engine, path: str, inputs: dict[str, Any]) -> Received:
    server.route("GET", path, Reply(200, {}))
    result = engine.run("item", inputs)
    assert result.succeeded, result.error
    (request,) = server.requests
    return request


def test_declared_defaults_are_not_sent(
    http_server: RecordingServer, params_engine: Engine
) -> None:
    request = _item(http_server, params_engine, "/items/i-1", {"itemId": "i-1"})
    # Defaults at path-item and operation level are the server's to apply (test_request_defaults).
    assert request.raw_path == "/items/i-1"
    assert request.raw_query == ""
    assert request.header("X-Level") is None
    assert request.header("Cookie") is None and request.header("X-Meta") is None


def test_given_values_are_sent(http_server: RecordingServer, params_engine: Engine) -> None:
    request = _item(http_server, params_engine, "/items/i-1", {"itemId": "i-1", "limit": 3})
    assert request.raw_query == "limit=3"


def test_allow_reserved_keeps_reserved_characters(
    http_server: RecordingServer, params_engine: Engine
) -> None:
    text = "a/b:c?d@e[x]#y z%2F 100%"
    request = _item(http_server, params_engine, "/items/i-1", {"itemId": "i-1", "q": text})
    query = dict(pair.split("=", 1) for pair in request.raw_query.split("&"))
    # Reserved characters and %XX triplets pass; [ ] # space and a lone % never do.
    assert query["q"] == "a/b:c?d@e%5Bx%5D%23y%20z%2F%20100%25"
    assert query["plain"] == "a%2Fb%3Ac%3Fd%40e%5Bx%5D%23y%20z%252F%20100%25"
    assert dict(request.query)["plain"] == text


def test_a_delimiter_inside_a_value_is_encoded(
    http_server: RecordingServer, params_engine: Engine
) -> None:
    request = _item(
        http_server, params_engine, "/items/i-1", {"itemId": "i-1", "tags": ["a,b", "c d"]}
    )
    assert "tags=a%2Cb,c%20d" in request.raw_query.split("&")


def test_content_typed_parameters(http_server: RecordingServer, params_engine: Engine) -> None:
    coordinates = {"lat": 1.5, "tags": ["a b"], "ok": True}
    request = _item(
        http_server,
        params_engine,
        "/items/i-1",
        {"itemId": "i-1", "filter": coordinates, "prefs": "dark mode;x=1", "meta": {"n": [1, 2]}},
    )
    pairs = dict(pair.split("=", 1) for pair in request.raw_query.split("&"))
    assert pairs["filter"] == (
        "%7B%22lat%22%3A1.5%2C%22tags%22%3A%5B%22a%20b%22%5D%2C%22ok%22%3Atrue%7D"
    )
    assert json.loads(dict(request.query)["filter"]) == coordinates
    # text/plain cookie: as given, only what a cookie cannot hold encoded.
    assert request.header("Cookie") == "prefs=dark%20mode%3Bx=1"
    assert request.header("X-Meta") == '{"n":[1,2]}'


def test_path_values_are_percent_encoded(
    http_server: RecordingServer, params_engine: Engine
) -> None:
    request = _item(http_server, params_engine, "/items/café/1 ?#", {"itemId": "café/1 ?#"})
    assert request.raw_path == "/items/caf%C3%A9%2F1%20%3F%23"


def test_a_dot_segment_value_is_sent_not_resolved(
    http_server: RecordingServer, params_engine: Engine
) -> None:
    request = _item(http_server, params_engine, "/items/..", {"itemId": ".."})
    assert request.raw_path == "/items/%2E%2E"


def test_path_allow_reserved_keeps_slashes(http_server: RecordingServer) -> None:
    engine = Engine.load(
        FIDELITY / "params.arazzo.yaml",
        servers={"params": http_server.url},
        path_allow_reserved=["params"],
    )
    request = _item(
        http_server, engine, "/items/fal-ai/flux/schnell", {"itemId": "fal-ai/flux/schnell"}
    )
    assert request.raw_path == "/items/fal-ai/flux/schnell"


def test_required_path_parameter_without_a_value_fails_before_sending(
    http_server: RecordingServer, params_engine: Engine
) -> None:
    result = params_engine.run("repo", {"org": "acme"})
    assert not result.succeeded
    assert result.error is not None
    assert "path parameter 'repo'" in result.error and "'get'" in result.error
    assert http_server.requests == []
