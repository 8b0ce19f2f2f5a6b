"""Reading YAML and JSON files into plain data, remembering where every node sits.

:func:`read_document` returns a :class:`RawDocument`: the data as plain JSON-like
Python values (``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``)
and, for every JSON pointer (RFC 6901) of the data, its 1-based ``(line, column)``:
the position of the *key* for a mapping member, of the value for an array item.

YAML is read with PyYAML's safe machinery only (the C parser when available): the
text is composed into nodes and each node is converted here, so marks survive.
Scalars resolve as ``yaml.safe_load`` resolves them (YAML 1.1 rules: ``yes`` is a
boolean, ``0x1F`` an integer), with these differences:

* timestamps stay the string as written (``2024-01-31`` -> ``"2024-01-31"``);
* tags other than null/bool/int/float/str/timestamp/seq/map (``!!binary``,
  ``!!set``, ``!!python/...``, local ``!tags``) are rejected;
* mapping keys must be strings.  Plain numeric keys (OpenAPI's ``200:``) become
  the text as written (``"200"``); any other non-string key is an error;
* a duplicate key is an error naming both lines;
* merge keys (``<<``) work as in PyYAML: explicit keys win, then earlier sources.

Aliases are expanded.  To stop "billion laughs" documents, the expanded size is
bounded on the alias graph before anything is built: :data:`MAX_NODES` nodes and
:data:`MAX_EXPANDED_CHARS` characters of scalars (aliases share their value, but
whatever walks the data later pays for every use).  Nesting is bounded by
:data:`MAX_DEPTH` (which also catches recursive aliases).  An alias's position is
that of the node it refers to.

Integers are held to Python's ``int`` conversion limit (4300 digits by default,
:func:`arazzo_engine.limits.int_digits_limit`): a longer one, whatever its base,
is a located error rather than a value no later step could print.

JSON files (``.json``) are parsed by :func:`arazzo_engine.limits.load_json`
(duplicate keys rejected); their positions come from composing the same text as
YAML, and are empty when the text is not also valid YAML.  Every problem raises
:class:`DocumentError`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from arazzo_engine.errors import DocumentError, LimitError, Location
from arazzo_engine.limits import MAX_DEPTH, int_digits_limit, load_json, too_long_int
from arazzo_engine.load.local_files import MAX_DOCUMENT_BYTES, read_local_file
from arazzo_engine.load.pointers import escape

__all__ = [
    "MAX_DEPTH",
    "MAX_EXPANDED_CHARS",
    "MAX_NODES",
    "RawDocument",
    "read_data",
    "read_document",
]

MAX_NODES = 2_000_000
"""Most nodes a document may expand to (aliases counted once per use)."""
MAX_EXPANDED_CHARS = 64 * 1024 * 1024
"""Most characters of scalars (keys and values) a document may expand to through
aliases, each alias counted once per use: 64 MiB, more than any real document
holds, and what every walk of the loaded data (expressions found in payloads,
checks, copies, dumps) then reads in well under a second."""

_Loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]
try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_TAG = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ, _MERGE = _TAG + "str", _TAG + "map", _TAG + "seq", _TAG + "merge"
_INT = _TAG + "int"
_SAFE = SafeConstructor()
_NUMBER_TAGS = frozenset((_TAG + "int", _TAG + "float"))

Position = tuple[int, int]


@dataclass(frozen=True)
class RawDocument:
    """A file's data and the position of each of its nodes."""

    file: str
    """The path as the caller gave it, for messages."""
    path: Path
    """The resolved absolute path."""
    data: Any
    positions: Mapping[str, Position]
    """JSON pointer -> 1-based (line, column); ``""`` is the root."""
    url: str | None = None
    """The http(s) URL a remote document was fetched from; None for a local file.

    What a remote document names (a source ``url``, a ``$ref``) resolves against
    it, never against the local file the fetched text was parsed from."""

    @property
    def uri(self) -> str:
        """The base URI of what the document names: its URL, or its file's ``file:`` URI."""
        return self.url if self.url is not None else self.path.as_uri()

    @property
    def identity(self) -> str:
        """One string per document, however often it is read: its URL, or its resolved path."""
        return self.url if self.url is not None else str(self.path)

    def locate(self, pointer: str) -> Location:
        """The location of ``pointer``, or of its nearest ancestor that has a position."""
        probe = pointer
        while True:
            found = self.positions.get(probe)
            if found is not None:
                return Location(self.file, pointer, found[0], found[1])
            if not probe:
                return Location(self.file, pointer)
            probe = probe.rpartition("/")[0]


