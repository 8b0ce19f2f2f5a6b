"""The query part of a ``paths`` key, such as ``/{Bucket}/{Key+}?uploads``.

OpenAPI path keys have no query, yet descriptions converted from AWS models
write one to tell apart operations that share a path: ``?uploads`` (a literal
flag the server dispatches on), ``?list-type=2`` (a literal value) or
``?uploadId={uploadId}`` (a placeholder for a query parameter the operation
declares).  The path template is only the part before ``?``.  Literal pieces
are sent as written, unless the step gives a query parameter of that name
(its value wins); a piece with a ``{placeholder}`` is sent by the declared
parameter it names, like any other query parameter.
"""

from __future__ import annotations

from collections.abc import Container
from urllib.parse import quote

__all__ = ["literal_query"]

_SAFE = "=-._~!$'()*+,;:@/?%"
"""Characters a literal piece keeps as written (everything else is percent-encoded)."""


def literal_query(query_template: str, given: Container[str]) -> list[str]:
    """The ``name[=value]`` pieces of ``query_template`` to send, given the query names set."""
    pieces = []
    for piece in query_template.split("&"):
        name = piece.partition("=")[0]
        if not piece or "{" in piece or name in given:
            continue
        pieces.append(quote(piece, safe=_SAFE))
    return pieces
