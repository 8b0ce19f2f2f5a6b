"""Cookies: one store per run, scoped by origin (scheme, host, port).

A run that never logs in is never served as someone else; under ``run_many``
no run sends another run's session cookie; a cookie set by one port never
reaches another; a session given to the engine neither keeps nor sends cookies.
"""

from __future__ import annotations

import itertools
import json
import pickle
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from arazzo_engine import Engine, HttpRequest, HttpResponse, MockTransport
from arazzo_engine.http.cookies import CookieStore
from tests.http_server import MockServer, Received, RecordingServer, Reply, RouteTable


def _operation(operation_id: str, parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "parameters": parameters or [],
        "responses": {"200": {"description": "ok"}},
    }


def _in(name: str, where: str) -> dict[str, Any]:
    return {"name": name, "in": where, "schema": {"type": "string"}}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "sessions", "version": "1"},
    "servers": [{"url": "http://127.0.0.1:9"}],
    "paths": {
        "/login": {"post": _operation("login", [_in("user", "query")])},
        "/whoami": {"get": _operation("whoami", [_in("X-User", "header")])},
        "/prefs": {"get": _operation("prefs", [_in("sid", "cookie")])},
        "/go": {"get": _operation("go")},
        "/start": {"get": _operation("start")},
    },
}


def _step(step_id: str, operation: str, **parameters: tuple[str, str]) -> dict[str, Any]:
    return {
        "stepId": step_id,
        "operationId": operation,
        "parameters": [
            {"name": name, "in": where, "value": value}
            for name, (where, value) in parameters.items()
        ],
        "successCriteria": [{"condition": "$statusCode == 200"}],
    }


def _workflow(workflow_id: str, *steps: dict[str, Any], me: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "workflowId": workflow_id,
        "inputs": {"type": "object", "properties": {"user": {"type": "string"}}},
        "steps": list(steps),
    }
    if me is not None:
        found["outputs"] = {"me": me}
    return found


LOGIN = _step("login", "login", user=("query", "$inputs.user"))
WHOAMI = {
    **_step("whoami", "whoami", **{"X-User": ("header", "$inputs.user")}),
    "outputs": {"me": "$response.body#/user"},
}

ARAZZO: dict[str, Any] = {
    "arazzo": "1.0.1",
    "info": {"title": "sessions", "version": "1"},
    "sourceDescriptions": [{"name": "api", "url": "api.openapi.json", "type": "openapi"}],
    "workflows": [
        _workflow("login", LOGIN, WHOAMI, me="$steps.whoami.outputs.me"),
        _workflow("me", WHOAMI, me="$steps.whoami.outputs.me"),
        _workflow(
            "nested",
            {
                "stepId": "child",
                "workflowId": "login",
                "parameters": [{"name": "user", "value": "$inputs.user"}],
            },
            WHOAMI,
            me="$steps.whoami.outputs.me",
        ),
        _workflow("explicit", LOGIN, _step("prefs", "prefs", sid=("cookie", "explicit"))),
        _workflow("away", LOGIN, _step("go", "go")),
        _workflow("hops", _step("start", "start"), WHOAMI, me="$steps.whoami.outputs.me"),
    ],
}


@pytest.fixture
def document(tmp_path: Path) -> Path:
    (tmp_path / "api.openapi.json").write_text(json.dumps(OPENAPI), encoding="utf-8")
    path = tmp_path / "sessions.arazzo.json"
    path.write_text(json.dumps(ARAZZO), encoding="utf-8")
    return path