def read_document(path: str | os.PathLike[str]) -> RawDocument:
    """Read a YAML or JSON file whose root is a mapping; raise DocumentError otherwise."""
    file = os.fspath(path)
    text = _read_text(file)
    resolved = Path(file).resolve()
    if resolved.suffix.lower() == ".json":
        data, positions = _load_json(text, file)
    else:
        root = _compose(text, file)
        if root is None:
            raise DocumentError("the document is empty; expected a mapping", Location(file))
        data, positions = _Converter(file, text, build=True).run(root)
    if not isinstance(data, dict):
        where = positions.get("", (1, 1))
        raise DocumentError(
            f"the document root must be a mapping (an object), found {_kind_of(data)}",
            Location(file, "", where[0], where[1]),
        )
    return RawDocument(file=file, path=resolved, data=data, positions=positions)


# -- reading --------------------------------------------------------------------


def _read_text(file: str) -> str:
    raw = read_local_file(file, limit=MAX_DOCUMENT_BYTES, what="document")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise DocumentError(
            f"the file is not valid UTF-8 (offset {error.start}); expected a YAML or JSON document",
            Location(file, line=line, column=column),
        ) from None


@contextmanager
def _yaml_errors(file: str) -> Iterator[None]:
    """Turn PyYAML's errors (and runaway nesting) into located DocumentErrors."""
    try:
        yield
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, file) from None
    except yaml.YAMLError as error:
        raise DocumentError(f"invalid YAML: {_scrub(str(error))}", Location(file)) from None
    except RecursionError:
        raise _too_deep(file) from None


def _too_deep(file: str) -> DocumentError:
    return DocumentError(
        f"the document is nested more than {MAX_DEPTH} levels deep", Location(file)
    )


@contextmanager
def _json_errors(file: str) -> Iterator[None]:
    """Turn the json module's errors (and the limits' ones) into located DocumentErrors."""
    try:
        yield
    except json.JSONDecodeError as error:
        raise DocumentError(
            f"invalid JSON: {error.msg}", Location(file, line=error.lineno, column=error.colno)
        ) from None
    except LimitError as error:
        raise DocumentError(
            f"the document {error.reason}", Location(file, line=error.line, column=error.column)
        ) from None


def _compose(text: str, file: str) -> Node | None:
    with _yaml_errors(file):
        return yaml.compose(text, Loader=_Loader)


def _syntax_error(error: yaml.MarkedYAMLError, file: str) -> DocumentError:
    mark = error.problem_mark or error.context_mark
    parts = [_scrub(p) for p in (error.problem, error.context) if p]
    message = "invalid YAML: " + ("; ".join(parts) if parts else "syntax error")
    if error.context and error.context_mark is not None and error.context_mark is not mark:
        message += f" (line {error.context_mark.line + 1})"
    if mark is None:
        return DocumentError(message, Location(file))
    return DocumentError(message, Location(file, line=mark.line + 1, column=mark.column + 1))


class _DuplicateJsonKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateJsonKey(key)
            seen.add(key)
    return result


def _load_json(text: str, file: str) -> tuple[Any, dict[str, Position]]:
    duplicate: str | None = None
    data: Any = None
    try:
        with _json_errors(file):
            data = load_json(text, object_pairs_hook=_json_object)
    except _DuplicateJsonKey as error:
        duplicate = error.key
    positions: dict[str, Position] = {}
    try:
        root = yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError):
        root = None
    if root is not None:
        # Raises the located error for a duplicate key or too deep a nesting.
        _, positions = _Converter(file, text, build=False).run(root)
    if duplicate is not None:
        raise DocumentError(f"duplicate key '{duplicate}'", Location(file))
    return data, positions


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _kind_of(value: Any) -> str:
    """What a value is, in words, without quoting it (the file may be a secret)."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string (plain text, not YAML or JSON with a mapping at its root)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_OWN_WORDS = re.compile(r"'<[a-z ]+>'|'.'|'\\.'")
"""Quoted text PyYAML's messages may keep: a token name, a single character."""


def _scrub(text: str) -> str:
    """PyYAML's message without the document's text it quotes (anchor, tag, alias names).

    libyaml's messages quote nothing; the pure-Python parser's quote names it read.
    """
    return _QUOTED.sub(lambda m: m.group() if _OWN_WORDS.fullmatch(m.group()) else "'...'", text)


# -- YAML nodes -> data -------------------------------------------------------------


