"""Security schemes applied from credentials, checked on the wire: apiKey (header, query,
cookie), http basic, bearer and other schemes, oauth2 and openIdConnect (a given token, or
the client credentials flow against a local token endpoint), OR and AND requirements."""

from __future__ import annotations

import base64
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import pytest

from arazzo_engine import ConfigurationError, Engine
from arazzo_engine.sources.openapi.oauth import REMEMBERED_TOKENS, ClientCredentials
from tests.http_server import Received, RecordingServer, Reply

SECURITY = Path(__file__).parent / "workflows" / "fidelity" / "security.arazzo.yaml"
PATHS = [
    "/header",
    "/query",
    "/cookie",
    "/basic",
    "/bearer",
    "/digest",
    "/oauth",
    "/oauth-write",
    "/oidc",
    "/either",
    "/both",
    "/optional",
]


@pytest.fixture
def server(http_server: RecordingServer) -> RecordingServer:
    """The module's server answering 200 on every secured path."""
    http_server.answer_ok(*(f"GET {path}" for path in PATHS))
    return http_server


def run(server: RecordingServer, workflow: str, **credentials: Any) -> tuple[Any, Received]:
    engine = Engine.load(SECURITY, servers={"secure": server.url}, credentials=credentials)
    result = engine.run(workflow)
    assert result.succeeded, result.error
    api = [r for r in server.requests if not r.path.startswith(("/oauth/", "/oidc/", "/.well"))]
    return result, api[-1]


def test_api_key_in_a_header(server: RecordingServer) -> None:
    _, request = run(server, "header", HeaderKey="k-1")
    assert request.header("X-Api-Key") == "k-1"


def test_api_key_in_the_query(server: RecordingServer) -> None:
    _, request = run(server, "query", QueryKey="k 2&x")
    assert request.raw_query == "q=a%20b&api_key=k%202%26x"


def test_api_key_in_a_cookie(server: RecordingServer) -> None:
    _, request = run(server, "cookie", CookieKey="s-3")
    assert request.header("Cookie") == "theme=dark; session=s-3"


def test_http_basic_from_user_and_password(server: RecordingServer) -> None:
    _, request = run(server, "basic", Basic="ann:pä:ss")
    assert request.header("Authorization") == "Basic " + base64.b64encode(
        "ann:pä:ss".encode()
    ).decode("ascii")


def test_http_basic_given_encoded(server: RecordingServer) -> None:
    _, request = run(server, "basic", Basic="YW5uOnB3")
    assert request.header("Authorization") == "Basic YW5uOnB3"


@pytest.mark.parametrize("value", ["tok-4", "Bearer tok-4"])
def test_bearer(server: RecordingServer, value: str) -> None:
    _, request = run(server, "bearer", Bearer=value)
    assert request.header("Authorization") == "Bearer tok-4"


def test_other_http_schemes_take_the_whole_header_value(server: RecordingServer) -> None:
    value = 'Digest username="ann", realm="api", nonce="n", uri="/digest", response="r"'
    _, request = run(server, "digest", Digest=value)
    assert request.header("Authorization") == value


@pytest.mark.parametrize(("workflow", "scheme"), [("oauth", "OAuth"), ("oidc", "Oidc")])
def test_oauth2_and_openid_connect_with_a_given_token(
    server: RecordingServer, workflow: str, scheme: str
) -> None:
    _, request = run(server, workflow, **{scheme: "at-5"})
    assert request.header("Authorization") == "Bearer at-5"
    assert len(server.requests) == 1  # no token endpoint, no discovery


def test_alternatives_use_the_first_that_credentials_satisfy(server: RecordingServer) -> None:
    _, request = run(server, "either", Bearer="b-6")
    assert request.header("Authorization") == "Bearer b-6"
    assert request.header("X-Api-Key") is None
    _, request = run(server, "either", Bearer="b-6", HeaderKey="k-6")
    assert request.header("X-Api-Key") == "k-6"
    assert request.header("Authorization") is None


def test_combined_requirement_sends_every_scheme(server: RecordingServer) -> None:
    _, request = run(server, "both", HeaderKey="k-7", QueryKey="q-7")
    assert request.header("X-Api-Key") == "k-7"
    assert request.raw_query == "api_key=q-7"


def test_a_half_met_combined_requirement_sends_nothing(server: RecordingServer) -> None:
    server.route("GET", "/both", Reply(401, {"error": "unauthorized"}))
    engine = Engine.load(SECURITY, servers={"secure": server.url}, credentials={"HeaderKey": "k"})
    result = engine.run("both")
    assert not result.succeeded
    (request,) = server.requests
    assert request.header("X-Api-Key") is None and request.raw_query == ""
    assert result.error is not None
    assert "(no credential given for security scheme QueryKey)" in result.error
    assert "'k'" not in result.error


