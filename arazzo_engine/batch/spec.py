"""What travels to a worker: how the engine was loaded, and one run's workflow and inputs.

Both hold credentials (in the load options, maybe in the inputs) and both are
pickled to reach the worker, so their reprs name what they hold and never show
a value: Dask keeps and logs reprs of task arguments.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.errors import ConfigurationError

__all__ = ["LoadRecord", "RunSpec", "load_record"]

_UNSHIPPABLE = {
    "transport": "a transport object lives in this process",
    "session": "a requests session lives in this process",
    "_defaults": "the pytest plugin's defaults live in this process",
}
"""Options that are objects of the calling process, and why they cannot travel."""

_DEFAULTS: dict[str, Any] = {
    "servers": None,
    "server_variables": None,
    "sources": None,
    "credentials": None,
    "timeout": 30.0,
    "allow_remote": False,
    "max_steps": 1000,
    "session": None,
    "path_allow_reserved": [],
    "file_folders": (),
    "max_body_bytes": None,
    "max_response_seconds": None,
    "validate": "off",
    "transport": None,
    "strict": True,
    "_defaults": None,
}
"""``Engine.load``'s defaults: an option left at its default is not recorded."""


@dataclass(frozen=True)
class LoadRecord:
    """How ``Engine.load`` was called: the absolute document path and the options given.

    ``digest`` keys a worker's engine cache: the path, the options and the
    document file's size and modification time, so an edited document is
    loaded again.
    """

    path: str
    options: Mapping[str, Any] = field(repr=False)
    digest: str = field(repr=False)

    def __repr__(self) -> str:
        return f"LoadRecord({self.path!r}, options={sorted(self.options)})"

    def shippable(self) -> LoadRecord:
        """Itself, when every option can travel to another process; else ConfigurationError."""
        for name, why in _UNSHIPPABLE.items():
            if self.options.get(name) is not None:
                raise ConfigurationError(
                    f"an engine loaded with {name}= cannot run on an executor: {why}, "
                    "and a worker loads the document again from its path and options"
                )
        for name, value in self.options.items():
            try:
                pickle.dumps(value)
            except Exception as error:
                raise ConfigurationError(
                    f"an engine loaded with {name}= cannot run on an executor: the value "
                    f"cannot be pickled to reach a worker ({type(error).__name__})"
                ) from None
        return self


@dataclass(frozen=True)
class RunSpec:
    """One run as it travels: the load, the workflow id, the inputs and the row index."""

    load: LoadRecord
    workflow_id: str
    inputs: Mapping[str, Any] = field(repr=False)
    row: int
    nonce: str = field(default_factory=lambda: uuid.uuid4().hex, repr=False)
    """Unique per submission: a run started again is a new task, never a cached one."""

    def __dask_tokenize__(self) -> tuple[str, str]:
        """Dask names a task by a hash of its arguments unless told: not of credentials,
        and not the same name for a retry (which would return the lost task's error)."""
        return ("arazzo_engine.RunSpec", self.nonce)

    def __repr__(self) -> str:
        # Inputs may hold secrets as much as credentials do: only their names show.
        return (
            f"RunSpec(row={self.row}, workflow={self.workflow_id!r}, "
            f"inputs={sorted(self.inputs)}, load={self.load!r})"
        )


def load_record(path: str | os.PathLike[str], given: Mapping[str, Any]) -> LoadRecord:
    """The record of one ``Engine.load`` call: paths made absolute, defaults left out.

    Relative paths mean the calling process's working folder; a worker's may
    differ, so the document path and local ``sources=`` overrides are made
    absolute here.
    """
    text = os.fspath(path)
    document = text if "://" in text else os.path.abspath(text)
    options: dict[str, Any] = {}
    for name, value in given.items():
        if value is None or value == _DEFAULTS.get(name):
            continue
        if name == "sources":
            value = {
                k: (os.fspath(v) if "://" in os.fspath(v) else os.path.abspath(os.fspath(v)))
                for k, v in value.items()
            }
        elif name in ("servers", "credentials", "server_variables"):
            value = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in value.items()}
        elif name == "file_folders":
            value = list(value)
        options[name] = value
    return LoadRecord(document, options, _digest(document, options))


def _digest(document: str, options: Mapping[str, Any]) -> str:
    """A key for the worker's cache; holds no credential (a salted hash of the options)."""
    try:
        stat = os.stat(document)
        version = f"{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        version = ""
    hasher = hashlib.blake2b(key=_SALT, digest_size=16)
    hasher.update(document.encode("utf-8", "surrogatepass"))
    hasher.update(version.encode("ascii"))
    try:
        hasher.update(pickle.dumps(sorted(options.items(), key=lambda kv: kv[0])))
    except Exception:  # unpicklable options cannot travel anyway (shippable() says why)
        hasher.update(repr(id(options)).encode("ascii"))
    return hasher.hexdigest()


_SALT = os.urandom(16)
"""Per calling process: a digest says nothing guessable about the credentials it covers."""
