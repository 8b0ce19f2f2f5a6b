"""AsyncAPI source descriptions: 3.x and 2.6 read into one model, other versions refused.

The documents are the project's own (``tests/documents/asyncapi``), one per
version, describing the same small order service; hostile ones are written
inline.  Loading goes through the real loader; what a step would need (the
operation, its channel, messages, correlation ids) is read from the index.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from arazzo_engine import ArazzoValidationError, Engine
from arazzo_engine.load.reader import read_data
from arazzo_engine.load.refs import MAX_HOPS
from arazzo_engine.sources.asyncapi.call import AsyncAPICall
from arazzo_engine.sources.asyncapi.endpoint import Endpoint
from arazzo_engine.sources.asyncapi.index import AsyncAPIIndex, build_index
from arazzo_engine.sources.asyncapi.kind import AsyncAPIOperations
from arazzo_engine.sources.asyncapi.shapes import AsyncAPIShapeError
from arazzo_engine.sources.base import LoadedSource
from arazzo_engine.sources.call import StepRequest

DOCUMENTS = Path(__file__).parent / "documents" / "asyncapi"
V3 = DOCUMENTS / "orders.asyncapi.yaml"
V26 = DOCUMENTS / "orders-2.6.asyncapi.yaml"


def index_of(path: Path) -> AsyncAPIIndex:
    document = read_data(path)
    return build_index(LoadedSource("events", "asyncapi", path.name, str(path), document))


def index_of_text(tmp_path: Path, text: str) -> AsyncAPIIndex:
    path = tmp_path / "events.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return index_of(path)


# -- AsyncAPI 3.x -----------------------------------------------------------------------


def test_3x_operations_are_found_by_their_key_with_their_channel_and_messages() -> None:
    index = index_of(V3)
    assert index.version == "3"
    assert list(index.operation_pointers) == [
        "placeOrder",
        "orderStatusChanged",
        "announce",
        "audited",
    ]
    place = index.operation("placeOrder")
    assert place is not None and place.action == "receive"
    assert place.channel is not None
    assert (place.channel.pointer, place.channel.address) == (
        "/channels/orderCreate",
        "orders.create",
    )
    [message] = place.messages
    # the operation's message reference names it; its $ref chain leads to the component
    assert (message.name, message.pointer) == ("placeOrder", "/components/messages/PlaceOrder")
    assert message.content_type == "application/json"  # the document's defaultContentType
    assert message.payload == {"type": "object", "properties": {"item": {"type": "string"}}}
    assert message.headers["properties"] == {"orderRequestId": {"type": "string"}}
    assert message.correlation is None
    assert index.operation("nope") is None and index.problems == []


def test_3x_an_operation_without_messages_takes_its_channels_and_their_correlation_id() -> None:
    changed = index_of(V3).operation("orderStatusChanged")
    assert changed is not None and changed.channel is not None
    assert changed.channel.variables == ("orderId",)
    assert dict(changed.channel.parameters) == {"orderId": {"description": "the order"}}
    [message] = changed.messages
    assert message.name == "status" and message.content_type == "application/cloudevents+json"
    assert message.correlation is not None
    assert message.correlation.location == "$message.header#/orderRequestId"
    assert message.correlation.pointer == "/components/correlationIds/OrderRequest"


def test_3x_operations_and_channels_given_by_ref_resolve() -> None:
    index = index_of(V3)
    audited = index.operation("audited")  # operations/audited -> components/operations
    assert audited is not None and audited.action == "receive"
    assert audited.channel is not None
    assert (audited.channel.pointer, audited.channel.address) == ("/channels/audit", "audit.log")
    assert [m.pointer for m in audited.messages] == ["/components/channels/Audit/messages/entry"]


def test_3x_channels_are_found_by_pointer_a_null_address_kept() -> None:
    index = index_of(V3)
    assert index.channel_pointers == (
        "/channels/orderCreate",
        "/channels/orderStatus",
        "/channels/broadcast",
        "/channels/audit",
        "/components/channels/Audit",
    )
    broadcast = index.channel("/channels/broadcast")
    assert broadcast is not None and broadcast.address is None and broadcast.label == "broadcast"
    assert [(m.name, m.content_type) for m in broadcast.messages] == [("note", "text/plain")]
    component = index.channel("/components/channels/Audit")
    assert component is not None and component.key == "Audit"
    assert index.channel("/channels/nope") is None
    assert index.channel("/operations/placeOrder") is None  # an operation is no channel


# -- AsyncAPI 2.6 ------------------------------------------------------------------------


def test_2_6_is_mapped_into_the_same_model() -> None:
    index = index_of(V26)
    assert index.version == "2.6"
    assert dict(index.operation_pointers) == {
        "orderStatusChanged": "/channels/orders~1{orderId}~1status/subscribe",
        "placeOrder": "/channels/orders~1create/publish",
    }
    # publish: the application receives; subscribe: it sends
    place, changed = index.operation("placeOrder"), index.operation("orderStatusChanged")
    assert place is not None and changed is not None
    assert (place.action, changed.action) == ("receive", "send")
    assert [(m.name, m.content_type) for m in place.messages] == [
        ("PlaceOrder", "application/json"),
        ("Cancel", None),
    ]
    assert changed.channel is not None
    assert changed.channel.address == "orders/{orderId}/status"
    assert changed.channel.variables == ("orderId",)
    assert changed.messages[0].correlation is not None
    assert changed.messages[0].correlation.location == "$message.header#/orderRequestId"
    channel = index.channel("/channels/orders~1create")
    assert channel is not None and [m.name for m in channel.messages] == ["PlaceOrder", "Cancel"]


def test_2_6_a_repeated_operation_id_is_a_problem_when_used(tmp_path: Path) -> None:
    index = index_of_text(
        tmp_path,
        """\
        asyncapi: 2.6.0
        info: {title: e, version: '1'}
        channels:
          a: {publish: {operationId: same, message: {payload: {type: string}}}}
          b: {subscribe: {operationId: same, message: {payload: {type: string}}}}
        """,
    )
    assert index.duplicate_ids == ("same",)
    found = index.operation("same")
    assert found is not None and found.pointer == "/channels/a/publish"
    assert len(index.problems) == 1 and "'same' is defined more than once" in index.problems[0]


# -- versions ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.5.0", "2.0.0", "1.2.0", "4.0.0", "3.0", None])
def test_other_versions_are_refused_naming_what_is_read(tmp_path: Path, version: object) -> None:
    line = "" if version is None else f"asyncapi: '{version}'\n"
    with pytest.raises(AsyncAPIShapeError) as caught:
        index_of_text(tmp_path, line + "info: {title: e, version: '1'}\n")
    assert f"is AsyncAPI {version!r}; this engine reads AsyncAPI 3.x and 2.6" in str(caught.value)


def test_a_refused_version_is_a_located_source_error(tmp_path: Path) -> None:
    (tmp_path / "events.yaml").write_text("asyncapi: 2.4.0\ninfo: {title: e}\n", encoding="utf-8")
    flow = flow_with_step(tmp_path, "{stepId: s, operationId: placeOrder, action: send}")
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(flow)
    # the source's error says it all: the step's missing operation is not repeated
    [error] = [d for d in caught.value.errors if d.severity == "error"]
    assert (error.rule, error.pointer, error.line) == (
        "source-asyncapi",
        "/sourceDescriptions/0",
        4,
    )
    assert "is AsyncAPI '2.4.0'; this engine reads AsyncAPI 3.x and 2.6 descriptions" in (
        error.message
    )


def flow_with_step(tmp_path: Path, step: str, url: str = "events.yaml") -> Path:
    flow = tmp_path / "flow.arazzo.yaml"
    flow.write_text(
        "arazzo: 1.1.0\ninfo: {title: t, version: '1'}\nsourceDescriptions:\n"
        f"  - {{name: events, url: {url}, type: asyncapi}}\n"
        f"workflows:\n  - workflowId: w\n    steps:\n      - {step}\n",
        encoding="utf-8",
    )
    return flow


# -- hostile documents ------------------------------------------------------------------

HOSTILE = {
    "cycle": (
        "components: {messages: {A: {$ref: '#/components/messages/B'}, "
        "B: {$ref: '#/components/messages/A'}}}\n",
        "$ref cycle: #/operations/op/messages/0 -> #/components/messages/A -> "
        "#/components/messages/B -> #/components/messages/A",
    ),
    "external": (
        "components: {messages: {A: {$ref: 'other.yaml#/messages/A'}}}\n",
        "the $ref 'other.yaml#/messages/A' at #/components/messages/A does not point inside "
        "the document: only local references ('#/...') are followed",
    ),
    "remote": (
        "components: {messages: {A: {$ref: 'https://example.com/a.yaml'}}}\n",
        "does not point inside the document",
    ),
    "nothing": (
        "components: {messages: {}}\n",
        "points at nothing: no 'A' on the way",
    ),
    "long chain": (
        "components:\n  messages:\n"
        + "".join(
            f"    A{i}: {{$ref: '#/components/messages/A{i + 1}'}}\n" for i in range(MAX_HOPS + 5)
        )
        + "    A: {$ref: '#/components/messages/A0'}\n",
        f"more than {MAX_HOPS} $ref s in a chain",
    ),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_reference_is_a_source_error_when_a_step_uses_it(
    tmp_path: Path, case: str
) -> None:
    components, expected = HOSTILE[case]
    (tmp_path / "events.yaml").write_text(
        "asyncapi: 3.0.0\ninfo: {title: e, version: '1'}\n"
        "channels: {c: {address: c}}\n"
        "operations:\n  op:\n    action: send\n    channel: {$ref: '#/channels/c'}\n"
        "    messages: [{$ref: '#/components/messages/A'}]\n" + components,
        encoding="utf-8",
    )
    flow = flow_with_step(tmp_path, "{stepId: s, operationId: op, action: send}")
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(flow)
    errors = [d for d in caught.value.errors if d.rule == "source-asyncapi"]
    assert len(errors) == 1 and errors[0].pointer == "/sourceDescriptions/0"
    assert "operation 'op' (#/operations/op) cannot be resolved" in errors[0].message
    assert expected in errors[0].message


def test_a_document_nested_too_deep_is_refused_when_read(tmp_path: Path) -> None:
    deep = "[" * 400 + "]" * 400
    (tmp_path / "events.json").write_text(
        f'{{"asyncapi": "3.0.0", "info": {{"title": "e"}}, "x": {deep}}}', encoding="utf-8"
    )
    flow = flow_with_step(tmp_path, "{stepId: s, operationId: op, action: send}", "events.json")
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(flow)
    [error] = [d for d in caught.value.errors if d.severity == "error"]
    assert error.rule == "source-unreadable" and "deep" in error.message


def test_a_broken_part_no_step_uses_does_not_matter(tmp_path: Path) -> None:
    index = index_of_text(
        tmp_path,
        """\
        asyncapi: 3.0.0
        info: {title: e, version: '1'}
        channels:
          good: {address: g}
          bad: {$ref: 'elsewhere.yaml#/c'}
        operations:
          ok: {action: send, channel: {$ref: '#/channels/good'}}
          broken: {action: send, channel: {$ref: '#/channels/bad'}}
        """,
    )
    ok = index.operation("ok")
    assert ok is not None and ok.channel is not None and index.problems == []
    broken = index.operation("broken")
    assert broken is not None and broken.channel is None and broken.messages == ()
    assert len(index.problems) == 1


# -- the kind and the call --------------------------------------------------------------


def test_find_by_id_gives_operations_and_find_by_pointer_channels() -> None:
    source = AsyncAPIOperations(index_of(V3), {})
    assert (source.title, source.pointer_field, list(source.scheme_names)) == (
        "AsyncAPI",
        "channelPath",
        [],
    )
    by_id = source.find_by_id("placeOrder")
    assert by_id is not None and by_id.operation is not None and by_id.channel is not None
    by_pointer = source.find_by_pointer("/channels/orderStatus")
    assert by_pointer is not None and by_pointer.operation is None
    assert by_pointer.channel is not None and by_pointer.channel.key == "orderStatus"
    assert source.find_by_pointer("/operations/placeOrder") is None
    assert "did you mean '#/channels/orderCreate'" in source.pointer_hint("/channels/ordercreate")


def _request(action: str | None) -> StepRequest:
    return StepRequest("w", "s", (), None, None, (), action=action)


def test_the_call_describes_the_step_and_settles_its_server() -> None:
    source = AsyncAPIOperations(index_of(V3), {})
    target = source.find_by_id("placeOrder")
    assert target is not None
    call = target.prepare(_request("send"))
    assert isinstance(call, AsyncAPICall)
    # the step's action, not the operation's own ('receive'), is what the step does
    assert call.describe() == "send orders.create (placeOrder)"
    assert call.address == "orders.create" and [m.name for m in call.messages] == ["placeOrder"]
    channel = source.find_by_pointer("/channels/broadcast")
    assert channel is not None
    assert channel.prepare(_request("receive")).describe() == "receive broadcast"
    # the document's only server, its protocol the URL's scheme
    assert call.endpoint == Endpoint("broker", "amqp", "amqp://localhost:5672", ())
    assert call.server_problem is None


def test_servers_override_names_a_source_or_one_of_its_servers() -> None:
    by_source = AsyncAPIOperations(index_of(V3), {"events": "mqtt://127.0.0.1:1883"})
    target = by_source.find_by_id("placeOrder")
    assert target is not None
    endpoint = target.prepare(_request("send")).endpoint
    assert endpoint is not None and (endpoint.protocol, endpoint.url) == (
        "mqtt",
        "mqtt://127.0.0.1:1883",
    )
    by_server = AsyncAPIOperations(index_of(V3), {"events.broker": "nats://127.0.0.1:4222/"})
    assert list(by_server.server_names) == ["events.broker"]
    target = by_server.find_by_id("placeOrder")
    assert target is not None
    endpoint = target.prepare(_request("send")).endpoint
    assert endpoint is not None and endpoint.url == "nats://127.0.0.1:4222"
    no_scheme = AsyncAPIOperations(index_of(V3), {"events": "127.0.0.1:1883"})
    target = no_scheme.find_by_id("placeOrder")
    assert target is not None
    problem = target.prepare(_request("send")).server_problem
    assert problem is not None and "has no scheme" in problem
