"""Source descriptions: reading them, and the kinds of source a step can call.

* :mod:`~arazzo_engine.sources.base` - what a source kind is (the interface);
* :mod:`~arazzo_engine.sources.call` - the step's call seam: what a kind prepares
  at load for each operation step and the interpreter performs;
* :mod:`~arazzo_engine.sources.kinds` - the registry, by ``type``;
* :mod:`~arazzo_engine.sources.payload` - ``requestBody.replacements`` applied
  to an evaluated payload (any kind that sends a body or a message uses it);
* :mod:`~arazzo_engine.sources.reading` - reading a source's document and
  telling its kind; :mod:`~arazzo_engine.sources.remote` - fetching a remote one;
* the kinds: :mod:`~arazzo_engine.sources.openapi` (Swagger 2.0, OpenAPI 3.x,
  called over HTTP) and :mod:`~arazzo_engine.sources.arazzo` (workflows of
  another Arazzo document).
"""

__all__: list[str] = []
