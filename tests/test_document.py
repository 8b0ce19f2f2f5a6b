"""Reading YAML and JSON files: data, positions, and every way reading can fail."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from arazzo_engine.errors import DocumentError, Location
from arazzo_engine.load.pointers import escape
from arazzo_engine.load.reader import MAX_DEPTH, RawDocument, read_document

DOCUMENTS = Path(__file__).parent / "documents"

YAML_TEXT = """\
openapi: 3.0.3
paths:
  /pets/{id}:
    get:
      responses:
        200:
          description: ok
  a~b: tilde
list:
  - first
  -   second: 2
      third: [x, 'y']
flags: {up: yes, down: no, nothing: ~, when: 2024-01-31, hex: 0x1F, ratio: 1.5}
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def fails(path: Path) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    return caught.value


# -- data and positions ---------------------------------------------------------------


def test_yaml_data_follows_safe_load_rules(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "a.yaml", YAML_TEXT))
    flags = doc.data["flags"]
    assert flags == {
        "up": True,
        "down": False,
        "nothing": None,
        "when": "2024-01-31",  # timestamps stay text
        "hex": 31,
        "ratio": 1.5,
    }
    # a plain numeric key (OpenAPI status codes) becomes the text as written
    assert list(doc.data["paths"]["/pets/{id}"]["get"]["responses"]) == ["200"]
    assert doc.data["list"] == ["first", {"second": 2, "third": ["x", "y"]}]


def test_yaml_positions_of_keys_items_and_escaped_tokens(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "a.yaml", YAML_TEXT))
    assert doc.positions[""] == (1, 1)
    assert doc.positions["/paths"] == (2, 1)
    assert doc.positions["/paths/~1pets~1{id}"] == (3, 3)
    assert doc.positions["/paths/~1pets~1{id}/get/responses/200/description"] == (7, 11)
    assert doc.positions["/paths/a~0b"] == (8, 3)
    assert doc.positions["/list/0"] == (10, 5)  # array items: the value's position
    assert doc.positions["/list/1"] == (11, 7)
    assert doc.positions["/list/1/third/1"] == (12, 18)  # at the quote
    assert doc.positions["/flags/when"] == (13, 40)


def test_locate_walks_up_to_the_nearest_known_ancestor(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", YAML_TEXT)
    doc = read_document(path)
    assert doc.locate("/paths/~1pets~1{id}/get") == Location(
        str(path), "/paths/~1pets~1{id}/get", 4, 5
    )
    assert doc.locate("/paths/a~0b/missing/deeper") == Location(
        str(path), "/paths/a~0b/missing/deeper", 8, 3
    )
    empty = RawDocument(file="x.yaml", path=Path("x.yaml"), data={}, positions={})
    assert empty.locate("/a") == Location("x.yaml", "/a", 0, 0)


def test_escape_pointer() -> None:
    assert escape("/a~b/") == "~1a~0b~1"


def test_file_and_path(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yml", "a: 1\n")
    doc = read_document(str(path))
    assert doc.file == str(path)
    assert doc.path == path.resolve()
    assert doc.path.is_absolute()


def test_json_data_and_positions(tmp_path: Path) -> None:
    text = '{\n  "a/b": {"c": [1, 2.5, {"d": null}]},\n\t"e~": "x"\n}\n'
    doc = read_document(write(tmp_path, "a.json", text))
    assert doc.data == json.loads(text)
    assert doc.positions["/a~1b"] == (2, 3)
    assert doc.positions["/a~1b/c"] == (2, 11)
    assert doc.positions["/a~1b/c/2/d"] == (2, 26)
    assert doc.positions["/e~0"] == (3, 2)


def test_json_keeps_json_values_where_yaml_would_differ(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "a.json", '{"on": "yes", "n": 1e3, "x": "2024-01-31"}'))
    assert doc.data == {"on": "yes", "n": 1000.0, "x": "2024-01-31"}


def test_fixture_json_document_has_positions() -> None:
    doc = read_document(DOCUMENTS / "minimal.arazzo.json")
    assert doc.positions["/workflows/0/steps/0"] == (9, 9)


def test_merge_keys_apply_with_explicit_keys_winning(tmp_path: Path) -> None:
    text = "base: &b {p: 1, q: 2}\nm:\n  <<: *b\n  q: 3\n"
    doc = read_document(write(tmp_path, "a.yaml", text))
    assert doc.data["m"] == {"p": 1, "q": 3}
    assert doc.positions["/m/q"] == (4, 3)


def test_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "a.json", b'\xef\xbb\xbf{"a": 1}'))
    assert doc.data == {"a": 1}


def test_a_megabyte_of_yaml_reads_with_every_position(tmp_path: Path) -> None:
    block = "".join(
        f"  op{i}:\n    summary: operation number {i}\n    tags: [a, b]\n    size: {i}\n"
        for i in range(14_000)
    )
    path = write(tmp_path, "big.yaml", "paths:\n" + block)
    assert path.stat().st_size > 1_000_000
    doc = read_document(path)  # its speed is bench/bench_load.py's to measure
    assert doc.data["paths"]["op13999"]["size"] == 13999
    assert doc.positions["/paths/op13999/tags/1"][0] == 1 + 4 * 13999 + 3


