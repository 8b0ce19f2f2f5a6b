"""The per-step fast paths give exactly what the general paths give.

Each shortcut the step loop takes (a request plan settled once per step, a JSON
body encoded without ``encode_body``'s dispatch, a body's depth measured only
where its expressions put values, a request copied without ``replace``, a JSON
body decoded without encoding detection, expression reads one call shorter) is
checked against the general code it stands for, on generated inputs, and on the
cases that must take the general path.
"""

from __future__ import annotations

import codecs
import dataclasses
import importlib
import json
import logging
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arazzo_engine import Engine, HttpRequest, HttpResponse, MockTransport
from arazzo_engine.criteria.kind import CriterionKind
from arazzo_engine.criteria.regex import RegexKind
from arazzo_engine.criteria.registry import kind_named
from arazzo_engine.criteria.simple import SimpleKind
from arazzo_engine.errors import BodyDecodeError, RequestBuildError
from arazzo_engine.expressions import evaluate
from arazzo_engine.expressions.ast import (
    ArrayValue,
    Constant,
    InputRef,
    ObjectValue,
    ResponseBody,
    StepOutputRef,
    Template,
)
from arazzo_engine.expressions.evaluate import loose_equal
from arazzo_engine.expressions.files import FileReference
from arazzo_engine.http.cookies import CookieStore
from arazzo_engine.http.media import decode_body
from arazzo_engine.limits import too_deep
from arazzo_engine.model import Criterion
from arazzo_engine.redaction import Redactor
from arazzo_engine.run.result_masking import masked_request, without_cookies
from arazzo_engine.sources.openapi.request_builder import (
    RequestPlan,
    build_request,
    encode_body,
)
from arazzo_engine.sources.openapi.security import AppliedCredentials
from arazzo_engine.sources.openapi.serialize import PATH_SLASH_KEPT, serialize_path
from arazzo_engine.sources.openapi.shapes import Operation, ParameterSpec
from arazzo_engine.sources.openapi.value_depth import DepthCheck
from tests.expression_context import DictContext

