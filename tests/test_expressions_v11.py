"""The Arazzo 1.1 dialect of runtime expressions, beside the 1.0 one.

Every production the 1.1.0 ABNF added or changed is parsed both ways (accepted
and refused) in each dialect; texts both grammars share must give the same tree
in both (hypothesis); the plain fast path gives the 1.1 parser's tree too; the
caches keep the dialects apart.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark

from arazzo_engine.errors import ExpressionSyntaxError
from arazzo_engine.expressions import (
    evaluate,
    evaluate_condition,
    parse_condition,
    parse_errors,
    parse_expression,
    parse_payload,
    parse_template,
    parse_value,
    unparse,
    walk_expressions,
)
from arazzo_engine.expressions import parser as parser_module
from arazzo_engine.expressions.ast import (
    And,
    Compare,
    ComponentRef,
    Constant,
    InputRef,
    Literal,
    MessageHeader,
    MessagePayload,
    ObjectValue,
    OutputRef,
    RequestQuery,
    ResponseBody,
    SelfRef,
    SourceDescriptionRef,
    StepOutputRef,
    Template,
    WorkflowInputRef,
    WorkflowOutputRef,
)
from arazzo_engine.expressions.parser import STARTS, _run, parser_options
from arazzo_engine.expressions.parser_cache import cache_file
from arazzo_engine.expressions.plain import plain_condition, plain_expression
from arazzo_engine.expressions.trace import source_text
from tests.expression_context import DictContext
from tests.test_plain_expressions import comparisons, conditions
from tests.test_plain_expressions import expressions as plain_shaped

ROOTS_1_1 = (
    "$url, $method, $statusCode, $request, $response, $inputs, $outputs, $steps, $workflows, "
    "$sourceDescriptions, $components, $message, $self"
)
ROOTS_1_0 = ROOTS_1_1.removesuffix(", $message, $self")
IDENTIFIER = "Arazzo 1.1 input, output and component names are letters, digits, '.', '-' and '_'"

# ------------------------------------------------------------ accepted in 1.1

# (text, 1.1 tree, 1.0 outcome: the same tree, or the column and reason of its error)
PRODUCTIONS: list[tuple[str, Any, Any]] = [
    # added: $self and the $message sources
    (
        "$self",
        SelfRef(),
        (
            1,
            f"'$self' is an Arazzo 1.1 expression; this document is Arazzo 1.0 "
            f"(expected one of {ROOTS_1_0})",
        ),
    ),
    (
        "$message.header.X-Correlation-Id",
        MessageHeader("X-Correlation-Id"),
        (
            1,
            f"'$message' is an Arazzo 1.1 expression; this document is Arazzo 1.0 "
            f"(expected one of {ROOTS_1_0})",
        ),
    ),
    ("$message.payload", MessagePayload(None), None),
    ("$message.payload#", MessagePayload(()), None),
    ("$message.payload#/order/0/id", MessagePayload(("order", "0", "id")), None),
    ("$message.payload#/a~1b~0c", MessagePayload(("a/b~c",)), None),
    # inputs/outputs-reference: identifier ["#" json-pointer]
    ("$inputs.customer#/firstName", InputRef("customer", ("firstName",)), "same"),
    ("$outputs.order#/items/0", OutputRef("order", ("items", "0")), "same"),
    ("$inputs.customer.firstName", InputRef("customer.firstName"), "same"),
    ("$inputs.a-b_c.9", InputRef("a-b_c.9"), "same"),
    # identifier admits dots anywhere; 1.0 names do not start or end with one
    ("$inputs..x", InputRef(".x"), (9, "a name cannot start with '.'")),
    ("$outputs.x.", OutputRef("x."), (11, "a name cannot end with '.'")),
    ("$inputs.a..b", InputRef("a..b"), (10, "a name cannot end with '.'")),
    # steps-reference, workflows-reference
    ("$steps.get-pet.outputs.pet.name#/0", StepOutputRef("get-pet", "pet.name", ("0",)), "same"),
    ("$workflows.buy_1.inputs.qty", WorkflowInputRef("buy_1", "qty"), "same"),
    (
        "$workflows.buy.outputs.receipt#/total",
        WorkflowOutputRef("buy", "receipt", ("total",)),
        "same",
    ),
    # source-reference keeps the 1.0 `name` and its termination rule
    ("$sourceDescriptions.petStore.findPets", SourceDescriptionRef("petStore", "findPets"), "same"),
    ("$sourceDescriptions.s.url", SourceDescriptionRef("s", "url"), "same"),
    # components-reference: parameters / successActions / failureActions "." identifier
    ("$components.parameters.page", ComponentRef("parameters", "page"), "same"),
    ("$components.successActions.done.ok", ComponentRef("successActions", "done.ok"), "same"),
    ("$components.failureActions.retry-1", ComponentRef("failureActions", "retry-1"), "same"),
    # unchanged productions keep `name`: query and path names are not identifiers
    ("$request.query.a:b", RequestQuery("a:b"), "same"),
    ("$response.body#/data/0", ResponseBody(("data", "0")), "same"),
]


@pytest.mark.parametrize(
    ("text", "tree", "in_1_0"),
    PRODUCTIONS,
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_1_1_production_parses_to_its_tree(text: str, tree: Any, in_1_0: Any) -> None:
    assert parse_expression(text, version="1.1") == tree
    assert unparse(tree) == text


@pytest.mark.parametrize(
    ("text", "tree", "in_1_0"),
    [p for p in PRODUCTIONS if p[2] is not None],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_the_same_text_in_1_0(text: str, tree: Any, in_1_0: Any) -> None:
    if in_1_0 == "same":
        assert parse_expression(text) == tree
        assert parse_expression(text, version="1.0") == tree
    else:
        with pytest.raises(ExpressionSyntaxError) as info:
            parse_expression(text)
        assert (info.value.column, info.value.reason) == in_1_0


# ------------------------------------------------------------ refused in 1.1

# (text, 1-based column, the whole 1.1 reason, what 1.0 makes of it: a tree or a reason)
REFUSED: list[tuple[str, int, str, Any]] = [
    (
        "$steps.s.x",
        9,
        "'$steps.s.x': Arazzo 1.1 allows only $steps.<stepId>.outputs.<name>",
        (9, "a step reference must be $steps.<stepId>.outputs.<name>"),
    ),
    (
        "$steps.s",
        9,
        "'$steps.s': Arazzo 1.1 allows only $steps.<stepId>.outputs.<name>",
        (9, "a step reference must be $steps.<stepId>.outputs.<name>"),
    ),
    (
        "$workflows.w.steps.s",
        13,
        "'$workflows.w.steps.s': Arazzo 1.1 allows only $workflows.<workflowId>.inputs.<name> "
        "or $workflows.<workflowId>.outputs.<name>",
        (
            13,
            "a workflow reference must be $workflows.<workflowId>.inputs.<name> "
            "or $workflows.<workflowId>.outputs.<name>",
        ),
    ),
    (
        "$components.inputs.x",
        13,
        "unknown component type 'inputs'; expected parameters, successActions or "
        "failureActions (Arazzo 1.1)",
        ComponentRef("inputs", "x"),
    ),
    (
        "$components.schemas.x",
        13,
        "unknown component type 'schemas'; expected parameters, successActions or "
        "failureActions (Arazzo 1.1)",
        (
            13,
            "unknown component type 'schemas'; "
            "expected parameters, successActions, failureActions or inputs",
        ),
    ),
    # the removed `"$components.parameters." parameter-name`: the name is an identifier now
    (
        "$components.parameters.a:b",
        25,
        f"':' cannot appear in a name: {IDENTIFIER}",
        ComponentRef("parameters", "a:b"),
    ),
    ("$inputs.a:b", 10, f"':' cannot appear in a name: {IDENTIFIER}", InputRef("a:b")),
    ("$inputs.café", 12, f"'é' cannot appear in a name: {IDENTIFIER}", InputRef("café")),
    ("$inputs.é", 9, f"'é' cannot start a name: {IDENTIFIER}", InputRef("é")),
    ("$outputs.a~b", 11, f"'~' cannot appear in a name: {IDENTIFIER}", OutputRef("a~b")),
    (
        "$steps.s.outputs.a$b",
        19,
        f"'$' cannot appear in a name: {IDENTIFIER}",
        StepOutputRef("s", "a$b"),
    ),
    (
        "$workflows.w.outputs.a@b#/c",
        23,
        f"'@' cannot appear in a name: {IDENTIFIER}",
        WorkflowOutputRef("w", "a@b", ("c",)),
    ),
    (
        "$steps.a:b.outputs.x",
        9,
        "a step id may contain only letters, digits, '_' and '-'",
        (9, "a step id may contain only letters, digits, '_' and '-'"),
    ),
    # the shared `source` rule admits these; a request has a body, a message a payload
    (
        "$request.payload",
        10,
        "after '$request.' expected header.<name>, query.<name>, path.<name> or body "
        "('payload' is only for $message in Arazzo 1.1)",
        (10, "after '$request.' expected header.<name>, query.<name>, path.<name> or body"),
    ),
    (
        "$response.payload#/a",
        11,
        "after '$response.' expected header.<name>, query.<name>, path.<name> or body "
        "('payload' is only for $message in Arazzo 1.1)",
        (11, "after '$response.' expected header.<name>, query.<name>, path.<name> or body"),
    ),
    (
        "$message.query.id",
        10,
        "after '$message.' expected header.<name> or payload "
        "(an Arazzo 1.1 message has no query, path or body)",
        None,
    ),
    (
        "$message.path.id",
        10,
        "after '$message.' expected header.<name> or payload "
        "(an Arazzo 1.1 message has no query, path or body)",
        None,
    ),
    (
        "$message.body",
        10,
        "after '$message.' expected header.<name> or payload "
        "(an Arazzo 1.1 message has no query, path or body)",
        None,
    ),
    ("$message", 9, "'$message' must be followed by '.' and a name", None),
    (
        "$request.query.",
        16,
        "expected a name after '$request.query.'",
        (16, "expected a name after '$request.query.'"),
    ),
    (
        "$sourceDescriptions.s..x",
        23,
        "a name cannot start with '.'",
        (23, "a name cannot start with '.'"),
    ),
    ("$inputs.", 9, "expected a name after '$inputs.'", (9, "expected a name after '$inputs.'")),
    ("$message.header.", 17, "expected a header name after '$message.header.'", None),
    (
        "$message.payload.orderId",
        17,
        "to select part of the payload use a JSON pointer, e.g. '$message.payload#/name'",
        None,
    ),
    (
        "$message.payload#orderId",
        18,
        "a JSON pointer must start with '/'",
        None,
    ),
    (
        "$self.x",
        6,
        "'$self' is a whole expression (the document's URI): nothing may follow it",
        None,
    ),
    ("$Self", 1, "unknown expression root '$Self'; did you mean '$self'?", None),
    ("$foo", 1, f"unknown expression root '$foo'; expected one of {ROOTS_1_1}", None),
    ("inputs.x", 1, f"a runtime expression must start with '$' ({ROOTS_1_1})", None),
    (
        "$request.query.a#/x",
        17,
        "a JSON pointer ('#/...') may only follow body, payload or an inputs/outputs reference",
        (17, "a JSON pointer ('#/...') may only follow body or an inputs/outputs reference"),
    ),
    # pointers exclude { and } in both (1.1 by its ABNF, 1.0 by the termination rule)
    (
        "$response.body#/a{b",
        18,
        "unexpected '{' after the expression '$response.body#/a'",
        (18, "unexpected '{' after the expression '$response.body#/a'"),
    ),
    (
        "$inputs.x#/a}",
        13,
        "unexpected '}' after the expression '$inputs.x#/a'",
        (13, "unexpected '}' after the expression '$inputs.x#/a'"),
    ),
]


def _outcome(text: str, version: str) -> Any:
    try:
        return parse_expression(text, version=version)  # type: ignore[arg-type]
    except ExpressionSyntaxError as error:
        return (error.column, error.reason)


@pytest.mark.parametrize(
    ("text", "column", "reason", "in_1_0"), REFUSED, ids=[r[0] for r in REFUSED]
)
def test_a_1_1_refusal_word_for_word(text: str, column: int, reason: str, in_1_0: Any) -> None:
    assert _outcome(text, "1.1") == (column, reason)
    if in_1_0 is not None:
        assert _outcome(text, "1.0") == in_1_0


def test_1_0_refuses_the_1_1_roots_and_reads_them_as_constants_in_values() -> None:
    for text in ("$self", "$message.payload#/a", "$message.header.x"):
        with pytest.raises(ExpressionSyntaxError, match=r"is an Arazzo 1\.1 expression"):
            parse_expression(text)
        assert parse_value(text) == Constant(text)  # not a root of 1.0: a literal, as before
        assert parse_value(text, version="1.1") == parse_expression(text, version="1.1")


def test_values_templates_and_payloads_take_the_version() -> None:
    value = {"id": "$message.payload#/id", "uri": "{$self}", "note": "from {$self}!"}
    parsed = parse_value(value, version="1.1")
    assert parsed == ObjectValue(
        (
            ("id", MessagePayload(("id",))),
            ("uri", SelfRef()),
            ("note", Template(("from ", SelfRef(), "!"))),
        )
    )
    assert parse_payload(value, folder=None, version="1.1") == parsed
    assert parse_payload({"$file": "$inputs.a:b"}, folder=None).source == InputRef("a:b")
    with pytest.raises(ExpressionSyntaxError, match="cannot appear in a name"):
        parse_payload({"$file": "$inputs.a:b"}, folder=None, version="1.1")
    with pytest.raises(ExpressionSyntaxError) as info:
        parse_value("$message.query.id", version="1.1")  # a 1.1 root that does not parse
    assert info.value.column == 10
    assert parse_value("$100", version="1.1") == Constant("$100")
    assert parse_template("id={$message.header.id}", version="1.1") == Template(
        ("id=", MessageHeader("id"))
    )
    with pytest.raises(ExpressionSyntaxError) as info:
        parse_template("id={$inputs.a:b}", version="1.1")
    assert (info.value.column, info.value.reason) == (
        14,
        f"':' cannot appear in a name: {IDENTIFIER}",
    )


def test_conditions_in_1_1() -> None:
    condition = "$message.payload#/n > 2 && $self != null"
    assert parse_condition(condition, version="1.1") == And(
        (
            Compare(">", MessagePayload(("n",)), Literal(2)),
            Compare("!=", SelfRef(), Literal(None)),
        )
    )
    with pytest.raises(ExpressionSyntaxError, match=r"is an Arazzo 1\.1 expression"):
        parse_condition(condition)
    with pytest.raises(ExpressionSyntaxError) as info:
        parse_condition("$statusCode == 200 && $steps.s.x == 1", version="1.1")
    assert (info.value.column, info.value.reason) == (
        31,
        "'$steps.s.x': Arazzo 1.1 allows only $steps.<stepId>.outputs.<name>",
    )
    with pytest.raises(ExpressionSyntaxError) as info:
        parse_condition("  $inputs.a:b == 1", version="1.1")
    assert info.value.column == 12
    # a dotted name is one identifier; accessors still follow it
    tree = parse_condition("$inputs.a.b[0].c == 'x'", version="1.1")
    assert tree == parse_condition("$inputs.a.b[0].c == 'x'")
    assert unparse(tree) == "$inputs.a.b[0].c == 'x'"


@pytest.mark.parametrize("version", ["1", "1.1.0", "2.0", None, 1.1])
def test_an_unknown_version_is_refused(version: Any) -> None:
    for parse in (parse_expression, parse_condition, parse_template, parse_value):
        with pytest.raises(ValueError, match=r"version must be '1\.0' or '1\.1'"):
            parse("$url", version=version)
    with pytest.raises(ValueError, match="version must be"):
        parse_payload("$url", folder=None, version=version)


# ------------------------------------------------------------ the caches


def test_the_caches_keep_the_dialects_apart() -> None:
    for first in ("1.0", "1.1"):
        parser_module._cached_expression.cache_clear()
        parser_module._cached_condition.cache_clear()
        parser_module._cached_template.cache_clear()
        order = [first, "1.1" if first == "1.0" else "1.0"]
        for version in order:
            outcome = _outcome("$inputs.a:b", version)
            assert outcome == (
                InputRef("a:b")
                if version == "1.0"
                else (10, f"':' cannot appear in a name: {IDENTIFIER}")
            )
            cond = "$components.inputs.x == 1"
            if version == "1.0":
                assert parse_condition(cond) == Compare(
                    "==", ComponentRef("inputs", "x"), Literal(1)
                )
            else:
                with pytest.raises(ExpressionSyntaxError, match=r"\(Arazzo 1\.1\)"):
                    parse_condition(cond, version="1.1")
            tpl = "{$self}"
            if version == "1.1":
                assert parse_template(tpl, version="1.1") == Template((SelfRef(),))
            else:
                with pytest.raises(ExpressionSyntaxError, match=r"Arazzo 1\.1 expression"):
                    parse_template(tpl)


def test_each_dialect_has_its_own_parser_and_tables_file(tmp_path: Path) -> None:
    assert parser_module._get_parser("1.0") is parser_module._get_parser()
    assert parser_module._get_parser("1.1") is not parser_module._get_parser("1.0")
    assert parser_module._get_parser("1.1").options.start == list(STARTS["1.1"])
    grammar = parser_module._grammar_text()
    names = {cache_file(tmp_path, grammar, parser_options(v)).name for v in ("1.0", "1.1")}
    assert len(names) == 2
    built = parser_module._new_parser(grammar, tmp_path, "1.1")
    assert len(list(tmp_path.iterdir())) == 1
    loaded = parser_module._new_parser(grammar, tmp_path, "1.1")
    assert loaded.source_path == "<deserialized>" and built.source_path != "<deserialized>"
    assert loaded.parse("$message.payload#/a", start="expression_1_1") == MessagePayload(("a",))
    assert parser_module._new_parser(grammar, tmp_path, "1.0").source_path != "<deserialized>"
    assert len(list(tmp_path.iterdir())) == 2


# ------------------------------------------------------------ both dialects agree

# Texts built only from what both grammars share: ASCII names without dots at
# either end, every root but $message and $self, components other than inputs.
SHARED_NAME = st.from_regex(r"[A-Za-z0-9_-]{1,4}(\.[A-Za-z0-9_-]{1,3}){0,2}", fullmatch=True)
ANY_NAME = st.text(alphabet="aZ09_-.~#é$ /:{}", max_size=5)
NAMES = st.one_of(SHARED_NAME, SHARED_NAME, ANY_NAME)
POINTERS = st.one_of(
    st.just(""),
    st.lists(st.text(alphabet="aZ09_-~01 é.{}", max_size=4), max_size=3).map(
        lambda parts: "#" + "".join("/" + p for p in parts)
    ),
)
SHARED_EXPRESSIONS = st.one_of(
    st.sampled_from(["$url", "$method", "$statusCode", "$request.body", "$response.body#/a"]),
    st.builds(
        lambda k, n, p: f"${k}.{n}{p}", st.sampled_from(["inputs", "outputs"]), NAMES, POINTERS
    ),
    st.builds(lambda s, n, p: f"$steps.{s}.outputs.{n}{p}", NAMES, NAMES, POINTERS),
    st.builds(
        lambda w, side, n, p: f"$workflows.{w}.{side}.{n}{p}",
        NAMES,
        st.sampled_from(["inputs", "outputs", "steps"]),
        NAMES,
        POINTERS,
    ),
    st.builds(
        lambda side, part, n: f"${side}.{part}.{n}",
        st.sampled_from(["request", "response"]),
        st.sampled_from(["header", "query", "path"]),
        NAMES,
    ),
    st.builds(lambda s, f: f"$sourceDescriptions.{s}.{f}", NAMES, NAMES),
    st.builds(
        lambda kind, n: f"$components.{kind}.{n}",
        st.sampled_from(["parameters", "successActions", "failureActions"]),
        NAMES,
    ),
)
_ONLY_1_0_NAME = re.compile(r"[^A-Za-z0-9._\-#/]")


def _shared(text: str) -> bool:
    """Whether ``text`` stays inside what both grammars read alike."""
    names = re.split(r"#", text, maxsplit=1)[0]
    if text.startswith(("$request.query.", "$request.path.", "$response.", "$request.header.")):
        return True  # `name` and `token` are the same terminals in both
    if text.startswith("$sourceDescriptions."):
        return True
    return not _ONLY_1_0_NAME.search(names) and ".." not in names and not names.endswith(".")


@settings(max_examples=1500, deadline=None)
@given(SHARED_EXPRESSIONS)
def test_both_dialects_read_a_shared_expression_alike(text: str) -> None:
    old, new = _outcome(text, "1.0"), _outcome(text, "1.1")
    if not _shared(text):
        return  # a name with a character or dot only one of the two grammars takes
    if isinstance(old, tuple) or isinstance(new, tuple):
        assert isinstance(old, tuple) and isinstance(new, tuple), (old, new)
        assert old[0] == new[0]  # refused at the same place; 1.1 may name its own rule
    else:
        assert old == new


@settings(max_examples=800, deadline=None)
@given(
    st.lists(
        st.builds(
            lambda left, op, right: f"{left} {op} {right}",
            SHARED_EXPRESSIONS,
            st.sampled_from(["==", "!=", "<", ">="]),
            st.one_of(SHARED_EXPRESSIONS, st.sampled_from(["1", "'x'", "null", "true"])),
        ),
        min_size=1,
        max_size=3,
    ).map(" || ".join)
)
def test_both_dialects_read_a_shared_condition_alike(text: str) -> None:
    def outcome(version: str) -> Any:
        try:
            return parse_condition(text, version=version)  # type: ignore[arg-type]
        except ExpressionSyntaxError as error:
            return error.column

    old, new = outcome("1.0"), outcome("1.1")
    if isinstance(old, int) != isinstance(new, int):
        assert not all(_shared(part) for part in re.findall(r"\$\S+", text)), (text, old, new)
    elif isinstance(old, int):
        pass  # both refuse; where can differ when a 1.0-only name comes first
    else:
        assert old == new


# ------------------------------------------------------------ the plain fast path


@settings(max_examples=1500, deadline=None)
@given(plain_shaped)
def test_a_plain_expression_is_the_1_1_parsers_tree(text: str) -> None:
    found = plain_expression(text)
    if found is not None:
        assert found == _run(text, "expression_1_1") == _run(text, "expression")


@settings(max_examples=1500, deadline=None)
@given(st.one_of(conditions, comparisons))
def test_a_plain_condition_is_the_1_1_parsers_tree(text: str) -> None:
    found = plain_condition(text)
    if found is not None:
        assert found == _run(text, "condition_1_1")


# ------------------------------------------------------------ errors per dialect


def test_the_1_1_parser_recognises_every_place() -> None:
    landmarks = parse_errors._landmarks(parser_module._get_parser("1.1"))
    assert landmarks.version == "1.1"
    assert set(landmarks.places.values()) == {*parse_errors._Place, *parse_errors._Place11}
    assert len(landmarks.roots) == len(parse_errors.KNOWN_ROOTS_1_1)


def _renamed_grammar() -> str:
    names = {t.name for v in ("1.0", "1.1") for t in parser_module._get_parser(v).terminals}
    word = re.compile(
        r"(?<![\w$])(?:"
        + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
        + r")(?!\w)"
    )
    return word.sub(
        lambda m: ("_RENAMED" + m.group()) if m.group().startswith("_") else "RENAMED_" + m.group(),
        parser_module._grammar_text(),
    )


@pytest.fixture(scope="module")
def renamed_1_1() -> Lark:
    return parser_module._new_parser(_renamed_grammar(), None, "1.1")


@pytest.mark.parametrize(
    ("text", "column", "reason", "in_1_0"), REFUSED, ids=[r[0] for r in REFUSED]
)
def test_a_1_1_reason_is_the_same_with_terminals_renamed(
    renamed_1_1: Lark,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    column: int,
    reason: str,
    in_1_0: Any,
) -> None:
    monkeypatch.setattr(parser_module, "_parser_1_1", renamed_1_1)
    monkeypatch.setattr(parser_module, "_explained", {})
    parser_module._cached_expression.cache_clear()
    try:
        assert _outcome(text, "1.1") == (column, reason)
    finally:
        parser_module._cached_expression.cache_clear()


# ------------------------------------------------------------ the new nodes


def test_message_expressions_read_the_message_of_the_step() -> None:
    context = DictContext(
        message_headers={"X-Request-Id": "r-1"},
        message_body={"order": [{"id": 7}], "a/b~c": "odd"},
    )
    cases = {
        "$message.header.X-Request-Id": "r-1",
        "$message.header.x-request-id": "r-1",
        "$message.header.missing": None,
        "$message.payload#/order/0/id": 7,
        "$message.payload#/a~1b~0c": "odd",
        "$message.payload#/nothing": None,
    }
    for text, expected in cases.items():
        node = parse_expression(text, version="1.1")
        assert list(walk_expressions(node)) == [node]
        assert source_text(node) == text
        assert evaluate(node, context) == expected, text
    condition = parse_condition("$message.payload#/order/0/id == 7", version="1.1")
    assert evaluate_condition(condition, context)
    template = parse_template("id {$message.header.X-Request-Id}", version="1.1")
    assert evaluate(template, context) == "id r-1"
    # outside a message step there is no message: null, as any absent value
    assert evaluate(parse_expression("$message.payload", version="1.1"), DictContext()) is None


def test_self_is_what_the_context_says_the_document_is() -> None:
    context = DictContext(document_uri="https://example.com/flows/doc")
    node = parse_expression("$self", version="1.1")
    assert list(walk_expressions(node)) == [node] and source_text(node) == "$self"
    assert evaluate(node, context) == "https://example.com/flows/doc"
    template = parse_template("at {$self}#x", version="1.1")
    assert evaluate(template, context) == "at https://example.com/flows/doc#x"
    assert evaluate_condition(
        parse_condition("$self == 'https://EXAMPLE.com/flows/doc'", version="1.1"), context
    )


@pytest.mark.parametrize(
    ("inputs", "value"),
    [
        ({"customer": {"firstName": "Ada"}}, "Ada"),  # D1 Q-C2: the longest existing name
        ({"customer.firstName": "Grace", "customer": {"firstName": "Ada"}}, "Grace"),
        ({"customer": "Ada"}, None),
    ],
)
def test_a_dotted_1_1_identifier_navigates_as_in_1_0(inputs: dict[str, Any], value: Any) -> None:
    context = DictContext(input_values=inputs)
    node = parse_expression("$inputs.customer.firstName", version="1.1")
    assert node == InputRef("customer.firstName")
    assert evaluate(node, context) == value == evaluate(parse_expression(unparse(node)), context)
