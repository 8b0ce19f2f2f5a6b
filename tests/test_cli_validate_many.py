"""``arazzo validate PATH...``: files and folders, one summary, relative paths, --no-sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arazzo_engine.cli.validate import documents, shown_path
from arazzo_engine.load.project import ProjectLoader
from tests.validate_project import (
    flow,
    flow_text,
    line_of,
    validate_in,
    validate_process,
    write,
)

MAIN = """\
arazzo: 1.0.1
info: {title: main, version: '1'}
sourceDescriptions:
- {name: lib, url: shared/lib.arazzo.yaml, type: arazzo}
workflows:
- workflowId: main
  steps:
  - stepId: call
    workflowId: $sourceDescriptions.lib.w
"""


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    """flows/: two valid documents (one YAML, one JSON), one with a warning, and decoys."""
    folder = tmp_path / "flows"
    flow(folder, "a.arazzo.yaml", flow_text(output_read=True))
    flow(folder / "sub", "b.arazzo.yml")  # one unused-output warning
    as_json = {
        "arazzo": "1.0.1",
        "info": {"title": "j", "version": "1"},
        "sourceDescriptions": [{"name": "api", "url": "api.openapi.yaml", "type": "openapi"}],
        "workflows": [
            {
                "workflowId": "j",
                "steps": [
                    {
                        "stepId": "get",
                        "operationId": "getPet",
                        "parameters": [{"name": "petId", "in": "path", "value": "1"}],
                        "successCriteria": [{"condition": "$statusCode == 200"}],
                    }
                ],
            }
        ],
    }
    write(folder / "c.arazzo.json", json.dumps(as_json))
    write(folder / "notes.yaml", "not: an arazzo document\n")
    write(folder / ".hidden" / "x.arazzo.yaml", "broken: [\n")
    write(folder / "node_modules" / "y.arazzo.yaml", "broken: [\n")
    return folder


def test_a_folder_means_its_arazzo_documents_recursively_sorted(flows: Path) -> None:
    found = documents([str(flows)])
    assert [Path(p).relative_to(flows).as_posix() for p in found] == [
        "a.arazzo.yaml",
        "c.arazzo.json",
        "sub/b.arazzo.yml",
    ]


def test_a_folder_is_checked_with_one_summary(
    flows: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    done = validate_in(flows.parent, capsys, monkeypatch, "flows")
    assert done.code == 0, done.stderr
    warning = f"flows/sub/b.arazzo.yml:{line_of(flows / 'sub/b.arazzo.yml', 'tag:')}:7: warning:"
    assert done.stderr.startswith(warning)
    assert "[unused-output]" in done.stderr
    assert done.stdout == "3 documents: 3 valid, 0 invalid; 0 errors, 1 warning\n"


def test_one_invalid_document_makes_exit_2_and_is_named(
    flows: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow(flows, "bad.arazzo.yaml", flow_text(operation="fetchPet", output_read=True))
    done = validate_in(flows.parent, capsys, monkeypatch, "flows")
    assert done.code == 2
    lines = done.stderr.splitlines()
    assert lines[0].startswith("flows/bad.arazzo.yaml:9:5: error: operationId 'fetchPet'")
    assert "flows/bad.arazzo.yaml: invalid" in lines
    assert lines[-1] == "4 documents: 3 valid, 1 invalid; 1 error, 1 warning"
    assert done.stdout == ""


def test_files_and_folders_mix_and_a_file_named_twice_is_checked_once(
    flows: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    other = flow(flows.parent / "other", "any-name.yaml", flow_text(output_read=True))
    args = ("flows/sub", str(other), "other/any-name.yaml", "flows/sub/b.arazzo.yml")
    done = validate_in(flows.parent, capsys, monkeypatch, *args)
    assert done.code == 0
    assert done.stdout == "2 documents: 2 valid, 0 invalid; 0 errors, 1 warning\n"


def test_a_folder_without_documents_is_a_usage_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "empty" / "readme.yaml", "a: 1\n")
    done = validate_in(tmp_path, capsys, monkeypatch, "empty")
    assert done.code == 2
    assert done.stderr.startswith("error: empty: the folder holds no Arazzo document")
    assert "*.arazzo.yaml, *.arazzo.yml, *.arazzo.json" in done.stderr


def test_json_is_one_list_of_every_finding_with_relative_files(
    flows: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow(flows, "bad.arazzo.yaml", flow_text(operation="fetchPet", output_read=True))
    done = validate_in(flows.parent, capsys, monkeypatch, "flows", "--format", "json")
    assert done.code == 2
    found = json.loads(done.stdout)
    assert [(f["file"], f["rule"], f["severity"]) for f in found] == [
        ("flows/bad.arazzo.yaml", "operation", "error"),
        ("flows/sub/b.arazzo.yml", "unused-output", "warning"),
    ]
    assert done.stderr.strip() == "4 documents: 3 valid, 1 invalid; 1 error, 1 warning"
    single = validate_in(flows.parent, capsys, monkeypatch, "flows/sub", "--format", "json")
    assert [f["file"] for f in json.loads(single.stdout)] == ["flows/sub/b.arazzo.yml"]


def test_github_annotations_across_files_attach_by_relative_path(
    flows: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow(flows, "bad.arazzo.yaml", flow_text(operation="fetchPet", output_read=True))
    done = validate_in(flows.parent, capsys, monkeypatch, "flows", "--format", "github")
    assert done.code == 2
    first, second = done.stdout.splitlines()
    assert first.startswith("::error file=flows/bad.arazzo.yaml,line=9,col=5,title=operation::")
    tag = line_of(flows / "sub/b.arazzo.yml", "tag:")
    assert second.startswith(
        f"::warning file=flows/sub/b.arazzo.yml,line={tag},col=7,title=unused-output::"
    )


def test_findings_in_a_referenced_document_are_relative_and_shown_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = flow(tmp_path / "shared", "lib.arazzo.yaml")
    write(tmp_path / "one.arazzo.yaml", MAIN)
    write(tmp_path / "two.arazzo.yaml", MAIN.replace("title: main", "title: two"))
    done = validate_in(
        tmp_path, capsys, monkeypatch, "one.arazzo.yaml", str(tmp_path / "two.arazzo.yaml")
    )
    assert done.code == 0, done.stderr
    head = f"shared/lib.arazzo.yaml:{line_of(lib, 'tag:')}:7: warning: output 'tag'"
    assert done.stderr.startswith(head)
    assert done.stderr.count("[unused-output]") == 1
    assert str(tmp_path) not in done.stderr
    assert done.stdout == "2 documents: 2 valid, 0 invalid; 0 errors, 1 warning\n"


def test_a_file_outside_the_current_directory_is_shown_absolute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = flow(tmp_path / "elsewhere")
    (tmp_path / "here").mkdir()
    done = validate_in(tmp_path / "here", capsys, monkeypatch, "../elsewhere/flow.arazzo.yaml")
    assert done.code == 0
    assert done.stderr.startswith(f"{target}:{line_of(target, 'tag:')}:7: warning:")
    assert done.stdout.startswith(f"{target}: valid (1 workflow, 0 errors, 1 warning)")


def test_shown_path_rules(tmp_path: Path) -> None:
    base = str(tmp_path)
    assert shown_path(str(tmp_path / "a" / "f.yaml"), base) == "a/f.yaml"
    assert shown_path("./a/../b.yaml", base) == "b.yaml"
    assert shown_path(str(tmp_path.parent / "x.yaml"), base) == str(tmp_path.parent / "x.yaml")
    assert shown_path("https://example.com/f.yaml", base) == "https://example.com/f.yaml"
    sibling = tmp_path.parent / (tmp_path.name + "-sibling") / "f.yaml"
    assert shown_path(str(sibling), base) == str(sibling)


def test_no_sources_checks_the_document_alone_and_says_what_it_did_not_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(tmp_path / "flow.arazzo.yaml", flow_text(source="missing/api.yaml"))
    with_sources = validate_in(tmp_path, capsys, monkeypatch, "flow.arazzo.yaml")
    assert with_sources.code == 2 and "[source-unreadable]" in with_sources.stderr
    done = validate_in(tmp_path, capsys, monkeypatch, "flow.arazzo.yaml", "--no-sources")
    assert done.code == 0, done.stderr
    note, *rest = done.stderr.splitlines()
    assert note.startswith("note: --no-sources: source descriptions were not read; not checked: ")
    not_checked, _, partly = note.partition("; checked only within the document")
    for rule in ("source-unreadable", "path-parameter", "no-response-body"):
        assert rule in not_checked
    assert "operation" in partly and "workflow-reference" in partly
    assert "[operation]" not in done.stderr and "[source-unreadable]" not in done.stderr
    assert rest[0].startswith(f"flow.arazzo.yaml:{line_of(target, 'tag:')}:7: warning:")
    assert done.stdout == "flow.arazzo.yaml: valid (1 workflow, 0 errors, 1 warning)\n"


def test_no_sources_still_reports_what_the_document_alone_breaks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = flow_text(operation="noSuchOperation") + "  outputs:\n    x: $steps.nope.outputs.tag\n"
    write(tmp_path / "flow.arazzo.yaml", text)
    done = validate_in(
        tmp_path, capsys, monkeypatch, "flow.arazzo.yaml", "--no-sources", "--format", "json"
    )
    assert done.code == 2
    assert sorted(f["rule"] for f in json.loads(done.stdout)) == ["unknown-step"]
    assert "not checked: " in done.stderr


def test_no_sources_refuses_options_about_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow(tmp_path)
    done = validate_in(
        tmp_path, capsys, monkeypatch, "flow.arazzo.yaml", "--no-sources", "--source", "api=x.yaml"
    )
    assert done.code == 2
    assert "--source and --no-sources were both given" in done.stderr


def test_the_loader_without_sources_reads_none_and_reports_no_unknown_operation(
    tmp_path: Path,
) -> None:
    write(tmp_path / "api.openapi.yaml", "this is: [not read\n")
    path = write(tmp_path / "flow.arazzo.yaml", flow_text(operation="$sourceDescriptions.api.x"))
    project = ProjectLoader(
        servers={}, source_paths={}, allow_remote=False, read_sources=False
    ).load(path)
    assert [d.rule for d in project.diagnostics] == ["unused-output"]
    assert list(project.plans) == ["w"] and project.plans["w"].steps[0].call is None
    read = ProjectLoader(servers={}, source_paths={}, allow_remote=False).load(path)
    assert "source-unreadable" in {d.rule for d in read.diagnostics}


def test_through_a_real_process_the_exit_code_and_streams(flows: Path) -> None:
    flow(flows, "bad.arazzo.yaml", flow_text(operation="fetchPet", output_read=True))
    done = validate_process(flows.parent, "flows", str(flows / "sub"))
    assert done.code == 2
    assert done.stdout == ""
    assert done.stderr.splitlines()[-1] == "4 documents: 3 valid, 1 invalid; 1 error, 1 warning"
    assert validate_process(flows.parent, "flows/a.arazzo.yaml", "flows/c.arazzo.json").code == 0


def test_no_sources_still_reports_a_source_the_document_does_not_declare(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = flow_text(operation="$sourceDescriptions.API.getPet", output_read=True)
    write(tmp_path / "flow.arazzo.yaml", text)
    done = validate_in(tmp_path, capsys, monkeypatch, "flow.arazzo.yaml", "--no-sources")
    assert done.code == 2
    assert done.stderr.splitlines()[1] == (
        "flow.arazzo.yaml:9:5: error: '$sourceDescriptions.API.getPet' names source 'API', "
        "which is not an API source description (OpenAPI or AsyncAPI) of this document "
        "(have: api); did you "
        "mean 'api'? (names are case-sensitive) [operation]"
    )


def test_no_sources_in_github_format_is_a_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "flow.arazzo.yaml", flow_text(source="missing.yaml", output_read=True))
    done = validate_in(
        tmp_path, capsys, monkeypatch, "flow.arazzo.yaml", "--no-sources", "--format", "github"
    )
    assert done.code == 0
    (notice,) = done.stdout.splitlines()
    assert notice.startswith("::notice title=arazzo validate::--no-sources: source descriptions")
    assert done.stderr == "flow.arazzo.yaml: valid (1 workflow, 0 errors, 0 warnings)\n"
