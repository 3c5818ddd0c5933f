"""Crash files and process hardening (Qt-free).

A crash file holds exception type names and stack frames only: never the exception's
message (it may quote case data) nor local values. Showing a dialog is the interface's
job; it registers a callback here.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import platform
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from sac_desktop import __version__
from sac_desktop.fsutil import atomic_write, ensure_private_dir, open_private_append
from sac_desktop.logsafe import exception_chain_summary, get_logger

_log = get_logger("crash")


def disable_core_dumps() -> None:
    """Best effort: no core file and no ptrace by other processes of this user."""
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_dumpable = 4
            libc.prctl(pr_set_dumpable, 0, 0, 0, 0)


def crash_report_text(exc: BaseException) -> str:
    lines = [
        "SAC Desktop crash report",
        f"version: {__version__}",
        f"python: {platform.python_version()}",
        f"platform: {sys.platform}",
        f"time_utc: {datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "",
        *exception_chain_summary(exc),
        "",
    ]
    return "\n".join(lines)


class CrashHandler:
    """Catches uncaught exceptions (any thread), writes a crash file, calls the notifier."""

    def __init__(self, crash_dir: Path) -> None:
        self.crash_dir = crash_dir
        self.notify: Callable[[Path], None] | None = None
        self._fault_file: IO[bytes] | None = None

    def write(self, exc: BaseException) -> Path:
        ensure_private_dir(self.crash_dir)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.crash_dir / f"crash-{stamp}.txt"
        atomic_write(path, crash_report_text(exc).encode("utf-8"))
        _log.event("crash.written", error_kind=type(exc).__name__.lower())
        return path

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            return
        if exc.__traceback__ is None:
            exc.__traceback__ = tb
        try:
            path = self.write(exc)
        except Exception:  # disk full while crashing: stay silent
            # Never fall back to Python's default hook: it prints the message (case data?).
            return
        if self.notify is not None:
            self.notify(path)

    def _unraisable_hook(self, unraisable: sys.UnraisableHookArgs) -> None:
        if unraisable.exc_value is not None:
            try:
                self.write(unraisable.exc_value)
            except Exception:  # see handle()
                return

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    def install(self) -> None:
        sys.excepthook = self.handle
        threading.excepthook = self._thread_hook
        sys.unraisablehook = self._unraisable_hook
        ensure_private_dir(self.crash_dir)
        fd = open_private_append(self.crash_dir / "fatal.txt")
        self._fault_file = os.fdopen(fd, "ab")
        # Fatal errors (segfaults) print frames only: file, line, function.
        faulthandler.enable(file=self._fault_file, all_threads=True)
