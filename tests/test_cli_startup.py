"""The CLI imports what a command needs when it runs it: ``--version`` and ``--help``
cost Python's start and argparse, never the engine's libraries.

Not timed (bench/bench_startup.py measures); each test reads ``sys.modules`` of a
fresh interpreter, which is what the time is spent on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "arazzo_engine.engine",
    "arazzo_engine.events",
    "arazzo_engine.expressions",
    "arazzo_engine.validation",
    "elementpath",
    "jsonpath",
    "jsonpath_ng",
    "jsonschema",
    "lark",
    "openapi_schema_validator",
    "referencing",
    "regex",
    "requests",
    "urllib3",
    "yaml",
)


def _heavy_after(code: str) -> list[str]:
    probe = (
        f"import json, sys\n{code}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    found: list[str] = json.loads(done.stdout.splitlines()[-1])
    return found


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["run", "--help"]])
def test_version_and_help_import_no_heavy_library(argv: list[str]) -> None:
    code = (
        "from arazzo_engine.cli.main import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
    )
    assert _heavy_after(code) == []


def test_the_package_imports_its_public_names_on_first_use() -> None:
    assert _heavy_after("import arazzo_engine") == []
    assert _heavy_after("from arazzo_engine import ArazzoError, Diagnostic") == []
    assert "arazzo_engine.engine" in _heavy_after("from arazzo_engine import Engine")


def test_a_module_of_http_or_reports_does_not_pull_in_requests() -> None:
    loaded = _heavy_after("import arazzo_engine.http.sse, arazzo_engine.reports.printable")
    assert "requests" not in loaded and "arazzo_engine.events" not in loaded


def test_version_prints_to_stdout() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "arazzo_engine", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("arazzo ") and done.stderr == ""


def test_validate_formats_are_the_validation_report_formats() -> None:
    from arazzo_engine.cli.main import FORMATS as CLI_FORMATS
    from arazzo_engine.validation.report import FORMATS

    assert tuple(CLI_FORMATS) == tuple(FORMATS)


def test_unknown_public_name_is_an_attribute_error() -> None:
    import arazzo_engine
    import arazzo_engine.http
    import arazzo_engine.reports

    for module in (arazzo_engine, arazzo_engine.http, arazzo_engine.reports):
        with pytest.raises(AttributeError, match="no attribute 'Nope'"):
            module.Nope  # noqa: B018
        assert set(module.__all__) <= set(dir(module))


RUN_ONLY = (
    "arazzo_engine.run.interpreter",
    "arazzo_engine.events",
    "arazzo_engine.sources.xml_edit",
    "elementpath",
    "http.cookiejar",
    "jsonschema",
    "lark",
    "referencing",
    "regex",
    "requests",
    "urllib3",
    "xml.etree.ElementTree",
)
"""What running, or an unusual document, needs: loading a plain one imports none of it
(Lark reads the expressions that expressions/plain.py does not)."""

PLAIN_API = {
    "openapi": "3.0.3",
    "info": {"title": "plain", "version": "1.0.0"},
    "servers": [{"url": "http://127.0.0.1:9"}],
    "paths": {
        "/pets/{petId}": {
            "get": {
                "operationId": "getPet",
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "a pet",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {"Pet": {"type": "object", "properties": {"name": {"type": "string"}}}}
    },
}
PLAIN_FLOW = {
    "arazzo": "1.0.1",
    "info": {"title": "plain", "version": "1.0.0"},
    "sourceDescriptions": [{"name": "pets", "url": "pets.openapi.json", "type": "openapi"}],
    "workflows": [
        {
            "workflowId": "adopt",
            "inputs": {
                "type": "object",
                "required": ["petId"],
                "properties": {"petId": {"type": "string", "description": "which pet"}},
            },
            "steps": [
                {
                    "stepId": "getPet",
                    "operationId": "getPet",
                    "parameters": [{"name": "petId", "in": "path", "value": "$inputs.petId"}],
                    "successCriteria": [{"condition": "$statusCode == 200"}],
                    "outputs": {"name": "$response.body#/name"},
                }
            ],
            "outputs": {"petName": "$steps.getPet.outputs.name"},
        }
    ],
}


def _loaded_after(code: str, folder: str) -> list[str]:
    probe = (
        f"import json, os, sys\nos.chdir({folder!r})\n{code}\n"
        f"print(json.dumps([m for m in {RUN_ONLY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    found: list[str] = json.loads(done.stdout.splitlines()[-1])
    return found


@pytest.fixture
def plain_document(tmp_path: Path) -> Path:
    (tmp_path / "pets.openapi.json").write_text(json.dumps(PLAIN_API), encoding="utf-8")
    path = tmp_path / "adopt.arazzo.json"
    path.write_text(json.dumps(PLAIN_FLOW), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["validate", "list"])
def test_validate_and_list_import_nothing_only_a_run_needs(
    plain_document: Path, command: str
) -> None:
    code = (
        "from arazzo_engine.cli.main import main\n"
        f"assert main([{command!r}, {plain_document.name!r}]) == 0\n"
    )
    assert _loaded_after(code, str(plain_document.parent)) == []


def test_engine_load_imports_nothing_only_a_run_needs(plain_document: Path) -> None:
    code = (
        "from arazzo_engine import Engine\n"
        f"engine = Engine.load({plain_document.name!r})\n"
        "assert engine.workflow_ids == ['adopt'] and not engine.findings\n"
        "engine.close()\n"
    )
    assert _loaded_after(code, str(plain_document.parent)) == []


def test_a_run_imports_what_it_needs_when_it_runs(plain_document: Path) -> None:
    code = (
        "from arazzo_engine import Engine\n"
        f"engine = Engine.load({plain_document.name!r})\n"
        "result = engine.run('adopt', {'petId': '7'})\n"
        "assert not result.succeeded\n"  # nothing listens on port 9
    )
    loaded = _loaded_after(code, str(plain_document.parent))
    assert {"arazzo_engine.run.interpreter", "requests", "jsonschema"} <= set(loaded)


def test_an_inputs_schema_beyond_the_plain_keywords_is_still_checked(tmp_path: Path) -> None:
    (tmp_path / "pets.openapi.json").write_text(json.dumps(PLAIN_API), encoding="utf-8")
    flow = json.loads(json.dumps(PLAIN_FLOW))
    flow["workflows"][0]["inputs"]["properties"]["petId"]["minLength"] = -1
    (tmp_path / "bad.arazzo.json").write_text(json.dumps(flow), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "arazzo_engine", "validate", "--no-config", "bad.arazzo.json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "[inputs-schema]" in done.stderr and "-1 is less than the minimum of 0" in done.stderr


def test_the_pytest_plugin_imports_no_engine_until_a_document_is_collected() -> None:
    # Every pytest run loads the plugin (entry point pytest11), Arazzo documents or not.
    assert _heavy_after("import arazzo_engine.pytest_plugin") == []


def test_the_pattern_flags_are_the_regex_packages() -> None:
    # patterns/matching.py spells them with re's values so that importing it needs no regex.
    import regex

    from arazzo_engine.patterns import matching

    assert (matching.IGNORECASE, matching.MULTILINE, matching.DOTALL, matching.VERBOSE) == (
        regex.IGNORECASE,
        regex.MULTILINE,
        regex.DOTALL,
        regex.VERBOSE,
    )


def test_the_startup_bench_runs_and_prints_each_ratio() -> None:
    bench = Path(__file__).resolve().parent.parent / "bench" / "bench_startup.py"
    done = subprocess.run(
        [sys.executable, str(bench), "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    for name in ("--version", "--help", "validate", "list"):
        (line,) = [line for line in lines if line.startswith(f"arazzo {name}")]
        assert " ms " in line and "x  " in line
