"""The criterion kinds by ``type``: one registry for the model builder, the validator and the run.

The model builder accepts a Criterion ``type`` when a kind of that name is
registered, an expression-type object's ``type`` when that kind has versions,
and warns about a ``version`` the document's Arazzo version does not allow;
the validator asks a kind whether its condition holds runtime expressions;
the run plan compiles every criterion with its kind at load.

Adding a built-in kind is one module defining a
:class:`~arazzo_engine.criteria.kind.CriterionKind` and one entry in
``BUILT_IN`` below.  User code adds its own with :func:`register` (and takes
it away with :func:`unregister`) before loading the documents that use it:
a loaded engine keeps the kinds its criteria were compiled with.
"""

from __future__ import annotations

from typing import Final, Protocol, TypeVar

from arazzo_engine.criteria.jsonpath import JsonPathKind
from arazzo_engine.criteria.kind import CompiledCriterion, ExpressionVersion, Verdict
from arazzo_engine.criteria.regex import RegexKind
from arazzo_engine.criteria.simple import SimpleKind
from arazzo_engine.criteria.xpath import XPathKind
from arazzo_engine.errors import CriterionCompileError
from arazzo_engine.expressions import EvaluationContext, Version
from arazzo_engine.model import Criterion
from arazzo_engine.registry import Registry

__all__ = [
    "BUILT_IN",
    "RegisteredKind",
    "allowed_versions",
    "compile_criterion",
    "judge",
    "kind_named",
    "kind_names",
    "register",
    "unregister",
    "versioned_kind_names",
]


class RegisteredKind(Protocol):
    """What the registry and its readers need of a kind, whatever its compiled form."""

    @property
    def name(self) -> str: ...

    @property
    def versions(self) -> tuple[ExpressionVersion, ...]: ...

    @property
    def runtime_condition(self) -> bool: ...

    def bind(self, criterion: Criterion, version: Version = ...) -> CompiledCriterion: ...


K = TypeVar("K", bound=RegisteredKind)

_KINDS: Registry[RegisteredKind] = Registry("criterion type")


def register(kind: K) -> K:
    """Make ``kind`` the meaning of ``type: <kind.name>`` in documents loaded from now on."""
    _KINDS.register(kind)
    return kind


def unregister(name: str) -> RegisteredKind:
    """Forget the kind named ``name`` (documents loaded before keep it); it is returned."""
    return _KINDS.unregister(name)


def kind_named(name: str) -> RegisteredKind | None:
    return _KINDS.get(name)


def kind_names() -> tuple[str, ...]:
    """Every registered ``type``, in the order registered (the built-in ones first)."""
    return _KINDS.names()


def versioned_kind_names() -> tuple[str, ...]:
    """The kinds a Criterion Expression Type object may name: those with versions."""
    return tuple(kind.name for kind in _KINDS if kind.versions)


def allowed_versions(name: str, arazzo_version: str) -> tuple[str, ...]:
    """The versions of kind ``name`` a document of ``arazzo_version`` may write."""
    kind = _KINDS.get(name)
    if kind is None:
        return ()
    return tuple(v.name for v in kind.versions if v.allowed_in(arazzo_version))


def compile_criterion(criterion: Criterion, version: Version = "1.0") -> CompiledCriterion:
    """Compile a criterion with the kind its ``type`` names, once, at load.

    ``version`` is the expression dialect of the document holding it (see
    :func:`~arazzo_engine.expressions.dialect_of`): "1.1" reads 1.1 expressions and
    ``{$...}`` embedded in regex, JSONPath and XPath conditions.
    """
    kind = _KINDS.get(criterion.type)
    if kind is None:
        raise CriterionCompileError(
            "type",
            f"criterion type '{criterion.type}' is not one of {', '.join(_KINDS.names())}",
        )
    return kind.bind(criterion, version)


def judge(compiled: CompiledCriterion, context: EvaluationContext) -> Verdict:
    """Whether the criterion holds, and why not when it fails with an error."""
    return compiled.judge(context)


BUILT_IN: Final = (SimpleKind(), RegexKind(), JsonPathKind(), XPathKind())
"""The kinds of Arazzo 1.0; a new built-in kind is one more entry here."""
for _kind in BUILT_IN:
    register(_kind)
