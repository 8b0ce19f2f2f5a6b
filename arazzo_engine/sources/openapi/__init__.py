"""The OpenAPI source kind (Swagger 2.0, OpenAPI 3.0, 3.1 and 3.2).

:mod:`~.kind` opens a description; :mod:`~.index` finds its operations, read
into :mod:`~.shapes` by one adapter per version (:mod:`~.openapi3`,
:mod:`~.swagger2`); :mod:`~.servers` gives their base URLs.  A step's
:mod:`~.call` builds its request (:mod:`~.request_builder`, :mod:`~.serialize`,
credentials by :mod:`~.security` and :mod:`~.oauth`), checks it and its
response when asked (:mod:`~.validation`) and sends it through the transport.
"""

__all__: list[str] = []
