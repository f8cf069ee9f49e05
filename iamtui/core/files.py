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
    fd = os.open(tmp, flags, PRIVATE_MODE)
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
