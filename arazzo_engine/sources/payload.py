"""Payload replacements applied to an evaluated request body, in order.

Without a ``targetSelectorType``, a JSON payload (a value, or text holding
JSON) takes JSON Pointer targets; an XML payload (text starting with ``<``)
takes XPath targets selecting elements (their content is replaced) or, written
``.../@name``, an attribute, spliced into the text so everything else is sent
as written (:mod:`arazzo_engine.sources.xml_edit`).  A target that selects
nothing is an error naming it.

Arazzo 1.1's ``targetSelectorType`` says how to read the target instead:
``jsonpointer`` and ``xpath`` as above (a payload of the other kind is an
error), ``jsonpath`` a JSONPath query on a JSON payload, every node it selects
replaced (none: an error).

It sits with the sources, not the step loop, because a kind's call applies
the replacements while it builds what it sends (an HTTP body now, an AsyncAPI
message payload next).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from arazzo_engine.errors import EvaluationLimitError, LimitError, RequestBuildError
from arazzo_engine.limits import MAX_DEPTH, load_json, too_deep
from arazzo_engine.load.pointers import PointerError, array_index, follow, split

__all__ = ["ReplacementTarget", "apply_replacements", "replacement_target"]

_XML_START = "\ufeff \t\r\n"


@dataclass(frozen=True, slots=True)
class ReplacementTarget:
    """A replacement's ``target``, compiled at load by its ``targetSelectorType``."""

    text: str
    kind: str | None = None
    """``jsonpointer``, ``jsonpath`` or ``xpath``; None: by the payload (JSON or XML)."""
    locate: Callable[[Any], list[tuple[str | int, ...]]] | None = None
    """A ``jsonpath`` target's query: the place of every node it selects."""

    def __str__(self) -> str:
        return self.text


def replacement_target(text: str, kind: str | None, version: str | None) -> ReplacementTarget:
    """``text`` compiled for ``kind``; ValueError (saying why) when it does not compile."""
    if kind == "jsonpath":
        from arazzo_engine.criteria.selector import compile_locator

        return ReplacementTarget(text, kind, compile_locator(text, version))
    if kind == "jsonpointer":
        try:
            split(text)
        except PointerError as error:
            raise ValueError(f"the replacement target {text!r} is not valid: {error}") from None
    return ReplacementTarget(text, kind)


def _tokens(pointer: str) -> tuple[str, ...]:
    try:
        return split(pointer)
    except PointerError:
        raise RequestBuildError(
            f"payload replacement target '{pointer}' is not a JSON Pointer "
            "(a JSON pointer must start with '/')"
        ) from None


def apply_replacements(
    body: Any, replacements: Sequence[tuple[ReplacementTarget | str, Any]]
) -> Any:
    """Apply each (target, value) in order; a missing last member of an object is added.

    A target given as text is read by the payload (JSON Pointer or XPath).

    A string body holding JSON text is parsed and the edited value returned, so
    the request encodes it once by its media type (JSON text stays JSON text,
    not a JSON string holding it).  The edited body nests at most
    :data:`~arazzo_engine.limits.MAX_DEPTH` levels (a value put inside can
    nest it deeper): RequestBuildError beyond.
    """
    edits = [
        (target if isinstance(target, ReplacementTarget) else ReplacementTarget(target), value)
        for target, value in replacements
    ]
    xml = isinstance(body, str) and body.lstrip(_XML_START).startswith("<")
    for target, _ in edits:
        if target.kind == "xpath" and not xml:
            raise RequestBuildError(
                f"payload replacement target '{target}' is an XPath target "
                "(targetSelectorType xpath), and the payload is not XML text"
            )
        if target.kind in ("jsonpath", "jsonpointer") and xml:
            raise RequestBuildError(
                f"payload replacement target '{target}' is a {target.kind} target, "
                "and the payload is XML text: use targetSelectorType xpath"
            )
    if xml:
        from arazzo_engine.sources.xml_edit import edit_xml  # only XML bodies need it

        return edit_xml(body, [(target.text, value) for target, value in edits])
    if isinstance(body, str):
        try:
            body = load_json(body)
        except LimitError as error:
            raise RequestBuildError(f"the JSON payload to edit {error}") from None
        except ValueError:
            raise RequestBuildError(
                "payload replacements need a JSON payload; this payload is text that is not JSON"
            ) from None
    _check_depth(body, "the payload")
    body = copy.deepcopy(body)
    for target, value in edits:
        if target.locate is not None:
            body = _replace_matches(body, target, target.locate, value)
        else:
            body = _replace_at(body, target.text, _tokens(target.text), value)
    _check_depth(body, "the request body, its replacements applied,")
    return body


def _replace_at(body: Any, target: str, tokens: Sequence[str], value: Any) -> Any:
    """``body`` with ``value`` at ``tokens`` (the whole body for none)."""
    if not tokens:
        return value
    try:
        parent = follow(body, tokens[:-1])
    except PointerError:
        raise RequestBuildError(f"payload replacement target '{target}' does not exist") from None
    last = tokens[-1]
    index = array_index(last)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list) and index is not None and index < len(parent):
        parent[index] = value
    else:
        raise RequestBuildError(f"payload replacement target '{target}' does not exist")
    return body


def _replace_matches(
    body: Any,
    target: ReplacementTarget,
    locate: Callable[[Any], list[tuple[str | int, ...]]],
    value: Any,
) -> Any:
    """Every node the JSONPath ``target`` selects replaced by (a copy of) ``value``.

    The last match first, so that a node inside another match is replaced before
    the outer one takes the value whole.
    """
    from arazzo_engine.patterns import time_budget

    try:
        with time_budget(f"the JSONPath target {target.text!r}"):
            places = locate(body)
    except EvaluationLimitError as error:
        raise RequestBuildError(
            f"payload replacement target '{target}' cannot be evaluated: {error}"
        ) from None
    except (ValueError, TypeError) as error:
        raise RequestBuildError(
            f"payload replacement target '{target}' cannot be evaluated: {error}"
        ) from None
    if not places:
        raise RequestBuildError(
            f"payload replacement target '{target}' (JSONPath) selects nothing in the payload"
        )
    for place in reversed(places):
        body = _replace_at(body, target.text, [str(part) for part in place], copy.deepcopy(value))
    return body


def _check_depth(body: Any, what: str) -> None:
    if too_deep(body, MAX_DEPTH):
        raise RequestBuildError(
            f"{what} nests more than {MAX_DEPTH} levels deep; "
            "the engine builds values nested up to that depth"
        )
