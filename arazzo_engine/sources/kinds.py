"""The registry of source kinds, keyed by the sourceDescription ``type``.

A source description's kind is the one its ``type`` names; when ``type`` is
absent, the one whose root field its document has (``openapi``/``swagger``:
OpenAPI, ``arazzo``: Arazzo; the first match in registry order wins).  What
a kind is and provides: :mod:`arazzo_engine.sources.base`.

Adding a kind (as AsyncAPI was) is:

1. a package ``sources/<kind>/`` whose kind object satisfies
   :class:`~arazzo_engine.sources.base.SourceKind` (its ``type`` name, its
   root fields, how to open a document into an
   :class:`~arazzo_engine.sources.base.OperationSource`), whose targets
   prepare a step's :class:`~arazzo_engine.sources.call.OperationCall`
   (the step-side implementation: build, send or receive, take the answer);
2. one entry in ``BUILT_IN`` below.

Reading, the loader, the plan and the interpreter go through the interface
and name no kind.  Checks that only make sense for one kind's steps are
guarded by the type of its call (the OpenAPI parameter checks in
:mod:`arazzo_engine.validation.operations`); a kind's rule ids are listed in
:mod:`arazzo_engine.validation.rules` like every rule.  The Arazzo version
being read decides which ``type`` values a document may declare: that is the
model builder's table, not this registry.  A kind can also be added at run
time with :func:`register`, before loading the documents that use it (the
tests add a toy kind that way).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeVar

from arazzo_engine.registry import Registry
from arazzo_engine.sources.arazzo import ARAZZO
from arazzo_engine.sources.asyncapi.kind import ASYNCAPI
from arazzo_engine.sources.base import SourceKind
from arazzo_engine.sources.openapi.kind import OPENAPI

__all__ = [
    "BUILT_IN",
    "KINDS",
    "kind_named",
    "kind_of",
    "kinds_described",
    "kinds_expected",
    "register",
    "unregister",
]

K = TypeVar("K", bound=SourceKind)

_KINDS: Registry[SourceKind] = Registry("source kind")

KINDS: Mapping[str, SourceKind] = _KINDS.members
"""Every source kind by its ``type`` name, in the order documents are recognised."""


def register(kind: K) -> K:
    """Make ``kind`` the meaning of its ``type`` (and root fields) for loads from now on."""
    _KINDS.register(kind)
    return kind


def unregister(name: str) -> SourceKind:
    """Forget the kind named ``name`` (engines loaded before keep their plans); it is returned."""
    return _KINDS.unregister(name)


def kind_named(name: str | None) -> SourceKind | None:
    """The kind a ``type`` value names, or None."""
    return _KINDS.get(name)


def kind_of(data: Mapping[str, Any]) -> SourceKind | None:
    """The kind of a document, by the field at its root; None when no kind has one."""
    for kind in _KINDS:
        for field in kind.root_fields:
            if field in data:
                return kind
    return None


def _either(items: list[str], word: str) -> str:
    return items[0] if len(items) < 2 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def kinds_described() -> str:
    """What a document of no known kind is not: "not an OpenAPI, an Arazzo or an AsyncAPI
    document (no 'openapi', 'swagger', 'arazzo' or 'asyncapi' field at its root)"."""
    kinds = list(_KINDS)
    titles = [f"{'an' if k.title[:1] in 'AEIOU' else 'a'} {k.title}" for k in kinds]
    fields = [f"'{field}'" for kind in kinds for field in kind.root_fields]
    if len(titles) == 2:
        what = f"neither {titles[0]} nor {titles[1]}"
    else:
        what = f"not {_either(titles, 'or')}"
    return f"{what} document (no {_either(fields, 'or')} field at its root)"


def kinds_expected() -> str:
    """What a source description must be: "an OpenAPI, an Arazzo or an AsyncAPI document
    (YAML or JSON)"."""
    titles = [f"{'an' if k.title[:1] in 'AEIOU' else 'a'} {k.title}" for k in _KINDS]
    return f"{_either(titles, 'or')} document (YAML or JSON)"


BUILT_IN: Final = (OPENAPI, ARAZZO, ASYNCAPI)
"""The kinds of Arazzo 1.0, and AsyncAPI (1.1); a new built-in kind is one more entry here.
Which ``type`` values a document may declare is the Arazzo version's (its own table)."""
for _kind in BUILT_IN:
    register(_kind)
