"""Messages: the seam between message steps (AsyncAPI send/receive) and brokers.

:mod:`~arazzo_engine.messaging.transport` is the interface every protocol
adapter implements; :mod:`~arazzo_engine.messaging.protocols` is the registry
that finds the adapter by a server's ``protocol`` (one module each, imported
only when a document uses it); :mod:`~arazzo_engine.messaging.session` keeps a
run's connections, subscriptions and buffered messages.
"""

__all__: list[str] = []
