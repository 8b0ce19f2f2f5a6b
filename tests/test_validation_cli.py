"""``arazzo validate`` through a real subprocess: the text, JSON and GitHub formats, exit codes."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.cli_run import arazzo
from tests.validation_corpus import CORPUS

KEYS = {"severity", "file", "line", "column", "pointer", "message", "rule"}


def validate(*args: str) -> subprocess.CompletedProcess[str]:
    return arazzo("validate", *args)


def doc(name: str) -> str:
    return str(CORPUS / f"{name}.arazzo.yaml")


def shown(name: str) -> str:
    """How ``validate`` names a corpus document: relative to the directory it runs in."""
    return f"tests/bad_documents/{name}.arazzo.yaml"


def test_text_is_compiler_style_with_the_pointer_below() -> None:
    done = validate(doc("unknown-step"))
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0] == (
        f"{shown('unknown-step')}:22:5: error: '$steps.fetch.outputs.name' names step 'fetch', "
        "which workflow 'w' does not have (its steps: 'get'); $steps reads steps of the same "
        "workflow [unknown-step]"
    )
    assert lines[1] == "    at #/workflows/0/outputs/name"
    assert lines[-1] == f"{shown('unknown-step')}: invalid (1 error, 0 warnings)"
    assert done.stdout == ""


def test_text_keeps_the_caret_under_an_expression() -> None:
    done = validate(doc("criterion"))
    assert done.returncode == 2
    first, quoted, caret, pointer = done.stderr.splitlines()[:4]
    assert re.fullmatch(rf"{re.escape(shown('criterion'))}:18:7: error: .* \[criterion\]", first)
    assert quoted == "    $statusCode = = 200"
    assert caret == "                ^"
    assert pointer == "    at #/workflows/0/steps/0/successCriteria/0/condition"


def test_json_lists_every_finding_for_tools() -> None:
    done = validate(doc("parameter-in-ignored"), "--format", "json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found == [
        {
            "severity": "warning",
            "file": shown("parameter-in-ignored"),
            "line": 13,
            "column": 7,
            "pointer": "/workflows/0/steps/0/parameters/1",
            "message": found[0]["message"],
            "rule": "parameter-in-ignored",
        }
    ]
    assert "only parameters without 'in' are passed" in found[0]["message"]


def test_json_puts_errors_first() -> None:
    done = validate(doc("unknown-output"), "--format", "json")
    assert done.returncode == 2
    found = json.loads(done.stdout)
    assert all(set(item) == KEYS for item in found)
    severities = [item["severity"] for item in found]
    assert severities == sorted(severities)  # "error" < "warning"
    assert found[0]["rule"] == "unknown-output"


def test_github_annotations(tmp_path: Path) -> None:
    done = validate(doc("criterion"), "--format", "github")
    assert done.returncode == 2
    (line,) = done.stdout.splitlines()
    head, _, message = line.partition("::")[2].partition("::")
    assert head == f"error file={shown('criterion')},line=18,col=7,title=criterion"
    assert "%0A    $statusCode = = 200%0A" in message  # newlines escaped, one line per annotation
    assert message.endswith("(at #/workflows/0/steps/0/successCriteria/0/condition)")


def test_github_escapes_commas_and_colons_in_properties(tmp_path: Path) -> None:
    folder = tmp_path / "a,b:c"
    folder.mkdir()
    target = folder / "flow.arazzo.yaml"
    target.write_text((CORPUS / "goto-self-loop.arazzo.yaml").read_text())
    (folder / "api.openapi.yaml").write_text((CORPUS / "api.openapi.yaml").read_text())
    done = validate(str(target), "--format", "github")
    assert done.returncode == 0, done.stdout
    escaped = str(target).replace(",", "%2C").replace(":", "%3A")
    assert done.stdout.startswith(f"::warning file={escaped},line=20,col=7,title=goto-self-loop::")


def test_warnings_are_printed_for_a_valid_document() -> None:
    done = validate(doc("unused-output"))
    assert done.returncode == 0
    assert done.stderr.startswith(f"{shown('unused-output')}:21:7: warning: output 'tag'")
    assert "[unused-output]" in done.stderr
    summary = f"{shown('unused-output')}: valid (1 workflow, 0 errors, 1 warning)"
    assert done.stdout.strip() == summary


def test_strict_makes_warnings_errors() -> None:
    done = validate(doc("unused-output"), "--strict", "--format", "json")
    assert done.returncode == 2
    (item,) = json.loads(done.stdout)
    assert (item["severity"], item["rule"]) == ("error", "unused-output")
    assert validate(doc("valid"), "--strict").returncode == 0


def test_source_option_points_a_source_elsewhere() -> None:
    api = str(CORPUS / "api.openapi.yaml")
    broken = validate(doc("source-unreadable"), "--format", "json")
    assert broken.returncode == 2
    assert [i["rule"] for i in json.loads(broken.stdout)] == ["source-unreadable"]
    fixed = validate(doc("source-unreadable"), "--source", f"api={api}")
    assert fixed.returncode == 0, fixed.stderr


def test_a_source_option_naming_nothing_is_a_configuration_finding() -> None:
    done = validate(doc("valid"), "--source", "nope=x.yaml", "--format", "json")
    assert done.returncode == 2
    (item,) = json.loads(done.stdout)
    assert item["rule"] == "configuration" and "'nope'" in item["message"]


def test_a_malformed_option_is_a_usage_finding() -> None:
    done = validate(doc("valid"), "--source", "no-equals-sign", "--format", "json")
    assert done.returncode == 2
    (item,) = json.loads(done.stdout)
    assert item["rule"] == "usage" and "NAME=VALUE" in item["message"]


def test_yaml_syntax_errors_are_findings_too() -> None:
    done = validate(doc("document"), "--format", "json")
    assert done.returncode == 2
    (item,) = json.loads(done.stdout)
    assert (item["rule"], item["line"], item["file"]) == ("document", 13, shown("document"))


def test_a_missing_file_exits_2_in_every_format() -> None:
    for form in ("text", "json", "github"):
        done = validate("no/such/file.arazzo.yaml", "--format", form)
        assert done.returncode == 2
        assert "file not found" in done.stdout + done.stderr


def test_an_unknown_format_is_refused() -> None:
    done = validate(doc("valid"), "--format", "xml")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_help_is_plain_text_and_says_what_each_command_does_with_a_server() -> None:
    top = arazzo("--help")
    assert top.returncode == 0 and "``" not in top.stdout
    checked = arazzo("validate", "--help")
    assert "no request is sent" in " ".join(checked.stdout.split())
    assert "send a source's requests" in " ".join(arazzo("run", "--help").stdout.split())
