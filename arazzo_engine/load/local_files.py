"""Reading a local file's bytes safely: regular files only, bounded, never blocking.

Documents name files (a source ``url``, a ``$ref``, a ``$file`` marker), and a
document may come from an untrusted author.  A name like ``/dev/zero`` would
read for ever, a FIFO would block the open for ever, and a huge file would
exhaust memory.  So every local read of the engine goes through
:func:`read_local_file`: the file is opened non-blocking (a FIFO opens at
once), checked with ``fstat`` to be a regular file, and read up to a limit,
checked against its size first and again while reading (a file that grows).

Errors are :class:`~arazzo_engine.errors.DocumentError` s naming the path and
why, never the file's content.
"""

from __future__ import annotations

import errno
import os
import stat

from arazzo_engine.errors import DocumentError

__all__ = ["MAX_DOCUMENT_BYTES", "read_local_file"]

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""Largest local document read (Arazzo documents, source descriptions, ``$ref`` 'd
files, ``--inputs-file``): 64 MiB."""

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CHUNK = 1024 * 1024


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_local_file(
    path: str | os.PathLike[str], *, limit: int, what: str = "file", follow_symlinks: bool = True
) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    ``what`` names the file in messages (``"document"``, ``"file"``).  With
    ``follow_symlinks=False`` a symbolic link as the last component is refused
    (the caller resolved the path already and checked where it leads).
    Raises DocumentError for a missing, unreadable, special or too large file.
    """
    file = os.fspath(path)
    flags = _OPEN_FLAGS | (0 if follow_symlinks else _NO_FOLLOW)
    try:
        descriptor = os.open(file, flags)
    except FileNotFoundError:
        raise DocumentError(f"file not found: {file}") from None
    except IsADirectoryError:
        raise DocumentError(f"{file} is a directory, not a {what}") from None
    except PermissionError:
        raise DocumentError(f"cannot read {file}: permission denied") from None
    except OSError as error:
        if error.errno == errno.ELOOP and not follow_symlinks:
            raise DocumentError(f"{file} is a symbolic link, not a {what}") from None
        raise DocumentError(f"cannot read {file}: {error.strerror or error}") from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            kind = _kind(status.st_mode)
            raise DocumentError(f"{file} is {kind}, not a {what}; only regular files are read")
        if status.st_size > limit:
            raise DocumentError(_too_large(file, what, limit))
        parts: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(descriptor, _CHUNK)
            if not chunk:
                return b"".join(parts)
            size += len(chunk)
            if size > limit:
                raise DocumentError(_too_large(file, what, limit))
            parts.append(chunk)
    except OSError as error:
        raise DocumentError(f"cannot read {file}: {error.strerror or error}") from None
    finally:
        os.close(descriptor)


def _too_large(file: str, what: str, limit: int) -> str:
    return f"{file} is larger than the {limit:,} bytes a {what} may have"
