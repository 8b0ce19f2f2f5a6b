"""The typed model and its builder: every object kind, and one test per diagnostic rule."""

from __future__ import annotations

import textwrap
from pathlib import Path
from types import MappingProxyType

import pytest

from arazzo_engine.errors import Diagnostic, Location
from arazzo_engine.load.model_builder import build_model
from arazzo_engine.load.reader import RawDocument, read_document
from arazzo_engine.model import (
    ArazzoDocument,
    Components,
    Criterion,
    CriterionExpressionType,
    FailureAction,
    Info,
    Parameter,
    PayloadReplacement,
    RequestBody,
    ReusableObject,
    Step,
    SuccessAction,
)

DOCUMENTS = Path(__file__).parent / "documents"

HEAD = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: api.yaml}]
workflows:
  - workflowId: w
    steps:
"""
"""Six lines: a step written after HEAD starts on line 7, at /workflows/0/steps/0."""


def build(tmp_path: Path, text: str) -> tuple[ArazzoDocument | None, list[Diagnostic]]:
    path = tmp_path / "doc.arazzo.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return build_model(read_document(path))


def steps(tmp_path: Path, text: str) -> tuple[ArazzoDocument | None, list[Diagnostic]]:
    """Build HEAD followed by steps written at the indentation of a step list item."""
    return build(tmp_path, HEAD + textwrap.indent(textwrap.dedent(text), "      "))


def only(diagnostics: list[Diagnostic]) -> Diagnostic:
    assert len(diagnostics) == 1, [str(d) for d in diagnostics]
    return diagnostics[0]


def where(diagnostic: Diagnostic) -> tuple[str, str, int]:
    return diagnostic.rule, diagnostic.pointer, diagnostic.line


def action_step(tmp_path: Path, action: str) -> tuple[Diagnostic, Step]:
    """A step whose one action (written on line 9) draws one diagnostic; that and the step."""
    document, diagnostics = steps(tmp_path, f"- stepId: s\n  operationId: op\n  {action}\n")
    assert document is not None
    return only(diagnostics), document.workflows[0].steps[0]


@pytest.fixture(scope="module")
def full() -> ArazzoDocument:
    document, diagnostics = build_model(read_document(DOCUMENTS / "full.arazzo.yaml"))
    assert diagnostics == []
    assert document is not None
    return document


# -- the full document ----------------------------------------------------------------


def test_root_info_and_sources(full: ArazzoDocument) -> None:
    assert full.arazzo == "1.0.1"
    assert full.file == str(DOCUMENTS / "full.arazzo.yaml")
    assert full.path == (DOCUMENTS / "full.arazzo.yaml").resolve()
    assert full.extensions == {"x-root": "r"}
    assert (full.pointer, full.line, full.column) == ("", 1, 1)
    assert full.info == Info(
        title="Garden shop",
        summary="Every Arazzo object in one file",
        description="Used by tests/test_model.py.",
        version="2.3.0",
        pointer="/info",
        line=2,
        column=1,
        extensions={"x-owner": "team-garden"},
    )
    shop, helpers = full.source_descriptions
    assert (shop.name, shop.url, shop.type, shop.extensions) == (
        "shop",
        "./shop.openapi.yaml",
        "openapi",
        {},
    )
    assert (helpers.type, helpers.extensions, helpers.pointer, helpers.line) == (
        "arazzo",
        {"x-note": "second source"},
        "/sourceDescriptions/1",
        12,
    )
    assert full.source("helpers") is helpers
    assert full.source("nope") is None


def test_workflow_fields(full: ArazzoDocument) -> None:
    buy, login = full.workflows
    assert full.workflow("login") is login and full.workflow("nope") is None
    assert buy.workflow_id == "buy-seeds"
    assert (buy.summary, buy.description) == (
        "Buy a packet of seeds",
        "Finds seeds, orders them, pays.",
    )
    assert buy.inputs == {"type": "object", "properties": {"kind": {"type": "string"}}}
    assert buy.depends_on == ("login",)
    assert buy.outputs == {"seed": "$steps.find.outputs.seedId"}
    assert buy.extensions == {"x-flow": "main"}
    assert (buy.pointer, buy.line, buy.column) == ("/workflows/0", 17, 5)
    header, page = buy.parameters
    assert header == Parameter(
        name="X-Trace",
        location="header",
        value="$inputs.trace",
        pointer="/workflows/0/parameters/0",
        line=26,
        column=9,
    )
    assert page == ReusableObject(
        reference="$components.parameters.page",
        value=2,
        has_value=True,
        pointer="/workflows/0/parameters/1",
        line=29,
        column=9,
    )
    assert page.extensions == {}  # x- fields on a Reusable Object are ignored
    (done,) = buy.success_actions
    assert isinstance(done, ReusableObject) and not done.has_value and done.value is None
    assert buy.failure_actions == (
        FailureAction(
            name="give-up", type="end", pointer="/workflows/0/failureActions/0", line=35, column=9
        ),
    )
    assert [s.step_id for s in buy.steps] == ["find", "order", "confirm"]
    assert buy.step("order") is buy.steps[1] and buy.step("nope") is None
    assert buy.step_index("confirm") == 2 and buy.step_index("nope") is None
    assert login.inputs is None and login.depends_on == () and login.parameters == ()
    assert login.outputs == {} and login.extensions == {}


def test_step_with_criteria_and_actions(full: ArazzoDocument) -> None:
    find = full.workflows[0].steps[0]
    assert find.target_kind == "operationId"
    assert find.operation_id == "$sourceDescriptions.shop.findSeeds"
    assert find.operation_path is None and find.workflow_id is None
    assert find.description == "Look the seeds up."
    assert find.extensions == {"x-step-note": "first"}
    assert find.outputs == {
        "seedId": "$response.body#/items/0/id",
        "price.total": "$response.body#/items/0/price",
    }
    assert find.request_body is None
    simple, jsonpath, goessner, regex = find.success_criteria
    assert simple == Criterion(
        condition="$statusCode == 200",
        pointer="/workflows/0/steps/0/successCriteria/0",
        line=46,
        column=13,
    )
    assert (simple.type, simple.context, simple.version, simple.expression_type) == (
        "simple",
        None,
        None,
        None,
    )
    assert (jsonpath.type, jsonpath.context, jsonpath.version) == (
        "jsonpath",
        "$response.body",
        None,
    )
    assert goessner.type == "jsonpath"
    assert goessner.version == "draft-goessner-dispatch-jsonpath-00"
    assert goessner.expression_type == CriterionExpressionType(
        type="jsonpath",
        version="draft-goessner-dispatch-jsonpath-00",
        pointer="/workflows/0/steps/0/successCriteria/2/type",
        line=52,
        column=13,
        extensions={"x-dialect": "old"},
    )
    assert (regex.type, regex.condition, regex.extensions) == (
        "regex",
        "^application/json",
        {"x-why": "json only"},
    )
    (skip,) = find.on_success
    assert skip == SuccessAction(
        name="skip-payment",
        type="goto",
        step_id="confirm",
        criteria=(
            Criterion(
                condition="$response.body#/free == true",
                pointer="/workflows/0/steps/0/onSuccess/0/criteria/0",
                line=65,
                column=17,
            ),
        ),
        pointer="/workflows/0/steps/0/onSuccess/0",
        line=61,
        column=13,
    )
    again, refresh = find.on_failure
    assert isinstance(again, FailureAction)
    assert (again.type, again.retry_after, again.retry_limit, again.step_id, again.workflow_id) == (
        "retry",
        1.5,
        3,
        None,
        None,
    )
    assert [c.condition for c in again.criteria] == ["$statusCode == 503"]
    assert refresh == ReusableObject(
        reference="$components.failureActions.refresh",
        pointer="/workflows/0/steps/0/onFailure/1",
        line=73,
        column=13,
    )


def test_request_body_and_other_targets(full: ArazzoDocument) -> None:
    _, order, confirm = full.workflows[0].steps
    assert order.target_kind == "operationPath"
    assert order.operation_path == "{$sourceDescriptions.shop.url}#/paths/~1orders/post"
    body = order.request_body
    assert body == RequestBody(
        content_type="application/json",
        payload={"seed": "$steps.find.outputs.seedId", "quantity": 1},
        has_payload=True,
        replacements=(
            PayloadReplacement(
                target="/quantity",
                value=10,
                pointer="/workflows/0/steps/1/requestBody/replacements/0",
                line=86,
                column=15,
            ),
            PayloadReplacement(
                target="/seed",
                value="$inputs.kind",
                pointer="/workflows/0/steps/1/requestBody/replacements/1",
                line=88,
                column=15,
                extensions={"x-r": 1},
            ),
        ),
        pointer="/workflows/0/steps/1/requestBody",
        line=80,
        column=9,
        extensions={"x-body": True},  # YAML 1.1: yes is true
    )
    assert confirm.target_kind == "workflowId"
    assert confirm.workflow_id == "$sourceDescriptions.helpers.confirm"
    (order_id,) = confirm.parameters
    assert isinstance(order_id, Parameter) and order_id.location is None


def test_components(full: ArazzoDocument) -> None:
    components = full.components
    assert components.pointer == "/components" and components.line == 104
    assert components.extensions == {"x-components": "c"}
    assert components.inputs == {"credentials": {"type": "object"}}
    assert components.parameters == {
        "page": Parameter(
            name="page",
            location="query",
            value=1,
            pointer="/components/parameters/page",
            line=109,
            column=5,
        )
    }
    assert components.success_actions["done"].type == "end"
    refresh = components.failure_actions["refresh"]
    assert (refresh.type, refresh.workflow_id, refresh.retry_limit) == ("retry", "login", None)
    assert components.failure_actions["jump"].step_id == "find"


def test_components_are_looked_up_by_kind_and_reference() -> None:
    limit = Parameter(name="limit", location="query", value=10)
    done = SuccessAction(name="done", type="end")
    components = Components(
        inputs={"page": {"type": "integer"}},
        parameters={"limit": limit},
        success_actions={"done": done},
    )
    assert components.table("parameters") == {"limit": limit}
    assert components.table("inputs")["page"] == {"type": "integer"}
    assert components.table("failureActions") == {}
    assert components.table("schemas") == {}
    assert Components.name_in("$components.parameters.a.b", "parameters") == "a.b"
    assert Components.name_in("$components.inputs.a", "parameters") is None
    assert components.referenced("$components.parameters.limit", "parameters") is limit
    assert components.referenced("$components.successActions.done", "successActions") is done
    assert components.referenced("$components.parameters.gone", "parameters") is None
    assert components.referenced("#/components/parameters/limit", "parameters") is None


def test_collections_are_read_only(full: ArazzoDocument) -> None:
    workflow = full.workflows[0]
    assert isinstance(full.workflows, tuple) and isinstance(workflow.steps, tuple)
    for table in (
        workflow.outputs,
        workflow.extensions,
        full.components.parameters,
        full.components.inputs,
    ):
        assert isinstance(table, MappingProxyType)
    with pytest.raises(TypeError):
        workflow.outputs["new"] = "x"  # type: ignore[index]
    with pytest.raises(AttributeError):
        workflow.workflow_id = "other"  # type: ignore[misc]
    assert hash(full) == hash(full)  # mappings and raw values are left out of the hash


def test_location_helper(full: ArazzoDocument) -> None:
    step = full.workflows[0].steps[2]
    assert full.location(step) == Location(full.file, "/workflows/0/steps/2", 92, 9)


def test_json_document_builds(tmp_path: Path) -> None:
    document, diagnostics = build_model(read_document(DOCUMENTS / "minimal.arazzo.json"))
    assert diagnostics == []
    assert document is not None
    (step,) = document.workflows[0].steps
    assert (step.pointer, step.line, step.column, step.outputs) == (
        "/workflows/0/steps/0",
        9,
        9,
        {"code": "$statusCode"},
    )
    assert document.components == Components(pointer="/components")
    assert document.source_descriptions[0].type is None


def test_model_objects_can_be_built_directly() -> None:
    step = Step(step_id="s", workflow_id="w")
    assert step.target_kind == "workflowId" and step.extensions == {} and step.outputs == {}
    assert step.pointer == "" and step.line == 0


# -- what the spec allows and the official schema rejects -------------------------------


def test_spec_allowances_are_accepted(tmp_path: Path) -> None:
    document, diagnostics = steps(
        tmp_path,
        """\
        - stepId: s
          operationId: op
          parameters:
            - {name: n, in: query, value: 42}
            - {reference: $components.parameters.p, value: {any: [json]}, x-a: 1, other: 2}
          requestBody:
            payload: {a: 1}
            replacements: [{target: /a, value: 10}, {target: /b, value: [true]}]
          successCriteria:
            - context: $response.body
              condition: $.a
              type: {type: xpath, version: xpath-20}
          onFailure:
            - {name: bare-retry, type: retry}
        """,
    )
    assert diagnostics == []
    assert document is not None
    step = document.workflows[0].steps[0]
    assert [getattr(p, "value", None) for p in step.parameters] == [42, {"any": ["json"]}]
    assert step.request_body is not None
    assert [r.value for r in step.request_body.replacements] == [10, [True]]
    assert (step.success_criteria[0].type, step.success_criteria[0].version) == (
        "xpath",
        "xpath-20",
    )
    retry = step.on_failure[0]
    assert isinstance(retry, FailureAction)
    assert (retry.retry_after, retry.retry_limit, retry.step_id) == (None, None, None)


# -- one test per rule ------------------------------------------------------------------


def test_rule_required(tmp_path: Path) -> None:
    document, diagnostics = steps(tmp_path, "- operationId: op\n")
    assert where(only(diagnostics)) == ("required", "/workflows/0/steps/0", 7)
    assert only(diagnostics).message == "a Step needs 'stepId'"
    assert document is not None and document.workflows[0].steps == ()


def test_rule_required_on_root(tmp_path: Path) -> None:
    document, diagnostics = build(tmp_path, "arazzo: 1.0.1\nx-only: 1\n")
    assert [(d.rule, d.message) for d in diagnostics] == [
        ("required", "an Arazzo document needs 'info'"),
        ("required", "an Arazzo document needs 'sourceDescriptions'"),
        ("required", "an Arazzo document needs 'workflows'"),
    ]
    assert document is not None and document.info.title == "" and document.workflows == ()


def test_rule_type(tmp_path: Path) -> None:
    _, diagnostics = steps(
        tmp_path,
        """\
        - stepId: s
          operationId: op
          onFailure:
            - name: r
              type: retry
              retryLimit: three
        """,
    )
    diagnostic = only(diagnostics)
    assert where(diagnostic) == ("type", "/workflows/0/steps/0/onFailure/0/retryLimit", 12)
    assert diagnostic.message == "'retryLimit' must be a non-negative integer, got 'three'"
    assert diagnostic.severity == "error"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("description", "[a]", "'description' must be a string, got a list"),
        (
            "outputs",
            "[a]",
            "'outputs' must be a mapping (names to runtime expressions), got a list",
        ),
        (
            "successCriteria",
            "{a: 1}",
            "'successCriteria' must be a list of Criteria, got a mapping",
        ),
        (
            "successCriteria",
            "[x]",
            "each item of 'successCriteria' must be a mapping (Criteria), got 'x'",
        ),
    ],
)
def test_rule_type_variants(tmp_path: Path, field: str, value: str, message: str) -> None:
    _, diagnostics = steps(tmp_path, f"- stepId: s\n  operationId: op\n  {field}: {value}\n")
    assert only(diagnostics).rule == "type"
    assert only(diagnostics).message == message
    assert only(diagnostics).line == 9


def test_rule_enum(tmp_path: Path) -> None:
    _, diagnostics = steps(
        tmp_path,
        """\
        - stepId: s
          operationId: op
          parameters: [{name: p, in: body, value: 1}]
          successCriteria: [{context: $response.body, condition: x, type: JSONPath}]
          onSuccess: [{name: a, type: retry}]
        """,
    )
    assert [where(d) for d in diagnostics] == [
        ("enum", "/workflows/0/steps/0/parameters/0/in", 9),
        ("enum", "/workflows/0/steps/0/successCriteria/0/type", 10),
        ("enum", "/workflows/0/steps/0/onSuccess/0/type", 11),
    ]
    assert "'body' was removed in Arazzo 1.0.1" in diagnostics[0].message
    assert "must be one of end, goto, got 'retry'" in diagnostics[2].message


def test_rule_enum_unknown_expression_version_is_a_warning(tmp_path: Path) -> None:
    _, diagnostics = steps(
        tmp_path,
        """\
        - stepId: s
          operationId: op
          successCriteria:
            - context: $response.body
              condition: x
              type: {type: xpath, version: xpath-40}
        """,
    )
    diagnostic = only(diagnostics)
    assert (diagnostic.rule, diagnostic.severity, diagnostic.line) == ("enum", "warning", 12)


@pytest.mark.parametrize(
    ("value", "got"), [("'1.2.0'", "'1.2.0'"), ("1.0", "1.0"), ("'1.0'", "'1.0'")]
)
def test_rule_arazzo_version(tmp_path: Path, value: str, got: str) -> None:
    _, diagnostics = build(
        tmp_path, HEAD.replace("1.0.1", value, 1) + "      - {stepId: s, operationId: o}\n"
    )
    diagnostic = only(diagnostics)
    assert where(diagnostic) == ("arazzo-version", "/arazzo", 1)
    assert diagnostic.message.endswith(f"got {got}")


@pytest.mark.parametrize("value", ["1.0.0", "1.0.1", "1.0.27", "1.0.1-rc1"])
def test_accepted_arazzo_versions(tmp_path: Path, value: str) -> None:
    _, diagnostics = build(
        tmp_path, HEAD.replace("1.0.1", value, 1) + "      - {stepId: s, operationId: o}\n"
    )
    assert diagnostics == []


def test_rule_not_arazzo(tmp_path: Path) -> None:
    document, diagnostics = build(tmp_path, "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n")
    assert document is None
    assert where(only(diagnostics)) == ("not-arazzo", "", 1)
    assert "an OpenAPI description" in only(diagnostics).message


def test_unusable_root_gives_no_document() -> None:
    raw = RawDocument(file="x.yaml", path=Path("x.yaml"), data=[1], positions={})
    document, diagnostics = build_model(raw)
    assert document is None and only(diagnostics).rule == "type"


def test_rule_unknown_field(tmp_path: Path) -> None:
    _, diagnostics = steps(
        tmp_path, "- stepId: s\n  operationId: op\n  x-fine: 1\n  opertionId: typo\n"
    )
    diagnostic = only(diagnostics)
    assert where(diagnostic) == ("unknown-field", "/workflows/0/steps/0/opertionId", 10)
    assert diagnostic.message.startswith(
        "unknown field 'opertionId' in a Step; allowed fields: stepId,"
    )
    assert diagnostic.message.endswith("and x- extensions")


def test_rule_min_items(tmp_path: Path) -> None:
    _, diagnostics = build(tmp_path, HEAD.replace("    steps:\n", "    steps: []\n"))
    assert where(only(diagnostics)) == ("min-items", "/workflows/0/steps", 6)


def test_rule_key_pattern(tmp_path: Path) -> None:
    text = (
        HEAD
        + "      - {stepId: s, operationId: o}\n"
        + "components:\n  parameters:\n    'has space': {name: p, value: 1}\n"
    )
    document, diagnostics = build(tmp_path, text)
    assert where(only(diagnostics)) == ("key-pattern", "/components/parameters/has space", 10)
    assert document is not None and "has space" in document.components.parameters


@pytest.mark.parametrize(
    ("targets", "found"),
    [
        ("", "found none"),
        ("  operationId: a\n  workflowId: b\n", "found 'operationId', 'workflowId'"),
    ],
)
def test_rule_step_target(tmp_path: Path, targets: str, found: str) -> None:
    document, diagnostics = steps(tmp_path, "- stepId: s\n" + targets)
    diagnostic = only(diagnostics)
    assert where(diagnostic) == ("step-target", "/workflows/0/steps/0", 7)
    assert diagnostic.message.endswith(found)
    assert document is not None and document.workflows[0].steps == ()


def test_rule_criterion_context(tmp_path: Path) -> None:
    _, diagnostics = steps(
        tmp_path,
        """\
        - stepId: s
          operationId: op
          successCriteria:
            - condition: $statusCode == 200
              type: simple
        """,
    )
    assert where(only(diagnostics)) == (
        "criterion-context",
        "/workflows/0/steps/0/successCriteria/0",
        10,
    )


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        ("onSuccess: [{name: a, type: goto}]", "onSuccess"),
        ("onFailure: [{name: a, type: goto, stepId: s, workflowId: w}]", "onFailure"),
        ("onFailure: [{name: a, type: retry, stepId: s, workflowId: w}]", "onFailure"),
    ],
)
def test_rule_goto_target(tmp_path: Path, action: str, kind: str) -> None:
    diagnostic, step = action_step(tmp_path, action)
    assert where(diagnostic) == ("goto-target", f"/workflows/0/steps/0/{kind}/0", 9)
    assert step.on_success == () and step.on_failure == ()  # an action without target is left out


def test_retry_fields_on_a_success_action_are_unknown_fields(tmp_path: Path) -> None:
    diagnostic, _ = action_step(tmp_path, "onSuccess: [{name: a, type: end, retryAfter: 2}]")
    assert where(diagnostic) == ("unknown-field", "/workflows/0/steps/0/onSuccess/0/retryAfter", 9)
    assert diagnostic.severity == "error"


@pytest.mark.parametrize(
    ("action", "field"),
    [
        ("onFailure: [{name: a, type: end, retryLimit: 2}]", "onFailure/0/retryLimit"),
        ("onFailure: [{name: a, type: goto, stepId: s, retryAfter: 2}]", "onFailure/0/retryAfter"),
        ("onFailure: [{name: a, type: end, workflowId: w}]", "onFailure/0/workflowId"),
        ("onSuccess: [{name: a, type: end, stepId: s}]", "onSuccess/0/stepId"),
    ],
)
def test_rule_action_fields(tmp_path: Path, action: str, field: str) -> None:
    """Fields the official schema allows on any action but only goto/retry read: a
    warning, the field ignored (not an error that stops the document)."""
    diagnostic, step = action_step(tmp_path, action)
    assert where(diagnostic) == ("action-fields", f"/workflows/0/steps/0/{field}", 9)
    assert diagnostic.severity == "warning"
    (built,) = step.on_success or step.on_failure
    assert (
        getattr(built, "retry_limit", None) is None and getattr(built, "retry_after", None) is None
    )
    assert not isinstance(built, ReusableObject) and built.step_id in (None, "s")


def test_several_problems_in_one_document() -> None:
    document, diagnostics = build_model(read_document(DOCUMENTS / "problems.arazzo.yaml"))
    assert document is not None
    assert sorted(where(d) for d in diagnostics) == sorted(
        [
            ("arazzo-version", "/arazzo", 1),
            ("required", "/info", 2),
            ("min-items", "/sourceDescriptions", 4),
            ("step-target", "/workflows/0/steps/0", 8),
            ("required", "/workflows/0/steps/1", 9),
            ("type", "/workflows/0/steps/1/onFailure/0/retryLimit", 13),
            ("criterion-context", "/workflows/0/steps/2/successCriteria/0", 17),
            ("goto-target", "/workflows/0/steps/2/onSuccess/0", 20),
            ("key-pattern", "/workflows/0/outputs/bad key", 23),
            ("unknown-field", "/workflows/0/colour", 24),
        ]
    )
    assert all(
        d.severity == "error" and d.file.endswith("problems.arazzo.yaml") for d in diagnostics
    )
    # the usable step survives; the broken ones are left out
    assert [s.step_id for s in document.workflows[0].steps] == ["bad-criteria"]
