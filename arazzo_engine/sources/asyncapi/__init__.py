"""The AsyncAPI source kind: AsyncAPI 3.x and 2.6 descriptions, read and checked at load.

:mod:`~arazzo_engine.sources.asyncapi.kind` opens a description into its
operations (by operationId) and channels (by ``channelPath`` pointer);
:mod:`~arazzo_engine.sources.asyncapi.index` reads them through one adapter per
version into :mod:`~arazzo_engine.sources.asyncapi.shapes`; a step's
:class:`~arazzo_engine.sources.asyncapi.call.AsyncAPICall` holds what was
resolved.  Message steps are not run yet: each is refused at load.
"""

__all__: list[str] = []
