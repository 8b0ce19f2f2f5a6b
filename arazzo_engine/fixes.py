"""A fix named in the words of the interface in use: library, command line or pytest.

An error that tells the user to set an option (``allow_remote``, ``servers``...)
asks this module how to say it.  The front end sets the interface for what it
calls (:func:`speaking`); the library is the default, so ``Engine.load``
callers read ``Engine.load(..., allow_remote=True)``, ``arazzo`` users
``--allow-remote`` and pytest users ``--arazzo-allow-remote``.  The table below
is the one place where the three spellings of an option sit side by side.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, NamedTuple

__all__ = ["Interface", "current", "fix", "option", "speaking"]

Interface = Literal["library", "cli", "pytest"]

_INTERFACE: ContextVar[Interface] = ContextVar("arazzo_engine_interface", default="library")


class _Spelling(NamedTuple):
    """How one option is set, per interface; ``{name}`` and ``{variable}`` are filled in."""

    library: str
    cli: str
    pytest: str


_OPTIONS: dict[str, _Spelling] = {
    "allow_remote": _Spelling(
        "Engine.load(..., allow_remote=True)",
        "--allow-remote",
        "--arazzo-allow-remote (or arazzo_allow_remote = true in the pytest ini file)",
    ),
    "sources": _Spelling(
        "Engine.load(..., sources={{'{name}': PATH}})",
        "--source {name}=PATH",
        "--arazzo-source {name}=PATH",
    ),
    "servers": _Spelling(
        "Engine.load(..., servers={{'{name}': URL}})",
        "--server {name}=URL",
        "--arazzo-server {name}=URL (or the ARAZZO_SERVER_<SOURCE> environment variable)",
    ),
    "server_variables": _Spelling(
        "Engine.load(..., server_variables={{'{name}': {{'{variable}': VALUE}}}})",
        "--server-var {name}.{variable}=VALUE",
        "arazzo_engine.load(path, server_variables={{'{name}': {{'{variable}': VALUE}}}}) "
        "in a test using the arazzo_engine fixture",
    ),
    "file_folders": _Spelling(
        "Engine.load(..., file_folders=[DIR])",
        "--allow-files DIR",
        "--arazzo-allow-files DIR",
    ),
}

_NAMES: dict[str, _Spelling] = {
    "allow_remote": _Spelling("allow_remote=", "--allow-remote", "--arazzo-allow-remote"),
    "sources": _Spelling("sources=", "--source", "--arazzo-source"),
    "servers": _Spelling("servers=", "--server", "--arazzo-server"),
    "server_variables": _Spelling(
        "server_variables=", "--server-var", "server_variables= (arazzo_engine fixture)"
    ),
    "credentials": _Spelling("credentials=", "--auth", "--arazzo-auth"),
    "path_allow_reserved": _Spelling(
        "path_allow_reserved=", "--path-allow-reserved", "--arazzo-path-allow-reserved"
    ),
    "file_folders": _Spelling("file_folders=", "--allow-files", "--arazzo-allow-files"),
}


@contextmanager
def speaking(interface: Interface) -> Iterator[None]:
    """Within this block, fixes are named for ``interface``."""
    token = _INTERFACE.set(interface)
    try:
        yield
    finally:
        _INTERFACE.reset(token)


def current() -> Interface:
    """The interface fixes are named for here (``library`` unless a front end said)."""
    return _INTERFACE.get()


def fix(keyword: str, name: str = "NAME", variable: str = "VAR") -> str:
    """How to set ``keyword`` (an ``Engine.load`` keyword) in the interface in use."""
    spelling: str = getattr(_OPTIONS[keyword], current())
    return spelling.format(name=name, variable=variable)


def option(keyword: str) -> str:
    """The name of ``keyword`` in the interface in use: ``servers=``, ``--server``..."""
    spelling: str = getattr(_NAMES[keyword], current())
    return spelling
