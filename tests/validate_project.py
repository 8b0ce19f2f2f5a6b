"""Small projects of Arazzo documents written into a folder, and ``arazzo validate`` run in it.

``flow`` writes a one-step document whose step output ``tag`` nothing reads (one
``unused-output`` warning, on the line ``line_of(text, "tag:")``), ``api`` the
OpenAPI description it calls.  ``validate_in`` runs the command line in this
process with the folder as the current directory; ``validate_process`` runs it
as a real subprocess there.
"""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from arazzo_engine.cli.main import main
from tests.cli_run import ARAZZO, environment

API = """\
openapi: 3.1.0
info: {title: pets, version: '1'}
paths:
  /pets/{petId}:
    get:
      operationId: getPet
      parameters:
      - {name: petId, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
"""


def flow_text(
    *,
    source: str = "api.openapi.yaml",
    operation: str = "getPet",
    tag_comment: str = "",
    above_tag: str = "",
    output_read: bool = False,
) -> str:
    """A one-step document; ``tag_comment`` ends the ``tag:`` line, ``above_tag`` precedes it."""
    above = f"      {above_tag}\n" if above_tag else ""
    outputs = "  outputs:\n    tag: $steps.get.outputs.tag\n" if output_read else ""
    return (
        "arazzo: 1.0.1\n"
        "info: {title: pets, version: '1'}\n"
        "sourceDescriptions:\n"
        f"- {{name: api, url: {source}, type: openapi}}\n"
        "workflows:\n"
        "- workflowId: w\n"
        "  steps:\n"
        "  - stepId: get\n"
        f"    operationId: {operation}\n"
        "    parameters:\n"
        "    - {name: petId, in: path, value: '1'}\n"
        "    successCriteria:\n"
        "    - condition: $statusCode == 200\n"
        "    outputs:\n"
        f"{above}"
        f"      tag: $response.body#/tag{'  ' + tag_comment if tag_comment else ''}\n"
        f"{outputs}"
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def flow(folder: Path, name: str = "flow.arazzo.yaml", text: str | None = None) -> Path:
    """``text`` (default ``flow_text()``) written as ``folder/name``, the API beside it."""
    write(folder / "api.openapi.yaml", API)
    return write(folder / name, flow_text() if text is None else text)


def line_of(path: Path, fragment: str) -> int:
    """The 1-based number of the first line of ``path`` holding ``fragment``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} is not in {path}")


@dataclass(frozen=True)
class Done:
    code: int
    stdout: str
    stderr: str


def validate_in(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> Done:
    """``arazzo validate ARGS`` in this process, run from ``folder``."""
    monkeypatch.chdir(folder)
    capsys.readouterr()
    out = io.StringIO()
    code = main(["validate", *args], out=out)
    return Done(code, out.getvalue(), capsys.readouterr().err)


def validate_process(folder: Path, *args: str) -> Done:
    """``arazzo validate ARGS`` as a subprocess whose current directory is ``folder``."""
    done = subprocess.run(
        [*ARAZZO, "validate", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
        env=environment(),
    )
    return Done(done.returncode, done.stdout, done.stderr)
