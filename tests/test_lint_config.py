"""Silencing rules: ``--ignore``, ``[tool.arazzo]`` in pyproject.toml, ``# arazzo: ignore[...]``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arazzo_engine.cli.lint_config import ConfigError, find_config, rule_ids
from arazzo_engine.errors import Diagnostic, Location
from arazzo_engine.validation import RULES, finalize
from arazzo_engine.validation.optouts import parse_opt_outs
from tests.validate_project import flow, flow_text, line_of, validate_in, write

Fixtures = tuple[pytest.CaptureFixture[str], pytest.MonkeyPatch]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Fixtures:
    return capsys, monkeypatch


def run(folder: Path, cli: Fixtures, *args: str) -> tuple[int, str, str]:
    done = validate_in(folder, *cli, *args)
    return done.code, done.stdout, done.stderr


# -- --ignore ---------------------------------------------------------------------------


def test_ignore_silences_a_rule_and_the_summary_counts_it(tmp_path: Path, cli: Fixtures) -> None:
    flow(tmp_path)
    code, out, err = run(tmp_path, cli, "flow.arazzo.yaml", "--ignore", "unused-output")
    assert (code, err) == (0, "")
    assert out == "flow.arazzo.yaml: valid (1 workflow, 0 errors, 0 warnings, 1 ignored)\n"


def test_ignore_takes_comma_separated_ids_and_repeats(tmp_path: Path, cli: Fixtures) -> None:
    flow(
        tmp_path,
        text=flow_text().replace("    successCriteria:\n    - condition: $statusCode == 200\n", ""),
    )
    both = run(
        tmp_path, cli, "flow.arazzo.yaml", "--ignore", "unused-output,missing-success-criteria"
    )
    assert both[0] == 0 and "2 ignored" in both[1]
    one = run(tmp_path, cli, "flow.arazzo.yaml", "--ignore", "unused-output", "--format", "json")
    assert [f["rule"] for f in json.loads(one[1])] == ["missing-success-criteria"]


def test_an_unknown_rule_is_a_usage_error_with_close_matches(tmp_path: Path, cli: Fixtures) -> None:
    flow(tmp_path)
    code, out, err = run(tmp_path, cli, "flow.arazzo.yaml", "--ignore", "unused-outputs")
    assert code == 2 and out == ""
    assert err.startswith("error: --ignore: 'unused-outputs' is not a rule id; did you mean ")
    assert "unused-output" in err and "validation/rules.py" in err


def test_ignoring_an_error_is_allowed_and_says_run_still_refuses(
    tmp_path: Path, cli: Fixtures
) -> None:
    flow(tmp_path, text=flow_text(operation="fetchPet"))
    code, out, err = run(tmp_path, cli, "flow.arazzo.yaml", "--ignore", "operation")
    assert code == 0
    assert err.startswith("note: 1 error not shown, by ignored rules or opt-outs (operation): ")
    assert "`arazzo run` and Engine.load still refuse this document" in err
    assert out == "flow.arazzo.yaml: valid (0 errors, 1 warning, 1 ignored)\n"


def test_finalize_drops_ignored_rules() -> None:
    where = Location("f.yaml", "/a", 3, 1)
    found = [
        Diagnostic("warning", "unused-output", "x", where),
        Diagnostic("error", "operation", "y", where),
    ]
    assert [d.rule for d in finalize(found, "f.yaml", ignore=["unused-output"])] == ["operation"]
    assert len(finalize(found, "f.yaml")) == 2


def test_rule_ids_accepts_known_ids_only() -> None:
    found = rule_ids(["dotted-name,unused-output", " dotted-name"], "--ignore")
    assert found == ("dotted-name", "unused-output")
    with pytest.raises(ConfigError, match="'nope' is not a rule id"):
        rule_ids(["nope"], "--ignore")


# -- [tool.arazzo] ----------------------------------------------------------------------


def test_pyproject_above_the_current_directory_is_found(tmp_path: Path, cli: Fixtures) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.arazzo]\nignore = ["unused-output"]\n',
    )
    write(
        tmp_path / "sub" / "pyproject.toml", '[project]\nname = "inner"\n'
    )  # no table: passed over
    flow(tmp_path / "sub" / "flows")
    code, out, err = run(tmp_path / "sub", cli, "flows")
    assert (code, err) == (0, "")
    assert out == "flows/flow.arazzo.yaml: valid (1 workflow, 0 errors, 0 warnings, 1 ignored)\n"
    assert find_config(tmp_path / "sub").file == tmp_path / "pyproject.toml"


def test_no_config_leaves_pyproject_unread(tmp_path: Path, cli: Fixtures) -> None:
    write(tmp_path / "pyproject.toml", "[tool.arazzo]\nstrict = true\n")
    flow(tmp_path)
    assert run(tmp_path, cli, "flow.arazzo.yaml")[0] == 2
    assert run(tmp_path, cli, "flow.arazzo.yaml", "--no-config")[0] == 0


def test_strict_from_pyproject_makes_warnings_errors(tmp_path: Path, cli: Fixtures) -> None:
    write(tmp_path / "pyproject.toml", "[tool.arazzo]\nstrict = true\nallow-remote = false\n")
    flow(tmp_path)
    code, _, err = run(tmp_path, cli, "flow.arazzo.yaml")
    assert code == 2 and ": error: output 'tag'" in err


def test_an_unknown_key_names_the_file_and_the_key(tmp_path: Path, cli: Fixtures) -> None:
    write(tmp_path / "pyproject.toml", "[tool.arazzo]\nallow_remote = true\n")
    flow(tmp_path)
    code, out, err = run(tmp_path, cli, "flow.arazzo.yaml")
    assert code == 2 and out == ""
    assert err.startswith(
        f"error: {tmp_path / 'pyproject.toml'}: [tool.arazzo] has an unknown key 'allow_remote'; "
        "did you mean 'allow-remote'?"
    )


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ('ignore = "unused-output"', "ignore must be a list of rule ids"),
        ('ignore = ["unused-outputs"]', "ignore: 'unused-outputs' is not a rule id"),
        ('strict = "yes"', "strict must be true or false, got 'yes'"),
        ("ignore = [", "invalid TOML: "),
    ],
)
def test_a_wrong_value_names_the_file(
    tmp_path: Path, cli: Fixtures, table: str, fragment: str
) -> None:
    write(tmp_path / "pyproject.toml", f"[tool.arazzo]\n{table}\n")
    flow(tmp_path)
    code, _, err = run(tmp_path, cli, "flow.arazzo.yaml")
    assert code == 2
    assert err.startswith(f"error: {tmp_path / 'pyproject.toml'}: ")
    assert fragment in err


# -- # arazzo: ignore[...] ----------------------------------------------------------------


def test_an_opt_out_at_the_end_of_the_line_silences_it(tmp_path: Path, cli: Fixtures) -> None:
    flow(tmp_path, text=flow_text(tag_comment="# arazzo: ignore[unused-output]"))
    code, out, err = run(tmp_path, cli, "flow.arazzo.yaml")
    assert (code, err) == (0, "")
    assert out.endswith("(1 workflow, 0 errors, 0 warnings, 1 ignored)\n")


def test_an_opt_out_alone_on_the_line_above_silences_the_next_line(
    tmp_path: Path, cli: Fixtures
) -> None:
    text = flow_text(
        above_tag="# arazzo: ignore[dotted-name, unused-output]\n      # why: shown in results"
    )
    flow(tmp_path, text=text)
    code, out, err = run(tmp_path, cli, "flow.arazzo.yaml")
    assert code == 0
    assert "1 ignored" in out
    # dotted-name silenced nothing on that line: said, at the comment's own place
    comment = line_of(tmp_path / "flow.arazzo.yaml", "arazzo: ignore")
    assert err.startswith(f"flow.arazzo.yaml:{comment}:7: warning: '# arazzo: ignore[dotted-name, ")
    assert "silences nothing: no dotted-name finding on line" in err and "[unused-ignore]" in err


def test_an_opt_out_for_another_rule_or_line_silences_nothing(
    tmp_path: Path, cli: Fixtures
) -> None:
    flow(tmp_path, text=flow_text(tag_comment="# arazzo: ignore[dotted-name]"))
    code, out, _ = run(tmp_path, cli, "flow.arazzo.yaml", "--format", "json")
    assert code == 0
    assert sorted(f["rule"] for f in json.loads(out)) == ["unused-ignore", "unused-output"]


def test_an_opt_out_naming_no_rule_is_reported(tmp_path: Path, cli: Fixtures) -> None:
    flow(tmp_path, text=flow_text(tag_comment="# arazzo: ignore[unused-outputs]"))
    code, out, _ = run(tmp_path, cli, "flow.arazzo.yaml", "--format", "json")
    assert code == 0
    messages = {f["rule"]: f["message"] for f in json.loads(out)}
    assert (
        "names 'unused-outputs', which is no rule id; did you mean unused-output"
        in (messages["unused-ignore"])
    )
    assert "unused-output" in messages


def test_an_opt_out_without_rules_is_reported(tmp_path: Path, cli: Fixtures) -> None:
    flow(tmp_path, text=flow_text(tag_comment="# arazzo: ignore"))
    _, out, _ = run(tmp_path, cli, "flow.arazzo.yaml", "--format", "json")
    (reported,) = [f for f in json.loads(out) if f["rule"] == "unused-ignore"]
    assert "must name the rules it silences" in reported["message"]


def test_unused_opt_outs_wait_for_a_document_without_errors(tmp_path: Path, cli: Fixtures) -> None:
    text = flow_text(operation="fetchPet", tag_comment="# arazzo: ignore[dotted-name]")
    flow(tmp_path, text=text)
    code, out, _ = run(tmp_path, cli, "flow.arazzo.yaml", "--format", "json")
    assert code == 2
    assert "unused-ignore" not in {f["rule"] for f in json.loads(out)}


def test_with_no_sources_an_opt_out_of_a_rule_not_checked_is_not_unused(
    tmp_path: Path, cli: Fixtures
) -> None:
    text = flow_text(operation="fetchPet  # arazzo: ignore[operation]", output_read=True)
    flow(tmp_path, text=text)
    with_sources = run(tmp_path, cli, "flow.arazzo.yaml")
    assert with_sources[0] == 0 and "1 ignored" in with_sources[1]
    code, out, err = run(tmp_path, cli, "flow.arazzo.yaml", "--no-sources")
    assert code == 0 and "unused-ignore" not in err
    assert out == "flow.arazzo.yaml: valid (1 workflow, 0 errors, 0 warnings)\n"


def test_ignore_also_silences_unused_ignore(tmp_path: Path, cli: Fixtures) -> None:
    flow(tmp_path, text=flow_text(tag_comment="# arazzo: ignore[dotted-name]"))
    _, out, _ = run(
        tmp_path, cli, "flow.arazzo.yaml", "--ignore", "unused-ignore", "--format", "json"
    )
    assert [f["rule"] for f in json.loads(out)] == ["unused-output"]


def test_parsing_opt_outs() -> None:
    text = (
        "a: 1  # arazzo: ignore[unused-output]\n"
        "b: 'x#arazzo: ignore[dotted-name]'\n"
        "# arazzo:ignore[ dotted-name ,unused-output ]\n"
        "\n"
        "# another comment\n"
        "c: 2\n"
    )
    found = parse_opt_outs(text, "f.yaml")
    assert [(o.line, o.column, o.target, o.rules) for o in found] == [
        (1, 7, 1, ("unused-output",)),
        (3, 1, 6, ("dotted-name", "unused-output")),
    ]
    assert all(rule in RULES for o in found for rule in o.rules)
