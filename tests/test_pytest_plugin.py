"""The pytest plugin, exercised with pytester: collection, sidecar cases, failures, the fixture."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.http_server import RecordingServer, Reply
from tests.shop import API_KEY, QUERY_KEY, SECRETS, SHOP, TOKEN, serve_shop

pytest_plugins = ["pytester"]

AUTH = (
    "--arazzo-auth",
    f"ApiKey={API_KEY}",
    "--arazzo-auth",
    f"Bearer={TOKEN}",
    "--arazzo-auth",
    f"QueryKey={QUERY_KEY}",
)

SIDECAR = """\
order:
  cases:
    - id: two
      inputs: {itemId: widget, quantity: 2}
      outputs: {orderId: o-1, state: shipped}
    - id: too-many
      inputs: {itemId: widget, quantity: 50}
      expect: failure
checkout:
  inputs: {itemId: widget}
slow:
"""


@pytest.fixture
def shop(http_server: RecordingServer) -> RecordingServer:
    """The module's server answering every workflow of the shop document at once."""
    serve_shop(http_server, busy_first=False, states=("shipped",))
    http_server.route("GET", "/slow", Reply(200, {"done": True}))
    return http_server


@pytest.fixture
def flows(pytester: pytest.Pytester) -> Path:
    """A copy of the shop document and its API in the pytester directory, with a sidecar."""
    folder = pytester.path / "flows"
    folder.mkdir()
    for name in ("shop.arazzo.yaml", "shop.openapi.yaml"):
        shutil.copy(SHOP.parent / name, folder / name)
    (folder / "shop.inputs.yaml").write_text(SIDECAR)
    (folder / "notes.yaml").write_text("just: some yaml\n")  # not an Arazzo document
    return folder


def test_each_workflow_and_case_is_an_item(pytester: pytest.Pytester, flows: Path) -> None:
    pytester.makepyfile(test_unrelated="def test_other(): pass")
    result = pytester.runpytest("--arazzo", "flows", "--collect-only", "-q")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "flows/shop.arazzo.yaml::order[[]two[]]",
            "flows/shop.arazzo.yaml::order[[]too-many[]]",
            "flows/shop.arazzo.yaml::checkout",
            "flows/shop.arazzo.yaml::slow",
            "4 tests collected*",
        ]
    )
    assert "test_other" not in result.stdout.str()  # only the workflows, unless paths are given
    both = pytester.runpytest("--arazzo", "flows", "test_unrelated.py", "--collect-only", "-q")
    both.stdout.fnmatch_lines(["*test_other*", "5 tests collected*"])


def test_workflows_run_against_the_server(
    pytester: pytest.Pytester, flows: Path, shop: RecordingServer
) -> None:
    result = pytester.runpytest("--arazzo", "flows", "--arazzo-server", f"shop={shop.url}", *AUTH)
    result.assert_outcomes(passed=4)
    assert {r.header("X-Api-Key") for r in shop.requests if r.path == "/items/widget"} == {API_KEY}


def test_a_failure_shows_step_request_response_and_criterion(
    pytester: pytest.Pytester, flows: Path, shop: RecordingServer
) -> None:
    (flows / "shop.inputs.yaml").write_text("checkout:\n  inputs: {itemId: widget}\n")
    shop.route("GET", "/items/widget", _stock(0))
    result = pytester.runpytest(
        "--arazzo", "flows/shop.arazzo.yaml", "--arazzo-server", f"shop={shop.url}", *AUTH
    )
    result.assert_outcomes(passed=1, failed=2)  # slow passes; order lacks inputs, checkout fails
    text = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*arazzo workflow checkout*",
            "workflow 'checkout' failed: step 'placeOrder'*",
            "step order/getItem (attempt 1) failed",
            "request:",
            f"  > GET {shop.url}/items/widget",
            "  > X-Api-Key: ***",
            "response:",
            "  < 200 application/json*",
            "criterion:",
            "  ? successCriteria `$statusCode == 200 && $response.body#/stock >= $inputs.quant*",
            "      $response.body#/stock >= $inputs.quantity  ->  0 >= 1: false",
        ]
    )
    # 'order' has no inputs in the sidecar now: its item says where to put them.
    assert "(the inputs come from" in text and "'itemId' is a required property" in text
    for secret in SECRETS:
        assert secret not in text


def _stock(stock: int) -> object:
    from tests.shop import stock_route

    return stock_route(stock)


def test_expected_failures_and_outputs(
    pytester: pytest.Pytester, flows: Path, shop: RecordingServer
) -> None:
    (flows / "shop.inputs.yaml").write_text(
        "order:\n"
        "  cases:\n"
        "    - id: wrong-output\n"
        "      inputs: {itemId: widget, quantity: 1}\n"
        "      outputs: {state: lost}\n"
        "    - id: expects-failure\n"
        "      inputs: {itemId: widget, quantity: 1}\n"
        "      expect: failure\n"
    )
    result = pytester.runpytest(
        "--arazzo", "flows", "--arazzo-server", f"shop={shop.url}", *AUTH, "-k", "order"
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "workflow 'order' succeeded with unexpected outputs:",
            '  state: expected "lost", got "shipped"',
        ]
    )
    result.stdout.fnmatch_lines(["workflow 'order' succeeded, but the case expects a failure"])


