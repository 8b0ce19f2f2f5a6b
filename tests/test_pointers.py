"""JSON Pointer (RFC 6901): escaping, joining, splitting and following, in one module."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arazzo_engine.errors import ArazzoError, RequestBuildError
from arazzo_engine.expressions import parse_expression, unparse
from arazzo_engine.expressions.ast import ResponseBody
from arazzo_engine.load.pointers import (
    PointerError,
    array_index,
    child,
    escape,
    find,
    follow,
    join,
    split,
    unescape,
)
from arazzo_engine.sources.payload import apply_replacements


def test_escaping_follows_rfc_6901() -> None:
    assert escape("a/b~c") == "a~1b~0c"
    assert escape("~1") == "~01"  # '~' first, so '~1' written literally stays two characters
    assert unescape("~01") == "~1"  # and reads back as written, not as '/'
    assert unescape("a~1b~0c") == "a/b~c"
    assert escape("plain") == "plain" and unescape("plain") == "plain"


@given(st.lists(st.text()))
def test_split_reads_back_what_join_writes(tokens: list[str]) -> None:
    assert split(join(tokens)) == tuple(tokens)


def test_child_and_join_write_member_names_escaped_and_indices_as_is() -> None:
    assert child("/paths", "/pets/{id}", "get") == "/paths/~1pets~1{id}/get"
    assert child("", "items", 0, "a~b") == "/items/0/a~0b"
    assert child("/x") == "/x"
    assert join([]) == "" and join(["", ""]) == "//"


def test_split_refuses_text_that_is_not_a_pointer() -> None:
    assert split("") == ()
    assert split("/") == ("",)
    with pytest.raises(PointerError, match="must start with '/'") as caught:
        split("a/b")
    assert caught.value.token is None and isinstance(caught.value, ArazzoError)


@pytest.mark.parametrize(
    ("token", "index"),
    [
        ("0", 0),
        ("7", 7),
        ("12", 12),
        ("01", None),  # leading zeros are not an index
        ("00", None),
        ("-", None),  # past the end: never resolves
        ("-1", None),
        ("+1", None),
        ("1.0", None),
        (" 1", None),
        ("", None),
        ("\u0661", None),  # an Arabic-Indic digit: not ASCII
        ("\u00b2", None),  # superscript two: str.isdigit says yes, int() says no
    ],
)
def test_array_indices_are_decimal_without_leading_zeros(token: str, index: int | None) -> None:
    assert array_index(token) == index


DATA: dict[str, Any] = {
    "a/b": {"~c": [10, {"d": None}, 30]},
    "": "empty name",
    "list": ["x"],
    "text": "abc",
}


@pytest.mark.parametrize(
    ("pointer", "value"),
    [
        ("", DATA),
        ("/a~1b/~0c/0", 10),
        ("/a~1b/~0c/1/d", None),  # a member that is null is found
        ("/", "empty name"),
        ("/list/0", "x"),
    ],
)
def test_find_follows_a_pointer(pointer: str, value: Any) -> None:
    assert find(DATA, pointer) == (True, value)


@pytest.mark.parametrize(
    "pointer",
    ["/a~1b/~0c/3", "/a~1b/~0c/-", "/a~1b/~0c/01", "/a~1b/~0c/-1", "/nope", "/text/0", "x"],
)
def test_find_finds_nothing_where_rfc_6901_resolves_nothing(pointer: str) -> None:
    assert find(DATA, pointer) == (False, None)


def test_follow_names_the_token_that_found_nothing() -> None:
    with pytest.raises(PointerError) as caught:
        follow(DATA, ("a/b", "~c", "-"))
    assert caught.value.token == "-"
    with pytest.raises(PointerError) as caught:
        follow(DATA, ("text", "length"))
    assert caught.value.token == "length"


def test_expression_pointers_are_unescaped_once_and_written_back_escaped() -> None:
    node = parse_expression("$response.body#/a~1b/~0c/0")
    assert isinstance(node, ResponseBody) and node.pointer == ("a/b", "~c", "0")
    assert unparse(node) == "$response.body#/a~1b/~0c/0"


def test_payload_replacement_targets_are_pointers() -> None:
    body = {"items": [1, 2], "a/b": {"~": 0}}
    edited = apply_replacements(body, [("/items/1", 20), ("/a~1b/~0", 5), ("/new", True)])
    assert edited == {"items": [1, 20], "a/b": {"~": 5}, "new": True}
    assert body == {"items": [1, 2], "a/b": {"~": 0}}  # the original is not edited
    assert apply_replacements(body, [("", "whole")]) == "whole"
    for target in ("/items/01", "/items/2", "/items/-", "/missing/x", "/items/0/x"):
        with pytest.raises(RequestBuildError, match=f"'{target}' does not exist"):
            apply_replacements(body, [(target, 0)])
    with pytest.raises(RequestBuildError, match="must start with '/'"):
        apply_replacements(body, [("items", 0)])
