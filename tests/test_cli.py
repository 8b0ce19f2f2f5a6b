"""The command line through a real subprocess: exit codes, JSON shape, redaction."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures.fal.fake_fal_server import FakeFalServer
from tests.cli_run import arazzo, fal_args
from tests.conftest import FAL_WORKFLOW, ROOT

PETS = Path(__file__).parent / "workflows" / "pets.arazzo.yaml"


def test_validate_exits_0_on_a_valid_document() -> None:
    done = arazzo("validate", str(FAL_WORKFLOW))
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stdout


def test_validate_exits_2_with_location_on_a_broken_document(tmp_path: Path) -> None:
    broken = tmp_path / "broken.arazzo.yaml"
    broken.write_text(FAL_WORKFLOW.read_text().replace("$statusCode == 200", "$statusCode = = 200"))
    api = ROOT / "fixtures" / "fal" / "openapi" / "fal-model-apis-openapi.yml"
    done = arazzo("validate", str(broken), "--source", f"falModelApis={api}")
    assert done.returncode == 2
    assert f"{broken}:53:" in done.stderr and "successCriteria" in done.stderr
    assert "$statusCode = = 200" in done.stderr and "^" in done.stderr


def test_unreadable_source_names_the_path_and_the_way_out(tmp_path: Path) -> None:
    moved = tmp_path / "flow.arazzo.yaml"
    moved.write_text(FAL_WORKFLOW.read_text())
    done = arazzo("validate", str(moved))
    assert done.returncode == 2
    assert "falModelApis" in done.stderr
    assert str(tmp_path.parent / "openapi" / "fal-model-apis-openapi.yml") in done.stderr
    assert "--source falModelApis=PATH" in done.stderr and "sources=" not in done.stderr


def test_missing_file_exits_2() -> None:
    done = arazzo("validate", "does-not-exist.yaml")
    assert done.returncode == 2 and "does-not-exist.yaml" in done.stderr


def test_list_shows_workflows_and_inputs() -> None:
    done = arazzo("list", str(PETS))
    assert done.returncode == 0
    assert "adopt" in done.stdout and "--input name=<string> (required)" in done.stdout


def test_run_json_shape_and_redaction() -> None:
    with FakeFalServer(api_key="s3cret-key", events=2, interval=0.01) as server:
        done = arazzo(*fal_args(server, "s3cret-key", "--json"))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) >= {"workflowId", "succeeded", "outputs", "error", "steps"}
    assert result["succeeded"] is True and result["outputs"] == {"statusCode": 200}
    assert result["steps"][0]["stepId"] == "openStream"
    assert result["steps"][0]["statusCode"] == 200
    assert "s3cret-key" not in done.stdout + done.stderr


def test_run_failure_exits_1_and_never_prints_the_credential() -> None:
    with FakeFalServer(api_key="right-key", events=1, interval=0.01) as server:
        done = arazzo(*fal_args(server, "wrong-key"))
    assert done.returncode == 1
    assert "openStream" in done.stderr
    assert "wrong-key" not in done.stdout + done.stderr


def test_unknown_workflow_exits_2() -> None:
    done = arazzo("run", str(PETS), "-w", "nope")
    assert done.returncode == 2 and "'nope'" in done.stderr and "adopt" in done.stderr


def test_inputs_breaking_schema_exit_2() -> None:
    done = arazzo("run", str(PETS), "-w", "adopt", "--input", "tags=notjson")
    assert done.returncode == 2 and "tags" in done.stderr


def test_inputs_file_then_input_overrides(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"modelOwner": "x", "modelName": "any-llm", "input": {}}))
    with FakeFalServer(api_key="k", events=1, interval=0.01) as server:
        done = arazzo(
            "run",
            str(FAL_WORKFLOW),
            "--inputs-file",
            str(inputs),
            "--input",
            "modelOwner=fal-ai",
            "--server",
            f"falModelApis={server.url}",
            "--auth",
            "FalKeyAuth=Key k",
            "--json",
        )
        assert done.returncode == 0, done.stderr
        assert server.requests[0].path == "/fal-ai/any-llm/stream"


def test_malformed_option_exits_2() -> None:
    done = arazzo("run", str(PETS), "-w", "adopt", "--server", "no-equals-sign")
    assert done.returncode == 2 and "--server" in done.stderr


def test_version() -> None:
    done = arazzo("--version")
    assert done.returncode == 0 and done.stdout.startswith("arazzo ")
