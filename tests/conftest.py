"""Shared test fixtures: the repository root on sys.path, local HTTP servers, a mock one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fixtures.fal.fake_fal_server import FakeFalServer  # noqa: E402
from tests.http_server import MockServer, RecordingServer  # noqa: E402

FAL_WORKFLOW = ROOT / "fixtures" / "fal" / "arazzo" / "fal-ai-stream-inference-workflow.yml"


@pytest.fixture
def fal_server() -> Iterator[FakeFalServer]:
    with FakeFalServer(api_key="test-key", events=3, interval=0.05, lifetime=30.0) as server:
        yield server


@pytest.fixture(scope="module")
def module_server() -> Iterator[RecordingServer]:
    """One RecordingServer per test module, for module-scoped engines loaded against its URL.

    One per module rather than per test: starting and stopping a server per test
    cost a good part of the suite's time.
    """
    with RecordingServer(lifetime=300.0, poll_interval=0.05) as server:
        yield server


@pytest.fixture
def http_server(module_server: RecordingServer) -> RecordingServer:
    """The module's RecordingServer with no routes and no requests: each test starts clean."""
    module_server.reset()
    return module_server


@pytest.fixture
def mock_server() -> MockServer:
    """Routes answered through MockTransport: no socket, for workflow logic."""
    return MockServer()
