"""Every code block of README.md and docs/*.md runs as written (tests/doc_snippets.py).

Each block runs in its own process, with a timeout, from a folder laid out like
the repository root.  A block marked ``server`` (a command the reader runs in
another terminal) is started in the background for the later blocks of its
file.  The fixed port the docs use is swapped for a free one, so that two test
runs on one machine do not collide; nothing else is changed.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.doc_snippets import ROOT, Snippet, all_snippets, python_source, snippets_of

SNIPPETS = all_snippets()
RUN = [s for s in SNIPPETS if s.mark not in ("fragment", "server")]
DOC_PORT = "8765"
TIMEOUT = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, server: subprocess.Popen[bytes], where: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"{where}: the server command exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"{where}: nothing listens on port {port} after 10 s")


class Servers:
    """The ``server`` blocks started so far, one port per document."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.ports: dict[str, str] = {}
        self.started: dict[str, subprocess.Popen[bytes]] = {}

    def port(self, doc: str) -> str:
        return self.ports.setdefault(doc, str(_free_port()))

    def code(self, snippet: Snippet, code: str) -> str:
        return code.replace(DOC_PORT, self.port(snippet.doc))

    def before(self, snippet: Snippet) -> None:
        """Start every server block of the snippet's document that comes before it."""
        for block in snippets_of(ROOT / snippet.doc):
            if block.mark != "server" or block.line > snippet.line or block.id in self.started:
                continue
            process = subprocess.Popen(
                ["bash", "-c", "exec " + self.code(block, block.code).strip()],
                cwd=self.workdir,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            self.started[block.id] = process
            match = re.search(r"--port[ =](\d+)", self.code(block, block.code))
            assert match, f"{block.id}: a server block must name its --port"
            _wait_for(int(match.group(1)), process, block.id)

    def stop(self) -> None:
        for process in self.started.values():
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where the docs' relative paths mean what they mean at the repository root."""
    folder = tmp_path_factory.mktemp("docs-root")
    for name in ("fixtures", "docs"):
        (folder / name).symlink_to(ROOT / name, target_is_directory=True)
    (folder / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return folder


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    environment["PATH"] = str(Path(sys.executable).parent) + os.pathsep + environment["PATH"]
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


@pytest.fixture(scope="module")
def servers(workdir: Path, env: dict[str, str]) -> Iterator[Servers]:
    started = Servers(workdir, env)
    yield started
    started.stop()


def _command(snippet: Snippet, code: str, workdir: Path) -> list[str]:
    if snippet.language == "sh":
        return ["bash", "-e", "-o", "pipefail", "-c", code]
    name = "test_snippet.py" if snippet.mark == "pytest" else "snippet.py"
    script = workdir / name
    script.write_text(code, encoding="utf-8")
    if snippet.mark == "pytest":
        return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", name]
    return [sys.executable, name]


def _run(snippet: Snippet, code: str, workdir: Path, env: dict[str, str]) -> str | None:
    """None when the snippet ran to exit code 0, else why not, naming its file and line."""
    try:
        done = subprocess.run(
            _command(snippet, code, workdir),
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return f"{snippet.id}: the snippet ran longer than {TIMEOUT} s"
    if done.returncode == 0:
        return None
    return (
        f"{snippet.id}: the snippet exited with {done.returncode}\n"
        f"--- code\n{code}--- stdout\n{done.stdout}--- stderr\n{done.stderr}"
    )


@pytest.mark.parametrize("snippet", RUN, ids=[s.id for s in RUN])
def test_snippet_runs_as_written(
    snippet: Snippet, workdir: Path, env: dict[str, str], servers: Servers
) -> None:
    servers.before(snippet)
    siblings = snippets_of(ROOT / snippet.doc)
    code = servers.code(snippet, python_source(snippet, siblings))
    problem = _run(snippet, code, workdir, env)
    assert problem is None, problem


def test_a_failing_snippet_is_named_by_file_and_line(
    tmp_path: Path, workdir: Path, env: dict[str, str]
) -> None:
    page = tmp_path / "probe.md"
    page.write_text("# probe\n\n```python\nraise SystemExit(3)\n```\n", encoding="utf-8")
    (snippet,) = snippets_of(page)
    problem = _run(snippet, snippet.code, workdir, env)
    assert problem is not None and problem.startswith("probe.md:3: the snippet exited with 3")


def test_every_runnable_block_is_run_or_marked() -> None:
    """The README has runnable blocks, and a fragment stays rare."""
    readme = [s for s in SNIPPETS if s.doc == "README.md"]
    assert any(s.language == "python" and s.mark is None for s in readme)
    fragments = [s.id for s in SNIPPETS if s.mark == "fragment"]
    assert len(fragments) <= len(SNIPPETS) // 3, fragments


def test_marks_are_read_from_the_line_before_the_fence(tmp_path: Path) -> None:
    page = tmp_path / "probe.md"
    page.write_text(
        "text\n<!-- snippet: fragment -->\n```python\nx(\n```\n\n```sh\necho hi\n```\n"
        "```yaml\na: 1\n```\n",
        encoding="utf-8",
    )
    found = snippets_of(page)
    assert [(s.line, s.language, s.mark) for s in found] == [
        (3, "python", "fragment"),
        (7, "sh", None),
    ]