class _Converter:
    """Turns a composed node graph into plain data and a pointer -> position table."""

    def __init__(self, file: str, text: str, *, build: bool) -> None:
        self.file = file
        self.text = text
        self.build = build
        self.positions: dict[str, Position] = {}
        constructor = SafeConstructor()
        self.scalars: dict[str, Callable[[ScalarNode], Any]] = {
            _TAG + "null": constructor.construct_yaml_null,
            _TAG + "bool": constructor.construct_yaml_bool,
            _TAG + "int": constructor.construct_yaml_int,
            _TAG + "float": constructor.construct_yaml_float,
            _TAG + "timestamp": constructor.construct_scalar,  # kept as written
        }

    def run(self, root: Node) -> tuple[Any, dict[str, Position]]:
        if self.build and "*" in self.text:  # aliases are possible: bound their expansion
            _Expansion(self).measure(root)
        data = self.convert(root, "", 0)
        return data, self.positions

    def fail(self, message: str, node: Node) -> DocumentError:
        mark = node.start_mark
        return DocumentError(
            message, Location(self.file, line=mark.line + 1, column=mark.column + 1)
        )

    def unsupported(self, node: Node) -> DocumentError:
        return self.fail(
            f"unsupported YAML tag {_tag_name(node.tag)}: only JSON-like values (null, "
            "booleans, numbers, strings, lists and mappings) are allowed",
            node,
        )

    def too_deep(self, node: Node) -> DocumentError:
        alias = " (or an alias refers to itself)" if self.build and "*" in self.text else ""
        return self.fail(f"the document is nested more than {MAX_DEPTH} levels deep{alias}", node)

    def convert(self, node: Node, pointer: str, depth: int) -> Any:
        if isinstance(node, ScalarNode):
            return self.scalar(node) if self.build else None
        if depth >= MAX_DEPTH:
            raise self.too_deep(node)
        positions = self.positions
        if not pointer:
            mark = node.start_mark
            positions[""] = (mark.line + 1, mark.column + 1)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise self.unsupported(node)
            items = []
            for index, item in enumerate(node.value):
                child = f"{pointer}/{index}"
                mark = item.start_mark
                positions[child] = (mark.line + 1, mark.column + 1)
                items.append(self.convert(item, child, depth + 1))
            return items
        if not isinstance(node, MappingNode) or node.tag != _MAP:
            raise self.unsupported(node)
        result: dict[str, Any] = {}
        for key, key_node, value_node in self.members(node, depth):
            child = f"{pointer}/{escape(key)}"
            mark = key_node.start_mark
            positions[child] = (mark.line + 1, mark.column + 1)
            result[key] = self.convert(value_node, child, depth + 1)
        return result

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        construct = self.scalars.get(tag)
        if construct is None:
            raise self.unsupported(node)
        if tag == _INT:
            value, problem = _bounded_int(node)
            if problem is not None:
                raise self.fail(problem, node)
            return value
        try:
            return construct(node)
        except (ValueError, KeyError, yaml.YAMLError):
            raise self.fail(_not_valid(node), node) from None

    def key(self, node: Node) -> str:
        if isinstance(node, ScalarNode):
            if node.tag == _STR:
                return str(node.value)
            if node.tag in _NUMBER_TAGS:
                return str(node.value)
            kind = _tag_name(node.tag).lstrip("!").replace("bool", "boolean")
            raise self.fail(
                f"mapping key {node.value!r} reads as a {kind}; keys must be strings (quote it)",
                node,
            )
        kind = "mapping" if isinstance(node, MappingNode) else "sequence"
        raise self.fail(f"a mapping key must be a string, found a {kind}", node)

    def members(self, node: MappingNode, depth: int) -> Iterator[tuple[str, Node, Node]]:
        """A mapping's (key, key node, value node) triples, merge keys applied."""
        if depth > MAX_DEPTH:
            raise self.too_deep(node)
        seen: dict[str, Node] = {}
        merges: list[Node] = []
        explicit: list[tuple[str, Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            key = self.key(key_node)
            first = seen.get(key)
            if first is not None:
                raise self.fail(
                    f"duplicate key '{key}' (first at line {first.start_mark.line + 1}, "
                    f"again at line {key_node.start_mark.line + 1})",
                    key_node,
                )
            seen[key] = key_node
            explicit.append((key, key_node, value_node))
        yield from explicit
        for merge in merges:
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                if not isinstance(source, MappingNode):
                    raise self.fail("a merge key (<<) needs a mapping or a list of mappings", merge)
                for key, key_node, value_node in self.members(source, depth + 1):
                    if key not in seen:
                        seen[key] = key_node
                        yield key, key_node, value_node


def _not_valid(node: ScalarNode) -> str:
    """Says what the tag expected, never quoting the text (the file may be a secret)."""
    return f"this value is not a valid {_tag_name(node.tag)}"


def _bounded_int(node: ScalarNode) -> tuple[Any, str | None]:
    """An int scalar's value, or why it is refused: not an integer, or too long.

    Sexagesimal integers (YAML 1.1's ``1:30:00``) are refused past the digits
    limit by their length before they are computed, which would take quadratic
    time; the other forms are computed and then measured (Python refuses long
    decimal text itself, in linear time).
    """
    limit = int_digits_limit()
    text = node.value
    long = (
        f"the document holds an integer of more than {limit} digits; "
        f"integers are read up to {limit} digits"
    )
    if limit and ":" in text and len(text) > limit:
        return None, long
    try:
        value = SafeConstructor.construct_yaml_int(_SAFE, node)
    except ValueError as error:
        if "integer string conversion" in str(error):
            return None, long
        return None, _not_valid(node)
    if too_long_int(value):
        return None, long
    return value, None


class _Expansion:
    """The size a node graph expands to through its aliases, bounded before it is built.

    Each node is measured once (a node reached again is an alias of it), so the
    walk costs the size of the text, not of the expansion.  Past a bound, the
    error points at the anchor whose uses weigh the most.
    """

    def __init__(self, converter: _Converter) -> None:
        self.converter = converter
        self.sizes: dict[int, tuple[int, int]] = {}
        """id(node) -> (nodes, scalar characters) it expands to."""
        self.heaviest: Node | None = None
        """The anchored node with the most characters reached again through an alias."""

    def measure(self, node: Node, depth: int = 0) -> tuple[int, int]:
        if depth > MAX_DEPTH:
            raise self.converter.too_deep(node)
        known = self.sizes.get(id(node))
        if known is not None:
            heaviest = self.heaviest
            if heaviest is None or self.sizes[id(heaviest)][1] < known[1]:
                self.heaviest = node
            return known
        nodes, chars = 1, 0
        if isinstance(node, ScalarNode):
            chars = len(node.value)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                more_nodes, more_chars = self.measure(item, depth + 1)
                nodes, chars = nodes + more_nodes, chars + more_chars
        else:
            for key, value in node.value:
                more_nodes, more_chars = self.measure(value, depth + 1)
                nodes, chars = nodes + more_nodes, chars + more_chars
                if isinstance(key, ScalarNode):  # a key is not counted as a node
                    chars += len(key.value)
                else:
                    more_nodes, more_chars = self.measure(key, depth + 1)
                    nodes, chars = nodes + more_nodes, chars + more_chars
        if nodes > MAX_NODES:
            raise self.too_large(node, f"more than {MAX_NODES:,} nodes")
        if chars > MAX_EXPANDED_CHARS:
            raise self.too_large(node, f"more than {MAX_EXPANDED_CHARS:,} characters")
        self.sizes[id(node)] = (nodes, chars)
        return nodes, chars

    def too_large(self, node: Node, what: str) -> DocumentError:
        """The error at the heaviest anchor, naming the value it blew up."""
        mark = node.start_mark
        place = f"the value at line {mark.line + 1}, column {mark.column + 1}"
        anchor = self.heaviest
        if anchor is None:
            return self.converter.fail(f"{place} expands to {what} through aliases", node)
        return self.converter.fail(
            f"{place} expands to {what} through aliases (an alias bomb?): the value "
            "anchored here is used again and again",
            anchor,
        )


# -- reading without positions (large OpenAPI descriptions) -------------------------


def read_data(path: str | os.PathLike[str]) -> RawDocument:
    """Read a YAML or JSON file quickly, without positions (``positions`` is empty).

    For large OpenAPI descriptions, whose nodes are never reported by line: JSON
    goes straight through :func:`json.loads` (a repeated key keeps its last
    value), YAML through PyYAML's C parser and a constructor with the rules of
    :func:`read_document` (string keys, plain numeric keys as written,
    timestamps as strings, JSON-like tags only, duplicate keys rejected).  Alias
    expansion is bounded by :data:`MAX_NODES` whenever the text may define an
    anchor; an alias is shared, not copied.
    """
    file = os.fspath(path)
    text = _read_text(file)
    resolved = Path(file).resolve()
    if resolved.suffix.lower() == ".json":
        data = _load_json_fast(text, file)
    else:
        data = _load_yaml_fast(text, file)
    if not isinstance(data, dict):
        raise DocumentError(
            f"the document root must be a mapping (an object), found {_kind_of(data)}",
            Location(file, ""),
        )
    return RawDocument(file=file, path=resolved, data=data, positions={})


def _load_json_fast(text: str, file: str) -> Any:
    with _json_errors(file):
        return load_json(text)


_AMPERSAND = re.compile(r"&[^\s\[\]\{\},]")


def _may_define_anchor(text: str) -> bool:
    """Whether the text may define a YAML anchor (a false positive only costs a check)."""
    for match in _AMPERSAND.finditer(text):
        start = match.start()
        if start == 0 or text[start - 1] in " \t\r\n[{,:?-!":
            return True
    return False


class _FastConstructionError(Exception):
    def __init__(self, message: str, node: Node) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


class _FastLoader(_Loader):  # type: ignore[misc, valid-type]
    """The C parser with a constructor that keeps to JSON-like data."""

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[str, Any]:
        if not isinstance(node, MappingNode):
            raise _FastConstructionError("a merge key (<<) needs a mapping", node)
        mapping: dict[str, Any] = {}
        merges: list[Node] | None = None
        construct = self.construct_object
        for key_node, value_node in node.value:
            tag = key_node.tag
            if tag == _STR or tag in _NUMBER_TAGS:
                key = key_node.value
                if not isinstance(key, str):
                    raise _FastConstructionError(
                        "a mapping key must be a string, found a "
                        + ("mapping" if isinstance(key_node, MappingNode) else "sequence"),
                        key_node,
                    )
            elif tag == _MERGE:
                if merges is None:
                    merges = []
                merges.append(value_node)
                continue
            else:
                raise _FastConstructionError(_bad_key(key_node), key_node)
            if key in mapping:
                raise _FastConstructionError(_duplicate(node, key, key_node), key_node)
            mapping[key] = construct(value_node, deep=deep)
        if merges is not None:
            for merge in merges:
                sources = merge.value if isinstance(merge, SequenceNode) else [merge]
                for source in sources:
                    for key, value in self.construct_mapping(source, deep=True).items():
                        mapping.setdefault(key, value)
        return mapping

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, KeyError, TypeError):  # a scalar its tag cannot read (!!int abc)
            raise _FastConstructionError(
                f"this value is not a valid {_tag_name(node.tag)}", node
            ) from None

    def construct_bounded_int(self, node: ScalarNode) -> Any:
        """An integer as PyYAML reads it, refused past the digits limit (any base)."""
        value, problem = _bounded_int(node)
        if problem is not None:
            raise _FastConstructionError(problem, node)
        return value

    def construct_checked_float(self, node: ScalarNode) -> Any:
        """A float as PyYAML reads it; text that is no float is a located error."""
        try:
            return SafeConstructor.construct_yaml_float(self, node)
        except ValueError:
            raise _FastConstructionError(_not_valid(node), node) from None

    def construct_unsupported(self, node: Node) -> Any:
        raise _FastConstructionError(
            f"unsupported YAML tag {_tag_name(node.tag)}: only JSON-like values (null, "
            "booleans, numbers, strings, lists and mappings) are allowed",
            node,
        )


_FastLoader.add_constructor(_TAG + "timestamp", SafeConstructor.construct_scalar)
_FastLoader.add_constructor(_TAG + "int", _FastLoader.construct_bounded_int)
_FastLoader.add_constructor(_TAG + "float", _FastLoader.construct_checked_float)
for _tag in ("binary", "set", "omap", "pairs"):
    _FastLoader.add_constructor(_TAG + _tag, _FastLoader.construct_unsupported)
_FastLoader.add_constructor(None, _FastLoader.construct_unsupported)


def _bad_key(node: Node) -> str:
    if isinstance(node, ScalarNode):
        kind = _tag_name(node.tag).lstrip("!").replace("bool", "boolean")
        return f"mapping key {node.value!r} reads as a {kind}; keys must be strings (quote it)"
    kind = "mapping" if isinstance(node, MappingNode) else "sequence"
    return f"a mapping key must be a string, found a {kind}"


def _duplicate(node: MappingNode, key: str, again: Node) -> str:
    first = next(k for k, _ in node.value if isinstance(k, ScalarNode) and k.value == key)
    return (
        f"duplicate key '{key}' (first at line {first.start_mark.line + 1}, "
        f"again at line {again.start_mark.line + 1})"
    )


def _load_yaml_fast(text: str, file: str) -> Any:
    loader = _FastLoader(text)
    try:
        with _yaml_errors(file):
            root = loader.get_single_node()
            if root is None:
                raise DocumentError("the document is empty; expected a mapping", Location(file))
            if _may_define_anchor(text):  # aliases are possible: bound their expansion
                _Expansion(_Converter(file, text, build=True)).measure(root)
            return loader.construct_document(root)
    except _FastConstructionError as error:
        mark = error.node.start_mark
        raise DocumentError(
            error.message, Location(file, line=mark.line + 1, column=mark.column + 1)
        ) from None
    finally:
        loader.dispose()
