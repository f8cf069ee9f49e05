"""Writing files that hold the whole inventory (snapshots, scan reports) readable by the owner only.

Such a file maps every principal, key and policy of an account: it is created 0600 whatever the
umask, written to a fresh temporary file beside the target and renamed over it, so a crash never
leaves half a file and an existing file, hard link or symlink at the path never lends it a wider
mode (the rename replaces the name; it never writes through it).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

PRIVATE_MODE = 0o600


class NotAFileError(OSError):
    """The path names something other than a regular file, which a rename would destroy."""


class FileTooLargeError(OSError):
    """The file is larger than anything iamtui writes: reading it whole would exhaust memory."""


#: Largest snapshot file read: a 10k-principal account saves to a few hundred MB at most.
MAX_SNAPSHOT_BYTES = 1 << 30
#: Largest settings file read: a hand-written TOML file is a few KB.
MAX_CONFIG_BYTES = 1 << 20


def read_bounded(path: Path | str, limit: int) -> bytes:
    """A regular file's bytes, refusing devices, FIFOs, directories and files over ``limit``.

    ``/dev/zero`` would grow without end and a FIFO would block forever: both are refused
    before reading (the FIFO is opened non-blocking, so the open itself cannot hang).
    """
    path = Path(path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFileError("not a regular file")
        if info.st_size > limit:
            raise FileTooLargeError(f"larger than {_size(limit)}")
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise FileTooLargeError(f"larger than {_size(limit)}")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _size(limit: int) -> str:
    return f"{limit >> 30} GiB" if limit >= 1 << 30 else f"{limit >> 20} MiB"


def write_private(path: Path | str, data: bytes | str) -> None:
    """Atomically replace ``path`` with ``data`` as a new 0600 file (str is written as UTF-8)."""
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(path.stat().st_mode):
            # A device, pipe or directory (``-o /dev/stdout``): renaming over it would replace it.
            raise NotAFileError(f"{path} is not a regular file: give a file path")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, PRIVATE_MODE)
    except FileNotFoundError:
        # The temporary name means nothing to the operator: name the file they asked for.
        raise FileNotFoundError(f"{path}: no such directory {path.parent}") from None
    try:
        try:
            os.fchmod(fd, PRIVATE_MODE)  # the umask can only narrow it; make it exact
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _sync_dir(path.parent)


def _sync_dir(directory: Path) -> None:
    """Make the rename durable (best effort: some filesystems refuse a directory fsync)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
