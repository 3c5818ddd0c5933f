"""One process at a time per vault: an OS lock on a file beside it (Qt-free)."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from sac_desktop.fsutil import OWNER_ONLY_FILE
from sac_desktop.storage import errors


class LockFile:
    """Held while a vault is open; the OS releases it if the process dies."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, path: Path) -> LockFile:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, OWNER_ONLY_FILE)
        except OSError as exc:
            if exc.errno in (30, 13):  # EROFS, EACCES
                raise errors.ReadOnlyStorage() from exc
            raise
        try:
            _lock(fd)
        except OSError as exc:
            os.close(fd)
            raise errors.VaultInUse() from exc
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            _unlock(self._fd)
        os.close(self._fd)
        self._fd = None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
