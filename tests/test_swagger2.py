"""Swagger 2.0 descriptions: converted per operation, and run against a real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine import Engine
from arazzo_engine.load.reader import read_data
from arazzo_engine.sources.openapi.index import OperationIndex, build_operation_index
from arazzo_engine.sources.reading import LoadedSource
from tests.http_server import Received, RecordingServer, Reply

OPENAPI = Path(__file__).parent / "workflows" / "openapi"
SWAGGER = OPENAPI / "swagger2.yaml"
FLOW = OPENAPI / "swagger2.arazzo.yaml"


@pytest.fixture(scope="module")
def index() -> OperationIndex:
    document = read_data(SWAGGER)
    return build_operation_index(LoadedSource("pets", "openapi", "x", str(SWAGGER), document))


def test_servers_come_from_schemes_host_and_base_path(index: OperationIndex) -> None:
    assert index.version == "2.0" and index.dialect == "oas30"
    listed = index.by_id["listPets"]
    assert [s.url for s in listed.servers] == [
        "http://pets.example.invalid/v2",
        "https://pets.example.invalid/v2",
    ]
    # An operation's own `schemes` override the document's.
    assert [s.url for s in index.by_id["search"].servers] == ["https://pets.example.invalid/v2"]


def test_a_description_without_host_has_a_relative_server(tmp_path: Path) -> None:
    path = tmp_path / "nohost.yaml"
    path.write_text(
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\nbasePath: /api/\npaths:\n"
        "  /x:\n    get:\n      operationId: x\n      responses: {'200': {description: ok}}\n",
        encoding="utf-8",
    )
    index = build_operation_index(LoadedSource("s", "openapi", "x", str(path), read_data(path)))
    assert [s.url for s in index.by_id["x"].servers] == ["/api"]


def test_parameters_become_styles_and_schemas(index: OperationIndex) -> None:
    listed = index.by_id["listPets"].parameters
    tags, status, limit = (
        listed[("tags", "query")],
        listed[("status", "query")],
        listed[("limit", "query")],
    )
    assert (tags.style, tags.explode) == ("form", False)  # csv, the default
    assert (status.style, status.explode) == ("form", True)  # multi
    assert status.schema == {
        "type": "array",
        "items": {"type": "string", "enum": ["available", "sold"]},
    }
    assert limit.has_default and limit.default == 20 and not limit.required
    assert limit.schema == {"type": "integer", "default": 20, "maximum": 100}
    assert ("x-request-id", "header") in listed
    search = index.by_id["search"].parameters
    assert search[("words", "query")].style == "spaceDelimited"
    assert search[("kinds", "query")].style == "pipeDelimited"
    pet_id = index.by_id["getPet"].parameters[("petId", "path")]  # path-level, by $ref
    assert pet_id.required and (pet_id.style, pet_id.explode) == ("simple", False)
    assert pet_id.schema == {"type": "integer", "format": "int64", "minimum": 1}


def test_body_and_form_parameters_become_request_bodies(index: OperationIndex) -> None:
    add = index.by_id["addPet"]
    assert add.request_media_types == ("application/json",)
    assert add.detail is not None and add.detail.request_body_required
    body = add.detail.request_schemas["application/json"]
    assert body is not None and body.pointer == "/definitions/NewPet"
    note = index.by_id["addNote"]
    assert note.request_media_types == ("application/x-www-form-urlencoded",)
    assert note.request_encodings == {
        "application/x-www-form-urlencoded": {"labels": {"style": "form", "explode": True}}
    }
    assert note.detail is not None
    form = note.detail.request_schemas["application/x-www-form-urlencoded"]
    assert form is not None and form.pointer is None
    assert form.schema["required"] == ["text"]
    assert set(form.schema["properties"]) == {"text", "labels"}
    assert set(note.parameters) == {("petId", "path")}
    photo = index.by_id["uploadPhoto"]
    assert photo.request_media_types == ("multipart/form-data",)
    assert photo.request_encodings["multipart/form-data"] == {
        "photo": {"contentType": "application/octet-stream"}
    }


def test_responses_security_and_schemes(index: OperationIndex) -> None:
    get = index.by_id["getPet"]
    assert get.response_statuses == ("200", "404")
    assert get.response_media_types == ("application/json",)
    assert get.detail is not None
    not_found = get.detail.responses["404"]["application/json"]
    assert not_found is not None and not_found.pointer == "/definitions/Error"
    assert index.by_id["addNote"].detail.responses["204"] == {}  # type: ignore[union-attr]
    assert get.security == ({"basic": ()},)
    assert index.by_id["listPets"].security == ({"api_key": ()},)
    assert index.by_id["search"].security == ()
    schemes = index.security_schemes
    assert (schemes["basic"].type, schemes["basic"].scheme) == ("http", "basic")
    assert (schemes["api_key"].location, schemes["api_key"].parameter_name) == (
        "header",
        "X-Api-Key",
    )
    assert schemes["oauth"].type == "oauth2"
    assert schemes["oauth"].token_url == "https://auth.example.invalid/token"


def pets(server: RecordingServer) -> None:
    def add(request: Received) -> Reply:
        return Reply(201, {"id": 7, **request.json()})

    server.route("POST", "/v2/pets", add)
    server.route("GET", "/v2/pets/7", Reply(200, {"id": 7, "name": "Rex"}))
    server.route("POST", "/v2/pets/7/notes", Reply(204))
    server.route("GET", "/v2/pets", Reply(200, [{"id": 7, "name": "Rex"}]))


CREDENTIALS = {"api_key": "k-1", "basic": "ann:pw"}


def test_a_swagger_workflow_runs_every_kind_of_parameter(http_server: RecordingServer) -> None:
    pets(http_server)
    engine = Engine.load(FLOW, servers={"pets": http_server.url + "/v2"}, credentials=CREDENTIALS)
    result = engine.run("adopt", {"name": "Rex", "tag": "good"})
    assert result.succeeded, result.error
    assert result.outputs == {"id": 7, "name": "Rex"}
    add, get, note, listed = http_server.requests
    assert add.json() == {"name": "Rex", "tag": "good"}
    assert add.header("Content-Type") == "application/json"
    assert add.header("X-Api-Key") == "k-1"
    assert get.raw_path == "/v2/pets/7"
    assert get.header("Authorization") == "Basic YW5uOnB3" and get.header("X-Api-Key") is None
    assert note.header("Content-Type") == "application/x-www-form-urlencoded"
    assert note.form() == [("text", "adopted"), ("labels", "new"), ("labels", "happy")]
    assert listed.query == [
        ("tags", "a,b"),
        ("status", "available"),
        ("status", "sold"),
    ]  # limit's default (20) is the server's to apply: not sent
    assert listed.header("X-Request-Id") == "r-1"


def test_host_base_path_and_scheme_make_the_base_url(
    http_server: RecordingServer, tmp_path: Path
) -> None:
    pets(http_server)
    host = http_server.url.removeprefix("http://")
    (tmp_path / "swagger2.yaml").write_text(
        SWAGGER.read_text(encoding="utf-8").replace("host: pets.example.invalid", f"host: {host}"),
        encoding="utf-8",
    )
    (tmp_path / "flow.arazzo.yaml").write_text(FLOW.read_text(encoding="utf-8"), encoding="utf-8")
    engine = Engine.load(tmp_path / "flow.arazzo.yaml", credentials=CREDENTIALS)
    result = engine.run("adopt", {"name": "Rex"})
    assert result.succeeded, result.error
    paths = [r.path for r in http_server.requests]
    assert paths == ["/v2/pets", "/v2/pets/7", "/v2/pets/7/notes", "/v2/pets"]


def test_a_file_goes_as_a_multipart_part(http_server: RecordingServer, tmp_path: Path) -> None:
    photo = tmp_path / "rex.png"
    photo.write_bytes(b"\x89PNG-bytes")

    def upload(request: Received) -> Reply:
        return Reply(200, {"size": len(request.body)})

    http_server.route("POST", "/v2/pets/7/photo", upload)
    engine = Engine.load(
        FLOW,
        servers={"pets": http_server.url + "/v2"},
        credentials=CREDENTIALS,
        file_folders=[tmp_path],  # the photo is not beside the document
    )
    result = engine.run("upload", {"petId": 7, "photo": str(photo)})
    assert result.succeeded, result.error
    (request,) = http_server.requests
    content_type = request.header("Content-Type") or ""
    assert content_type.startswith("multipart/form-data; boundary=")
    assert b'name="photo"; filename="rex.png"' in request.body
    assert b"\x89PNG-bytes" in request.body
    assert b'name="caption"' in request.body and b"a good dog" in request.body


def test_space_and_pipe_delimited_arrays(http_server: RecordingServer) -> None:
    http_server.route("GET", "/v2/search", Reply(200, ["rex"]))
    engine = Engine.load(FLOW, servers={"pets": http_server.url + "/v2"})
    result = engine.run("search")
    assert result.succeeded, result.error
    (request,) = http_server.requests
    assert request.query == [("words", "good dog"), ("kinds", "cat|dog")]


def test_swagger_responses_are_validated_with_their_definitions(
    http_server: RecordingServer,
) -> None:
    http_server.route("POST", "/v2/pets", Reply(201, {"name": "Rex", "tag": None}))  # no id
    http_server.route("GET", "/v2/pets", Reply(200, []))
    engine = Engine.load(
        FLOW,
        servers={"pets": http_server.url + "/v2"},
        credentials=CREDENTIALS,
        validate="warn",
    )
    result = engine.run("adopt", {"name": "Rex", "tag": None})
    add = result.steps[0]
    assert add.succeeded  # warn: recorded, the step is judged as usual
    assert add.validation == ("response body (status 201): 'id' is a required property",)