def test_an_optional_requirement(server: RecordingServer) -> None:
    _, request = run(server, "optional")
    assert request.header("Authorization") is None
    _, request = run(server, "optional", Bearer="b-8")
    assert request.header("Authorization") == "Bearer b-8"


@pytest.mark.parametrize("status", [401, 403])
def test_a_missing_credential_is_named_on_401_and_403(server: RecordingServer, status: int) -> None:
    server.route("GET", "/either", Reply(status, {"error": "who are you"}))
    result = Engine.load(SECURITY, servers={"secure": server.url}).run("either")
    assert not result.succeeded
    assert result.error is not None
    assert result.error.endswith(
        f"(HTTP {status}) (no credential given for security scheme HeaderKey, Bearer)"
    )


def test_no_missing_credential_note_on_other_failures(server: RecordingServer) -> None:
    server.route("GET", "/either", Reply(500, {}))
    result = Engine.load(SECURITY, servers={"secure": server.url}).run("either")
    assert result.error is not None and "no credential" not in result.error


# -- client credentials ---------------------------------------------------------------------


class TokenEndpoint:
    """A local OAuth 2.0 token endpoint (RFC 6749 4.4) counting what it issues."""

    def __init__(self, expires_in: int | None = 3600, *, secret: str = "s3cret!") -> None:
        self.expires_in = expires_in
        self.secret = secret
        self.issued: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, request: Received) -> Reply:
        form = dict(parse_qsl(request.body.decode("ascii")))
        auth = request.header("Authorization") or ""
        if auth.startswith("Basic "):
            pair = base64.b64decode(auth[6:]).decode()
            client_id, _, secret = (unquote_plus(p) for p in pair.partition(":"))
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if form.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type"})
        if request.header("Content-Type") != "application/x-www-form-urlencoded":
            return Reply(400, {"error": "invalid_request"})
        if client_id != "app 1" or secret != self.secret:
            return Reply(
                401, {"error": "invalid_client", "error_description": f"{secret} is wrong"}
            )
        with self._lock:
            number = len(self.issued) + 1
            self.issued.append({**form, "auth": "basic" if auth else "post"})
        body: dict[str, Any] = {"access_token": f"tok-{number}", "token_type": "bearer"}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        return Reply(200, body)


CLIENT = {"client_id": "app 1", "client_secret": "s3cret!"}


def oauth_engine(server: RecordingServer, **extra: Any) -> Engine:
    return Engine.load(
        SECURITY, servers={"secure": server.url}, credentials={"OAuth": {**CLIENT, **extra}}
    )


def authorization(server: RecordingServer) -> list[str | None]:
    return [r.header("Authorization") for r in server.requests if not r.path.startswith("/oauth/")]


def test_client_credentials_fetch_once_and_reuse(server: RecordingServer) -> None:
    tokens = TokenEndpoint()
    server.route("POST", "/oauth/token", tokens)
    engine = oauth_engine(server)
    for _ in range(3):
        assert engine.run("oauth").succeeded
    assert tokens.issued == [{"grant_type": "client_credentials", "scope": "read", "auth": "basic"}]
    assert authorization(server) == ["Bearer tok-1"] * 3
    # Other scopes (sorted, space-separated) are another token.
    assert engine.run("oauthWrite").succeeded
    assert tokens.issued[1]["scope"] == "read write"
    assert authorization(server)[-1] == "Bearer tok-2"
    assert engine.run("oauth").succeeded
    assert len(tokens.issued) == 2


def test_client_credentials_token_is_renewed_when_it_expires(server: RecordingServer) -> None:
    tokens = TokenEndpoint(expires_in=1)
    server.route("POST", "/oauth/token", tokens)
    engine = oauth_engine(server)
    assert engine.run("oauth").succeeded
    assert engine.run("oauth").succeeded
    assert len(tokens.issued) == 1
    time.sleep(1.0)  # renewed a tenth of its lifetime early: after 0.9 s
    assert engine.run("oauth").succeeded
    assert authorization(server) == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_a_long_lived_client_masks_a_bounded_number_of_renewed_tokens(
    server: RecordingServer,
) -> None:
    tokens = TokenEndpoint(expires_in=1)
    server.route("POST", "/oauth/token", tokens)
    client = ClientCredentials("app 1", "s3cret!")
    now = [0.0]
    client.clock = lambda: now[0]
    engine = Engine.load(SECURITY, servers={"secure": server.url}, credentials={"OAuth": client})
    runs = REMEMBERED_TOKENS + 6
    for _ in range(runs):
        assert engine.run("oauth").succeeded
        now[0] += 2.0  # past the token's lifetime: the next run renews it
    assert len(tokens.issued) == runs
    remembered = client.secrets()[2:]
    assert remembered == [f"tok-{n}" for n in range(7, runs + 1)]
    # The token in use is masked, whatever was forgotten.
    result = engine.run("oauth")
    assert f"tok-{runs + 1}" not in repr(result) and f"tok-{runs + 1}" in client.secrets()


