"""Nothing left open: no thread, no socket survives the code under test.

Threads are compared as sets: a thread of an earlier test (a server's
connection handler) may end meanwhile without it being a leak.  Sockets are
read from ``/proc/self/fd`` (Linux); elsewhere only threads are checked.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["nothing_left_open", "socket_fds"]


def socket_fds() -> set[str]:
    """The sockets this process holds open, as ``socket:[inode]``."""
    found = set()
    if not os.path.isdir("/proc/self/fd"):
        return found
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


@contextmanager
def nothing_left_open(grace: float = 3.0) -> Iterator[None]:
    """Fail when the block leaves a thread or a socket behind (after ``grace`` seconds)."""
    gc.collect()
    threads = set(threading.enumerate())
    sockets = socket_fds()
    yield
    gc.collect()
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and (
        set(threading.enumerate()) - threads or socket_fds() - sockets
    ):
        time.sleep(0.01)
        gc.collect()
    left = set(threading.enumerate()) - threads
    assert not left, f"threads left running: {sorted(t.name for t in left)}"
    assert not socket_fds() - sockets, "sockets left open"