class Sessions:
    """A login service: each login gets a cookie of its own; ``/whoami`` says whose it is.

    Every ``/whoami`` is recorded as (the user the run says it is, the user its
    cookie belongs to).
    """

    def __init__(self, table: RouteTable, login_delay: float = 0.0) -> None:
        self.owners: dict[str, str] = {}
        self.seen: list[tuple[str | None, str | None]] = []
        self.login_cookies: list[str | None] = []
        self._counter = itertools.count()
        self._lock = threading.Lock()
        self._delay = login_delay
        table.route("POST", "/login", self.login)
        table.route("GET", "/whoami", self.whoami)

    def login(self, request: Received) -> Reply:
        user = dict(request.query)["user"]
        with self._lock:
            sid = f"s{next(self._counter)}-{user}"
            self.owners[sid] = user
            self.login_cookies.append(request.header("Cookie"))
        time.sleep(self._delay)  # runs overlap: a shared jar would hand this cookie on
        return Reply(200, {"user": user}, headers={"Set-Cookie": f"sid={sid}; Path=/; HttpOnly"})

    def whoami(self, request: Received) -> Reply:
        sid = dict(request.cookies()).get("sid")
        owner = self.owners.get(sid) if sid is not None else None
        with self._lock:
            self.seen.append((request.header("X-User"), owner))
        return Reply(200, {"user": owner})


def test_a_run_that_never_logs_in_is_served_as_nobody(
    document: Path, http_server: RecordingServer
) -> None:
    sessions = Sessions(http_server)
    with Engine.load(document, servers={"api": http_server.url}) as engine:
        alice = engine.run("login", {"user": "alice"})
        stranger = engine.run("me", {})
    assert alice.succeeded and alice.outputs == {"me": "alice"}
    assert stranger.succeeded and stranger.outputs == {"me": None}
    assert sessions.seen == [("alice", "alice"), (None, None)]
    assert http_server.requests[-1].header("Cookie") is None


def test_a_nested_workflow_shares_its_run_s_cookies(
    document: Path, http_server: RecordingServer
) -> None:
    Sessions(http_server)
    with Engine.load(document, servers={"api": http_server.url}) as engine:
        result = engine.run("nested", {"user": "bob"})
    assert result.succeeded, result.error
    assert result.outputs == {"me": "bob"}


def test_128_concurrent_runs_never_send_each_other_s_cookie(
    document: Path, http_server: RecordingServer
) -> None:
    sessions = Sessions(http_server, login_delay=0.01)
    users = [f"user{i}" for i in range(128)]
    with Engine.load(document, servers={"api": http_server.url}) as engine:
        results = engine.run_many("login", [{"user": u} for u in users], concurrency=64)
    assert [r.outputs for r in results] == [{"me": u} for u in users]
    assert all(r.succeeded for r in results)
    assert sessions.login_cookies == [None] * 128  # a fresh run has no cookie at all
    assert len(sessions.seen) == 128
    strangers = [(claimed, owner) for claimed, owner in sessions.seen if claimed != owner]
    assert strangers == []


def test_explicit_cookies_win_over_stored_ones_of_the_same_name(
    document: Path, http_server: RecordingServer
) -> None:
    Sessions(http_server)
    http_server.route("GET", "/prefs", Reply(200, {}))
    with Engine.load(document, servers={"api": http_server.url}) as engine:
        result = engine.run("explicit", {"user": "carol"})
    assert result.succeeded, result.error
    assert http_server.requests[-1].cookies() == [("sid", "explicit")]


def test_a_cookie_never_follows_a_redirect_to_another_port(
    document: Path, http_server: RecordingServer
) -> None:
    Sessions(http_server)
    with RecordingServer(lifetime=30.0, poll_interval=0.05) as other:
        other.route("GET", "/land", Reply(200, {"landed": True}))
        http_server.route("GET", "/go", Reply(302, None, headers={"Location": other.url + "/land"}))
        with Engine.load(document, servers={"api": http_server.url}) as engine:
            result = engine.run("away", {"user": "dave"})
        assert result.succeeded, result.error
        (landed,) = other.requests
    assert landed.header("Cookie") is None
    assert http_server.requests[-1].path == "/go"
    assert http_server.requests[-1].cookies()[0][0] == "sid"  # its own origin did get it


def test_a_cookie_set_on_a_redirect_hop_reaches_the_next_hop_of_its_origin(
    document: Path, http_server: RecordingServer
) -> None:
    sessions = Sessions(http_server)
    sessions.owners["hop-1"] = "erin"
    http_server.route(
        "GET",
        "/start",
        Reply(302, None, headers={"Location": "/whoami", "Set-Cookie": "sid=hop-1; Path=/"}),
    )
    with Engine.load(document, servers={"api": http_server.url}) as engine:
        result = engine.run("hops", {"user": "erin"})
    assert result.succeeded, result.error
    # The redirect's own hop and the next step both carry the cookie the 302 set.
    assert sessions.seen == [(None, "erin"), ("erin", "erin")]
    assert result.outputs == {"me": "erin"}


