"""A message step's call (Arazzo 1.1 AsyncAPI ``send``/``receive``), and how it runs.

Everything structural is settled at load: the operation or channel, the
messages, the server (:mod:`~arazzo_engine.sources.asyncapi.endpoint`), the
readers of the messages' correlation ids.  At run time the call evaluates the
channel address (``in: channel``/``in: path`` parameters fill its variables)
and the message headers (``in: header``), then:

* **send**: evaluates the payload (``requestBody``: expressions, selectors,
  replacements, as for an HTTP body), picks the message it is (the only one,
  else the first whose payload schema it validates against), encodes it by
  content type (``requestBody.contentType``, else the message's, else
  ``application/json``) and publishes it; the step is over once it is sent.
* **receive**: waits for the first message on the channel whose correlation id
  (where the AsyncAPI message's ``correlationId.location`` says) equals the
  step's ``correlationId``, or for the first message when the step has none,
  until the step's ``timeout`` (else the engine's ``timeout``); the message is
  decoded by content type and judged by the step's ``successCriteria``.

Before either, every receive step of the same workflow (and source) whose
address can be evaluated by now is subscribed to, so that a reply to this
step's send is never lost: the run's
:class:`~arazzo_engine.messaging.session.MessageSession` buffers it.
``$message`` is the step's message, sent or received.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.errors import BodyDecodeError, EvaluationError, RequestBuildError
from arazzo_engine.expressions import evaluate
from arazzo_engine.expressions.evaluate import to_text
from arazzo_engine.http.media import charset_of, decode_body, media_type
from arazzo_engine.messaging.transport import (
    IncomingMessage,
    MessageTransportError,
    OutgoingMessage,
    ServerTarget,
)
from arazzo_engine.results import StepMessage
from arazzo_engine.sources.asyncapi.correlation import CorrelationReader, correlation_reader
from arazzo_engine.sources.asyncapi.endpoint import Endpoint, server_target
from arazzo_engine.sources.asyncapi.shapes import Channel, Message, Operation
from arazzo_engine.sources.call import (
    CallContext,
    CallFailed,
    CallOutcome,
    CallRuntime,
    StepRequest,
)
from arazzo_engine.sources.payload import apply_replacements

__all__ = ["AsyncAPICall", "MessageOutcome", "ReceiveSteps"]

DEFAULT_CONTENT_TYPE = "application/json"
_VARIABLE = re.compile(r"\{([^{}]+)\}")
_WILDCARDS = frozenset("+#*> \t\r\n")
"""Characters a channel parameter value may not bring into a broker address: MQTT's and
NATS's wildcards and whitespace (an input could otherwise subscribe to everything)."""
_BROKERS = frozenset({"mqtt", "mqtts", "secure-mqtt", "nats", "amqp", "amqps"})


class ReceiveSteps:
    """The receive steps of one source, by workflow: who to subscribe for early.

    Filled while steps are prepared (at load), read while runs run.
    """

    def __init__(self) -> None:
        self._by_workflow: dict[str, list[AsyncAPICall]] = {}

    def add(self, call: AsyncAPICall) -> None:
        self._by_workflow.setdefault(call.request.workflow_id, []).append(call)

    def of(self, workflow_id: str) -> tuple[AsyncAPICall, ...]:
        return tuple(self._by_workflow.get(workflow_id, ()))


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    """A message sent or received: the criteria judge it; with none, that is success."""

    summary: str
    failure: None = None
    findings: tuple[str, ...] = ()

    def without_criteria(self) -> str | None:
        return None

    def conclude(self, failure: str | None) -> tuple[str | None, tuple[str, ...]]:
        return failure, ()


