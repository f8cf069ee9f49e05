"""write_private: inventory files are 0600 and never replace something that is not a file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from iamtui.core.files import NotAFileError, write_private


def test_a_new_file_is_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        write_private(tmp_path / "inventory.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "inventory.json").stat().st_mode) == 0o600


def test_a_device_or_pipe_is_refused_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotAFileError, match="is not a regular file"):
        write_private(fifo, "{}")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotAFileError):
        write_private(tmp_path, "{}")
