"""A real nats-server for the NATS adapter tests (Debian package ``nats-server``).

``running_nats(tmp_path)`` starts ``/usr/sbin/nats-server`` on 127.0.0.1 with
an ephemeral port (``-p -1``: the server picks a free one and writes it to a
ports file, so no other process can take it between picking and binding) and
yields a :class:`NatsBroker` once the server accepts TCP connections.  With
``username``/``password`` it requires them (a config file in ``tmp_path``);
``max_payload`` sets the server's own message size limit; ``deny`` lists subjects
the user may neither publish nor subscribe to (with ``username`` only).

Start-up takes about 10-50 ms on an idle machine; it is bounded at
``START_TIMEOUT`` seconds, after which the server is killed and the test fails.
``.stop()`` kills it at once (SIGKILL, for "connection lost mid-wait" and
"broker down" tests); leaving the ``with`` block does the same if still running.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["NATS_SERVER", "START_TIMEOUT", "NatsBroker", "running_nats"]

NATS_SERVER = "/usr/sbin/nats-server"
START_TIMEOUT = 10.0
"""Seconds a server may take to accept connections before the test fails."""


@dataclass
class NatsBroker:
    """A running nats-server: where it listens, who may connect, how to kill it."""

    port: int
    process: subprocess.Popen[bytes] = field(repr=False)
    log: Path
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """``nats://127.0.0.1:PORT`` (no credentials in it)."""
        return f"nats://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Kill the server now and reap it; idempotent."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=5)


def _config(
    tmp_path: Path,
    username: str | None,
    password: str | None,
    max_payload: int | None,
    deny: Sequence[str],
) -> Path:
    """A config file with the user, its denied subjects and the limits asked for."""
    lines = []
    if username is not None or password is not None:
        user: dict[str, object] = {"user": username or "", "password": password or ""}
        if deny:
            user["permissions"] = {
                "publish": {"deny": list(deny)},
                "subscribe": {"deny": list(deny)},
            }
        lines.append(f"authorization {{ users: [ {json.dumps(user)} ] }}")
    if max_payload is not None:
        lines.append(f"max_payload: {max_payload}")
    path = tmp_path / "nats-server.conf"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _wait_for_port(process: subprocess.Popen[bytes], ports_dir: Path, log: Path) -> int:
    """The port the server listens on, once it accepts a TCP connection (bounded)."""
    deadline = time.monotonic() + START_TIMEOUT
    ports_file = ports_dir / f"nats-server_{process.pid}.ports"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"nats-server exited with code {process.returncode}: {_tail(log)}")
        port = _read_port(ports_file)
        if port is not None and _accepts(port):
            return port
        time.sleep(0.01)
    raise AssertionError(
        f"nats-server did not accept connections within {START_TIMEOUT} s: {_tail(log)}"
    )


def _read_port(ports_file: Path) -> int | None:
    try:
        ports = json.loads(ports_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return int(ports["nats"][0].rsplit(":", 1)[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _tail(log: Path) -> str:
    try:
        return " | ".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-5:])
    except OSError:
        return "(no log)"


@contextmanager
def running_nats(
    tmp_path: Path,
    username: str | None = None,
    password: str | None = None,
    *,
    max_payload: int | None = None,
    deny: Sequence[str] = (),
) -> Iterator[NatsBroker]:
    """A nats-server on 127.0.0.1 for the duration of the block; killed on exit."""
    if shutil.which(NATS_SERVER) is None:
        raise AssertionError(f"{NATS_SERVER} is missing: apt-get install nats-server")
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = _config(tmp_path, username, password, max_payload, deny)
    log = tmp_path / "nats-server.log"
    command = [NATS_SERVER, "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", str(tmp_path)]
    command += ["-c", str(config), "-l", str(log)]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    broker = NatsBroker(port=0, process=process, log=log, username=username, password=password)
    try:
        broker.port = _wait_for_port(process, tmp_path, log)
        yield broker
    finally:
        broker.stop()