@dataclass(frozen=True, slots=True)
class AsyncAPICall:
    """One step's message call, everything structural settled at load."""

    source: str
    operation: Operation | None
    """The operation named by ``operationId``; None for a ``channelPath`` step."""
    channel: Channel | None
    """The operation's channel, or the one ``channelPath`` names (None: unresolved)."""
    request: StepRequest
    endpoint: Endpoint | None = None
    """The server its messages go through; None when there is none (``server_problem``)."""
    server_problem: str | None = None
    receivers: ReceiveSteps | None = field(default=None, repr=False, compare=False)
    """The source's receive steps (this one among them when it receives)."""
    correlation: tuple[CorrelationReader, ...] = field(default=(), repr=False, compare=False)
    """Readers of its messages' correlation ids (each distinct ``location``)."""
    correlation_problem: str | None = None
    """Why a message's correlationId ``location`` cannot be read (reported at load)."""
    document: Any = field(default=None, repr=False, compare=False)
    """The AsyncAPI description's data: message schemas are read inside it."""

    @classmethod
    def made(
        cls,
        source: str,
        operation: Operation | None,
        channel: Channel | None,
        request: StepRequest,
        endpoint: Endpoint | str | None,
        receivers: ReceiveSteps | None,
        document: Any = None,
    ) -> AsyncAPICall:
        """The call with its correlation readers compiled and its server settled."""
        messages = operation.messages if operation is not None else ()
        if not messages and channel is not None:
            messages = channel.messages
        readers: list[CorrelationReader] = []
        problem = None
        seen: set[str] = set()
        for message in messages:
            location = message.correlation.location if message.correlation else None
            if location is None or location in seen:
                continue
            seen.add(location)
            try:
                readers.append(correlation_reader(location))
            except ValueError as error:
                problem = f"message '{message.name}': {error}"
        call = cls(
            source=source,
            operation=operation,
            channel=channel,
            request=request,
            endpoint=endpoint if isinstance(endpoint, Endpoint) else None,
            server_problem=endpoint if isinstance(endpoint, str) else None,
            receivers=receivers,
            correlation=tuple(readers),
            correlation_problem=problem,
            document=document,
        )
        if receivers is not None and request.action == "receive":
            receivers.add(call)
        return call

    @property
    def messages(self) -> tuple[Message, ...]:
        """What the step may send or receive: the operation's messages, else the channel's."""
        if self.operation is not None:
            return self.operation.messages
        return self.channel.messages if self.channel is not None else ()

    @property
    def address(self) -> str | None:
        return self.channel.address if self.channel is not None else None

    @property
    def resolved(self) -> bool:
        """Whether the channel was found (when not, the source reports why)."""
        return self.channel is not None

    def describe(self) -> str:
        """``send orders.create (placeOrder)``: the step's action, the address, the operation."""
        action = self.request.action or "message"
        where = self.channel.label if self.channel is not None else "?"
        named = f" ({self.operation.key})" if self.operation is not None else ""
        return f"{action} {where}{named}"

    # -- run time ----------------------------------------------------------------------
    def perform(self, context: CallContext, runtime: CallRuntime) -> CallOutcome:
        endpoint = self.endpoint
        if endpoint is None or self.channel is None:
            return CallFailed(self.server_problem or f"channel of step '{self.request.step_id}'")
        try:
            address = self.address_in(context)
            headers = self._headers(context)
        except (RequestBuildError, EvaluationError) as error:
            return CallFailed(str(error))
        target = server_target(endpoint, runtime.credentials)
        self._subscribe_ahead(context, runtime)
        if self.request.action == "receive":
            return self._receive(context, runtime, target, address)
        return self._send(context, runtime, target, address, headers)

    def address_in(self, context: CallContext) -> str:
        """The channel address with its variables filled from the step's parameters
        (then the channel parameters' defaults); RequestBuildError when one has no value."""
        channel = self.channel
        assert channel is not None
        if channel.address is None:
            raise RequestBuildError(
                f"channel '{channel.key}' of source '{self.source}' has a null address "
                "(unknown or dynamic): nothing says where its messages go"
            )
        values: dict[str, str] = {}
        for parameter in self.request.parameters:
            if parameter.location not in ("channel", "path"):
                continue
            value = evaluate(parameter.value, context)
            if value is not None:
                values[parameter.name] = self._variable(parameter.name, to_text(value))
        return _VARIABLE.sub(lambda found: self._fill(found.group(1), values), channel.address)

    def _variable(self, name: str, text: str) -> str:
        endpoint = self.endpoint
        if endpoint is not None and endpoint.protocol in _BROKERS and _WILDCARDS & set(text):
            raise RequestBuildError(
                f"channel parameter '{name}' has the value {text!r}, which holds a wildcard or "
                f"whitespace character; a {endpoint.protocol} address takes none from a value"
            )
        return text

    def _fill(self, name: str, values: Mapping[str, str]) -> str:
        if name in values:
            return values[name]
        channel = self.channel
        assert channel is not None
        declared = channel.parameters.get(name)
        default = declared.get("default") if isinstance(declared, Mapping) else None
        schema = declared.get("schema") if isinstance(declared, Mapping) else None
        if default is None and isinstance(schema, Mapping):
            default = schema.get("default")  # AsyncAPI 2.6 keeps it in the schema
        if default is not None:
            return to_text(default)
        raise RequestBuildError(
            f"the address '{channel.address}' of channel '{channel.key}' needs '{name}', "
            f"and step '{self.request.step_id}' gives it no value: add a parameter "
            f"{{name: {name}, in: channel, value: ...}}"
        )

    def _headers(self, context: CallContext) -> dict[str, str]:
        headers: dict[str, str] = {}
        for parameter in self.request.parameters:
            if parameter.location == "header":
                value = evaluate(parameter.value, context)
                if value is not None:
                    headers[parameter.name] = to_text(value)
        return headers

    def _subscribe_ahead(self, context: CallContext, runtime: CallRuntime) -> None:
        """Subscribe for every receive step of the workflow whose address is known by now,
        so that what this step's message causes is buffered (failures are the receive
        step's to report, when it runs)."""
        if self.receivers is None:
            return
        for call in self.receivers.of(self.request.workflow_id):
            if call.endpoint is None or call.channel is None:
                continue
            try:
                address = call.address_in(context)
            except (RequestBuildError, EvaluationError):
                continue  # it needs a value a later step gives
            target = server_target(call.endpoint, runtime.credentials)
            if runtime.messages.subscribed(target, address) is not None:
                continue
            try:
                runtime.messages.subscribe(target, address)
            except MessageTransportError:
                continue

    # -- send --------------------------------------------------------------------------
    def _send(
        self,
        context: CallContext,
        runtime: CallRuntime,
        target: ServerTarget,
        address: str,
        headers: dict[str, str],
    ) -> CallOutcome:
        from arazzo_engine.sources.openapi.request_builder import encode_body

        step = self.request
        try:
            value = evaluate(step.body, context) if step.body is not None else None
            if step.replacements:
                value = apply_replacements(
                    value, [(t, evaluate(v, context)) for t, v in step.replacements]
                )
            content_type = step.content_type or self._content_type(value)
            encoded, _ = encode_body(value, content_type, None, runtime.file_folders)
        except (RequestBuildError, EvaluationError, ValueError, TypeError) as error:
            return CallFailed(f"the message for channel '{address}' cannot be built: {error}")
        if runtime.observed:
            for parameter in step.parameters:
                found = headers.get(parameter.name) if parameter.location == "header" else None
                runtime.observer.parameter_evaluated(step, parameter, found)
            if step.body is not None:
                runtime.observer.body_evaluated(step, value)
        if context.deadline is not None and context.deadline <= time.monotonic():
            return CallFailed("its time ran out before the message was sent")
        message = OutgoingMessage(address, encoded or b"", content_type, headers)
        try:
            runtime.messages.connection(target).publish(message)
        except MessageTransportError as error:
            return CallFailed(f"sending to channel '{address}' on {target.public_url}: {error}")
        record = StepMessage("send", address, dict(headers), value, content_type)
        context.message = record
        if runtime.observed:
            runtime.observer.message_sent(step, record, target.public_url)
        return MessageOutcome(f"message sent to '{address}'")

    def _content_type(self, value: Any) -> str:
        """The content type of the message the payload is: the only message's, else the
        first whose payload schema ``value`` validates against, else the first's."""
        messages = self.messages
        chosen = messages[0] if messages else None
        if len(messages) > 1:
            from arazzo_engine.sources.asyncapi.message_choice import first_matching

            chosen = first_matching(messages, value, self.document) or chosen
        found = chosen.content_type if chosen is not None else None
        return found or DEFAULT_CONTENT_TYPE

    def _declared_content_type(self) -> str:
        """What a received message is when the protocol does not say: the first content
        type its messages declare, else JSON."""
        found = next((m.content_type for m in self.messages if m.content_type), None)
        return found or DEFAULT_CONTENT_TYPE

    # -- receive -----------------------------------------------------------------------
    def _receive(
        self,
        context: CallContext,
        runtime: CallRuntime,
        target: ServerTarget,
        address: str,
    ) -> CallOutcome:
        step = self.request
        expected: str | None = None
        if step.correlation_id is not None:
            try:
                wanted = evaluate(step.correlation_id, context)
            except EvaluationError as error:
                return CallFailed(str(error))
            if wanted is None:
                return CallFailed(
                    f"its correlationId evaluated to null, so no message on channel '{address}' "
                    "can match it"
                )
            expected = to_text(wanted)
        started = time.monotonic()
        until = context.deadline if context.deadline is not None else started + runtime.timeout
        decoded: dict[int, tuple[Any, str]] = {}

        def decode(message: IncomingMessage) -> tuple[Any, str]:
            known = decoded.get(id(message))
            if known is None:
                content_type = message.content_type or self._declared_content_type()
                what = f"the message on channel '{address}'"
                value = decode_body(
                    message.payload, media_type(content_type), charset_of(content_type), what
                )
                known = decoded[id(message)] = (value, content_type)
            return known

        def matches(message: IncomingMessage) -> bool:
            if expected is None or len(message.payload) > runtime.max_message_bytes:
                return True  # the first message decides; an oversized one fails the step
            try:
                payload, _ = decode(message)
            except BodyDecodeError:
                return True  # it cannot be read: the step says so
            return any(
                (found := read(message.headers, payload)) is not None and to_text(found) == expected
                for read in self.correlation
            )

        where = f"channel '{address}' on {target.public_url}"
        try:
            buffered = runtime.messages.subscribe(target, address)
            taken = buffered.take(matches, until, runtime.messages.cancelled)
        except MessageTransportError as error:
            return CallFailed(f"receiving on {where}: {error}")
        waited = time.monotonic() - started
        if taken is None:
            wanted_text = f" with correlationId '{expected}'" if expected is not None else ""
            others = (
                f"; {buffered.skipped} other message(s) came that did not match"
                if buffered.skipped
                else ""
            )
            lost = (
                f"; {buffered.dropped} unmatched message(s) were dropped"
                if buffered.dropped
                else ""
            )
            return CallFailed(
                f"no message{wanted_text} came on {where} within {waited:.3g} s{others}{lost}"
            )
        if len(taken.payload) > runtime.max_message_bytes:
            return CallFailed(
                f"the message on {where} has {len(taken.payload)} bytes, more than "
                f"max_body_bytes ({runtime.max_message_bytes})"
            )
        try:
            payload, content_type = decode(taken)
        except BodyDecodeError as error:
            return CallFailed(str(error))
        record = StepMessage("receive", address, dict(taken.headers), payload, content_type, waited)
        context.message = record
        if runtime.observed:
            runtime.observer.message_received(step, record, target.public_url)
        return MessageOutcome(f"message received on '{address}'")
