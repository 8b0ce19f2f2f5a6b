"""The expression parser's tables kept between processes (expressions/parser_cache.py).

A parser loaded from the cache must parse, and fail, exactly as one built from
the grammar; a file made from another grammar, a damaged file, and a folder that
cannot be written all end in a parser built from the grammar, never an error.
Lark marks a parser it loaded from a file with ``source_path == '<deserialized>'``,
which tells the two apart here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark
from lark.exceptions import UnexpectedInput

from arazzo_engine.expressions.lark_transformer import ToAst
from arazzo_engine.expressions.parse_errors import explain
from arazzo_engine.expressions.parser import PARSER_OPTIONS, _grammar_text, _new_parser
from arazzo_engine.expressions.parser_cache import cache_file, cache_folder

LOADED = "<deserialized>"
GRAMMAR = _grammar_text()
OPTIONS = {**PARSER_OPTIONS, "transformer": ToAst()}
"""What ``_new_parser`` gives Lark (the cache file's name depends on them)."""

SAMPLES = [
    ("expression", "$statusCode"),
    ("expression", "$response.body#/items/0/name"),
    ("expression", "$steps.getPet.outputs.name#/a~1b"),
    ("expression", "$inputs.petId"),
    ("expression", "$request.header.X-Trace"),
    ("expression", "$components.parameters.page"),
    ("expression", "$sourceDescriptions.pets.url"),
    ("expression", "$workflows.adopt.outputs.petName"),
    ("expression", "$steps.getPet"),
    ("expression", "$inputs"),
    ("expression", "$response.body#/a~2"),
    ("expression", "$nope"),
    ("condition", "$statusCode == 200"),
    ("condition", "$statusCode == 200 && !($response.body#/done || $inputs.x != 'a''b')"),
    ("condition", '$response.body#/tags[0].k == "a\\u0041"'),
    ("condition", "$inputs.n >= -1.5e3 && $inputs.flag == true || $inputs.v == null"),
    ("condition", "$statusCode == "),
    ("condition", "($statusCode == 200"),
    ("condition", "$statusCode = 200"),
    ("condition", "'a' 'b'"),
    ("condition", '"\\q" == 1'),
    ("condition", "$inputs.list[99999999999999999999999] == 1"),
    ("condition", "!"),
    ("condition", "$statusCode == 200 &&"),
]


def _outcome(parser: Lark, text: str, start: str) -> tuple[str, Any]:
    """What the parser makes of ``text``: its AST, or where and why it fails."""
    try:
        return "parsed", parser.parse(text, start=start)
    except UnexpectedInput as exc:
        return "failed", explain(parser, text, start, exc)
    except Exception as exc:  # the transformer's own errors (a too-large index)
        return "raised", (type(exc).__name__, str(exc))


@pytest.fixture(scope="module")
def parsers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Lark, Lark]:
    """A parser built from the grammar and one loaded from a cache file."""
    folder = tmp_path_factory.mktemp("cache")
    built = _new_parser(GRAMMAR, folder)
    loaded = _new_parser(GRAMMAR, folder)
    assert built.source_path != LOADED and loaded.source_path == LOADED
    return built, loaded


def test_the_first_build_saves_the_tables_and_the_second_loads_them(tmp_path: Path) -> None:
    first = _new_parser(GRAMMAR, tmp_path)
    saved = list(tmp_path.iterdir())
    assert [p.name for p in saved] == [cache_file(tmp_path, GRAMMAR, OPTIONS).name]
    assert first.source_path != LOADED
    second = _new_parser(GRAMMAR, tmp_path)
    assert second.source_path == LOADED
    assert list(tmp_path.iterdir()) == saved  # nothing partial left beside it


@pytest.mark.parametrize(("start", "text"), SAMPLES)
def test_a_loaded_parser_parses_and_fails_as_a_built_one(
    parsers: tuple[Lark, Lark], start: str, text: str
) -> None:
    built, loaded = parsers
    assert _outcome(loaded, text, start) == _outcome(built, text, start)


EXPRESSION_ALPHABET = st.sampled_from(
    [
        *"$.#/~01_-azAZ{}()[]<>=!&|'\" ",
        *("$statusCode", "$inputs.", "$response.body#/", "$steps.s.outputs.", " == ", " && "),
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["expression", "condition"]),
    st.lists(EXPRESSION_ALPHABET, max_size=12).map("".join),
)
def test_a_loaded_parser_agrees_with_a_built_one_on_any_text(
    parsers: tuple[Lark, Lark], start: str, text: str
) -> None:
    built, loaded = parsers
    assert _outcome(loaded, text, start) == _outcome(built, text, start)