# -- failures ---------------------------------------------------------------------------


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    error = fails(write(tmp_path, "a.yaml", "a: 1\nb: [1, 2\nc: 3\n"))
    assert error.location is not None
    assert (error.location.line, error.location.column) == (3, 2)
    assert "invalid YAML" in error.message and "flow sequence" in error.message
    error = fails(write(tmp_path, "b.yaml", "a: b: c\n"))
    assert error.location is not None
    assert (error.location.line, error.location.column) == (1, 5)


def test_json_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    error = fails(write(tmp_path, "a.json", '{\n  "a": 1,\n  "b": \n}\n'))
    assert error.location is not None
    assert (error.location.line, error.location.column) == (4, 1)
    assert error.message == "invalid JSON: Expecting value"
    assert str(error).startswith(f"{tmp_path / 'a.json'}:4:1: ")


def test_duplicate_yaml_key_names_the_key_and_both_lines(tmp_path: Path) -> None:
    error = fails(write(tmp_path, "a.yaml", "a:\n  b: 1\n  c: 2\n  b: 3\n"))
    assert "duplicate key 'b'" in error.message
    assert "line 2" in error.message and "line 4" in error.message
    assert error.location is not None and error.location.line == 4


def test_duplicate_json_key_is_rejected_with_its_line(tmp_path: Path) -> None:
    error = fails(write(tmp_path, "a.json", '{"a": 1,\n "a": 2}'))
    assert "duplicate key 'a'" in error.message
    assert error.location is not None and error.location.line == 2


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("x: 1\n? [a, b]\n: 1\n", 2, "found a sequence"),
        ("x: 1\nyes: 1\n", 2, "'yes' reads as a boolean"),
        ("x: 1\n~: 1\n", 2, "reads as a null"),
    ],
)
def test_non_string_key_is_rejected(tmp_path: Path, text: str, line: int, words: str) -> None:
    error = fails(write(tmp_path, "a.yaml", text))
    assert words in error.message
    assert error.location is not None and error.location.line == line


def test_alias_bomb_is_rejected_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    path = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    started = time.perf_counter()
    error = fails(path)
    assert time.perf_counter() - started < 2.0
    assert "alias" in error.message and "2,000,000" in error.message


def test_recursive_alias_is_rejected(tmp_path: Path) -> None:
    error = fails(write(tmp_path, "a.yaml", "a: &x [*x]\n"))
    assert "nested more than" in error.message


@pytest.mark.parametrize("name", ["deep.yaml", "deep.json"])
def test_deep_nesting_is_rejected(tmp_path: Path, name: str) -> None:
    depth = MAX_DEPTH + 10
    error = fails(write(tmp_path, name, '{"a": ' + "[" * depth + "]" * depth + "}"))
    assert f"more than {MAX_DEPTH} levels" in error.message


def test_nesting_below_the_limit_is_fine(tmp_path: Path) -> None:
    depth = MAX_DEPTH - 5
    doc = read_document(write(tmp_path, "a.json", '{"a": ' + "[" * depth + "]" * depth + "}"))
    value, levels = doc.data["a"], 1
    while value:
        value, levels = value[0], levels + 1
    assert levels == depth


def test_very_deep_json_is_rejected_without_crashing(tmp_path: Path) -> None:
    error = fails(write(tmp_path, "a.json", '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"))
    assert "nested" in error.message


def test_missing_file(tmp_path: Path) -> None:
    error = fails(tmp_path / "nope.yaml")
    assert error.message == f"file not found: {tmp_path / 'nope.yaml'}"


def test_directory(tmp_path: Path) -> None:
    assert "is a directory" in fails(tmp_path).message


def test_not_utf8(tmp_path: Path) -> None:
    error = fails(write(tmp_path, "a.yaml", b"a: 1\nb: caf\xe9\n"))
    assert "not valid UTF-8" in error.message
    assert error.location is not None
    assert (error.location.line, error.location.column) == (2, 7)


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo hi']\n",
        "a: !!python/object:builtins.dict {}\n",
        "a: !!binary aGVsbG8=\n",
        "a: !!set {x, y}\n",
        "a: !custom 1\n",
    ],
)
def test_non_json_tags_are_rejected(tmp_path: Path, text: str) -> None:
    error = fails(write(tmp_path, "a.yaml", text))
    assert "unsupported YAML tag" in error.message
    assert error.location is not None and error.location.line == 1


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("- a\n- b\n", "a list"),
        # Never the text itself: the file may be a secret (a key named as a source url).
        ("just text\n", "a string (plain text, not YAML or JSON with a mapping at its root)"),
    ],
)
def test_root_must_be_a_mapping(tmp_path: Path, text: str, found: str) -> None:
    error = fails(write(tmp_path, "a.yaml", text))
    assert error.message == f"the document root must be a mapping (an object), found {found}"


def test_json_root_must_be_a_mapping(tmp_path: Path) -> None:
    assert "found a list" in fails(write(tmp_path, "a.json", "[1]")).message


def test_empty_file(tmp_path: Path) -> None:
    assert "empty" in fails(write(tmp_path, "a.yaml", "# only a comment\n")).message