def test_client_secret_post_and_explicit_scopes(server: RecordingServer) -> None:
    tokens = TokenEndpoint()
    server.route("POST", "/oauth/token", tokens)
    engine = oauth_engine(server, auth_method="client_secret_post", scopes=["admin"])
    assert engine.run("oauth").succeeded
    assert tokens.issued == [
        {
            "grant_type": "client_credentials",
            "scope": "admin",
            "client_id": "app 1",
            "client_secret": "s3cret!",
            "auth": "post",
        }
    ]


def test_concurrent_runs_share_one_token(server: RecordingServer) -> None:
    tokens = TokenEndpoint()
    server.route("POST", "/oauth/token", tokens)
    results = oauth_engine(server).run_many("oauth", [{}] * 12, concurrency=6)
    assert all(r.succeeded for r in results)
    assert len(tokens.issued) == 1
    assert set(authorization(server)) == {"Bearer tok-1"}


def test_openid_connect_discovers_the_token_endpoint(server: RecordingServer) -> None:
    tokens = TokenEndpoint()
    server.route(
        "GET", "/.well-known/openid-configuration", Reply(200, {"token_endpoint": "/oidc/token"})
    )
    server.route("POST", "/oidc/token", tokens)
    engine = Engine.load(SECURITY, servers={"secure": server.url}, credentials={"Oidc": CLIENT})
    assert engine.run("oidc").succeeded
    assert engine.run("oidc").succeeded
    assert [r.path for r in server.requests] == [
        "/.well-known/openid-configuration",
        "/oidc/token",
        "/oidc",
        "/oidc",
    ]
    assert server.requests[-1].header("Authorization") == "Bearer tok-1"


def test_a_refused_client_fails_the_step_without_leaking_the_secret(
    server: RecordingServer,
) -> None:
    server.route("POST", "/oauth/token", TokenEndpoint(secret="other"))
    result = oauth_engine(server).run("oauth")
    assert not result.succeeded
    assert result.error is not None
    assert "refused the client credentials: HTTP 401: invalid_client: *** is wrong" in result.error
    assert "s3cret" not in result.error
    assert [r.path for r in server.requests] == ["/oauth/token"]


def test_fetched_tokens_are_redacted(server: RecordingServer) -> None:
    server.route("POST", "/oauth/token", TokenEndpoint())
    engine = oauth_engine(server)
    assert engine.run("oauth").succeeded
    redactor = engine._settings.redactor
    assert redactor.text("Authorization: Bearer tok-1; s3cret!") == "Authorization: Bearer ***; ***"
    assert "s3cret" not in repr(engine._settings.credentials)


def test_an_unreachable_token_endpoint_fails_the_step(server: RecordingServer) -> None:
    engine = oauth_engine(server, token_url="http://127.0.0.1:9/token")
    result = engine.run("oauth")
    assert not result.succeeded
    assert result.error is not None and "POST http://127.0.0.1:9/token failed" in result.error
    assert server.requests == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"client_id": "a"}, "needs client_id and client_secret"),
        ({**CLIENT, "grant": "x"}, "unknown fields grant"),
        ({**CLIENT, "auth_method": "jwt"}, "auth_method must be one of"),
        ({**CLIENT, "scopes": "read"}, "scopes must be a list of strings"),
    ],
)
def test_client_credentials_shape_is_checked_at_load(value: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Engine.load(SECURITY, credentials={"OAuth": value})


def test_client_credentials_for_an_api_key_scheme_fail_the_step(server: RecordingServer) -> None:
    engine = Engine.load(
        SECURITY, servers={"secure": server.url}, credentials={"HeaderKey": CLIENT}
    )
    result = engine.run("header")
    assert not result.succeeded
    assert result.error is not None and "apply only to oauth2 and openIdConnect" in result.error
    assert server.requests == []
