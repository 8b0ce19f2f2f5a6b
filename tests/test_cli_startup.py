"""The CLI imports what a command needs when it runs it: ``--version`` and ``--help``
cost Python's start and argparse, never the engine's libraries.

Not timed (bench/bench_startup.py measures); each test reads ``sys.modules`` of a
fresh interpreter, which is what the time is spent on.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
