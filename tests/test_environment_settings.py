"""The environment's proxy, NO_PROXY and .netrc settings apply as requests applies them.

The default transport reads them once per origin (not on every call); these
tests show the behaviour is requests' own: a proxy named in the environment
carries the request, NO_PROXY sends it direct, per origin, a caller's session
that does not trust the environment is not touched by it, and .netrc
credentials are sent to the host they name.  The proxy is a real server that
answers itself, so a request it carried is told apart by its answer and by its
absolute-URI request line.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from arazzo_engine import Engine
from arazzo_engine.http.origin_settings import split_target
from tests.http_server import RecordingServer, Reply
from tests.one_step_flow import write_flow

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "netrc", "curl_ca_bundle")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy setting of the machine running the tests leaks in."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def target() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        server.route("GET", "/thing", Reply(200, {"via": "direct"}))
        yield server


@pytest.fixture
def proxy() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        server.route("GET", "/thing", Reply(200, {"via": "proxy"}))
        yield server


def via(engine: Engine) -> str:
    result = engine.run("flow")
    assert result.succeeded, result.error
    answer: str = result.steps[-1].outputs["via"]
    return answer


def load(folder: Path, url: str, **options: object) -> Engine:
    document = write_flow(folder, outputs={"via": "$response.body#/via"})
    return Engine.load(document, servers={"api": url}, **options)  # type: ignore[arg-type]


def test_a_proxy_in_the_environment_carries_the_request(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    target: RecordingServer,
    proxy: RecordingServer,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with load(tmp_path, target.url) as engine:
        assert via(engine) == "proxy"
        assert via(engine) == "proxy"  # the second request reuses what the first learnt
    assert [r.request_line for r in proxy.requests] == [f"GET {target.url}/thing HTTP/1.1"] * 2
    assert target.requests == []


def test_no_proxy_sends_the_request_direct(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    target: RecordingServer,
    proxy: RecordingServer,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with load(tmp_path, target.url) as engine:
        assert via(engine) == "direct"
    assert proxy.requests == []
    assert [r.request_line for r in target.requests] == ["GET /thing HTTP/1.1"]


def test_no_proxy_is_judged_per_origin(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    target: RecordingServer,
    proxy: RecordingServer,
) -> None:
    """One engine, two origins: the one NO_PROXY names goes direct, the other through the proxy."""
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    port = urlsplit(target.url).port
    elsewhere = f"http://api.example.test:{port}"  # never resolved: the proxy answers for it
    with load(tmp_path, target.url) as direct, load(tmp_path, elsewhere) as proxied:
        assert via(direct) == "direct"
        assert via(proxied) == "proxy"
        assert via(direct) == "direct"
    assert [r.request_line for r in proxy.requests] == [f"GET {elsewhere}/thing HTTP/1.1"]


def test_each_engine_reads_the_environment_it_starts_in(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    target: RecordingServer,
    proxy: RecordingServer,
) -> None:
    """Read once per engine and origin: a change later applies to the engines made after it."""
    with load(tmp_path, target.url) as before:
        assert via(before) == "direct"
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        assert via(before) == "direct"
        with load(tmp_path, target.url) as after:
            assert via(after) == "proxy"


def test_a_session_that_does_not_trust_the_environment_ignores_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    target: RecordingServer,
    proxy: RecordingServer,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    session = requests.Session()
    session.trust_env = False
    with session, load(tmp_path, target.url, session=session) as engine:
        assert via(engine) == "direct"
        session.proxies = {"http": proxy.url}  # the session's own proxies apply from a new origin
    with session, load(tmp_path, target.url, session=session) as engine:
        assert via(engine) == "proxy"


def test_netrc_credentials_go_to_the_host_they_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: RecordingServer
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login ana password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with load(tmp_path, target.url) as engine:
        via(engine)
        via(engine)
    expected = "Basic " + base64.b64encode(b"ana:s3cret").decode()
    assert [r.header("Authorization") for r in target.requests] == [expected, expected]
    # What requests itself sends with the same environment: the same header.
    with requests.Session() as session:
        session.get(f"{target.url}/thing", timeout=5)
    assert target.requests[-1].header("Authorization") == expected


def test_a_session_that_does_not_trust_the_environment_sends_no_netrc_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: RecordingServer
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login ana password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    session = requests.Session()
    session.trust_env = False
    with session, load(tmp_path, target.url, session=session) as engine:
        via(engine)
    assert target.requests[0].header("Authorization") is None


def test_the_session_headers_and_auth_apply_under_the_request_headers(
    tmp_path: Path, target: RecordingServer
) -> None:
    session = requests.Session()
    session.headers["X-Team"] = "blue"
    session.headers["Accept"] = "text/plain"
    session.auth = ("bob", "pw")
    with session, load(tmp_path, target.url, session=session) as engine:
        via(engine)
    received = target.requests[0]
    assert received.header("X-Team") == "blue"
    assert received.header("Authorization") == "Basic " + base64.b64encode(b"bob:pw").decode()


# -- the request target -----------------------------------------------------------------


def reference_target(url: str) -> tuple[str, str]:
    """What urlsplit makes of a URL: the (scheme, authority) and the target as sent."""
    parts = urlsplit(url)
    sent = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return f"{parts.scheme}://{parts.netloc}", sent


URL_TEXT = st.text(alphabet="abc/?#%=&;:@.[]!$'()*+,~-_0123456789 ", max_size=30)


@given(
    authority=st.from_regex(r"[a-z0-9.\-]{1,12}(:[0-9]{1,5})?", fullmatch=True),
    rest=URL_TEXT,
)
def test_the_target_is_what_urlsplit_makes_of_the_url(authority: str, rest: str) -> None:
    url = f"http://{authority}" + (rest if rest[:1] in ("/", "?", "#", "") else "/" + rest)
    origin, target = split_target(url)
    assert (origin, target) == reference_target(url)


def test_a_url_without_a_scheme_is_its_own_origin() -> None:
    assert split_target("127.0.0.1:8000/x") == ("127.0.0.1:8000/x", "/")


def test_the_session_response_hooks_still_run(tmp_path: Path, target: RecordingServer) -> None:
    seen: list[int] = []
    session = requests.Session()
    session.hooks["response"].append(lambda response, **_: seen.append(response.status_code))
    with session, load(tmp_path, target.url, session=session) as engine:
        via(engine)
    assert seen == [200]
