"""A message step's call (AsyncAPI ``send``/``receive``): what was resolved at load.

An :class:`AsyncAPICall` holds the step's operation or channel, the messages it
may send or receive, the channel address, and the step's own ``action`` and
parsed ``correlationId``; the load-time checks
(:mod:`arazzo_engine.validation.message_steps`) read them.  Message steps are
refused at load (``not-run-yet``) until brokers are wired in, so ``perform``
is never reached by a run; should it be, it fails the step, never crashes.
"""

from __future__ import annotations

from dataclasses import dataclass

from arazzo_engine.sources.asyncapi.shapes import Channel, Message, Operation
from arazzo_engine.sources.call import CallContext, CallFailed, CallRuntime, StepRequest

__all__ = ["NOT_RUN", "AsyncAPICall"]

NOT_RUN = "message steps (AsyncAPI send/receive) are not run by this engine yet"


@dataclass(frozen=True, slots=True)
class AsyncAPICall:
    """One step's message call, everything structural settled at load."""

    source: str
    operation: Operation | None
    """The operation named by ``operationId``; None for a ``channelPath`` step."""
    channel: Channel | None
    """The operation's channel, or the one ``channelPath`` names (None: unresolved)."""
    request: StepRequest

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

    def perform(self, context: CallContext, runtime: CallRuntime) -> CallFailed:
        return CallFailed(f"{NOT_RUN}: step '{self.request.step_id}' ({self.describe()})")
