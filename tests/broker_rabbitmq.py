"""A private RabbitMQ node for tests: ``with running_rabbitmq(tmp_path) as broker: ...``.

The node runs from Debian's ``rabbitmq-server`` package as the current user
(root in CI) with everything under ``tmp_path``: its node name
(``arazzo-<random>@localhost``), data, logs, config, an empty plugin list,
the Erlang cookie (``HOME``), and its own ``epmd`` on a free port
(``ERL_EPMD_PORT``) so parallel starts never meet; no system state is read or
written.  AMQP listens on 127.0.0.1 only; the default user guest/guest works
from there.

Start-up takes about 5-6 s on an idle 2-core machine (Erlang boot plus
RabbitMQ's boot steps); it is bounded at 30 s.  ``stop()`` kills the node at
once (SIGKILL to its process group and to every process that inherited its
environment, then its epmd): used to test a broker that vanishes.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pika
import pika.exceptions
import pytest

__all__ = ["RabbitMQ", "running_rabbitmq"]

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
EPMD = "/usr/bin/epmd"
START_TIMEOUT = 30.0

CONFIG = """\
loopback_users.guest = true
disk_free_limit.absolute = 1MB
vm_memory_high_watermark.relative = 0.9
log.console = false
log.file.level = warning
"""
"""Low alarm thresholds: a full /tmp must not silently block publishers in a test."""


@dataclass
class RabbitMQ:
    """A running node: where it listens, as whom, and how to kill it."""

    port: int
    node: str
    directory: Path
    username: str = "guest"
    password: str = "guest"
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)

    @property
    def url(self) -> str:
        return f"amqp://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Kill the node now (no clean shutdown) and its epmd; idempotent."""
        for process in self._processes:
            _kill_group(process)
        _kill_inheritors(self.node)
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self._processes.clear()

    def log_tail(self, lines: int = 30) -> str:
        """The end of the node's start-up output and log, for a failure message."""
        texts = []
        for path in [self.directory / "stdout.log", *sorted(self.directory.glob("log/*.log"))]:
            if path.is_file():
                texts.append(
                    f"--- {path.name}\n" + "\n".join(path.read_text().splitlines()[-lines:])
                )
        return "\n".join(texts)


@contextmanager
def running_rabbitmq(tmp_path: Path, **options: str) -> Iterator[RabbitMQ]:
    """Start a private node under ``tmp_path``; yield it once a pika client gets in; kill it.

    ``options`` are extra ``rabbitmq.conf`` lines (``key=value``).
    """
    for binary, package in ((SERVER, "rabbitmq-server"), (EPMD, "erlang-base")):
        if not os.path.exists(binary):
            pytest.fail(f"{binary} is missing: apt-get install {package}")
    directory = tmp_path / f"rabbitmq-{secrets.token_hex(3)}"
    directory.mkdir(parents=True)
    port, dist_port, epmd_port = _free_ports(3)
    node = f"arazzo-{secrets.token_hex(4)}@localhost"
    config = directory / "rabbitmq.conf"
    extra = "".join(f"{key} = {value}\n" for key, value in options.items())
    config.write_text(f"listeners.tcp.default = 127.0.0.1:{port}\n" + CONFIG + extra)
    (directory / "enabled_plugins").write_text("[].\n")
    env = _environment(directory, node, port, dist_port, epmd_port, config)
    broker = RabbitMQ(port=port, node=node, directory=directory)
    try:
        broker._processes.append(_spawn([EPMD, "-port", str(epmd_port)], env, directory))
        broker._processes.append(_spawn([SERVER], env, directory))
        _wait_ready(broker)
        yield broker
    finally:
        broker.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _environment(
    directory: Path, node: str, port: int, dist_port: int, epmd_port: int, config: Path
) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("RABBITMQ_", "ERL_"))
    }
    env.update(
        HOME=str(directory),
        RABBITMQ_NODENAME=node,
        RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
        RABBITMQ_NODE_PORT=str(port),
        RABBITMQ_DIST_PORT=str(dist_port),
        ERL_EPMD_PORT=str(epmd_port),
        RABBITMQ_MNESIA_BASE=str(directory / "mnesia"),
        RABBITMQ_LOG_BASE=str(directory / "log"),
        RABBITMQ_CONFIG_FILE=str(config),
        RABBITMQ_ENABLED_PLUGINS_FILE=str(directory / "enabled_plugins"),
        RABBITMQ_PID_FILE=str(directory / "rabbitmq.pid"),
        RABBITMQ_CONF_ENV_FILE=str(directory / "rabbitmq-env.conf"),
        RABBITMQ_ADVANCED_CONFIG_FILE=str(directory / "advanced.config"),
    )
    return env


def _spawn(command: list[str], env: dict[str, str], directory: Path) -> subprocess.Popen[bytes]:
    """Start ``command`` in its own session (one kill reaches all it forks), output to a file."""
    with open(directory / "stdout.log", "ab") as output:
        return subprocess.Popen(
            command,
            env=env,
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_ready(broker: RabbitMQ) -> None:
    """Until the AMQP port accepts and a pika connection opens; fail after START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    server = broker._processes[-1]
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"rabbitmq-server exited with {server.returncode}:\n{broker.log_tail()}")
        if _accepts(broker.port) and _pika_gets_in(broker):
            return
        time.sleep(0.2)
    pytest.fail(f"RabbitMQ did not start within {START_TIMEOUT:g} s:\n{broker.log_tail()}")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _pika_gets_in(broker: RabbitMQ) -> bool:
    parameters = pika.ConnectionParameters(
        "127.0.0.1",
        broker.port,
        credentials=pika.PlainCredentials(broker.username, broker.password),
        connection_attempts=1,
        socket_timeout=2,
        stack_timeout=3,
    )
    try:
        connection = pika.BlockingConnection(parameters)
    except pika.exceptions.AMQPError:
        return False
    connection.close()
    return True


def _free_ports(count: int) -> list[int]:
    """``count`` distinct ports free right now on 127.0.0.1."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _kill_inheritors(node: str) -> None:
    """Kill Erlang's helpers that left the group (erl_child_setup, inet_gethost: setsid).

    They all carry the node's environment, which names the node: that is how
    they are found, and only ours.
    """
    marker = f"RABBITMQ_NODENAME={node}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            with suppress(ProcessLookupError):
                os.kill(int(entry), signal.SIGKILL)
