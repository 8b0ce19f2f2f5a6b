"""Arazzo 1.1 Selector Objects against a real local server: outputs (JSON, XML and text
contexts), parameter values, payloads, Reusable values, typed replacement targets, and
what fails where."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from arazzo_engine import Engine
from arazzo_engine.errors import ArazzoValidationError
from arazzo_engine.events import Event, ExpressionEvaluated
from tests.http_server import RecordingServer, Reply

BEHAVIOUR = Path(__file__).parent / "workflows" / "behaviour"
SELECTORS = BEHAVIOUR / "selectors.arazzo.yaml"
PETS = {"pets": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}], "owner": {"name": "Ann"}}
PETS_XML = '<pets><pet id="1">a</pet><pet id="2">b</pet></pets>'


@pytest.fixture(autouse=True)
def routes(http_server: RecordingServer) -> None:
    http_server.route("GET", "/hit/pets", Reply(200, PETS))
    http_server.route("GET", "/hit/xml", Reply(200, PETS_XML, content_type="application/xml"))
    http_server.route(
        "GET", "/hit/text", Reply(200, '{"a": {"b": [10, 20]}}', content_type="text/plain")
    )
    http_server.answer_ok("GET /items/2", "GET /items/7", "POST /json", "POST /xml")


@pytest.fixture(scope="module")
def engine(module_server: RecordingServer) -> Engine:
    return Engine.load(SELECTORS, servers={"api": module_server.url})


# -- outputs ------------------------------------------------------------------------------


def test_jsonpath_and_pointer_outputs_on_a_json_body(engine: Engine) -> None:
    result = engine.run("outputsJson")
    assert result.succeeded, result.error
    assert result.steps[0].outputs == {
        "first": "a",  # a singular query: the value
        "names": ["a", "b"],  # any other query: the list of values
        "absent": None,  # a singular query that selects nothing
        "none": [],  # a filter that selects nothing
        "owner": "Ann",
        "goessner": 2,
        "notXml": None,  # xpath on a structure: an output error gives null
    }
    # A workflow output selects from a step's output; outputs of both kinds coexist.
    assert result.outputs == {"plain": "Ann", "second": "b"}


def test_selector_values_are_reported_with_their_source(engine: Engine) -> None:
    events: list[Event] = []
    result = engine.run("outputsJson", on_event=events.append)
    assert result.succeeded, result.error
    shown = {e.field: (e.expression, e.value) for e in events if isinstance(e, ExpressionEvaluated)}
    assert shown["output first"] == (
        '{"context": "$response.body", "selector": "$.pets[0].name",'
        ' "type": {"type": "jsonpath", "version": "rfc9535"}}',
        "a",
    )
    assert shown["workflow output second"][1] == "b"


def test_xpath_outputs_on_an_xml_body(engine: Engine) -> None:
    result = engine.run("outputsXml")
    assert result.succeeded, result.error
    assert result.steps[0].outputs == {
        "first": "a",  # one node: its string value
        "all": ["a", "b"],  # several nodes: their string values
        "count": 2,  # an atomic value as is
        "secondId": "2",  # XPath 1.0, an attribute node
        "nothing": None,
    }


def test_a_string_context_is_parsed_first(engine: Engine) -> None:
    doc = '<order id="o-9"><line/></order>'
    result = engine.run("stringContext", {"doc": doc})
    assert result.succeeded, result.error
    # text/plain body holding JSON: parsed for jsonpath and jsonpointer; an input as XML.
    assert result.steps[0].outputs == {"second": 20, "first": 10, "fromInput": "o-9"}


# -- parameter values ---------------------------------------------------------------------


def test_parameter_values_from_selectors_are_sent(
    engine: Engine, http_server: RecordingServer
) -> None:
    langs = '<langs><lang>fr</lang><lang default="yes">en</lang></langs>'
    result = engine.run("parameters", {"meta": {"trace": {"id": "t-42"}}, "langs": langs})
    assert result.succeeded, result.error
    sent = http_server.requests[1]
    assert sent.path == "/items/2"
    assert sent.header("X-Trace") == "t-42"
    # A singular JSONPath selecting nothing is null: the parameter is not sent.
    assert sent.query == [("lang", "en")]


def test_a_reusable_value_may_be_a_selector(engine: Engine, http_server: RecordingServer) -> None:
    result = engine.run("reusableParameter", {"item": {"id": 7}})
    assert result.succeeded, result.error
    assert http_server.requests[0].path == "/items/7"


def test_a_parameter_selector_that_cannot_select_fails_the_step_before_sending(
    engine: Engine, http_server: RecordingServer
) -> None:
    result = engine.run("badParameter")
    assert not result.succeeded
    assert result.error is not None
    assert result.error.startswith("step 'get' of workflow 'badParameter': parameter 'id': ")
    assert "the JSONPath selector '$.id' cannot select: the context is text that is not JSON" in (
        result.error
    )
    assert [r.path for r in http_server.requests] == ["/hit/xml"]


# -- payloads -----------------------------------------------------------------------------


def test_selectors_nested_in_a_payload(engine: Engine, http_server: RecordingServer) -> None:
    result = engine.run("payload", {"pets": PETS})
    assert result.succeeded, result.error
    assert http_server.requests[0].json() == {
        "order": {
            "petId": 1,
            "names": ["a", "b"],
            "lines": [{"owner": "Ann", "fixed": 1}],
        },
        # Not exactly context/selector/type: a literal mapping, sent as written.
        "literal": {"context": "plain", "note": "not a selector"},
    }


def test_a_payload_selector_that_cannot_select_fails_the_step_before_sending(
    engine: Engine, http_server: RecordingServer
) -> None:
    result = engine.run("badPayload", {"pets": PETS})
    assert not result.succeeded
    assert result.error is not None
    assert "the request body payload at /order/petId: the XPath selector '/pets/pet'" in (
        result.error
    )
    assert "reads XML text, and the context is dict" in result.error
    assert http_server.requests == []


# -- replacements -------------------------------------------------------------------------


def test_jsonpath_targets_replace_every_match(engine: Engine, http_server: RecordingServer) -> None:
    result = engine.run("replaceJsonPath", {"price": 0, "pets": PETS})
    assert result.succeeded, result.error
    assert http_server.requests[0].json() == {
        "items": [{"sku": "a", "price": 0}, {"sku": "B", "price": 0}],
        "total": 0,
        "owner": "Ann",  # a replacement value from a Selector Object
    }


def test_a_jsonpath_target_selecting_nothing_fails_the_step(
    engine: Engine, http_server: RecordingServer
) -> None:
    result = engine.run("replaceNoMatch")
    assert not result.succeeded
    assert result.error is not None
    assert "'$.items[?@.price > 100].price' (JSONPath) selects nothing" in result.error
    assert http_server.requests == []


def test_xpath_targets_on_an_xml_payload(engine: Engine, http_server: RecordingServer) -> None:
    result = engine.run("replaceXPath", {"qty": 5})
    assert result.succeeded, result.error
    assert http_server.requests[0].body == (
        b'<order><line sku="a"><qty>5</qty></line><line sku="B"><qty>5</qty></line></order>'
    )


@pytest.mark.parametrize(
    ("workflow", "message"),
    [
        ("xpathTargetOnJson", "'/a' is an XPath target (targetSelectorType xpath)"),
        ("jsonPathTargetOnXml", "'$.a' is a jsonpath target, and the payload is XML text"),
    ],
)
def test_a_target_type_that_does_not_fit_the_payload_fails_the_step(
    engine: Engine, http_server: RecordingServer, workflow: str, message: str
) -> None:
    result = engine.run(workflow)
    assert not result.succeeded
    assert result.error is not None and message in result.error
    assert http_server.requests == []


# -- load-time checks ---------------------------------------------------------------------

HEAD = """\
arazzo: 1.1.0
info: {title: t, version: '1'}
sourceDescriptions:
- {name: api, url: API, type: openapi}
workflows:
- workflowId: w
  steps:
  - stepId: s
    operationId: postJson
    successCriteria: [{condition: $statusCode == 200}]