def test_a_given_session_neither_keeps_nor_sends_cookies(
    document: Path, http_server: RecordingServer
) -> None:
    Sessions(http_server)
    session = requests.Session()
    session.cookies.set("sid", "planted", domain="127.0.0.1")
    with Engine.load(document, servers={"api": http_server.url}, session=session) as engine:
        first = engine.run("login", {"user": "frank"})
        second = engine.run("me", {})
    assert first.outputs == {"me": "frank"} and second.outputs == {"me": None}
    assert [c.value for c in session.cookies] == ["planted"]  # nothing stored
    assert all(("sid", "planted") not in r.cookies() for r in http_server.requests)
    session.close()


def test_a_result_keeps_no_cookie_once_its_run_is_over(
    document: Path, http_server: RecordingServer
) -> None:
    Sessions(http_server)
    with Engine.load(document, servers={"api": http_server.url}) as engine:
        result = engine.run("login", {"user": "grace"})
    assert result.outputs == {"me": "grace"}  # the cookie did its work during the run
    request = result.steps[-1].request
    assert request is not None and request.cookies is None  # the store stays with the run
    assert b"sid=" not in pickle.dumps([step.request for step in result.steps])


def test_a_pickled_store_is_an_empty_one() -> None:
    store = CookieStore()
    store.record("http://127.0.0.1:1/login", ["sid=secret-1; Path=/"])
    assert store.cookie_header("http://127.0.0.1:1/me") == "sid=secret-1"
    data = pickle.dumps(store)
    assert b"secret-1" not in data and len(pickle.loads(data)) == 0


# -- without a socket: MockTransport keeps the same rules -----------------------------


@pytest.fixture
def mock_sessions(mock_server: MockServer) -> Iterator[tuple[MockServer, Sessions]]:
    yield mock_server, Sessions(mock_server)


def test_the_mock_transport_keeps_each_run_s_cookies_apart(
    document: Path, mock_sessions: tuple[MockServer, Sessions]
) -> None:
    server, sessions = mock_sessions
    with Engine.load(document, servers={"api": server.url}, transport=server.transport) as engine:
        alice = engine.run("login", {"user": "alice"})
        stranger = engine.run("me", {})
        many = engine.run_many("login", [{"user": f"u{i}"} for i in range(32)], concurrency=16)
    assert alice.outputs == {"me": "alice"} and stranger.outputs == {"me": None}
    assert [r.outputs for r in many] == [{"me": f"u{i}"} for i in range(32)]
    assert [s for s in sessions.seen if s[0] != s[1]] == []
    assert sessions.login_cookies == [None] * 33


def test_the_mock_transport_scopes_cookies_by_origin(tmp_path: Path) -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        return HttpResponse(
            200,
            [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")],
            json={"user": "x"},
        )

    transport = MockTransport(handler)
    document = tmp_path / "api.openapi.json"
    document.write_text(json.dumps(OPENAPI), encoding="utf-8")
    arazzo = tmp_path / "two.arazzo.json"
    two = {
        **ARAZZO,
        "sourceDescriptions": [
            {"name": "one", "url": "api.openapi.json", "type": "openapi"},
            {"name": "two", "url": "api.openapi.json", "type": "openapi"},
        ],
        "workflows": [
            _workflow(
                "both",
                {**_step("a", "$sourceDescriptions.one.whoami")},
                {**_step("b", "$sourceDescriptions.two.whoami")},
                {**_step("c", "$sourceDescriptions.one.whoami")},
            )
        ],
    }
    arazzo.write_text(json.dumps(two), encoding="utf-8")
    servers = {"one": "http://api.test:8080", "two": "http://api.test:8081"}
    with Engine.load(arazzo, servers=servers, transport=transport) as engine:
        result = engine.run("both", {})
    assert result.succeeded, result.error
    assert [r.headers.get("Cookie") for r in transport.requests] == [None, None, "a=1; b=2"]
