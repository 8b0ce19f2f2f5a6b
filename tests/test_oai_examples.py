"""The specification's example documents, as our own fixed equivalents, run against fakes.

Each document under tests/workflows/oai/ mirrors one official Arazzo example (its top comment
names the example and the defects fixed) and comes with a small OpenAPI description of the
operations it uses. Every workflow runs against a RecordingServer; the tests check the
outcome, the outputs and what the server received.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine import Engine, InputValidationError
from tests.http_server import Received, RecordingServer, Reply

OAI = Path(__file__).parent / "workflows" / "oai"


def load(name: str, source: str, server: RecordingServer, base: str = "") -> Engine:
    return Engine.load(OAI / name, servers={source: server.url + base})


def paths(server: RecordingServer) -> list[str]:
    return [f"{r.method} {r.path}" for r in server.requests]


# -- ExtendedParametersExample -------------------------------------------------------------


def extended(server: RecordingServer) -> Engine:
    return load("ExtendedParameters.arazzo.yaml", "animals", server, "/api")


def test_extended_parameters_merge_workflow_and_step_parameters(
    http_server: RecordingServer,
) -> None:
    http_server.route("POST", "/api/animals", Reply(201, {"id": 7}))
    http_server.route("GET", "/api/animals/random", Reply(200, {"name": "okapi"}))
    result = extended(http_server).run("animal-workflow")
    assert result.succeeded, result.error
    assert result.outputs == {"animal": "okapi"}
    post, get = http_server.requests
    assert (post.method, post.path, get.method, get.path) == (
        "POST",
        "/api/animals",
        "GET",
        "/api/animals/random",
    )
    # The workflow's cookie and the step's cookie are both sent; the header too.
    assert sorted(post.cookies()) == [
        ("authentication", "SUPER_SECRET"),
        ("workflowLevelParamOne", "someValue"),
    ]
    assert post.header("workflowLevelParamTwo") == "someValue"
    assert post.body == b""
    # The step-level cookie belongs to post-step only.
    assert get.cookies() == [("workflowLevelParamOne", "someValue")]
    assert get.header("workflowLevelParamTwo") == "someValue"


def test_extended_parameters_step_without_criteria_fails_on_non_2xx(
    http_server: RecordingServer,
) -> None:
    http_server.route("POST", "/api/animals", Reply(401, {"detail": "bad cookie"}))
    result = extended(http_server).run("animal-workflow")
    assert not result.succeeded
    assert result.error is not None and "post-step" in result.error and "401" in result.error
    assert paths(http_server) == ["POST /api/animals"]


# -- LoginAndRetrievePets ---------------------------------------------------------------


def login_pets(server: RecordingServer) -> Engine:
    return load("LoginAndRetrievePets.arazzo.yaml", "petStoreDescription", server, "/api/v3")


PETS = [{"id": 1, "name": "doggie", "status": "available"}]


def test_login_then_find_pets_by_operation_path(http_server: RecordingServer) -> None:
    http_server.route(
        "GET",
        "/api/v3/user/login",
        Reply(
            200,
            "session-5f2a",
            content_type="text/plain",
            headers={"X-Expires-After": "2030-01-01T00:00:00Z", "X-Rate-Limit": "5000"},
        ),
    )
    http_server.route("GET", "/api/v3/pet/findByStatus", Reply(200, PETS))
    result = login_pets(http_server).run(
        "loginUserRetrievePet", {"username": "ann", "password": "p&ss word"}
    )
    assert result.succeeded, result.error
    assert result.outputs == {
        "available": PETS,
        "tokenExpires": "2030-01-01T00:00:00Z",
        "rateLimit": "5000",
    }
    login, find = http_server.requests
    assert login.query == [("username", "ann"), ("password", "p&ss word")]
    # The operationPath names the GET of /pet/findByStatus, not its POST.
    assert (find.method, find.path) == ("GET", "/api/v3/pet/findByStatus")
    assert find.query == [("status", "available")]
    assert find.header("Authorization") == "session-5f2a"


def test_login_failure_stops_before_finding_pets(http_server: RecordingServer) -> None:
    http_server.route(
        "GET", "/api/v3/user/login", Reply(400, "bad credentials", content_type="text/plain")
    )
    result = login_pets(http_server).run(
        "loginUserRetrievePet", {"username": "ann", "password": "wrong"}
    )
    assert not result.succeeded
    assert result.error is not None and "loginStep" in result.error
    assert paths(http_server) == ["GET /api/v3/user/login"]
    assert result.outputs["available"] is None


# -- pet-coupons --------------------------------------------------------------------------


def pet_coupons(server: RecordingServer) -> Engine:
    return load("pet-coupons.arazzo.yaml", "pet-coupons", server, "/v3")


def order_reply(request: Received) -> Reply:
    return Reply(200, {"id": 9001, **request.json()})


def test_apply_coupon_finds_pet_and_coupon_and_places_the_order(
    http_server: RecordingServer,
) -> None:
    http_server.route("GET", "/v3/pet/findByTags", Reply(200, [{"id": 42}, {"id": 43}]))
    http_server.route("GET", "/v3/pet/42/coupons", Reply(200, {"couponCode": "SPRING-10"}))
    http_server.route("POST", "/v3/store/order", order_reply)
    result = pet_coupons(http_server).run(
        "apply-coupon",
        {"my_pet_tags": ["puppy", "dalmatian"], "quantity": 2, "store_id": "pets.example.com"},
    )
    assert result.succeeded, result.error
    assert result.outputs == {"apply_coupon_pet_order_id": 9001}
    tags, coupons, order = http_server.requests
    assert tags.query == [("tags", "puppy"), ("tags", "dalmatian")]
    assert coupons.path == "/v3/pet/42/coupons"
    assert order.header("Content-Type") == "application/json"
    assert order.json() == {
        "petId": 42,
        "quantity": 2,
        "couponCode": "SPRING-10",
        "status": "placed",
        "complete": False,
    }
    # The workflow step reads the child workflow's output through $outputs.
    assert [s.step_id for s in result.steps] == [
        "find-pet",
        "find-coupons",
        "place-order",
        "place-order",
    ]
    assert result.steps[-1].workflow_id == "apply-coupon"
    assert result.steps[-1].outputs == {"my_order_id": 9001}


def test_buy_available_pet_overrides_reusable_parameter_values(
    http_server: RecordingServer,
) -> None:
    http_server.route("GET", "/v3/pet/findByStatus", Reply(200, [{"id": 5}]))
    http_server.route("POST", "/v3/store/order", order_reply)
    result = pet_coupons(http_server).run("buy-available-pet", {"quantity": 1})
    assert result.succeeded, result.error
    assert result.outputs == {"buy_pet_order_id": 9001}
    find, order = http_server.requests
    # page keeps its value 1 (overridden with 1); pageSize 100 is overridden with 10.
    assert sorted(find.query) == [("page", "1"), ("pageSize", "10"), ("status", "available")]
    assert order.json()["petId"] == 5 and order.json()["quantity"] == 1
    assert order.json()["couponCode"] is None


def test_place_order_runs_on_its_own(http_server: RecordingServer) -> None:
    http_server.route("POST", "/v3/store/order", order_reply)
    result = pet_coupons(http_server).run(
        "place-order", {"pet_id": 3, "quantity": 4, "coupon_code": "X"}
    )
    assert result.succeeded, result.error
    assert result.outputs == {"workflow_order_id": 9001}
    assert http_server.requests[0].json()["quantity"] == 4


def test_pet_coupons_inputs_follow_refs_into_components(http_server: RecordingServer) -> None:
    with pytest.raises(InputValidationError) as info:
        pet_coupons(http_server).run(
            "apply-coupon", {"my_pet_tags": ["puppy"], "quantity": 0, "store_id": 5}
        )
    text = str(info.value)
    assert "quantity" in text and "store_id" in text
    assert http_server.requests == []


def test_apply_coupon_fails_when_the_nested_order_fails(http_server: RecordingServer) -> None:
    http_server.route("GET", "/v3/pet/findByTags", Reply(200, [{"id": 42}]))
    http_server.route("GET", "/v3/pet/42/coupons", Reply(200, {"couponCode": "C"}))
    http_server.route("POST", "/v3/store/order", Reply(400, {"detail": "sold out"}))
    result = pet_coupons(http_server).run("apply-coupon", {"my_pet_tags": ["x"], "quantity": 1})
    assert not result.succeeded
    assert result.error is not None and "place-order" in result.error
    assert result.outputs == {"apply_coupon_pet_order_id": None}


# -- oauth --------------------------------------------------------------------------------


def oauth(server: RecordingServer) -> Engine:
    return load("oauth.arazzo.yaml", "apim-auth", server)


def token_endpoint(request: Received) -> Reply:
    form = dict(request.form())
    grant = form.get("grant_type")
    if grant == "authorization_code" and form.get("code") == "code-abc":
        return Reply(200, {"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3600})
    if grant == "refresh_token" and form.get("refresh_token") == "rt-1":
        return Reply(200, {"access_token": "at-2", "refresh_token": "rt-2", "expires_in": 60})
    if grant == "client_credentials" and form.get("client_secret") == "s3cret":
        return Reply(200, {"access_token": "cc-1", "token_type": "Bearer"})
    return Reply(400, {"error": "invalid_grant"})


def oauth_server(server: RecordingServer) -> None:
    server.route("GET", "/authorize", Reply(200, {"code": "code-abc", "state": "12345"}))
    server.route("POST", "/oauth/token", token_endpoint)


AUTHORIZE_QUERY = [
    ("client_id", "app-1"),
    ("redirect_uri", "https://app.example/cb"),
    ("response_type", "code"),
    ("scope", "read"),
    ("state", "12345"),
]


def test_authorization_code_flow_sends_a_form_encoded_token_request(
    http_server: RecordingServer,
) -> None:
    oauth_server(http_server)
    result = oauth(http_server).run(
        "authorization-code-flow",
        {"client_id": "app-1", "client_secret": "s3cret", "redirect_uri": "https://app.example/cb"},
    )
    assert result.succeeded, result.error
    assert result.outputs == {"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3600}
    authorize, token = http_server.requests
    assert (authorize.method, authorize.path) == ("GET", "/authorize")
    assert authorize.query == AUTHORIZE_QUERY
    assert (token.method, token.path) == ("POST", "/oauth/token")
    assert token.header("Content-Type") == "application/x-www-form-urlencoded"
    assert token.body == (
        b"grant_type=authorization_code&code=code-abc"
        b"&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&client_id=app-1&client_secret=s3cret"
    )


def test_refresh_token_flow_runs_the_auth_flow_then_refreshes(
    http_server: RecordingServer,
) -> None:
    oauth_server(http_server)
    result = oauth(http_server).run(
        "refresh-token-flow",
        {
            "my_client_id": "app-1",
            "my_client_secret": "s3cret",
            "my_redirect_uri": "https://app.example/cb",
        },
    )
    assert result.succeeded, result.error
    assert result.outputs == {"access_token": "at-2", "refresh_token": "rt-2", "expires_in": 60}
    assert paths(http_server) == ["GET /authorize", "POST /oauth/token", "POST /oauth/token"]
    authorize, _, refresh = http_server.requests
    # The workflow step's `in`-less parameters became the child workflow's inputs.
    assert authorize.query == AUTHORIZE_QUERY
    assert refresh.form() == [("grant_type", "refresh_token"), ("refresh_token", "rt-1")]
    child = next(s for s in result.steps if s.step_id == "do-the-auth-flow")
    assert child.outputs == {"my_refresh_token": "rt-1"}


def test_client_credentials_flow(http_server: RecordingServer) -> None:
    oauth_server(http_server)
    result = oauth(http_server).run(
        "client-credentials-flow", {"client_id": "app-1", "client_secret": "s3cret"}
    )
    assert result.succeeded, result.error
    assert result.outputs == {"access_token": "cc-1"}
    (token,) = http_server.requests
    assert token.form() == [
        ("client_id", "app-1"),
        ("client_secret", "s3cret"),
        ("grant_type", "client_credentials"),
    ]


@pytest.mark.parametrize(
    "answer",
    [{"token_type": "Bearer"}, {"access_token": None}, {"access_token": ""}],
    ids=["absent", "null", "empty"],
)
def test_client_credentials_jsonpath_requires_a_token(
    http_server: RecordingServer, answer: dict[str, object]
) -> None:
    # `$[?@.access_token != null]`, the official condition, passes on the first answer.
    http_server.route("POST", "/oauth/token", Reply(200, answer))
    result = oauth(http_server).run(
        "client-credentials-flow", {"client_id": "app-1", "client_secret": "s3cret"}
    )
    assert not result.succeeded
    assert result.error is not None and "get-client-creds-token" in result.error
    assert "length(@.access_token)" in result.error


def test_authorization_without_a_code_fails_before_the_token_request(
    http_server: RecordingServer,
) -> None:
    # A token in the /authorize answer is not what the step looks for.
    http_server.route("GET", "/authorize", Reply(200, {"access_token": "leaked", "state": "12345"}))
    http_server.route("POST", "/oauth/token", token_endpoint)
    result = oauth(http_server).run(
        "refresh-token-flow",
        {"my_client_id": "a", "my_client_secret": "b", "my_redirect_uri": "https://c.example"},
    )
    assert not result.succeeded
    assert result.error is not None and "do-the-auth-flow" in result.error
    assert "browser-authorize" in result.error
    assert paths(http_server) == ["GET /authorize"]


# -- FAPI-PAR -----------------------------------------------------------------------------


def fapi(server: RecordingServer) -> Engine:
    return load("FAPI-PAR.arazzo.yaml", "auth-api", server)


PAR_BODY = {
    "response_type": "code",
    "client_id": "tpp-1",
    "scope": "openid accounts",
    "code_challenge_method": "S256",
    "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    "state": "af0ifjsldkj",
    "nonce": "n-0S6_WzA2Mj",
    "redirect_uri": "https://tpp.example/cb",
}
FAPI_INPUTS = {
    "client_id": "tpp-1",
    "client_assertion": "eyJhbGciOiJQUzI1NiJ9.eyJpc3MiOiJ0cHAtMSJ9.c2ln",
    "redirect_uri": "https://tpp.example/cb",
    "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    "PARrequestBody": PAR_BODY,
}
CLIENT_AUTH = [
    ("client_id", "tpp-1"),
    ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
    ("client_assertion", "eyJhbGciOiJQUzI1NiJ9.eyJpc3MiOiJ0cHAtMSJ9.c2ln"),
]
REQUEST_URI = "urn:ietf:params:oauth:request_uri:bwc4JK-ESC0w8acc191e-Y1LTC2"


def fapi_server(server: RecordingServer, location: str) -> None:
    server.route(
        "POST", "/as/par.oauth2", Reply(201, {"request_uri": REQUEST_URI, "expires_in": 60})
    )
    server.route(
        "GET",
        "/as/authorize.oauth2",
        Reply(302, None, headers={"Location": location, "X-Authorization-Code": "SplxlOBeZQ"}),
    )
    server.route(
        "POST",
        "/as/token.oauth2",
        Reply(200, {"access_token": "at-fapi", "token_type": "Bearer", "expires_in": 300}),
    )


def test_fapi_par_authorize_and_token(http_server: RecordingServer) -> None:
    # The redirect goes back to this server; the engine must not follow it.
    location = f"{http_server.url}/cb?code=SplxlOBeZQ&state=af0ifjsldkj"
    fapi_server(http_server, location)
    result = fapi(http_server).run("OIDC-PAR-AuthzCode", FAPI_INPUTS)
    assert result.succeeded, result.error
    assert result.outputs == {
        "access_token": "at-fapi",
        "tokenResponse": {"access_token": "at-fapi", "token_type": "Bearer", "expires_in": 300},
        "redirect": location,
    }
    assert paths(http_server) == [
        "POST /as/par.oauth2",
        "GET /as/authorize.oauth2",
        "POST /as/token.oauth2",
    ]
    par, authorize, token = http_server.requests
    assert par.query == CLIENT_AUTH
    # No contentType in the step: the operation's only media type, form-urlencoded, is used.
    assert par.header("Content-Type") == "application/x-www-form-urlencoded"
    assert dict(par.form()) == PAR_BODY
    assert authorize.query == [("request_uri", REQUEST_URI), ("client_id", "tpp-1")]
    assert token.query == CLIENT_AUTH
    assert token.header("Content-Type") == "application/json"
    assert token.json() == {
        "grant_type": "authorization_code",
        "code": "SplxlOBeZQ",
        "redirect_uri": "https://tpp.example/cb",
        "code_verifier": FAPI_INPUTS["code_verifier"],
    }


def test_fapi_redirect_without_a_code_fails_the_authorization_step(
    http_server: RecordingServer,
) -> None:
    fapi_server(http_server, f"{http_server.url}/cb?error=access_denied&state=af0ifjsldkj")
    result = fapi(http_server).run("OIDC-PAR-AuthzCode", FAPI_INPUTS)
    assert not result.succeeded
    assert result.steps[-1].step_id == "AuthzCodeStep"
    assert result.steps[-1].status_code == 302
    assert result.error is not None and "code=" in result.error
    assert paths(http_server) == ["POST /as/par.oauth2", "GET /as/authorize.oauth2"]


def test_fapi_inputs_schema_checks_the_nested_required_members(
    http_server: RecordingServer,
) -> None:
    inputs = {**FAPI_INPUTS, "PARrequestBody": {"response_type": "code"}}
    with pytest.raises(InputValidationError, match="code_challenge"):
        fapi(http_server).run("OIDC-PAR-AuthzCode", inputs)
    assert http_server.requests == []


# -- bnpl ---------------------------------------------------------------------------------


def bnpl(server: RecordingServer) -> Engine:
    return load("bnpl.arazzo.yaml", "BnplApi", server, "/v1")


NEW_CUSTOMER = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "dateOfBirth": "1990-12-10T00:00:00Z",
    "postalCode": "N1 9GU",
}
EXISTING_CUSTOMER = {"uri": "https://bnpl.example/customers/c-77"}
PRODUCTS = [
    {
        "merchantCategoryCode": "5732",
        "productCode": "LAPTOP-1",
        "purchaseAmount": {"currency": "EUR", "amount": 1299.5},
    }
]
ELIGIBLE = [{"productCode": "LAPTOP-1"}]
PLAN = {"loanTransactionId": "lt-1", "installments": [{"amount": 433.17}] * 3}
TERMS = ["Pay in three.", "No interest."]


def bnpl_server(
    server: RecordingServer,
    *,
    eligibility_check: bool,
    auth_token: str | None,
    products: list[dict[str, str]] = ELIGIBLE,
    customer_status: int = 201,
) -> None:
    server.route(
        "POST",
        "/v1/products",
        Reply(
            200,
            {
                "existingCustomerNotEligible": False,
                "eligibilityCheckRequired": eligibility_check,
                "products": products,
                "totalAmount": {"currency": "EUR", "amount": 1299.5},
            },
        ),
    )
    server.route("GET", "/v1/terms-and-conditions", Reply(200, TERMS))
    created = {"links": {"self": "https://bnpl.example/customers/c-new"}}
    server.route(
        "POST", "/v1/customers", Reply(customer_status, created if customer_status == 201 else None)
    )
    server.route(
        "POST",
        "/v1/loan-transactions",
        Reply(
            202,
            {
                "loanTransactionId": "lt-1",
                "redirectAuthToken": auth_token,
                "links": {"self": "https://bnpl.example/loan-transactions/lt-1"},
            },
        ),
    )
    server.route(
        "GET",
        "/v1/auth",
        Reply(302, None, headers={"Location": f"{server.url}/consent?session=s-9"}),
    )
    server.route("GET", "/v1/loan-transactions/lt-1", Reply(200, PLAN))
    server.route("PATCH", "/v1/loan-transactions/lt-1/status", Reply(204, None))


def test_bnpl_new_customer_with_eligibility_check_and_authorization(
    http_server: RecordingServer,
) -> None:
    bnpl_server(http_server, eligibility_check=True, auth_token="tok-abc")
    result = bnpl(http_server).run(
        "ApplyForLoanAtCheckout", {"customer": NEW_CUSTOMER, "products": PRODUCTS}
    )
    assert result.succeeded, result.error
    assert result.outputs == {
        "finalizedPaymentPlan": PLAN,
        "loanTransactionId": "lt-1",
        "authorizationRedirect": f"{http_server.url}/consent?session=s-9",
    }
    assert paths(http_server) == [
        "POST /v1/products",
        "GET /v1/terms-and-conditions",
        "POST /v1/customers",
        "POST /v1/loan-transactions",
        "GET /v1/auth",
        "GET /v1/loan-transactions/lt-1",
        "PATCH /v1/loan-transactions/lt-1/status",
    ]
    products, _, customers, loan, auth, _, status = http_server.requests
    assert products.json() == {"customer": NEW_CUSTOMER, "products": PRODUCTS}
    assert customers.json() == {**NEW_CUSTOMER, "termsAndConditionsAccepted": True}
    assert loan.json() == {
        "enrolledCustomer": None,
        "newCustomer": "https://bnpl.example/customers/c-new",
        "products": ELIGIBLE,
    }
    assert auth.query == [("AuthorizationToken", "tok-abc")]
    assert status.json() == {"status": "Completed"}


def test_bnpl_existing_customer_skips_enrolment_and_authorization(
    http_server: RecordingServer,
) -> None:
    bnpl_server(http_server, eligibility_check=False, auth_token=None)
    result = bnpl(http_server).run(
        "ApplyForLoanAtCheckout", {"customer": EXISTING_CUSTOMER, "products": PRODUCTS}
    )
    assert result.succeeded, result.error
    assert result.outputs == {
        "finalizedPaymentPlan": PLAN,
        "loanTransactionId": "lt-1",
        "authorizationRedirect": None,
    }
    # Two gotos skip createCustomer and authenticateCustomerAndAuthorizeLoan.
    assert paths(http_server) == [
        "POST /v1/products",
        "GET /v1/terms-and-conditions",
        "POST /v1/loan-transactions",
        "GET /v1/loan-transactions/lt-1",
        "PATCH /v1/loan-transactions/lt-1/status",
    ]
    assert [s.step_id for s in result.steps] == [
        "checkLoanCanBeProvided",
        "getCustomerTermsAndConditions",
        "initiateBnplTransaction",
        "retrieveFinalizedPaymentPlan",
        "updateOrderStatus",
    ]
    products, _, loan, _, _ = http_server.requests
    assert products.json() == {"customer": EXISTING_CUSTOMER, "products": PRODUCTS}
    assert loan.json() == {
        "enrolledCustomer": EXISTING_CUSTOMER["uri"],
        "newCustomer": None,
        "products": ELIGIBLE,
    }


def test_bnpl_ineligible_new_customer_ends_the_workflow(http_server: RecordingServer) -> None:
    bnpl_server(http_server, eligibility_check=True, auth_token=None, customer_status=200)
    result = bnpl(http_server).run(
        "ApplyForLoanAtCheckout", {"customer": NEW_CUSTOMER, "products": PRODUCTS}
    )
    # `end` from onSuccess: the run ends, successfully, with nothing to output.
    assert result.succeeded, result.error
    assert paths(http_server) == [
        "POST /v1/products",
        "GET /v1/terms-and-conditions",
        "POST /v1/customers",
    ]
    assert result.outputs == {
        "finalizedPaymentPlan": None,
        "loanTransactionId": None,
        "authorizationRedirect": None,
    }


def test_bnpl_no_qualifying_products_ends_after_the_first_step(
    http_server: RecordingServer,
) -> None:
    bnpl_server(http_server, eligibility_check=False, auth_token=None, products=[])
    result = bnpl(http_server).run(
        "ApplyForLoanAtCheckout", {"customer": EXISTING_CUSTOMER, "products": PRODUCTS}
    )
    assert result.succeeded, result.error
    assert paths(http_server) == ["POST /v1/products"]
    assert result.outputs["finalizedPaymentPlan"] is None


def test_bnpl_existing_customer_not_eligible_ends_after_the_first_step(
    http_server: RecordingServer,
) -> None:
    bnpl_server(http_server, eligibility_check=False, auth_token=None)
    # Products qualify, but the existing customer does not: the first end action applies.
    http_server.route(
        "POST",
        "/v1/products",
        Reply(200, {"existingCustomerNotEligible": True, "products": ELIGIBLE}),
    )
    result = bnpl(http_server).run(
        "ApplyForLoanAtCheckout", {"customer": EXISTING_CUSTOMER, "products": PRODUCTS}
    )
    assert result.succeeded, result.error
    assert paths(http_server) == ["POST /v1/products"]


def test_bnpl_inputs_pick_one_customer_shape(http_server: RecordingServer) -> None:
    customer = {**NEW_CUSTOMER, "uri": "https://bnpl.example/customers/c-1"}
    with pytest.raises(InputValidationError, match="customer"):
        bnpl(http_server).run(
            "ApplyForLoanAtCheckout", {"customer": customer, "products": PRODUCTS}
        )
    assert http_server.requests == []


def test_documents_name_the_official_example_they_mirror() -> None:
    for document in OAI.glob("*.arazzo.yaml"):
        head = document.read_text().split("\n", 1)[0]
        assert head.startswith("# Mirrors the official example "), document.name
