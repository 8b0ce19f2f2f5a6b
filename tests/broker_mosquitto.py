"""A real Mosquitto broker for tests: ``running_mosquitto(tmp_path)``.

Each broker is its own ``mosquitto`` process on 127.0.0.1 and a free
ephemeral port, with its configuration, password file and log in
``tmp_path``; persistence is off, so nothing outlives it.  Start-up takes
about 20-50 ms on an idle machine (bounded at 10 s); ``stop()`` kills the
process at once (SIGKILL), which is how tests make a connection drop
mid-wait or a broker go down.

With ``username``/``password`` the broker refuses anonymous clients and
checks a password file made with ``mosquitto_passwd -b``; without them it
allows anonymous clients.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Mosquitto", "running_mosquitto"]

START_TIMEOUT = 10.0
"""Seconds the broker gets to accept connections before the fixture fails."""

_INSTALL = "apt-get install mosquitto"


@dataclass
class Mosquitto:
    """One running broker: where it listens and how to stop it."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    username: str | None = None
    password: str | None = None

    @property
    def url(self) -> str:
        """``mqtt://127.0.0.1:<port>``, no credentials."""
        return f"mqtt://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Kill the broker now (no clean disconnect for its clients)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=5)

    def log_text(self) -> str:
        """What the broker logged so far (for failure messages)."""
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


def _binary(name: str, folders: tuple[str, ...]) -> str:
    """The path of a Mosquitto binary; a clear failure naming the package when missing."""
    found = shutil.which(name)
    if found:
        return found
    for folder in folders:
        candidate = Path(folder) / name
        if candidate.is_file():
            return str(candidate)
    raise RuntimeError(f"{name} is not installed: the MQTT tests need it ({_INSTALL})")


def _free_port() -> int:
    """A port nothing listens on right now (the broker binds it just after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _write_config(
    folder: Path, port: int, username: str | None, password: str | None
) -> tuple[Path, Path]:
    """mosquitto.conf (and the password file when credentials are given)."""
    log = folder / "mosquitto.log"
    lines = [
        f"listener {port} 127.0.0.1",
        "persistence false",
        f"log_dest file {log}",
        "log_type error",
        "log_type warning",
        "log_type notice",
        # As root Mosquitto would switch to the 'mosquitto' user, who may not read tmp.
        f"user {getpass.getuser()}",
    ]
    if username is not None:
        passwords = folder / "passwords"
        passwords.touch(mode=0o600)
        passwd = _binary("mosquitto_passwd", ("/usr/bin", "/usr/sbin"))
        subprocess.run(
            [passwd, "-b", str(passwords), username, password or ""],
            check=True,
            capture_output=True,
            timeout=10,
        )
        lines += ["allow_anonymous false", f"password_file {passwords}"]
    else:
        lines.append("allow_anonymous true")
    config = folder / "mosquitto.conf"
    config.write_text("\n".join(lines) + "\n")
    return config, log


def _wait_accepting(broker: Mosquitto, deadline: float) -> None:
    """Return once the broker's port accepts a TCP connection; fail at ``deadline``."""
    while time.monotonic() < deadline:
        if broker.process.poll() is not None:
            raise RuntimeError(
                f"mosquitto exited with code {broker.process.returncode}: {broker.log_text()}"
            )
        try:
            with socket.create_connection(("127.0.0.1", broker.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(
        f"mosquitto did not accept connections within {START_TIMEOUT} s: {broker.log_text()}"
    )


@contextmanager
def running_mosquitto(
    tmp_path: Path, username: str | None = None, password: str | None = None
) -> Iterator[Mosquitto]:
    """A Mosquitto broker on a free port, killed when the block ends."""
    binary = _binary("mosquitto", ("/usr/sbin", "/usr/local/sbin"))
    folder = Path(tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    config, log = _write_config(folder, port, username, password)
    process = subprocess.Popen(
        [binary, "-c", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    broker = Mosquitto(process, port, log, username, password)
    try:
        _wait_accepting(broker, time.monotonic() + START_TIMEOUT)
        yield broker
    finally:
        broker.stop()
