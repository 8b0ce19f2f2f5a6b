"""Where the built expression parser is kept between processes.

Building the LALR tables from ``expressions.lark`` costs tens of milliseconds,
paid by every process that parses an expression (``arazzo validate`` included);
Lark can save the built parser and load it back in a few.  The file lives in the
user's cache folder (``$XDG_CACHE_HOME/arazzo-engine``, else
``~/.cache/arazzo-engine``) and its name holds a hash of everything the tables
depend on: the grammar text, the parser options (the transformer by its class),
Lark's version and Python's.
The file's first line repeats that hash and is checked before anything else is
read, so a file built from another grammar or Lark is never used.  A folder that
cannot be created or written, or a damaged file, only means the parser is built
as without a cache.

Lark saves its tables with ``pickle``, and loading a pickle can run code, so a
file is loaded only when it and its folder belong to the user running the
engine and nobody else can write them; anything else is built anew and never
read.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Lark

__all__ = ["cache_folder", "cached_lark"]

FOLDER_NAME = "arazzo-engine"
MAGIC = "arazzo-engine parser tables"
"""The first line of a cache file starts with it, then the key its name holds."""


def cache_folder() -> Path | None:
    """The user's cache folder for the engine; None when no absolute one is known."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative, which the XDG rules say to ignore
        base = os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    return Path(base) / FOLDER_NAME


def cache_file(folder: Path, grammar: str, options: Mapping[str, Any]) -> Path:
    """The file for ``grammar`` built with ``options`` (the transformer by its class)."""
    import hashlib

    from lark import __version__ as lark_version

    described = sorted(
        (k, _class_name(v) if k == "transformer" else repr(v)) for k, v in options.items()
    )
    key = "\n".join([grammar, repr(described), lark_version, sys.version])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return folder / f"expressions-{digest}.lark"


def _class_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def cached_lark(grammar: str, folder: Path | None, **options: Any) -> Lark:
    """``Lark(grammar, **options)``, loaded from ``folder`` when a matching file is there.

    Otherwise the parser is built and saved for the next process: written to a
    file of this process first and renamed into place, so a process reading
    the cache never sees half a file.
    """
    from lark import Lark

    target = _prepared(folder, grammar, options)
    if target is None:
        return Lark(grammar, **options)
    header = f"{MAGIC} {target.stem}\n".encode("ascii")
    loaded = _loaded(target, header)
    if loaded is not None:
        return loaded
    parser = Lark(grammar, **options)
    _save(parser, target, header)
    return parser


def _prepared(folder: Path | None, grammar: str, options: Mapping[str, Any]) -> Path | None:
    """The cache file, its folder created; None when the folder cannot be had."""
    if folder is None:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    if not folder.is_dir():
        return None
    return cache_file(folder, grammar, options)


def _loaded(target: Path, header: bytes) -> Lark | None:
    """The parser saved in ``target`` when its first line is ``header``; None otherwise."""
    from lark import Lark

    try:
        if not (_private(target.parent) and _private(target)):
            return None
        with target.open("rb") as file:
            if file.readline() != header:
                return None
            parser = Lark.load(file)
    except Exception:  # missing, unreadable or damaged: any of these means building anew
        return None
    return parser if isinstance(parser, Lark) else None


def _private(path: Path) -> bool:
    """Whether ``path`` is the running user's and no one else may write it (POSIX)."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # no POSIX owners: the user's own cache folder is trusted
        return True
    status = path.stat()
    return status.st_uid == getuid() and not status.st_mode & 0o022


def _save(parser: Lark, target: Path, header: bytes) -> None:
    """Write ``parser`` to ``target`` whole or not at all; a failure only leaves no file."""
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        # Owner-only whatever the umask, so that the file is one _private accepts.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(header)
            parser.save(file)
        os.replace(partial, target)
    except Exception:  # a full disk, a read-only folder, a transformer that cannot be saved
        with contextlib.suppress(OSError):
            partial.unlink()