evaluate_module = importlib.import_module("arazzo_engine.expressions.evaluate")
"""The module (the package's ``evaluate`` is its function): the general readers live there."""

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=6),
    st.sampled_from([".", "..", "a/b", "%", "%2F", "?x", "#", "é", " "]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


def spec(
    name: str, location: str, style: str, *, explode: bool = False, **more: Any
) -> ParameterSpec:
    return ParameterSpec(
        name=name,
        location=location,
        required=False,
        style=style,
        explode=explode,
        allow_reserved=more.get("allow_reserved", False),
        schema=None,
        content_type=more.get("content_type"),
    )


SPECS = {
    ("id", "path"): spec("id", "path", "simple"),
    ("tag", "path"): spec("tag", "path", "label", explode=True),
    ("raw", "path"): spec("raw", "path", "simple", allow_reserved=True),
    ("q", "query"): spec("q", "query", "form", explode=True),
    ("x-h", "header"): spec("X-H", "header", "simple"),
    ("c", "cookie"): spec("c", "cookie", "form", explode=True),
}


def operation(**changes: Any) -> Operation:
    fields: dict[str, Any] = {
        "source": "api",
        "operation_id": "op",
        "method": "POST",
        "path_template": "/items/{id}/{tag}/{raw}/{undeclared}",
        "pointer": "/paths/~1items~1{id}/post",
        "parameters": SPECS,
        "request_media_types": ("application/json",),
        "servers": (),
        "security": (),
        "response_statuses": ("200",),
    }
    fields.update(changes)
    return Operation(**fields)


NAMES = [
    ("id", "path"),
    ("tag", "path"),
    ("raw", "path"),
    ("undeclared", "path"),
    ("q", "query"),
    ("extra", "query"),
    ("X-H", "header"),
    ("c", "cookie"),
]
credentials = st.builds(
    AppliedCredentials,
    headers=st.dictionaries(st.sampled_from(["Authorization", "X-Key"]), st.text(max_size=4)),
    query=st.lists(st.tuples(st.sampled_from(["key", "k y"]), st.text(max_size=4)), max_size=2),
    cookies=st.lists(st.tuples(st.just("sid"), st.text("abc", max_size=3)), max_size=1),
)
executions = st.tuples(
    st.tuples(*[json_values for _ in NAMES]),
    json_values | st.binary(max_size=4),
    st.booleans(),
    st.none() | credentials,
    st.booleans(),
)


def outcome(make: Any) -> tuple[str, Any]:
    """What building gives: the request's fields, or the error it raises."""
    try:
        request = make()
    except (RequestBuildError, ValueError, TypeError) as error:
        return "error", (type(error), str(error))
    return "request", vars(request)


@FAST
@given(
    st.sampled_from([None, "application/json", "text/plain", "application/x-www-form-urlencoded"]),
    st.lists(executions, min_size=1, max_size=4),
)
def test_a_plan_reused_builds_what_a_fresh_build_does(
    content_type: str | None, runs: list[Any]
) -> None:
    """A step keeps its plan for every execution: nothing of one leaks into the next."""
    op = operation(query_template="flag&x={x}")
    plan = RequestPlan(op, NAMES, content_type)
    store = CookieStore()
    for values, body, has_body, applied, allow_reserved in runs:
        given = {
            "base_url": "http://h",
            "parameters": [(n, where, v) for (n, where), v in zip(NAMES, values, strict=True)],
            "body": body,
            "has_body": has_body,
            "path_allow_reserved": allow_reserved,
            "cookies": store,
        }
        reused = outcome(partial(plan.build, **given, credentials=applied))
        fresh = outcome(
            partial(
                build_request,
                op,
                **given,
                content_type=content_type,
                credentials=applied if applied is not None else AppliedCredentials(),
            )
        )
        assert reused == fresh


@FAST
@given(scalars, st.booleans())
def test_a_plain_path_value_is_what_serialize_path_makes(value: Any, allow_reserved: bool) -> None:
    """The plan encodes a simple-style scalar itself; serialize_path would say the same."""
    op = operation(path_template="/v/{id}", parameters={("id", "path"): SPECS[("id", "path")]})
    plan = RequestPlan(op, [("id", "path")], None)

    def build() -> HttpRequest:
        return plan.build(
            base_url="",
            parameters=[("id", "path", value)],
            body=None,
            has_body=False,
            credentials=None,
            path_allow_reserved=allow_reserved,
        )

    if value is None:  # no value: the path cannot be built
        with pytest.raises(RequestBuildError, match="has no value"):
            build()
        return
    path = "/v/" + serialize_path(SPECS[("id", "path")], value, allow_reserved=allow_reserved)
    if "." in path:
        path = "/".join({".": "%2E", "..": "%2E%2E"}.get(s, s) for s in path.split("/"))
    assert build().url == path


def test_non_plain_path_values_take_serialize_path() -> None:
    op = operation(path_template="/v/{tag}/{raw}", parameters=SPECS)
    request = RequestPlan(op, [("tag", "path"), ("raw", "path")], None).build(
        base_url="",
        parameters=[("tag", "path", ["a", "b"]), ("raw", "path", "x/%41")],
        body=None,
        has_body=False,
        credentials=None,
        path_allow_reserved=False,
    )
    assert request.url == "/v/.a.b/" + serialize_path(
        SPECS[("raw", "path")], "x/%41", allow_reserved=False
    )
    assert PATH_SLASH_KEPT == "/"


@FAST
@given(
    st.dictionaries(st.text(max_size=3), json_values, max_size=3)
    | st.lists(json_values, max_size=3),
    st.sampled_from([None, "", "application/json", "application/problem+json; charset=utf-8"]),
)
def test_a_json_body_is_what_encode_body_makes(body: Any, media: str | None) -> None:
    op = operation(path_template="/e", parameters={}, request_media_types=())
    request = RequestPlan(op, [], media).build(
        base_url="",
        parameters=[],
        body=body,
        has_body=True,
        credentials=None,
        path_allow_reserved=False,
    )
    encoded, content_type = encode_body(body, media, {}, ())
    assert request.body == encoded
    assert request.headers.get("Content-Type") == content_type


@pytest.mark.parametrize(
    ("body", "media"),
    [
        ("already text", "application/json"),
        (b"\x00bytes", "application/json"),
        ({"a": 1}, "application/x-www-form-urlencoded"),
        ({"root": {"a": "1"}}, "application/xml"),
        ({"a": 1}, "text/plain"),
        ({"a": 1}, "multipart/form-data"),
        (7, "application/json"),
    ],
)
def test_other_bodies_take_encode_body(body: Any, media: str) -> None:
    op = operation(path_template="/e", parameters={}, request_media_types=())
    request = RequestPlan(op, [], media).build(
        base_url="",
        parameters=[],
        body=body,
        has_body=True,
        credentials=None,
        path_allow_reserved=False,
    )
    encoded, content_type = encode_body(body, media, {}, ())
    if media.startswith("multipart/"):  # a fresh boundary each time: compare the type only
        assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
        return
    assert (request.body, request.headers.get("Content-Type")) == (encoded, content_type)


def test_a_file_inside_a_json_body_is_refused_either_way() -> None:
    op = operation(path_template="/e", parameters={}, request_media_types=())
    body = {"f": FileReference("x.bin", None, None, None)}
    with pytest.raises(RequestBuildError) as fast:
        RequestPlan(op, [], "application/json").build(
            base_url="",
            parameters=[],
            body=body,
            has_body=True,
            credentials=None,
            path_allow_reserved=False,
        )
    with pytest.raises(RequestBuildError) as general:
        encode_body(body, "application/json", {}, ())
    assert str(fast.value) == str(general.value)


def test_a_planned_request_is_what_the_constructor_makes() -> None:
    """The plan fills a request's fields itself; they must be the constructor's, all of them."""
    assert not hasattr(HttpRequest, "__post_init__")
    request = build_request(
        operation(path_template="/e", parameters={}),
        base_url="http://h",
        parameters=[],
        body={"a": 1},
        has_body=True,
        content_type=None,
        credentials=AppliedCredentials(headers={"X-Key": "k"}, cookies=[("s", "1")]),
        path_allow_reserved=False,
    )
    made = HttpRequest(
        **{f.name: getattr(request, f.name) for f in dataclasses.fields(HttpRequest)}
    )
    assert list(vars(request)) == list(vars(made))
    assert vars(request) == vars(made) and request == made
    assert request.credential_headers == frozenset({"X-Key", "Cookie"})


# -- copies of requests -------------------------------------------------------------

requests_ = st.builds(
    HttpRequest,
    method=st.sampled_from(["GET", "POST"]),
    url=st.text(max_size=8),
    headers=st.dictionaries(
        st.sampled_from(["Accept", "Authorization", "X-Key"]), st.text(max_size=4)
    ),
    body=st.none() | st.binary(max_size=4),
    body_value=json_values,
    path_values=st.dictionaries(st.text(max_size=2), json_values, max_size=2),
    query_values=st.dictionaries(st.text(max_size=2), json_values, max_size=2),
    credential_headers=st.frozensets(st.sampled_from(["X-Key", "Cookie"]), max_size=2),
    follow_redirects=st.booleans(),
    stream=st.booleans(),
    cookies=st.none() | st.builds(CookieStore),
)


@FAST
@given(requests_)
def test_without_cookies_is_replace(request: HttpRequest) -> None:
    fast = without_cookies(request)
    general = dataclasses.replace(request, cookies=None)
    assert type(fast) is type(general)
    assert list(vars(fast)) == list(vars(general)) and vars(fast) == vars(general)
    assert fast.cookies is None


@FAST
@given(requests_)
def test_a_result_request_holds_no_store_and_no_credential_header(request: HttpRequest) -> None:
    kept = masked_request(request, Redactor())
    assert kept.cookies is None
    credential = {"authorization", "cookie", "proxy-authorization", "set-cookie"}
    credential |= {name.lower() for name in request.credential_headers}
    for name, value in kept.headers.items():
        assert value == ("***" if name.lower() in credential else request.headers[name])


# -- the depth of bodies written around expressions -----------------------------------

LIMIT = 4


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for index in range(depth):
        value = [value] if index % 2 else {"k": value}
    return value


leaf_values = st.integers(0, LIMIT + 2).map(nested) | scalars
node_trees = st.recursive(
    st.one_of(
        st.builds(Constant, leaf_values),
        st.builds(lambda name: InputRef(name), st.sampled_from(["a", "b", "c"])),
        st.just(Template(parts=("x-", InputRef("a")))),
    ),
    lambda inner: (
        st.builds(ArrayValue, st.lists(inner, max_size=3).map(tuple))
        | st.builds(
            ObjectValue,
            st.lists(st.tuples(st.sampled_from(["p", "q", "r"]), inner), max_size=3).map(tuple),
        )
    ),
    max_leaves=10,
)


@FAST
@given(
    node_trees.filter(lambda node: isinstance(node, (ObjectValue, ArrayValue))),
    st.fixed_dictionaries({name: leaf_values for name in "abc"}),
)
def test_depth_check_is_too_deep(node: ObjectValue | ArrayValue, inputs: dict[str, Any]) -> None:
    value = evaluate(node, DictContext(input_values=inputs))
    assert DepthCheck(node, LIMIT).too_deep(value) == too_deep(value, LIMIT)


def test_a_key_written_twice_counts_once() -> None:
    node = ObjectValue(items=(("k", Constant(nested(LIMIT + 3))), ("k", InputRef("a"))))
    value = evaluate(node, DictContext(input_values={"a": 1}))
    assert value == {"k": 1}
    assert DepthCheck(node, LIMIT).too_deep(value) is too_deep(value, LIMIT) is False


# -- expression reads and comparisons --------------------------------------------------

pointers = st.none() | st.lists(st.sampled_from(["a", "0", "1", "-", "01", "b"]), max_size=3).map(
    tuple
)


class Members(dict[str, Any]):
    """A dict subclass: the one-token shortcut reads exact dicts only."""


@FAST
@given(json_values | json_values.map(lambda v: Members(a=v)), pointers)
def test_response_body_reads_what_with_pointer_reads(body: Any, pointer: Any) -> None:
    general = evaluate_module._with_pointer(lambda ctx: ctx.response_body(), pointer)
    context = DictContext(response_payload=body)
    assert evaluate(ResponseBody(pointer=pointer), context) == general(context)


@FAST
@given(
    st.none() | st.dictionaries(st.sampled_from(["a", "a.b", "n"]), json_values, max_size=3),
    st.sampled_from(["a", "a.b", "n", "a.b.c"]),
    pointers,
)
def test_step_outputs_read_what_the_general_lookup_reads(
    outputs: dict[str, Any] | None, name: str, pointer: Any
) -> None:
    lookup = evaluate_module._name_lookup(name)
    general = evaluate_module._with_pointer(lambda ctx: lookup(ctx.step_outputs("s")), pointer)
    context = DictContext(steps={} if outputs is None else {"s": outputs})
    assert evaluate(StepOutputRef(step_id="s", name=name, pointer=pointer), context) == general(
        context
    )


def general_equal(left: Any, right: Any) -> bool:
    """The rules for two ints or two strings, as the general branches apply them."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, str) and isinstance(right, str):
        return left == right or left.casefold() == right.casefold()
    return bool(left == right)


@FAST
@given(
    st.integers() | st.text(max_size=3) | st.booleans(),
    st.integers() | st.text(max_size=3) | st.booleans(),
)
def test_equal_ints_and_strings_follow_the_rules(left: Any, right: Any) -> None:
    if isinstance(left, str) != isinstance(right, str):
        return  # a number against a numeric string: the general branch, tested elsewhere
    assert loose_equal(left, right) is general_equal(left, right)


def test_equality_outside_the_shortcut_keeps_its_rules() -> None:
    assert loose_equal(True, 1) is False and loose_equal(1, True) is False
    assert loose_equal(1, 1.0) is True and loose_equal("ß", "SS") is True
    assert loose_equal("2", 2) is True and loose_equal(None, None) is True


# -- decoding JSON bodies ---------------------------------------------------------------

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-16"]


@FAST
@given(json_values, st.sampled_from(ENCODINGS))
def test_a_json_body_decodes_as_json_loads_would(value: Any, encoding: str) -> None:
    content = json.dumps(value).encode(encoding)
    try:
        expected: Any = json.loads(content)
    except ValueError:
        with pytest.raises(BodyDecodeError):
            decode_body(content, "application/json", None)
        return
    assert decode_body(content, "application/json", None) == expected


@pytest.mark.parametrize(
    "content",
    [b"{", b"[1,", b"[\xff]", b"{\x00", codecs.BOM_UTF8 + b"[1]", b'["\xed\xa0\x80"]'],
)
def test_broken_json_fails_the_same_way(content: bytes) -> None:
    try:
        json.loads(content)
    except ValueError as error:
        with pytest.raises(BodyDecodeError) as raised:
            decode_body(content, "application/json", None)
        assert str(error) in str(raised.value)
    else:
        assert decode_body(content, "application/json", None) == json.loads(content)


# -- a run: outputs, the mock's copies of requests, observers ---------------------------

OPENAPI = """\
openapi: 3.0.3
info: {title: items, version: '1'}
servers: [{url: 'http://127.0.0.1:1'}]
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {'200': {description: ok}}
"""

FLOW = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: items, url: items.openapi.yaml, type: openapi}]
workflows:
- workflowId: w
  steps:
  - stepId: one
    operationId: getItem
    parameters: [{name: id, in: path, value: 1}]
    outputs:
      status: $statusCode
      name: $response.body#/name
"""


SECURED = (
    OPENAPI
    + """\
components:
  securitySchemes: {key: {type: apiKey, in: header, name: X-Key}}
security: [{key: []}]
"""
)


def engine(tmp_path: Path, handler: Any, openapi: str = OPENAPI, **options: Any) -> Engine:
    (tmp_path / "items.openapi.yaml").write_text(openapi)
    (tmp_path / "flow.arazzo.yaml").write_text(FLOW)
    return Engine.load(tmp_path / "flow.arazzo.yaml", transport=MockTransport(handler), **options)


def test_an_output_that_cannot_be_computed_is_none_and_the_others_are_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, content=b"{not json", headers={"Content-Type": "application/json"})

    with caplog.at_level(logging.DEBUG, logger="arazzo_engine"):
        result = engine(tmp_path, broken).run("w")
    (step,) = result.steps
    assert step.outputs == {"status": 200, "name": None}
    assert not step.succeeded and "not valid JSON" in (step.error or "")
    assert sum("output evaluation failed" in r.getMessage() for r in caplog.records) == 1