def test_a_file_made_from_another_grammar_is_never_used(tmp_path: Path) -> None:
    other_grammar = GRAMMAR + '\n// another grammar\nexpression_extra: "$extra"\n'
    other = tmp_path / "other"
    _new_parser(other_grammar, other)
    (made,) = other.iterdir()
    target = cache_file(tmp_path, GRAMMAR, OPTIONS)
    shutil.copy(made, target)  # the other grammar's tables under this grammar's name
    parser = _new_parser(GRAMMAR, tmp_path)
    assert parser.source_path != LOADED
    assert "expression_extra" not in {rule.origin.name for rule in parser.rules}
    assert _new_parser(GRAMMAR, tmp_path).source_path == LOADED  # rebuilt and saved again


def test_the_file_name_changes_with_the_grammar_and_the_options(tmp_path: Path) -> None:
    class OtherTransformer(ToAst):
        pass

    names = {
        cache_file(tmp_path, GRAMMAR, OPTIONS),
        cache_file(tmp_path, GRAMMAR + "\n", OPTIONS),
        cache_file(tmp_path, GRAMMAR, {**OPTIONS, "maybe_placeholders": False}),
        cache_file(tmp_path, GRAMMAR, {**OPTIONS, "transformer": OtherTransformer()}),
    }
    assert len(names) == 4
    assert cache_file(tmp_path, GRAMMAR, {**OPTIONS, "transformer": ToAst()}) in names


def test_a_damaged_file_is_rebuilt_without_an_error(tmp_path: Path) -> None:
    target = cache_file(tmp_path, GRAMMAR, OPTIONS)
    target.write_bytes(b"not a parser\n\x00\x01")
    parser = _new_parser(GRAMMAR, tmp_path)
    assert parser.source_path != LOADED
    assert _outcome(parser, "$statusCode == 200", "condition")[0] == "parsed"
    assert _new_parser(GRAMMAR, tmp_path).source_path == LOADED


def test_a_folder_that_cannot_be_made_means_building_with_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way", encoding="utf-8")
    parser = _new_parser(GRAMMAR, blocker / "cache")
    assert parser.source_path != LOADED
    assert _outcome(parser, "$statusCode == 200", "condition")[0] == "parsed"
    assert blocker.read_text(encoding="utf-8") == "in the way"


def test_a_file_that_cannot_be_written_means_building_with_no_error(tmp_path: Path) -> None:
    target = cache_file(tmp_path, GRAMMAR, OPTIONS)
    target.mkdir()  # a folder where the file should go: neither read nor written
    for _ in range(2):
        parser = _new_parser(GRAMMAR, tmp_path)
        assert parser.source_path != LOADED
        assert _outcome(parser, "$inputs.a", "expression")[0] == "parsed"
    assert target.is_dir() and not any(target.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_the_cache_folder_is_the_users_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "arazzo-engine"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_folder() == tmp_path / "home" / ".cache" / "arazzo-engine"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_folder() == tmp_path / "home" / ".cache" / "arazzo-engine"


def test_a_process_saves_the_tables_for_the_next_in_its_cache_folder(tmp_path: Path) -> None:
    probe = (
        "from arazzo_engine.expressions import parse_condition\n"
        "from arazzo_engine.expressions import parser\n"
        "print(parse_condition('$statusCode == 200'))\n"
        "print(parser._get_parser().source_path)\n"
    )
    env = {"XDG_CACHE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
        ).stdout.splitlines()
        for _ in range(2)
    ]
    assert runs[0][0] == runs[1][0]
    assert runs[0][1] != LOADED and runs[1][1] == LOADED
    assert len(list((tmp_path / "arazzo-engine").iterdir())) == 1


@pytest.mark.parametrize("shared", ["folder", "file"])
def test_tables_others_could_write_are_never_loaded(tmp_path: Path, shared: str) -> None:
    """Lark's saved tables are a pickle: one another user could have written is not read."""
    folder = tmp_path / "cache"
    _new_parser(GRAMMAR, folder)
    assert _new_parser(GRAMMAR, folder).source_path == LOADED
    target = cache_file(folder, GRAMMAR, OPTIONS)
    (folder if shared == "folder" else target).chmod(0o777 if shared == "folder" else 0o666)
    parser = _new_parser(GRAMMAR, folder)
    assert parser.source_path != LOADED
    assert _outcome(parser, "$statusCode == 200", "condition")[0] == "parsed"
