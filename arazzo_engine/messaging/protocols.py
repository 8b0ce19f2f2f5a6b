"""The registry of message protocols: which module runs a server's ``protocol``.

One line per protocol family: the module that implements
:class:`~arazzo_engine.messaging.transport.ProtocolAdapter` (imported only when
a run first connects to such a server), the client library it needs and the
extra that installs it.  Load checks each server a step uses
(:func:`check_protocol`): an unknown protocol, Kafka (no adapter yet), or a
missing client library is a load error naming the fix.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

from arazzo_engine.messaging.transport import ProtocolAdapter

__all__ = ["PROTOCOLS", "ProtocolEntry", "adapter_for", "check_protocol", "missing_library"]


@dataclass(frozen=True, slots=True)
class ProtocolEntry:
    """How one protocol is run."""

    module: str
    """The adapter module; it defines ``ADAPTER``."""
    library: str | None
    """The import name of the client library it needs (None: none beyond the engine's)."""
    extra: str | None
    """The ``arazzo-engine[...]`` extra that installs it."""


_WS = ProtocolEntry("arazzo_engine.messaging.ws", "websockets", "ws")
_MQTT = ProtocolEntry("arazzo_engine.messaging.mqtt", "paho.mqtt", "mqtt")
_NATS = ProtocolEntry("arazzo_engine.messaging.nats", "nats", "nats")
_AMQP = ProtocolEntry("arazzo_engine.messaging.amqp", "pika", "amqp")
_SSE = ProtocolEntry("arazzo_engine.messaging.sse", None, None)

PROTOCOLS: dict[str, ProtocolEntry] = {
    "ws": _WS,
    "wss": _WS,
    "mqtt": _MQTT,
    "mqtts": _MQTT,
    "secure-mqtt": _MQTT,
    "nats": _NATS,
    "amqp": _AMQP,
    "amqps": _AMQP,
    "http": _SSE,
    "https": _SSE,
}
"""Protocol (an AsyncAPI server's ``protocol``, lower case) -> how it is run."""

NOT_YET = {
    "kafka": "Kafka",
    "kafka-secure": "Kafka",
}
"""Protocols AsyncAPI names that the engine knows but has no adapter for yet."""


def check_protocol(protocol: str) -> str | None:
    """Why servers of ``protocol`` cannot be used here; None when they can."""
    name = protocol.lower()
    if name in NOT_YET:
        return (
            f"protocol '{protocol}' ({NOT_YET[name]}) is not supported by this engine yet "
            f"(supported: {', '.join(sorted(PROTOCOLS))})"
        )
    entry = PROTOCOLS.get(name)
    if entry is None:
        return f"protocol '{protocol}' is not one this engine runs ({', '.join(sorted(PROTOCOLS))})"
    return missing_library(protocol, entry)


def missing_library(protocol: str, entry: ProtocolEntry) -> str | None:
    """Why ``entry`` cannot run now: its client library is not installed (the extra named)."""
    if entry.library is None or _importable(entry.library):
        return None
    return (
        f"protocol '{protocol}' needs the '{entry.library.split('.')[0]}' library, which is "
        f"not installed: pip install 'arazzo-engine[{entry.extra}]'"
    )


def _importable(name: str) -> bool:
    """Whether the library is installed, without importing it (a dotted name's
    ``find_spec`` would import its parent package: its top-level name is looked up)."""
    try:
        return importlib.util.find_spec(name.split(".")[0]) is not None
    except (ImportError, ValueError):
        return False


def adapter_for(protocol: str) -> ProtocolAdapter:
    """The adapter of ``protocol`` (checked at load), its module imported now."""
    entry = PROTOCOLS[protocol.lower()]
    module = importlib.import_module(entry.module)
    adapter: ProtocolAdapter = module.ADAPTER
    return adapter