def test_the_mock_keeps_the_request_as_built_when_no_cookie_applies(tmp_path: Path) -> None:
    seen: list[HttpRequest] = []

    def handler(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse(200, json={"name": "n"}, headers={"Set-Cookie": "sid=1; Path=/"})

    transport = MockTransport(handler)
    (tmp_path / "items.openapi.yaml").write_text(OPENAPI)
    (tmp_path / "flow.arazzo.yaml").write_text(FLOW.replace("  steps:\n", "  steps:\n" + twice()))
    result = Engine.load(tmp_path / "flow.arazzo.yaml", transport=transport).run("w")
    assert result.succeeded, result.error
    first, second, third = seen
    assert "Cookie" not in first.headers  # nothing stored yet
    assert second.headers["Cookie"] == third.headers["Cookie"] == "sid=1"  # stored, sent back
    assert transport.requests == seen
    assert all(step.request is not None and step.request.cookies is None for step in result.steps)
    assert all("Cookie" not in step.request.headers for step in result.steps if step.request)


def twice() -> str:
    return "".join(
        f"  - stepId: pre{i}\n    operationId: getItem\n"
        f"    parameters: [{{name: id, in: path, value: {i}}}]\n"
        for i in (2, 3)
    )


def test_a_listened_run_still_reports_every_value_and_exchange(tmp_path: Path) -> None:
    events: list[Any] = []
    runner = engine(tmp_path, lambda request: HttpResponse(200, json={"name": "n"}))
    result = runner.run("w", on_event=events.append)
    assert result.succeeded, result.error
    kinds = [type(event).__name__ for event in events]
    for kind in ("StepStarted", "ExpressionEvaluated", "RequestSent", "ResponseReceived"):
        assert kind in kinds
    assert (
        kinds.index("RequestSent") < kinds.index("ResponseReceived") < kinds.index("StepFinished")
    )


def test_a_secret_in_a_response_is_still_masked_in_the_result(tmp_path: Path) -> None:
    runner = engine(
        tmp_path,
        lambda request: HttpResponse(200, json={"name": request.headers["X-Key"]}),
        SECURED,
        credentials={"key": "s3cret-value"},
    )
    result = runner.run("w")
    (step,) = result.steps
    assert step.outputs == {"status": 200, "name": "***"}
    assert step.response is not None and b"s3cret-value" not in step.response.content
    assert step.request is not None and step.request.headers["X-Key"] == "***"
    assert "s3cret-value" not in repr(result)


# -- criteria judged in one function --------------------------------------------------

CRITERIA = [
    Criterion(condition="$statusCode == 200"),
    Criterion(condition="$response.body#/a > 1 && $statusCode != 404"),
    Criterion(condition="^x", context="$response.body#/a", type="regex"),
    Criterion(condition="$[?(@ > 1)]", context="$response.body", type="jsonpath"),
]


@FAST
@given(st.sampled_from(CRITERIA), st.none() | st.sampled_from([200, 404]), json_values)
def test_a_bound_criterion_judges_as_its_kind_does(
    criterion: Criterion, status: int | None, body: Any
) -> None:
    kind = kind_named(criterion.type)
    assert isinstance(kind, CriterionKind)
    form = kind.compile(criterion)
    context = DictContext(status_code=status, response_payload=body)
    bound = kind.bind(criterion)
    try:
        expected: Any = kind.judge(form, context)
    except Exception as error:  # the bound criterion keeps the reason instead
        expected = (False, f"evaluating the criterion failed: {error}")
    assert bound.judge(context) == expected


class Inverted(RegexKind):
    """A kind that judges its own way: binding must keep its judge."""

    name = "inverted"

    def judge(self, compiled: Any, context: Any) -> tuple[bool, str | None]:
        held, problem = super().judge(compiled, context)
        return not held, problem


class Always(SimpleKind):
    name = "always"

    def judge(self, compiled: Any, context: Any) -> tuple[bool, str | None]:
        return True, None


def test_a_kind_that_judges_its_own_way_keeps_its_judge() -> None:
    context = DictContext(status_code=500, response_payload={"a": "x"})
    regex = Criterion(condition="^x", context="$response.body#/a", type="regex")
    assert RegexKind().bind(regex).judge(context) == (True, None)
    assert Inverted().bind(regex).judge(context) == (False, None)
    simple = Criterion(condition="$statusCode == 200")
    assert SimpleKind().bind(simple).judge(context) == (False, None)
    assert Always().bind(simple).judge(context) == (True, None)
    missing = Criterion(condition="^x", context="$response.body#/b", type="regex")
    assert RegexKind().bind(missing).judge(context) == (
        False,
        "the context $response.body#/b has no value",
    )


@pytest.mark.parametrize(
    ("template", "url"),
    [("/echo", "/echo"), ("/v1.0/./x/../y", "/v1.0/%2E/x/%2E%2E/y"), ("/", "/")],
)
def test_a_path_without_variables_is_settled_once(template: str, url: str) -> None:
    plan = RequestPlan(operation(path_template=template, parameters={}), [], None)
    for _ in range(2):
        request = plan.build(
            base_url="",
            parameters=[],
            body=None,
            has_body=False,
            credentials=None,
            path_allow_reserved=False,
        )
        assert request.url == url


@pytest.mark.parametrize(
    ("media", "refusal"),
    [
        ("application/json\n", "line break"),
        ("application/problem+json\r", "line break"),
        ("application/json\r\nX-Evil: 1", "cannot encode a dict body"),
    ],
)
def test_a_content_type_with_a_line_break_is_refused_with_a_json_body(
    media: str, refusal: str
) -> None:
    """The JSON shortcut is not taken: encode_body and the header check refuse as ever."""
    plan = RequestPlan(operation(path_template="/e", parameters={}), [], media)
    with pytest.raises(RequestBuildError, match=refusal):
        plan.build(
            base_url="",
            parameters=[],
            body={"a": 1},
            has_body=True,
            credentials=None,
            path_allow_reserved=False,
        )


def test_a_json_body_beside_header_parameters_has_every_header_checked() -> None:
    op = operation(path_template="/e", parameters=SPECS)
    plan = RequestPlan(op, [("X-H", "header")], "application/json")
    with pytest.raises(RequestBuildError, match="line break"):
        plan.build(
            base_url="",
            parameters=[("X-H", "header", "a\r\nb")],
            body={"a": 1},
            has_body=True,
            credentials=None,
            path_allow_reserved=False,
        )
    request = plan.build(
        base_url="",
        parameters=[("X-H", "header", "ok")],
        body={"a": 1},
        has_body=True,
        credentials=None,
        path_allow_reserved=False,
    )
    assert request.headers == {"X-H": "ok", "Content-Type": "application/json"}