def test_servers_and_credentials_from_the_environment(
    pytester: pytest.Pytester,
    flows: Path,
    shop: RecordingServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARAZZO_SERVER_SHOP", shop.url)
    monkeypatch.setenv("ARAZZO_AUTH_APIKEY", API_KEY)
    monkeypatch.setenv("arazzo_auth_bearer", TOKEN)  # names match without regard to case
    monkeypatch.setenv("ARAZZO_AUTH_QUERYKEY", "from-the-environment")
    result = pytester.runpytest(
        "--arazzo", "flows", "--arazzo-auth", f"QueryKey={QUERY_KEY}", "-k", "checkout"
    )
    result.assert_outcomes(passed=1)
    status = [r for r in shop.requests if r.path == "/status/o-1"]
    assert status and status[0].query == [("api_key", QUERY_KEY)]  # the option wins
    assert {r.header("Authorization") for r in shop.requests if r.path == "/orders"} == {
        f"Bearer {TOKEN}"
    }


def test_broken_documents_and_sidecars_fail_their_own_item(
    pytester: pytest.Pytester, flows: Path
) -> None:
    (flows / "shop.inputs.yaml").write_text("nope:\n  inputs: {}\n")
    broken = flows / "broken.arazzo.yaml"
    broken.write_text((flows / "shop.arazzo.yaml").read_text().replace("$statusCode == 201", "=="))
    result = pytester.runpytest("--arazzo", "flows")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*nope is not a workflow of the document*"])
    result.stdout.fnmatch_lines(["*broken.arazzo.yaml*successCriteria*"])
    listed = pytester.runpytest("--arazzo", "flows", "--collect-only", "-q")
    listed.stdout.fnmatch_lines(
        ["flows/broken.arazzo.yaml::load", "flows/shop.arazzo.yaml::inputs"]
    )


def test_missing_path_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--arazzo", "nowhere.arazzo.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--arazzo: no such file or directory*nowhere.arazzo.yaml*"])


def test_the_fixture_in_a_hand_written_test(
    pytester: pytest.Pytester, flows: Path, shop: RecordingServer
) -> None:
    pytester.makepyfile(
        test_by_hand=f"""
        DOC = {str(flows / "shop.arazzo.yaml")!r}

        def test_order(arazzo_engine):
            engine = arazzo_engine.load(DOC)
            result = arazzo_engine.run(engine, "order", {{"itemId": "widget", "quantity": 1}})
            arazzo_engine.check(result, outputs={{"state": "shipped"}})
            assert arazzo_engine.trace(result).steps[0].request.method == "GET"

        def test_explained(arazzo_engine):
            engine = arazzo_engine.load(DOC)
            result = arazzo_engine.run(engine, "order", {{"itemId": "widget", "quantity": 99}})
            assert not result.succeeded
            assert "99" in arazzo_engine.explain(result)
            arazzo_engine.check(result)
        """
    )
    result = pytester.runpytest("test_by_hand.py", "--arazzo-server", f"shop={shop.url}", *AUTH)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*test_explained*", "*step order/getItem (attempt 1) failed*", "*5 >= 99: false*"]
    )
    for secret in SECRETS:
        assert secret not in result.stdout.str()


def test_session_settings_load_each_document_once(
    shop: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings for other documents' names are ignored, yet the document is read once."""
    from arazzo_engine.load.project import ProjectLoader
    from arazzo_engine.pytest_plugin import EngineSettings

    loads: list[object] = []
    real_load = ProjectLoader.load

    def counted(self: ProjectLoader, path: object) -> object:
        loads.append(path)
        return real_load(self, path)  # type: ignore[arg-type]

    monkeypatch.setattr(ProjectLoader, "load", counted)
    settings = EngineSettings(
        servers={"otherApi": "http://127.0.0.1:9"},  # a source of another document only
        credentials={"ApiKey": API_KEY, "Bearer": TOKEN, "NotHere": "x"},
        path_allow_reserved=("otherApi",),
        environ={
            "ARAZZO_SERVER_SHOP": shop.url,
            "ARAZZO_AUTH_QUERYKEY": QUERY_KEY,
            "ARAZZO_AUTH_ELSEWHERE": "y",
        },
    )
    engine = settings.load(SHOP)
    assert len(loads) == 1
    result = engine.run("order", {"itemId": "widget", "quantity": 2})
    assert result.succeeded, result.error
    item = next(r for r in shop.requests if r.path == "/items/widget")
    status = next(r for r in shop.requests if r.path.startswith("/status/"))
    assert item.header("X-Api-Key") == API_KEY  # the session's credential
    assert ("api_key", QUERY_KEY) in status.query  # the environment's credential


def test_explicit_overrides_of_the_fixture_must_name_what_the_document_has(
    shop: RecordingServer,
) -> None:
    from arazzo_engine import ConfigurationError
    from arazzo_engine.pytest_plugin import EngineSettings

    settings = EngineSettings(servers={"otherApi": "http://127.0.0.1:9"})
    with pytest.raises(ConfigurationError, match="servers= names 'otherApi'"):
        settings.load(SHOP, servers={"otherApi": shop.url})
