"""The built wheel works on its own: grammar inside, console script, no source tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

OPENAPI = """\
openapi: 3.1.0
info: {title: echo, version: '1'}
servers: [{url: 'http://127.0.0.1:1'}]
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: ok}}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: smoke, version: '1'}
sourceDescriptions:
- {name: echo, url: echo.openapi.yaml, type: openapi}
workflows:
- workflowId: fetch
  inputs: {type: object, properties: {id: {type: string}}}
  steps:
  - stepId: get
    operationId: getItem
    parameters:
    - {name: id, in: path, value: $inputs.id}
    successCriteria:
    - condition: $statusCode == 200 && $response.body#/id == 'A-1'
    outputs:
      got: $response.body#/id
  outputs:
    got: $steps.get.outputs.got
"""

SERVER = """\
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def do_GET(self):
        body = json.dumps({"id": self.path.rsplit("/", 1)[-1].upper()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

server = ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Timer(60, server.shutdown).start()
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway venv with only the wheel installed (dependencies borrowed read-only)."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(work / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = (work / "dist").glob("arazzo_engine-*.whl")
    venv = work / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    # Dependencies come from the development venv's site-packages, added as a plain
    # path: .pth files there (the editable install of this repo) are not processed.
    purelib = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sysconfig;print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    Path(purelib, "borrowed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (work / "echo.openapi.yaml").write_text(OPENAPI)
    (work / "smoke.arazzo.yaml").write_text(ARAZZO)
    (work / "server.py").write_text(SERVER)
    return work


def test_wheel_holds_the_grammar(installed: Path) -> None:
    (wheel,) = (installed / "dist").glob("*.whl")
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("arazzo_engine/grammar/") and n.endswith(".lark") for n in names)
    assert "arazzo_engine/py.typed" in names


def test_installed_console_script_runs_a_workflow(installed: Path) -> None:
    venv_bin = installed / "venv" / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    server = subprocess.Popen(
        [str(venv_bin / "python"), "-I", str(installed / "server.py")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        port = server.stdout.readline().strip()
        where = subprocess.run(
            [
                str(venv_bin / "python"),
                "-I",
                "-c",
                "import arazzo_engine, sys; print(arazzo_engine.__file__)",
            ],
            cwd=installed,
            check=True,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        ).stdout
        assert str(installed / "venv") in where and str(ROOT) not in where
        run = subprocess.run(
            [
                str(venv_bin / "arazzo"),
                "run",
                "smoke.arazzo.yaml",
                "-w",
                "fetch",
                "--input",
                "id=a-1",
                "--server",
                f"echo=http://127.0.0.1:{port}",
                "--json",
            ],
            cwd=installed,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout)
        assert result["succeeded"] is True
        assert result["outputs"] == {"got": "A-1"}
    finally:
        server.kill()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()
