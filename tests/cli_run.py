"""Running the ``arazzo`` command line as a user would: a real subprocess, a neutral environment.

``arazzo`` runs it to completion; ``ARAZZO`` is the command for tests that need
the process itself (a pipe read line by line, a pseudo-terminal). ``fal_args``
is the ``run`` command line of the fal stream-inference workflow.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

from fixtures.fal.fake_fal_server import FakeFalServer
from tests.conftest import FAL_WORKFLOW, ROOT

ARAZZO = (sys.executable, "-m", "arazzo_engine")


def environment(**changes: str | None) -> dict[str, str]:
    """This process's environment without NO_COLOR and FORCE_COLOR, then ``changes``.

    A value of None removes the variable: the CLI's output must not depend on the
    colour settings of whoever runs the tests.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def arazzo(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``arazzo ARGS`` from the repository root, its output captured as text."""
    return subprocess.run(
        [*ARAZZO, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=dict(env) if env is not None else environment(),
    )


def fal_args(server: FakeFalServer, key: str, *extra: str) -> list[str]:
    """``run`` of the stream-inference workflow against ``server``, authorised with ``key``."""
    return [
        "run",
        str(FAL_WORKFLOW),
        "-w",
        "stream-inference",
        "--input",
        "modelOwner=fal-ai",
        "--input",
        "modelName=any-llm",
        "--input",
        'input:={"prompt": "hi"}',
        "--server",
        f"falModelApis={server.url}",
        "--auth",
        f"FalKeyAuth=Key {key}",
        *extra,
    ]