"""


def load(tmp_path: Path, step: str, *, strict: bool = True) -> Engine:
    path = tmp_path / "doc.arazzo.yaml"
    api = (BEHAVIOUR / "api.openapi.yaml").as_posix()
    text = HEAD.replace("API", api) + textwrap.indent(textwrap.dedent(step), "    ")
    path.write_text(text, encoding="utf-8")
    return Engine.load(path, strict=strict)


@pytest.mark.parametrize(
    ("step", "rule", "pointer", "message"),
    [
        (
            "parameters:\n- {name: id, in: query,"
            " value: {context: $inputs.a, selector: '$.[', type: jsonpath}}\n",
            "selector",
            "/workflows/0/steps/0/parameters/0/value/selector",
            "parameter 'id': the JSONPath selector '$.[' is not valid",
        ),
        (
            "parameters:\n- {name: id, in: query,"
            " value: {context: inputs, selector: /a, type: jsonpointer}}\n",
            "selector",
            "/workflows/0/steps/0/parameters/0/value/context",
            "must be a runtime expression (such as $response.body), got 'inputs'",
        ),
        (
            "outputs:\n  x: {context: $response.body, selector: 'a/b', type: jsonpointer}\n",
            "selector",
            "/workflows/0/steps/0/outputs/x/selector",
            "'a/b' is not a JSON pointer",
        ),
        (
            "outputs:\n  x: {context: $response.body, selector: '/a[', type: xpath}\n",
            "selector",
            "/workflows/0/steps/0/outputs/x/selector",
            "output 'x': the XPath selector '/a[' is not valid",
        ),
        (
            "requestBody:\n  payload: {a: 1}\n  replacements:\n"
            "  - {target: '$.a[', targetSelectorType: jsonpath, value: b}\n",
            "selector",
            "/workflows/0/steps/0/requestBody/replacements/0/target",
            "the JSONPath selector '$.a[' is not valid",
        ),
        (
            "requestBody:\n  payload: {a: 1}\n  replacements:\n"
            "  - {target: a, targetSelectorType: jsonpointer, value: b}\n",
            "selector",
            "/workflows/0/steps/0/requestBody/replacements/0/target",
            "'a' is not a JSON pointer",
        ),
    ],
)
def test_a_selector_that_does_not_compile_is_a_located_load_error(
    tmp_path: Path, step: str, rule: str, pointer: str, message: str
) -> None:
    with pytest.raises(ArazzoValidationError) as raised:
        load(tmp_path, step)
    found = [(d.rule, d.pointer) for d in raised.value.errors if d.severity == "error"]
    assert found == [(rule, pointer)]
    assert message in raised.value.errors[0].message


@pytest.mark.parametrize(
    ("step", "pointer", "what"),
    [
        (
            "parameters:\n- {name: id, in: query, value: {id: 1}}\n",
            "/workflows/0/steps/0/parameters/0/value",
            "an object as the value of a Parameter",
        ),
        (
            "requestBody:\n  payload: {a: 1}\n  replacements:\n  - {target: /a, value: 10}\n",
            "/workflows/0/steps/0/requestBody/replacements/0/value",
            "10 as the value of a Payload Replacement",
        ),
    ],
)
def test_literal_values_the_1_1_schema_rejects_are_used_with_a_warning(
    tmp_path: Path, step: str, pointer: str, what: str
) -> None:
    engine = load(tmp_path, step)
    warnings = [d for d in engine.findings if d.rule == "value-type"]
    assert [(d.severity, d.pointer) for d in warnings] == [("warning", pointer)]
    assert f"the Arazzo 1.1 schema does not allow {what}" in warnings[0].message
    assert warnings[0].line > 0


def test_a_selector_without_a_version_takes_the_default_with_a_warning(
    tmp_path: Path,
) -> None:
    step = "outputs:\n  x: {context: $response.body, selector: $.a, type: {type: jsonpath}}\n"
    engine = load(tmp_path, step)
    (warning,) = [d for d in engine.findings if d.severity == "warning"]
    assert warning.rule == "required" and "the jsonpath default 'rfc9535' applies" in (
        warning.message
    )
    assert warning.pointer == "/workflows/0/steps/0/outputs/x/type"
